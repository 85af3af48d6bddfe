package xrayotlp_test

import (
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/xrayotlp"
)

func ExampleNew() {
	// In Lambda, xrayotlp.New() takes the region and the credentials from
	// the environment. Elsewhere, give them (an aws.Config's Credentials,
	// say).
	exp, err := xrayotlp.New(
		xrayotlp.WithRegion("eu-west-1"),
		xrayotlp.WithCredentials(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")),
	)
	if err != nil {
		log.Fatal(err)
	}
	tracer := oteltracing.New(exp)
	_ = tracer // lambdawrap.Start(handle, lambdawrap.WithTracer(tracer))
	fmt.Println(exp.EndpointURL())
	// Output: https://xray.eu-west-1.amazonaws.com/v1/traces
}
