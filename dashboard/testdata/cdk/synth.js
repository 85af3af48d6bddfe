// Builds, with AWS's own CloudWatch constructs (aws-cdk-lib's
// aws-cloudwatch), the dashboard and alarms lambdaobs draws for the
// functions it reads on stdin, synthesizes each as a CloudFormation
// template, and prints them as one JSON object keyed by case name.
//
// It is written from the description of the dashboard (package dashboard's
// doc and README), not from its code: CDK lays the widgets out itself, row
// by row, and renders every property. TestMatchesCDK compares the result
// with dashboard.Template's, widget for widget and property for property.
//
// Input: {"cases": [{"name", "functions": [Function as package dashboard
// normalizes it], "periodSeconds", "start", "errorRate",
// "durationThresholdMs", "durationThreshold", "memoryThreshold" (percent),
// "alarmTopics": [ARN or logical id], "dashboardName", "body": whether the
// case is compared with Body, which draws each function in its region}]}.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const cdk = require('aws-cdk-lib');
const cw = require('aws-cdk-lib/aws-cloudwatch');
const actions = require('aws-cdk-lib/aws-cloudwatch-actions');
const sns = require('aws-cdk-lib/aws-sns');

const GRID = 24;
const LOG_LIMIT = 50;
const ALARM_COLOR = '#d62728';

// camel turns a function name into the logical id prefix of its resources:
// "orders-api" into "OrdersApi".
function camel(name) {
  let out = '';
  let up = true;
  for (const c of name) {
    if (/[a-z]/.test(c)) {
      out += up ? c.toUpperCase() : c;
      up = false;
    } else if (/[A-Z0-9]/.test(c)) {
      out += c;
      up = false;
    } else {
      up = true;
    }
  }
  return out || 'Function';
}

