package lambdaobstest_test

import (
	"context"
	"log/slog"
	"testing"

	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestWithEnv: WithEnv adds to New's environment and wins over its
// defaults, several add up, and the function's ARN names the function.
func TestWithEnv(t *testing.T) {
	h := func(ctx context.Context, s string) (string, error) {
		slog.DebugContext(ctx, "debug line")
		return s, nil
	}
	for _, tc := range []struct {
		name      string
		opts      []lambdawrap.Option
		function  string
		memory    float64
		debug     bool
		coldStart bool
	}{
		{"defaults", nil, "test-function", 128, false, true},
		{"added and over the defaults", []lambdawrap.Option{
			lambdaobstest.WithEnv(map[string]string{"POWERTOOLS_LOG_LEVEL": "DEBUG", "AWS_LAMBDA_FUNCTION_NAME": "orders"}),
			lambdaobstest.WithEnv(map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}),
		}, "orders", 512, true, true},
		{"init type", []lambdawrap.Option{
			lambdaobstest.WithEnv(map[string]string{"AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency"}),
		}, "test-function", 128, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := lambdaobstest.New(t, h, tc.opts...)
			r := f.Invoke("x", lambdaobstest.Request{})
			if r.Err != nil || r.Output != "x" {
				t.Fatalf("%v %v", r.Output, r.Err)
			}
			var debug bool
			for _, l := range r.Logs {
				if l["message"] == "debug line" {
					debug = true
					if l["function_name"] != tc.function || l["function_memory_size"] != tc.memory || l["cold_start"] != tc.coldStart {
						t.Errorf("line %v: want function %s, memory %v, cold start %v", l, tc.function, tc.memory, tc.coldStart)
					}
					if l["function_arn"] != "arn:aws:lambda:us-east-1:123456789012:function:"+tc.function {
						t.Errorf("function_arn = %v", l["function_arn"])
					}
				}
			}
			if debug != tc.debug {
				t.Errorf("debug line written: %v, want %v:\n%s", debug, tc.debug, r.Raw)
			}
		})
	}
}
