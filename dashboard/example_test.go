package dashboard_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/metrics"
)

func ExampleNew() {
	d, err := dashboard.New([]dashboard.Function{{
		Name:      "orders",
		Namespace: "Shop",
		Service:   "orders",
		Metrics:   []dashboard.Metric{{Name: "OrdersPlaced", Unit: metrics.Count}},
	}}, dashboard.WithRegion("eu-west-1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	body, err := d.Body()
	if err != nil {
		fmt.Println(err)
		return
	}
	var b struct {
		Widgets []struct {
			Type                string
			X, Y, Width, Height int
			Properties          struct{ Title, Markdown string }
		}
	}
	_ = json.Unmarshal(body, &b)
	for _, w := range b.Widgets {
		title, _, _ := strings.Cut(w.Properties.Markdown, "\n")
		if w.Properties.Title != "" {
			title = w.Properties.Title
		}
		fmt.Printf("%-6s x=%-2d y=%-2d %2dx%d %s\n", w.Type, w.X, w.Y, w.Width, w.Height, title)
	}
	// Output:
	// text   x=0  y=0  24x2 ## orders
	// metric x=0  y=2   6x6 Invocations
	// metric x=6  y=2   6x6 Errors
	// metric x=12 y=2   6x6 Throttles
	// metric x=18 y=2   6x6 Duration
	// metric x=0  y=8   8x6 Cold starts
	// metric x=8  y=8   8x6 Init duration
	// metric x=16 y=8   8x6 Timeouts and panics
	// metric x=0  y=14  4x6 Memory utilisation
	// metric x=4  y=14  4x6 Memory used
	// metric x=8  y=14  4x6 Go heap in use
	// metric x=12 y=14  4x6 CPU time vs duration
	// metric x=16 y=14  4x6 GC pause
	// metric x=20 y=14  4x6 GC cycles
	// metric x=0  y=20  8x6 OrdersPlaced (Sum)
	// metric x=0  y=26 12x6 AWS SDK call latency p99 by service and operation
	// metric x=12 y=26 12x6 AWS SDK call errors and throttles by service and operation
	// metric x=0  y=32  8x6 Telemetry errors
	// metric x=8  y=32  8x6 Spans dropped
	// metric x=16 y=32  8x6 Span export after responses
	// log    x=0  y=38 24x6 Latest errors
	// log    x=0  y=44 24x6 Process inits: cold starts and init duration
}

// The cold start widget of a function's dashboard body.
func ExampleDashboard_Body() {
	d, _ := dashboard.New([]dashboard.Function{{Name: "orders", Namespace: "Shop", Service: "orders"}},
		dashboard.WithRegion("eu-west-1"))
	body, err := d.Body()
	if err != nil {
		fmt.Println(err)
		return
	}
	var b struct{ Widgets []json.RawMessage }
	_ = json.Unmarshal(body, &b)
	for _, w := range b.Widgets {
		if strings.Contains(string(w), `"Cold starts"`) {
			var v any
			_ = json.Unmarshal(w, &v)
			out, _ := json.Marshal(v)
			fmt.Println(string(out))
		}
	}
	// Output:
	// {"height":6,"properties":{"metrics":[["Shop","ColdStart","service","orders","function_name","orders",{"label":"Cold starts"}]],"period":60,"region":"eu-west-1","stacked":false,"stat":"Sum","title":"Cold starts","view":"timeSeries","yAxis":{"left":{"min":0,"showUnits":false}}},"type":"metric","width":8,"x":0,"y":8}
}

// A template holding the function, its dashboard and alarms names the
// function by its logical id.
func ExampleDashboard_Template() {
	d, _ := dashboard.New([]dashboard.Function{{Ref: "OrdersFunction", Namespace: "Shop", Service: "orders"}})
	tmpl, err := d.Template()
	if err != nil {
		fmt.Println(err)
		return
	}
	var t struct {
		Resources map[string]struct{ Type string }
	}
	_ = json.Unmarshal(tmpl, &t)
	var ids []string
	for id, r := range t.Resources {
		ids = append(ids, r.Type+" "+id)
	}
	sort.Strings(ids)
	fmt.Println(strings.Join(ids, "\n"))
	// Output:
	// AWS::CloudWatch::Alarm OrdersFunctionDurationP99Alarm
	// AWS::CloudWatch::Alarm OrdersFunctionErrorRateAlarm
	// AWS::CloudWatch::Alarm OrdersFunctionMemoryUtilizationAlarm
	// AWS::CloudWatch::Alarm OrdersFunctionThrottlesAlarm
	// AWS::CloudWatch::Alarm OrdersFunctionTimeoutsAlarm
	// AWS::CloudWatch::Dashboard LambdaobsDashboard
	// AWS::Logs::QueryDefinition OrdersFunctionColdStartsQuery
	// AWS::Logs::QueryDefinition OrdersFunctionDroppedTelemetryQuery
	// AWS::Logs::QueryDefinition OrdersFunctionErrorsQuery
	// AWS::Logs::QueryDefinition OrdersFunctionTimeoutsAndPanicsQuery
}

// The saved query of a function's process inits, in its template.
func ExampleDashboard_Template_savedQuery() {
	d, _ := dashboard.New([]dashboard.Function{{Name: "orders"}})
	tmpl, err := d.Template()
	if err != nil {
		fmt.Println(err)
		return
	}
	var t struct {
		Resources map[string]struct {
			Properties struct{ Name, QueryString string }
		}
	}
	_ = json.Unmarshal(tmpl, &t)
	q := t.Resources["OrdersColdStartsQuery"].Properties
	fmt.Println(q.Name)
	fmt.Println(q.QueryString)
	// Output:
	// lambdaobs/orders/cold-starts
	// fields timestamp, function_request_id, cold_start, init_duration_ms, function_memory_size, xray_trace_id
	// | filter ispresent(init_duration_ms)
	// | sort @timestamp desc
	// | limit 50
}

// Output captured under the Runtime Interface Emulator, read back.
func ExampleReadCapture() {
	out := `START RequestId: r-1 Version: $LATEST
{"level":"INFO","message":"order received","timestamp":"2026-11-26T16:03:17.453Z","service":"orders","cold_start":true,"function_name":"orders-fn","function_request_id":"r-1","init_duration_ms":3.4}
{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","function_name"]],"Metrics":[{"Name":"ColdStart","Unit":"Count"}]}]},"service":"orders","function_name":"orders-fn","function_request_id":"r-1","ColdStart":1}
{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"}]}]},"service":"orders","function_request_id":"r-1","OrdersPlaced":1}
END RequestId: r-1
REPORT RequestId: r-1	Duration: 4.91 ms	Billed Duration: 5 ms	Memory Size: 128 MB	Max Memory Used: 20 MB
26 Nov 2026 16:03:17,985 [INFO] (rapid) Received signal signal=terminated
`
	c, _ := dashboard.ReadCapture(strings.NewReader(out))
	fmt.Printf("%d lines: %d platform, %d ignored\n", c.Lines, c.Platform, c.Ignored)
	for _, f := range c.Functions() {
		fmt.Printf("function %s: namespace %s, service %s, metrics %v\n", f.Name, f.Namespace, f.Service, f.Metrics[0].Name)
	}
	// Output:
	// 7 lines: 4 platform, 0 ignored
	// function orders-fn: namespace Shop, service orders, metrics OrdersPlaced
}
