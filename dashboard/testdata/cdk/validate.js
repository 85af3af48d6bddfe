// Validates CloudFormation templates offline with AWS CloudFormation
// Validate, the engine aws-cdk-lib bundles and runs on what it synthesizes:
// resource schemas, intrinsic functions, references. It reads
// {"templates": {name: template text}} on stdin and prints
// {name: [{"severity", "rule", "message"}]}. SAM resources
// (AWS::Serverless::*) are not expanded, so only their references are
// checked.
'use strict';

const fs = require('fs');
const path = require('path');

const cdkDir = path.dirname(require.resolve('aws-cdk-lib'));
const validate = require(path.join(cdkDir, 'node_modules', '@aws', 'cloudformation-validate'));

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const engine = new validate.CompositeEngine();
const out = {};
try {
  for (const [name, text] of Object.entries(input.templates)) {
    const report = engine.validateTemplate(new validate.TemplateContent(text, name));
    out[name] = report.diagnostics.map((d) => ({ severity: String(d.severity), rule: d.ruleId, message: d.message }));
  }
} finally {
  engine.free();
}
process.stdout.write(JSON.stringify(out));
