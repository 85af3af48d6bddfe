// Package otelaws traces AWS SDK v2 calls for the OpenTelemetry backend
// (tracing/oteltracing) with OpenTelemetry's own instrumentation,
// go.opentelemetry.io/contrib/.../otelaws, so the spans follow the
// semantic conventions as that library writes them (rpc.system aws-api,
// rpc.service, rpc.method, aws.request_id, aws.dynamodb.table_names, the
// messaging attributes of SQS), as children of the invocation's span, with
// the X-Ray trace header sent on each request:
//
//	awssdk.Instrument(&cfg, otelaws.Tracing(tracer))
package otelaws

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 OpenTelemetry's AWS SDK instrumentation, which this package wraps; deprecated upstream in v0.72.0.
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/awssdk"
)

// Tracer is what Tracing needs of the backend: *oteltracing.Tracer.
type Tracer interface {
	TracerProvider() trace.TracerProvider
}

// Tracing returns the OpenTelemetry instrumentation for awssdk.Instrument,
// recording through t's provider.
func Tracing(t Tracer) awssdk.Tracing { return instrumentation{t: t} }

type instrumentation struct{ t Tracer }

// InstrumentAWS adds otelaws' middlewares to cfg.
func (i instrumentation) InstrumentAWS(cfg *aws.Config) {
	otelaws.AppendMiddlewares(&cfg.APIOptions,
		otelaws.WithTracerProvider(i.t.TracerProvider()),
		otelaws.WithTextMapPropagator(xray.Propagator{}))
}
