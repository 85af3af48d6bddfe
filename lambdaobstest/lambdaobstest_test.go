package lambdaobstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
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

// TestDimensions reads the dimension sets of well-formed EMF documents, and
// never panics on malformed ones: a set it cannot read is replaced by one
// naming the problem, which no expected value matches.
func TestDimensions(t *testing.T) {
	doc := func(dims any) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Metrics":[{"Name":"Other"}]},{"Namespace":"n","Metrics":[{"Name":"Hits"}]}]},"Hits":2}`), &m); err != nil {
			t.Fatal(err)
		}
		if dims != nil {
			m["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[1].(map[string]any)["Dimensions"] = dims
		}
		return m
	}
	for _, tc := range []struct {
		name string
		doc  map[string]any
		want string // fmt.Sprint of the sets; "malformed" when a set names a problem
	}{
		{"two sets", doc([]any{[]any{"service"}, []any{"service", "route"}}), "[[service] [service route]]"},
		{"no dimensions", doc(nil), "[]"},
		{"metric not defined", map[string]any{"_aws": map[string]any{}}, "[]"},
		{"not EMF", map[string]any{"msg": "x"}, "[]"},
		{"a set that is a string", doc([]any{"service"}), "malformed"},
		{"a key that is a number", doc([]any{[]any{"service", 3.0}}), "malformed"},
		{"dimensions that are an object", doc(map[string]any{"service": "x"}), "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lambdaobstest.Dimensions(tc.doc, "Hits")
			s := fmt.Sprint(got)
			if got == nil {
				s = "[]"
			}
			if tc.want == "malformed" {
				if !strings.Contains(s, "malformed EMF") {
					t.Errorf("Dimensions = %q, want a set naming the problem", got)
				}
				return
			}
			if s != tc.want {
				t.Errorf("Dimensions = %s, want %s", s, tc.want)
			}
		})
	}
	if v := lambdaobstest.MetricValues([]map[string]any{doc(nil)}, "Hits"); len(v) != 1 || v[0] != 2 {
		t.Errorf("MetricValues = %v", v)
	}
}
