// Command xraysdk is the bare function traced with aws-xray-sdk-go/v2 the
// way its docs show: a subsegment per invocation under Lambda's segment.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

func handle(ctx context.Context, in map[string]any) (map[string]any, error) {
	_ = xray.Capture(ctx, "## handler", func(context.Context) error { return nil })
	return in, nil
}

func main() {
	if err := xray.Configure(xray.Config{}); err != nil {
		panic(err)
	}
	if os.Getenv("BENCH_EXIT_AFTER_INIT") == "1" {
		os.Exit(0)
	}
	lambda.Start(handle)
}