// term quotes a search term, escaping what the search syntax reads.
function term(s) {
  return '"' + s.replace(/["\\()]/g, (c) => '\\' + c) + '"';
}

// schema writes a namespace or dimension name of a metric schema.
function schema(s) {
  return /^[A-Za-z0-9]+$/.test(s) ? s : term(s);
}

function search({ namespace, metric, service, dims, stat, period }) {
  const where = dims
    ? '{' + [namespace, 'service', ...dims].map(schema).join(',') + '} '
    : 'Namespace=' + term(namespace) + ' ';
  return `SEARCH('${where}MetricName=${term(metric)} service=${term(service)}', '${stat}', ${period})`;
}

function unitLabel(unit) {
  return { Milliseconds: 'ms', Seconds: 's', Microseconds: 'µs', Percent: '%', Megabytes: 'MB', None: '', Count: '' }[unit] ?? unit;
}

function quoteList(values) {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

// query writes a Logs Insights query: fields, filter, latest first.
function query(fields, field, values) {
  let filter;
  if (values === undefined) filter = `ispresent(${field})`;
  else if (values.length === 1) filter = `${field} = ${JSON.stringify(values[0])}`;
  else filter = `${field} in [${quoteList(values)}]`;
  return [`fields ${fields.join(', ')}`, `filter ${filter}`, 'sort @timestamp desc', `limit ${LOG_LIMIT}`];
}

function build(app, c) {
  const stack = new cdk.Stack(app, c.name, {
    synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const period = cdk.Duration.seconds(c.periodSeconds);
  const alarmPeriod = cdk.Duration.seconds(Math.max(c.periodSeconds, 60));

  // What the template refers to and lambdaobs does not create: the
  // functions and topics (parameters here), the dead-letter queues.
  const declared = new Set();
  const param = (id) => {
    if (!declared.has(id)) {
      declared.add(id);
      new cdk.CfnParameter(stack, id);
    }
    return cdk.Fn.ref(id);
  };
  const queue = (id) => {
    if (!declared.has(id)) {
      declared.add(id);
      new cdk.CfnResource(stack, id, { type: 'AWS::SQS::Queue' });
    }
    return cdk.Fn.getAtt(id, 'QueueName').toString();
  };
  const topics = (c.alarmTopics || []).map((t, i) =>
    new actions.SnsAction(sns.Topic.fromTopicArn(stack, `Topic${i}`, t.startsWith('arn:') ? t : param(t))));

  const dashboard = new cw.Dashboard(stack, 'LambdaobsDashboard', {
    dashboardName: c.dashboardName || cdk.Fn.sub('${AWS::StackName}-lambdaobs'),
    start: c.start,
    periodOverride: cw.PeriodOverride.INHERIT,
  });
  dashboard.node.defaultChild.overrideLogicalId('LambdaobsDashboard');

  for (const f of c.functions) {
    const name = f.Ref ? param(f.Ref) : f.Name;
    const id = f.Ref || camel(f.Name);
    const logGroup = f.LogGroup || `/aws/lambda/${name}`;
    const lambda = (metricName, statistic, label) => new cw.Metric({
      namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: name }, statistic, period, label,
    });
    const life = (metricName, statistic, label) => new cw.Metric({
      namespace: f.Namespace, metricName, dimensionsMap: { service: f.Service, function_name: name }, statistic, period, label,
    });
    const searching = (metric, stat, label, dims) => new cw.SearchExpression({
      expression: search({ namespace: f.Namespace, metric, service: f.Service, dims, stat, period: c.periodSeconds }),
      label, period,
    });
    // A body (not a template) draws each function in its own region; a
    // template, the stack's.
    const region = c.body ? f.Region : undefined;
    const graph = (title, statistic, width, left, unit, leftAnnotations) => new cw.GraphWidget({
      title, statistic, width, height: 6, left, period, stacked: false, view: cw.GraphWidgetView.TIME_SERIES,
      leftYAxis: { min: 0, label: unitLabel(unit) || undefined, showUnits: false }, leftAnnotations, region,
    });
    const logs = (title, lines) => new cw.LogQueryWidget({
      title, logGroupNames: [logGroup], queryLines: lines, width: GRID, height: 6, view: cw.LogQueryVisualizationType.TABLE, region,
    });

    dashboard.addWidgets(new cw.TextWidget({
      markdown: `## ${name}\nservice \`${f.Service}\` · namespace \`${f.Namespace}\` · log group \`${logGroup}\` · drawn by lambdaobs`,
      width: GRID, height: 2, background: cw.TextWidgetBackground.SOLID,
    }));
    dashboard.addWidgets(
      graph('Invocations', 'Sum', 6, [lambda('Invocations', 'Sum', 'Invocations')], 'Count'),
      graph('Errors', 'Sum', 6, [lambda('Errors', 'Sum', 'Errors (Lambda)'), life('Errors', 'Sum', 'Handler errors')], 'Count'),
      graph('Throttles', 'Sum', 6, [lambda('Throttles', 'Sum', 'Throttles')], 'Count'),
      graph('Duration', 'p50', 6, ['p50', 'p90', 'p99'].map((p) => lambda('Duration', p, p)), 'Milliseconds'),
    );
    dashboard.addWidgets(
      graph('Cold starts', 'Sum', 8, [life('ColdStart', 'Sum', 'Cold starts')], 'Count'),
      graph('Init duration', 'p50', 8, [
        ...['p50', 'p99'].map((p) => life('InitDuration', p, p)),
        life('ReportInitDuration', 'p99', "p99 (Lambda's report)"),
      ], 'Milliseconds'),
      graph('Timeouts and panics', 'Sum', 8, [
        life('Timeouts', 'Sum', 'Timeouts'), life('Panics', 'Sum', 'Panics'),
        searching('LateValues', 'Sum', 'Late values'),
      ], 'Count'),
    );
    // The memory and CPU row: what the sampled invocations used, and
    // Lambda's reports of them.
    dashboard.addWidgets(
      graph('Memory utilisation', 'p99', 4, [
        life('MemoryUtilization', 'p99', 'p99'), life('MemoryUtilization', 'Maximum', 'max'),
      ], 'Percent', [{ value: c.memoryThreshold, label: 'alarm', color: ALARM_COLOR }]),
      graph('Memory used', 'Maximum', 4, [
        life('MemoryPeak', 'Maximum', 'peak'), life('MemoryUsed', 'Maximum', 'at the end'),
        life('MaxMemoryUsed', 'Maximum', "Lambda's max"),
      ], 'Megabytes'),
      graph('Go heap in use', 'Maximum', 4, [life('HeapInUse', 'p50', 'p50'), life('HeapInUse', 'Maximum', 'max')], 'Megabytes'),
      graph('CPU time vs duration', 'Average', 4, [
        life('CPUTime', 'Average', 'CPU time'), lambda('Duration', 'Average', 'duration'),
        life('BilledDuration', 'Average', 'billed'),
      ], 'Milliseconds'),
      graph('GC pause', 'p99', 4, [life('GCPause', 'p99', 'p99'), life('GCPause', 'Maximum', 'max')], 'Milliseconds'),
      graph('GC cycles', 'Average', 4, [life('GCCycles', 'Average', 'average'), life('GCCycles', 'Maximum', 'max')], 'Count'),
    );
    const custom = (f.Metrics || []).map((m) => graph(`${m.Name} (${m.Stat})`, m.Stat, 8, [
      m.Dimensions && m.Dimensions.length
        ? searching(m.Name, m.Stat, m.Name, m.Dimensions)
        : new cw.Metric({ namespace: f.Namespace, metricName: m.Name, dimensionsMap: { service: f.Service }, statistic: m.Stat, period, label: m.Name }),
    ], m.Unit));
    if (f.Parameters) {
      custom.push(
        graph('Parameters cache hits and misses', 'Sum', 8, [
          searching('ParametersCacheHits', 'Sum', 'hits'), searching('ParametersCacheMisses', 'Sum', 'misses'),
        ], 'Count'),
        graph('Lazy init duration by lazy', 'Maximum', 8, [searching('LazyInitDuration', 'Maximum', '')], 'Milliseconds'),
      );
    }
    if (custom.length) dashboard.addWidgets(...custom); // three to a row: CDK wraps at 24 columns
    dashboard.addWidgets(
      graph('AWS SDK call latency p99 by service and operation', 'p99', 12, [searching('AWSCallLatency', 'p99', '')], 'Milliseconds'),
      graph('AWS SDK call errors and throttles by service and operation', 'Sum', 12, [
        searching('AWSCallErrors', 'Sum', 'errors'), searching('AWSThrottles', 'Sum', 'throttled'),
      ], 'Count'),
    );
    if (f.HTTP) {
      const routes = ['Route', 'Method', 'StatusClass'];
      dashboard.addWidgets(
        graph('HTTP requests by route, method and status class', 'Sum', 12, [searching('Requests', 'Sum', '', routes)], 'Count'),
        graph('HTTP latency p99 by route, method and status class', 'p99', 12, [searching('Latency', 'p99', '', routes)], 'Milliseconds'),
      );
    }
    dashboard.addWidgets(
      graph('Telemetry errors', 'Sum', 8, [life('TelemetryErrors', 'Sum', 'Telemetry errors')], 'Count'),
      graph('Spans dropped', 'Sum', 8, [life('SpansDropped', 'Sum', 'Spans dropped')], 'Count'),
      graph('Span export after responses', 'Sum', 8, [
        life('TraceExportDuration', 'Sum', 'total'), life('TraceExportDuration', 'Maximum', 'longest'),
      ], 'Milliseconds'),
    );
    dashboard.addWidgets(logs('Latest errors', query(
      ['timestamp', 'level', 'message', 'error', 'error_type', 'panic', 'function_request_id', 'xray_trace_id'],
      'level', ['ERROR', 'CRITICAL'])));
    dashboard.addWidgets(logs('Process inits: cold starts and init duration', query(
      ['timestamp', 'function_request_id', 'cold_start', 'init_duration_ms', 'function_memory_size', 'xray_trace_id'],
      'init_duration_ms')));

    // Alarms: above the threshold, missing data not breaching.
    const alarm = (kind, metric, threshold, evaluationPeriods, datapointsToAlarm, description) => {
      const a = new cw.Alarm(stack, id + kind + 'Alarm', {
        metric, threshold, evaluationPeriods, datapointsToAlarm, alarmDescription: description,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      });
      a.node.defaultChild.overrideLogicalId(id + kind + 'Alarm');
      for (const t of topics) a.addAlarmAction(t);
    };
    const alarmMetric = (namespace, metricName, dimensionsMap, statistic) =>
      new cw.Metric({ namespace, metricName, dimensionsMap, statistic, period: alarmPeriod });
    const fn = { FunctionName: name };
    alarm('ErrorRate', new cw.MathExpression({
      expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
      usingMetrics: {
        errors: alarmMetric('AWS/Lambda', 'Errors', fn, 'Sum'),
        invocations: alarmMetric('AWS/Lambda', 'Invocations', fn, 'Sum'),
      },
      label: 'Error rate (%)', period: alarmPeriod,
    }), c.errorRate, 5, 3, `More than ${c.errorRate}% of the invocations of ${name} failed (3 of 5 periods).`);
    alarm('DurationP99', alarmMetric('AWS/Lambda', 'Duration', fn, 'p99'), c.durationThresholdMs, 5, 3,
      `The p99 duration of ${name} is above ${c.durationThreshold} (3 of 5 periods).`);
    alarm('Timeouts', alarmMetric(f.Namespace, 'Timeouts', { service: f.Service, function_name: name }, 'Sum'), 0, 1, 1,
      `An invocation of ${name} was about to time out (lambdaobs timeout guard).`);
    alarm('Throttles', alarmMetric('AWS/Lambda', 'Throttles', fn, 'Sum'), 0, 1, 1,
      `Invocations of ${name} were throttled.`);
    alarm('MemoryUtilization', alarmMetric(f.Namespace, 'MemoryUtilization', { service: f.Service, function_name: name }, 'Maximum'),
      c.memoryThreshold, 1, 1,
      `A sampled invocation of ${name} peaked above ${c.memoryThreshold}% of its memory (lambdaobs usage metrics).`);
    if (f.Async) {
      alarm('AsyncEventsDropped', alarmMetric('AWS/Lambda', 'AsyncEventsDropped', fn, 'Sum'), 0, 1, 1,
        `Lambda dropped asynchronous events of ${name}: they failed every retry or outlived their maximum age.`);
    }
    const dlq = f.DeadLetterQueueRef ? queue(f.DeadLetterQueueRef) : f.DeadLetterQueue;
    if (dlq) {
      alarm('DeadLetterQueue', alarmMetric('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: dlq }, 'Maximum'), 0, 1, 1,
        `Failed events of ${name} wait in its dead-letter queue ${dlq}.`);
    }
  }
}

function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdaobs-cdk-'));
  try {
    const app = new cdk.App({ outdir });
    for (const c of input.cases) build(app, c);
    const assembly = app.synth();
    const out = {};
    for (const c of input.cases) out[c.name] = assembly.getStackByName(c.name).template;
    process.stdout.write(JSON.stringify(out));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

main();
