// Package xraytracing is the AWS X-Ray backend of package tracing. It
// writes segment documents itself and sends them over UDP to the X-Ray
// daemon that Lambda runs beside every function with active tracing; it
// does not link the X-Ray SDK for Go.
//
// # Maintenance mode
//
// The X-Ray SDKs and daemon are in maintenance mode since 2026-02-25, with
// end of support on 2027-02-25; AWS recommends OpenTelemetry instead. New
// functions should use tracing/oteltracing, the recommended backend. This
// package is for functions that already trace with X-Ray and want to keep
// their traces, dashboards and sampling rules as they are.
//
// # What is sent
//
// Each invocation is a subsegment named "## handler" (WithHandlerName) of the
// segment Lambda records for the function: its trace id and parent are the
// Root and Parent of the trace header Lambda passed in the invocation's
// context, which lambdawrap hands over in tracing.Invocation. The
// _X_AMZN_TRACE_ID environment variable is never read: under
// AWS_LAMBDA_MAX_CONCURRENCY > 1 it is not set, and invocations running at
// once must not share a trace. The subsegment is annotated with ColdStart,
// Service and, on the first invocation of a process, InitDurationMs; the
// response (with WithCaptureResponse) and errors (unless
// WithoutCaptureError) are kept as metadata in the service's namespace, as
// Powertools does. tracing.ClientError sets the "error" flag
// and tracing.Error the "fault" flag.
//
// Spans started with tracing.Start are subsegments of the span in their
// context. A span with tracing.WithRemoteParent (a consumer continuing the
// trace of an SQS message) is a segment of its own in the remote trace,
// child of the remote span; links are kept as metadata.
//
// # AWS calls
//
// The span of an AWS SDK call (package awssdk records one for every call,
// with the attributes of the AWS SDK's own operation spans: rpc.system
// "aws-api", rpc.service, rpc.method, …) is the
// subsegment the X-Ray service map expects: named after the service
// ("DynamoDB"), namespace "aws", with "aws": {"operation", "region",
// "request_id", "table_name" (or "table_names"), "queue_url",
// "function_name", "topic_arn", "state_machine_arn"} and the HTTP status
// of the last attempt in "http": {"response": {"status"}}; a 4xx answer
// sets its "error" flag, 429 also "throttle", a 5xx or a failure to reach
// the service its "fault" flag.
//
// Only a valid trace header with a Parent and Sampled=1 is recorded, as the
// X-Ray SDKs do: Sampled=0, Sampled=?, no Sampled, no Parent, or no header
// at all (Lambda without active tracing) make spans that record nothing but
// still carry the trace id for propagation. POWERTOOLS_TRACE_DISABLED=true (or WithDisabled) makes
// every span a no-op.
//
// # Redaction
//
// No document carries a secret (see package redact). What a span records
// through package tracing is redacted by the redaction scope of the
// context it was started in (the invocation's, which lambdawrap puts
// there; its children inherit it): an annotation or metadata value under a
// secret key (password, token, authorization, …) is written as
// "[REDACTED]" and remembered by the scope, so the invocation's log lines
// and metrics scrub it too; strings, metadata (at any depth), error
// messages and status descriptions lose the secret values they hold. Every
// document is redacted again as it is encoded, by the default secret keys
// and the process's secrets (the function's AWS credentials,
// redact.AddSecrets).
//
// A panic inside the tracer (a MarshalJSON or Error method of a recorded
// value, a bug) never reaches the caller: the next Flush returns it as an
// error, which lambdawrap logs and counts.
//
// # When documents are sent
//
// A span's document goes out, synchronously, when the span at its root ends:
// the invocation's subsegment when the wrapper ends it, before the handler's
// return reaches Lambda, which may freeze the process right after. Its
// descendants travel inside it; those still running are sent in progress
// ("in_progress": true) and sent again, alone, when they end. Flush has
// nothing left to do but wait for documents other goroutines are sending.
// UDP sends do not wait for the daemon: when none listens, datagrams are
// lost and nothing else happens.
//
// # Size
//
// A datagram carries at most 64 000 bytes; larger ones fail with "message
// too long" and are lost. Documents are fitted instead,
// never dropped: subsegments that do not fit their parent's document are sent
// as independent subsegments, and a span too large on its own has its
// largest metadata values replaced, one at a time, by
//
//	{"truncated": true, "size": <bytes of JSON>, "preview": "<start of the JSON>…[truncated N bytes]"}
//
// then loses its exception stacks, its metadata (each namespace then reads
// {"truncated": true}), and finally everything but its ids, times, flags,
// annotations and first exception.
//
// # The X-Ray SDK
//
// The X-Ray SDKs reach end of support on 2027-02-25, and the Go SDK links
// gRPC and fasthttp: 6.5 MB of binary and 1.6 ms of init on a 2-core
// machine (see DESIGN.md). This package writes the documents itself, as
// the SDK shapes them, and keeps nothing of the SDK's global
// configuration. Code that called the SDK inside a handler
// (xray.Capture, xray.AddAnnotation, xray.GetSegment) finds no segment in
// the context: use tracing.Start and the span's methods, and
// awssdk.Instrument for AWS SDK calls.
//
// # Environment
//
// Options given to New win over these:
//
//	POWERTOOLS_TRACE_DISABLED           true: no-op spans, nothing sent (default false)
//	AWS_XRAY_SDK_DISABLED               true: the same (default false)
//	POWERTOOLS_TRACER_CAPTURE_RESPONSE  true: the response as metadata (default false)
//	POWERTOOLS_TRACER_CAPTURE_ERROR     false: errors as flags only (default true)
//	AWS_XRAY_DAEMON_ADDRESS             the daemon (default 127.0.0.1:2000)
//	POWERTOOLS_SERVICE_NAME             metadata namespace outside invocations (default "default")
package xraytracing
