// Package xrayotlp exports spans straight to the AWS X-Ray OTLP endpoint,
// https://xray.REGION.amazonaws.com/v1/traces, over OTLP/HTTP with each
// request signed with Signature Version 4 (service "xray") by the
// function's own credentials. No collector layer is needed, so the function
// does not pay for one at cold start. Attributes under secret keys and
// secret values (see package redact) are redacted as the request is
// encoded: the function's AWS credentials among them.
//
//	exp, err := xrayotlp.New()
//	if err != nil { … }
//	tracer := oteltracing.New(exp)
//
// The account must have X-Ray Transaction Search enabled (the OTLP
// endpoint requires it; spans are then stored in the aws/spans log group),
// and the function's role must allow xray:PutTraceSegments, which the
// endpoint authorizes (AWSXRayDaemonWriteAccess, the policy active tracing
// uses, has it).
//
// Configuration, options first, then the environment:
//
//   - region: WithRegion; AWS_REGION (set by Lambda); AWS_DEFAULT_REGION.
//   - credentials: WithCredentials (say, an aws.Config's Credentials);
//     else AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,
//     which Lambda sets from the execution role.
//   - endpoint: WithEndpointURL (tests, VPC endpoints); default
//     https://xray.REGION.amazonaws.com/v1/traces (.amazonaws.com.cn in China).
//   - compression: gzip, unless WithoutGzip.
//   - timeout of one export: WithTimeout; default 10 s. The tracer's flush
//     is further bounded by the invocation's deadline.
package xrayotlp
