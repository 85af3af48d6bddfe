// Package awssdk instruments AWS SDK for Go v2 clients with one call on an
// aws.Config: every call of every client built from it is traced, carries
// the invocation's trace to the service it calls, and is measured and
// logged.
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	awssdk.Instrument(&cfg, awssdk.WithTracer(tracer)) // tracer: the one given to lambdawrap.WithTracer
//	db := dynamodb.NewFromConfig(cfg)
//
// The same call serves every tracing backend: the span is the SDK's own
// operation span, which the SDK starts through the TracerProvider of its
// clients (smithy-go's tracing interfaces); Instrument gives them one that
// records through package tracing, with the backend the call's context
// carries. OpenTelemetry gets the SDK's attributes (rpc.system "aws-api",
// rpc.service, rpc.method, aws.request_id) and the region, HTTP status and
// resource called; X-Ray gets an "aws" subsegment with the fields its
// service map reads. The spans of the operation's steps (signing, each
// attempt, the HTTP request) are not recorded: the call's span carries
// their figures.
//
// The X-Amzn-Trace-Id header of every request is the invocation's trace,
// read from the call's context (the call's span, or without a backend the
// trace header Lambda passed to the invocation), never from
// _X_AMZN_TRACE_ID, which Lambda leaves unset when a process serves
// several invocations at once: a function invoked through the SDK's Lambda
// client, a Step Functions execution, an SNS message continue the
// invocation's trace. SQS messages carry it in their AWSTraceHeader.
package awssdk
