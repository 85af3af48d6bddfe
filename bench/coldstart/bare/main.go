// Command bare is a bare aws-lambda-go function: the cold-start baseline.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, in map[string]any) (map[string]any, error) { return in, nil }

func main() {
	if os.Getenv("BENCH_EXIT_AFTER_INIT") == "1" {
		os.Exit(0)
	}
	lambda.Start(handle)
}
