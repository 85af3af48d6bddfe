// Package otlp exports spans over OTLP/HTTP (protobuf) to a collector: the
// OpenTelemetry or ADOT Lambda layer listening on 127.0.0.1:4318, or any
// other OTLP/HTTP endpoint.
//
//	exp, err := otlp.New()
//	if err != nil { … }
//	tracer := oteltracing.New(exp)
//
// It does not use the OpenTelemetry otlptracehttp exporter, whose shared
// configuration links gRPC (about 5 MB of a Lambda binary): it encodes the
// request itself and links only net/http. Each export is one POST, made when
// the tracer exports (see oteltracing.Tracer), retried on a broken
// connection, 429, 502, 503 or 504 while its context allows. Attributes
// under secret keys and secret values (see package redact) are redacted as
// the request is encoded.
//
// Configuration, options first, then the environment:
//
//   - endpoint: WithEndpointURL; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full
//     URL); OTEL_EXPORTER_OTLP_ENDPOINT (a base URL, /v1/traces is added);
//     default http://127.0.0.1:4318/v1/traces.
//   - headers: WithHeaders; OTEL_EXPORTER_OTLP_TRACES_HEADERS,
//     OTEL_EXPORTER_OTLP_HEADERS ("k1=v1,k2=v2", values percent-encoded).
//   - timeout of one export: WithTimeout; OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
//     OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds); default 10 s. The tracer's
//     flush is further bounded by the invocation's deadline.
//   - compression: WithGzip; OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
//     OTEL_EXPORTER_OTLP_COMPRESSION (gzip or none); default none.
//   - OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL: only
//     http/protobuf is supported; another value is an error.
//
// TLS settings (OTEL_EXPORTER_OTLP_CERTIFICATE, …) are not read: give an
// http.Client with WithHTTPClient instead.
package otlp
