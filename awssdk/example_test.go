package awssdk_test

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// One call on the config, in main, before the clients are built: every
// call of every client is traced by the invocation's backend, carries its
// trace header, and is measured and logged.
func ExampleInstrument() {
	tracer := xraytracing.New() // or oteltracing.New(exp): nothing else changes
	// In a function's main: cfg, err := config.LoadDefaultConfig(ctx)
	cfg := aws.Config{Region: "eu-west-1"}
	awssdk.Instrument(&cfg, awssdk.WithTracer(tracer)) // WithTracer: calls made during init are traced too
	db := dynamodb.NewFromConfig(cfg)

	handle := func(ctx context.Context, id string) (string, error) {
		_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &id}) // a child of the invocation's span
		return id, err
	}
	_ = lambdawrap.Wrap(handle, lambdawrap.WithTracer(tracer)) // lambdawrap.Start in a real main
}
