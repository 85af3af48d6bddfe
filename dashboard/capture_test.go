package dashboard_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/metrics"
)

func readTestdata(t *testing.T, name string) *dashboard.Capture {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := dashboard.ReadCapture(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadCapture(t *testing.T) {
	type inv struct {
		id       string
		reported bool
		failed   bool
	}
	tests := []struct {
		file                          string
		logs, docs, platform, ignored int
		invocations                   []inv
		function, namespace, service  string
		metrics                       []string
		firstStart                    string // time of the first invocation
	}{
		{
			// The quickstart under the Runtime Interface Emulator (testenv).
			file: "rie-quickstart.txt", logs: 7, docs: 5, platform: 26, ignored: 0,
			invocations: []inv{{"r-1", true, false}, {"r-2", true, false}, {"r-3", true, true}},
			function:    "test-function", namespace: "Quickstart", service: "orders",
			metrics:    []string{"OrdersPlaced", "OrderValue", "ChargeLatency", "PaymentsDeclined"},
			firstStart: "2026-11-26T16:03:17.453Z", // its first log line
		},
		{
			// aws logs tail: prefixes stripped, a plain text line ignored.
			file: "logs-tail.txt", logs: 2, docs: 3, platform: 7, ignored: 1,
			invocations: []inv{{"6f1c2a3b-0001-4000-8000-000000000001", true, false}, {"6f1c2a3b-0002-4000-8000-000000000002", true, true}},
			function:    "orders-quickstart", namespace: "Quickstart", service: "orders",
			metrics:    []string{"OrdersPlaced", "OrderValue"},
			firstStart: "2026-11-26T16:03:17.452Z", // its START line
		},
		{
			// sam local invoke: its own lines and the response ignored.
			file: "sam-local.txt", logs: 1, docs: 2, platform: 3, ignored: 5,
			invocations: []inv{{"9d3b1c5e-1111-4a2b-8c3d-4e5f6a7b8c9d", true, false}},
			function:    "QuickstartFunction", namespace: "Quickstart", service: "orders",
			metrics:    []string{"OrdersPlaced", "ChargeLatency"},
			firstStart: "2026-11-26T16:10:00.120Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c := readTestdata(t, tt.file)
			if len(dashboard.RecordsOf(c).Logs) != tt.logs || len(dashboard.RecordsOf(c).Documents) != tt.docs || c.Platform != tt.platform || c.Ignored != tt.ignored {
				t.Errorf("logs %d docs %d platform %d ignored %d, want %d %d %d %d",
					len(dashboard.RecordsOf(c).Logs), len(dashboard.RecordsOf(c).Documents), c.Platform, c.Ignored, tt.logs, tt.docs, tt.platform, tt.ignored)
			}
			if c.Lines != len(dashboard.RecordsOf(c).Logs)+len(dashboard.RecordsOf(c).Documents)+c.Platform+c.Ignored {
				t.Errorf("%d lines, not the sum of the kinds", c.Lines)
			}
			if len(dashboard.RecordsOf(c).Invocations) != len(tt.invocations) {
				t.Fatalf("invocations %+v", dashboard.RecordsOf(c).Invocations)
			}
			for i, want := range tt.invocations {
				got := dashboard.RecordsOf(c).Invocations[i]
				if got.RequestID != want.id || got.Reported != want.reported || got.Failed != want.failed || got.Function != tt.function {
					t.Errorf("invocation %d: %+v, want %+v", i, got, want)
				}
			}
			if got := dashboard.RecordsOf(c).Invocations[0].Time.Format("2006-01-02T15:04:05.000Z"); got != tt.firstStart {
				t.Errorf("first invocation at %s, want %s", got, tt.firstStart)
			}
			fns := c.Functions()
			if len(fns) != 1 {
				t.Fatalf("functions %+v", fns)
			}
			f := fns[0]
			var names []string
			for _, m := range f.Metrics {
				names = append(names, m.Name)
			}
			if f.Name != tt.function || f.Namespace != tt.namespace || f.Service != tt.service || strings.Join(names, ",") != strings.Join(tt.metrics, ",") {
				t.Errorf("function %+v", f)
			}
			if _, err := dashboard.New(fns); err != nil {
				t.Errorf("the functions found cannot be drawn: %v", err)
			}
		})
	}
}

func TestReadCaptureLines(t *testing.T) {
	in := strings.Join([]string{
		"",
		"not json at all",
		`{"level":"INFO","message":"hello","timestamp":"2026-01-02T03:04:05.5Z","function_name":"fn","service":"svc","function_request_id":"a"}`,
		`{"_aws":"not an object"}`,
		`{"_aws":{"Timestamp":1767323045000,"CloudWatchMetrics":[{"Namespace":"NS","Dimensions":[["service","channel"]],"Metrics":[{"Name":"Carts","Unit":"Count"}]}]},"service":"svc","channel":"web","Carts":[1,2],"function_request_id":"a"}`,
		`{"response":"json that is neither a log line nor EMF"}`,
		`[1,2,3]`,
		`{"time":"2026-01-02T03:04:06Z","type":"platform.report","record":{"requestId":"a","metrics":{"durationMs":12.5},"status":"timeout"}}`,
		`{"broken": `,
		"\t  ",
		"REPORT RequestId: \tDuration: x ms",
	}, "\r\n")
	c, err := dashboard.ReadCapture(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lines != 9 || len(dashboard.RecordsOf(c).Logs) != 1 || len(dashboard.RecordsOf(c).Documents) != 1 || c.Platform != 2 || c.Ignored != 5 {
		t.Errorf("lines %d logs %d docs %d platform %d ignored %d", c.Lines, len(dashboard.RecordsOf(c).Logs), len(dashboard.RecordsOf(c).Documents), c.Platform, c.Ignored)
	}
	if len(dashboard.RecordsOf(c).Invocations) != 1 {
		t.Fatalf("invocations %+v", dashboard.RecordsOf(c).Invocations)
	}
	inv := dashboard.RecordsOf(c).Invocations[0]
	if !inv.Reported || inv.Duration != 12.5 || !inv.Failed || inv.Function != "fn" || !inv.Time.Equal(time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC)) {
		t.Errorf("invocation %+v", inv)
	}
	if got := dashboard.RecordsOf(c).Documents[0].Values("Carts"); len(got) != 2 || got[1] != 2 {
		t.Errorf("Carts = %v", got)
	}
	if dashboard.RecordsOf(c).Documents[0].Values("channel") != nil {
		t.Errorf("a dimension read as a metric")
	}
	fns := c.Functions()
	if len(fns) != 1 || fns[0].Namespace != "NS" || len(fns[0].Metrics) != 1 {
		t.Fatalf("functions %+v", fns)
	}
	m := fns[0].Metrics[0]
	if m.Name != "Carts" || m.Unit != metrics.Count || strings.Join(m.Dimensions, ",") != "channel" {
		t.Errorf("metric %+v", m)
	}
}

// TestReadCaptureEmulator reads a cold start under the Runtime Interface
// Emulator: its log line, its two EMF documents, its platform lines and its
// REPORT's duration.
func TestReadCaptureEmulator(t *testing.T) {
	out := `START RequestId: r-1 Version: $LATEST
{"level":"INFO","message":"order received","timestamp":"2026-11-26T16:03:17.453Z","service":"orders","cold_start":true,"function_name":"orders-fn","function_request_id":"r-1","init_duration_ms":3.4}
{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","function_name"]],"Metrics":[{"Name":"ColdStart","Unit":"Count"}]}]},"service":"orders","function_name":"orders-fn","function_request_id":"r-1","ColdStart":1}
{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"}]}]},"service":"orders","function_request_id":"r-1","OrdersPlaced":1}
END RequestId: r-1
REPORT RequestId: r-1	Duration: 4.91 ms	Billed Duration: 5 ms	Memory Size: 128 MB	Max Memory Used: 20 MB
26 Nov 2026 16:03:17,985 [INFO] (rapid) Received signal signal=terminated
`
	c, err := dashboard.ReadCapture(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	r := dashboard.RecordsOf(c)
	if c.Lines != 7 || len(r.Logs) != 1 || len(r.Documents) != 2 || c.Platform != 4 || c.Ignored != 0 {
		t.Errorf("%d lines: %d log, %d EMF, %d platform, %d ignored; want 7: 1, 2, 4, 0", c.Lines, len(r.Logs), len(r.Documents), c.Platform, c.Ignored)
	}
	if len(r.Invocations) != 1 || r.Invocations[0].RequestID != "r-1" || r.Invocations[0].Function != "orders-fn" || r.Invocations[0].Duration != 4.91 {
		t.Errorf("invocations %+v, want r-1 of orders-fn: 4.91 ms", r.Invocations)
	}
	fns := c.Functions()
	if len(fns) != 1 || fns[0].Name != "orders-fn" || fns[0].Namespace != "Shop" || fns[0].Service != "orders" ||
		len(fns[0].Metrics) == 0 || fns[0].Metrics[0].Name != "OrdersPlaced" {
		t.Errorf("functions %+v", fns)
	}
}
