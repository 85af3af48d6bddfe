// Package oteltracing is the OpenTelemetry backend of the tracing facade:
// a tracing.Tracer on the OpenTelemetry Go SDK whose trace ids are X-Ray
// compatible, so that a function's spans join the trace Lambda started
// (and the X-Ray service map) whether they go to a collector or straight
// to X-Ray.
//
//	exp, err := otlp.New() // the collector layer on 127.0.0.1:4318
//	if err != nil { … }
//	tracer := oteltracing.New(exp)
//	lambdawrap.Start(handle, lambdawrap.WithService("orders"), lambdawrap.WithTracer(tracer))
//
// Exporters live in packages of their own, so a program links only the one
// it uses:
//
//   - [github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp]: OTLP/HTTP
//     to a collector (the OpenTelemetry or ADOT Lambda layer).
//   - [github.com/lambdaobs/lambdaobs/tracing/oteltracing/xrayotlp]:
//     OTLP/HTTP straight to X-Ray, signed with the function's credentials:
//     no collector layer, no cold start paid for it.
//   - [github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout]: JSON
//     lines, for local runs.
//
// Any sdktrace.SpanExporter works too. Neither otlp nor xrayotlp links
// gRPC or the protobuf runtime: they encode the OTLP request themselves.
//
// # Spans
//
// Each invocation gets a SERVER span named after the function, child of
// the span in Lambda's trace header (the "x-amzn-trace-id" context value;
// never _X_AMZN_TRACE_ID, which Lambda leaves unset when a process runs
// several invocations at once), with the FaaS semantic conventions
// (semconv v1.43.0): faas.invocation_id, faas.coldstart, faas.trigger,
// aws.lambda.invoked_arn, cloud.resource_id (the function ARN, an alias
// replaced by the version), cloud.account.id, and on the first invocation
// of a process lambdaobs.init_duration_ms. The resource carries
// service.name, cloud.provider, cloud.platform, cloud.region, faas.name,
// faas.version, faas.instance, faas.max_memory and aws.log.group.names.
// The span's status is Error when the handler returns an error, panics or
// times out, and unset for a tracing.ClientError.
//
// Spans started with tracing.Start are children of the span in the
// context; tracing.WithRemoteParent makes one a child of a span in another
// trace (the producer of a message) and tracing.WithLinks links it to
// others. Span.Header gives the X-Ray header of a span, to propagate it.
// The context tracing.Start returns also carries the OpenTelemetry span,
// for what the facade does not offer (events, say):
// trace.SpanFromContext(ctx). What is set on it directly is redacted by
// the exporters of this module only, by the process's rules.
// OpenTelemetry instrumentation given TracerProvider joins the same trace,
// and Propagator carries it to the services it calls in X-Ray's header.
// Trace ids are X-Ray's (epoch seconds first), made by the tracer's own
// generator.
//
// By default the sampling decision is Lambda's (the Sampled field of its
// header): with the function's active tracing off Lambda passes Sampled=0
// and nothing is recorded; see WithSampler.
//
// # Redaction
//
// No exported span carries a secret (see package redact). What a span
// records through package tracing is redacted by the redaction scope of
// the context it was started in (the invocation's, which lambdawrap puts
// there): an attribute or metadata value under a secret key (password,
// token, authorization, …) is written as "[REDACTED]" and remembered by the
// scope, so the invocation's log lines and metrics scrub it too; strings,
// metadata (at any depth), exception messages and status descriptions lose
// the secret values they hold. The exporters of this module (otlp,
// xrayotlp, stdout) redact again as they encode, by the default secret keys
// and the process's secrets (the function's AWS credentials,
// redact.AddSecrets), every attribute, event, link and status message:
// also those of OpenTelemetry instrumentation, which records on
// TracerProvider without the facade.
//
// # Export
//
// Ended spans wait in memory until lambdawrap flushes the tracer: before
// the handler's result is returned, or, when lambdawrap exports after the
// response (the Tracer implements tracing.Deferred), after it; and on
// timeout and SIGTERM. The flush exports them in batches of
// WithMaxExportBatchSize spans, in the flushing goroutine; unless export is
// deferred, the End that brings the spans waiting to that size exports
// them too. A flush that runs out of time leaves the spans it has not
// handed to the exporter for the next one. The tracer starts no goroutine
// of its own, so nothing is left running when Lambda freezes the process. String
// attribute values are cut to 4096 bytes (WithAttributeValueLengthLimit).
//
// An exporter that fails or panics never fails the invocation: the error
// (a panic described as one) goes to WithErrorHandler's handler and is
// returned by Flush, which lambdawrap logs and counts. A nil pointer given
// as the exporter (what `exp, _ := otlp.New()` holds when New failed)
// exports nothing, and New says so in one WARN line.
//
// POWERTOOLS_TRACE_DISABLED=true (or OTEL_SDK_DISABLED=true, or
// WithDisabled) turns the tracer into a no-op: every span records nothing
// and nothing is exported.
package oteltracing
