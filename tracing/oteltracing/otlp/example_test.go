package otlp_test

import (
	"fmt"
	"log"
	"time"

	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

func ExampleNew() {
	// In Lambda with the collector layer, otlp.New() is enough; here the
	// collector is elsewhere and wants an API key.
	exp, err := otlp.New(
		otlp.WithEndpointURL("https://collector.example.com:4318/v1/traces"),
		otlp.WithHeaders(map[string]string{"x-api-key": "secret"}),
		otlp.WithGzip(),
		otlp.WithTimeout(2*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	tracer := oteltracing.New(exp)
	_ = tracer // lambdawrap.Start(handle, lambdawrap.WithTracer(tracer))
	fmt.Println(exp.EndpointURL())
	// Output: https://collector.example.com:4318/v1/traces
}
