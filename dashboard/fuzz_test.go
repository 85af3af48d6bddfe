package dashboard_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// FuzzDashboard builds dashboards from arbitrary function descriptions: New
// either fails with an error saying what is wrong, or Body and Template
// return JSON bodies that match the dashboard body schema (Template refusing
// only a function given a region).
func FuzzDashboard(f *testing.F) {
	f.Add("orders-quickstart", "", "Quickstart", "orders", "eu-west-1", "", "OrdersPlaced", "Count", "", "", "", "", false, false, 0.0)
	f.Add("orders-api", "OrdersApi", "Shop", "orders-api", "", "/custom/group", "CartSize", "Count", "Average", "channel", "orders-dlq", "AlarmTopic", true, true, 85.5)
	f.Add("", "OnlyRef", "", "", "", "", "Latency", "Milliseconds", "p99.9", "a,b", "", "arn:aws:sns:eu-west-1:123456789012:oncall", false, false, 100.0)
	f.Add("fn", "", "AWS/Lambda", "svc", "us-gov-west-1", "", "ColdStart", "", "", "", "q.fifo", "", false, false, -1.0)
	f.Add("fn", "", "ns ${AWS::Region}", "svc (${x})", "", "", "m${Ref}", "Percent", "tm90", "service", "", "", false, true, 1e-9)
	f.Add("f n", "bad-ref", "ns\x00", "a\"b", "mars", "g g", "'", "Parsecs", "Median", ",", "bad queue", "arn:x", true, true, 101.0)
	f.Fuzz(func(t *testing.T, name, ref, namespace, service, region, logGroup, metric, unit, stat, dims, dlq, topic string, http, two bool, memory float64) {
		fn := dashboard.Function{Name: name, Ref: ref, Namespace: namespace, Service: service, Region: region,
			LogGroup: logGroup, HTTP: http, Parameters: http, Async: two, DeadLetterQueue: dlq}
		if metric != "" {
			m := dashboard.Metric{Name: metric, Unit: metrics.Unit(unit), Stat: stat}
			if dims != "" {
				m.Dimensions = strings.Split(dims, ",")
			}
			fn.Metrics = append(fn.Metrics, m)
		}
		fns := []dashboard.Function{fn}
		if two {
			fns = append(fns, dashboard.Function{Name: "second-fn", Namespace: namespace, Metrics: fn.Metrics})
		}
		var opts []dashboard.Option
		if topic != "" {
			opts = append(opts, dashboard.WithAlarmTopic(topic))
		}
		if memory != 0 {
			opts = append(opts, dashboard.WithMemoryUtilizationThreshold(memory))
		}
		d, err := dashboard.New(fns, opts...)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "dashboard: ") || len(msg) < 20 || !utf8.ValidString(msg) {
				t.Fatalf("unclear error: %q", msg)
			}
			return
		}
		body, err := d.Body()
		if err != nil {
			if name != "" || !strings.Contains(err.Error(), "reference") {
				t.Fatalf("Body: %v", err)
			}
		} else {
			validateBody(t, body)
		}
		tmpl, err := d.Template()
		if err != nil {
			if region == "" || !strings.Contains(err.Error(), "stack's region") {
				t.Fatalf("Template: %v", err)
			}
			return
		}
		subs := map[string]string{"AWS::Region": "eu-west-1"}
		for _, f := range dashboard.FunctionsOf(d) {
			if f.Ref != "" {
				subs[f.Ref] = "resolved-" + f.Ref
			}
		}
		validateBody(t, bodyOfTemplate(t, tmpl, subs))
	})
}

// FuzzReadCapture reads arbitrary bytes as captured output: it never fails
// or panics, every line is counted once, and the functions it finds can
// always be drawn.
func FuzzReadCapture(f *testing.F) {
	// A few lines of each kind of capture: the fuzzing engine slows to a
	// crawl on seeds of several kilobytes.
	for _, name := range []string{"rie-quickstart.txt", "logs-tail.txt", "sam-local.txt"} {
		b, err := readFile(name)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(b, []byte("\n"))
		for i := 0; i < len(lines); i += 6 {
			f.Add(bytes.Join(lines[i:min(i+6, len(lines))], nil))
		}
	}
	f.Add([]byte(`{"_aws":{"Timestamp":1e300,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["service","function_name"]],"Metrics":[{"Name":"ColdStart"}]}]},"service":"s\u0000","function_name":"f","ColdStart":[1e308,1e308]}`))
	f.Add([]byte("2026-11-26T16:03:17.449000+00:00 stream/[x] REPORT RequestId: a\tDuration: 1e999 ms\n\xff\xfe{\"level\":1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := dashboard.ReadCapture(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if c.Lines != len(dashboard.RecordsOf(c).Logs)+len(dashboard.RecordsOf(c).Documents)+c.Platform+c.Ignored {
			t.Fatalf("%d lines: %d logs + %d documents + %d platform + %d ignored", c.Lines, len(dashboard.RecordsOf(c).Logs), len(dashboard.RecordsOf(c).Documents), c.Platform, c.Ignored)
		}
		fns := c.Functions()
		if len(fns) > dashboard.MaxFunctions {
			t.Fatalf("%d functions", len(fns))
		}
		if len(fns) == 0 {
			return
		}
		d, err := dashboard.New(fns)
		if err != nil {
			t.Fatalf("the functions found cannot be drawn: %v", err)
		}
		body, err := d.Body()
		if err != nil {
			t.Fatal(err)
		}
		validateBody(t, body)
	})
}
