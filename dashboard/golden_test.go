package dashboard_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

func TestBodyGolden(t *testing.T) {
	tests := []struct {
		name   string
		fns    []dashboard.Function
		opts   []dashboard.Option
		widget int // widgets expected
	}{
		{name: "one-function", fns: []dashboard.Function{quickstart()}, widget: 25},
		{name: "two-functions", fns: []dashboard.Function{quickstart(), ordersAPIWithParams()},
			opts: []dashboard.Option{dashboard.WithPeriod(5 * time.Minute), dashboard.WithStart("-PT12H"),
				dashboard.WithMemoryUtilizationThreshold(80)}, widget: 25 + 26},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dashboard.New(tt.fns, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			body, err := d.Body()
			if err != nil {
				t.Fatal(err)
			}
			validateBody(t, body)
			golden(t, tt.name+".golden.json", body)
			if len(dashboard.WidgetsOf(d)) != tt.widget {
				t.Errorf("%d widgets, want %d", len(dashboard.WidgetsOf(d)), tt.widget)
			}
		})
	}
}

// templateFunctions are the functions of TestTemplateGolden: the
// quickstart known by reference, invoked asynchronously with an on-failure
// queue of the template, and the orders API with a dead-letter queue named
// plainly.
func templateFunctions() []dashboard.Function {
	fn := quickstart()
	fn.Name, fn.Ref, fn.Region = "", "QuickstartFunction", ""
	fn.Async, fn.DeadLetterQueueRef = true, "QuickstartFailedEvents"
	api := ordersAPI()
	api.Region, api.DeadLetterQueue = "", "orders-api-dlq"
	return []dashboard.Function{fn, api}
}

// templateOptions are the options of TestTemplateGolden: alarms notify a
// topic of the template and one named by its ARN.
func templateOptions() []dashboard.Option {
	return []dashboard.Option{dashboard.WithDurationThreshold(800 * time.Millisecond),
		dashboard.WithAlarmTopic("AlarmTopic", "arn:aws:sns:eu-central-1:123456789012:oncall")}
}

func TestTemplateGolden(t *testing.T) {
	d, err := dashboard.New(templateFunctions(), templateOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Body(); err == nil || !strings.Contains(err.Error(), "QuickstartFunction") {
		t.Errorf("Body of a function known only by reference: err = %v", err)
	}
	tmpl, err := d.Template()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "template.golden.json", tmpl)
	body := bodyOfTemplate(t, tmpl, map[string]string{"QuickstartFunction": "stack-QuickstartFunction-AbC123", "AWS::Region": "eu-central-1"})
	validateBody(t, body)
	if !strings.Contains(string(body), `"FunctionName","stack-QuickstartFunction-AbC123"`) ||
		!strings.Contains(string(body), `"region":"eu-central-1"`) || strings.Contains(string(body), `"region":"us-west-2"`) {
		t.Errorf("references not where expected in the body:\n%s", body)
	}

	var tp struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(tmpl, &tp); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for id, r := range tp.Resources {
		count[r.Type]++
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		b, _ := json.Marshal(r.Properties)
		if !strings.Contains(string(b), `"AlarmActions":[{"Ref":"AlarmTopic"},"arn:aws:sns:eu-central-1:123456789012:oncall"]`) {
			t.Errorf("%s does not notify the topics: %s", id, b)
		}
		if strings.HasPrefix(id, "QuickstartFunction") && strings.Contains(id, "Throttles") && !strings.Contains(string(b), `{"Name":"FunctionName","Value":{"Ref":"QuickstartFunction"}}`) {
			t.Errorf("%s does not name the function by Ref: %s", id, b)
		}
	}
	if count["AWS::CloudWatch::Dashboard"] != 1 || count["AWS::CloudWatch::Alarm"] != 13 || count["AWS::Logs::QueryDefinition"] != 8 {
		t.Errorf("resources: %v", count)
	}
	for _, kind := range []string{dashboard.AlarmErrorRate, dashboard.AlarmDuration, dashboard.AlarmTimeouts, dashboard.AlarmThrottles,
		dashboard.AlarmMemory, dashboard.AlarmAsyncDropped, dashboard.AlarmDeadLetterQueue} {
		if _, ok := tp.Resources["QuickstartFunction"+kind+"Alarm"]; !ok {
			t.Errorf("no %s alarm for the quickstart", kind)
		}
		_, ok := tp.Resources["OrdersApi"+kind+"Alarm"]
		if ok == (kind == dashboard.AlarmAsyncDropped) {
			t.Errorf("orders-api, not invoked asynchronously: %s alarm %v", kind, ok)
		}
	}
	dlq, _ := json.Marshal(tp.Resources["QuickstartFunctionDeadLetterQueueAlarm"].Properties)
	for _, want := range []string{`"Dimensions":[{"Name":"QueueName","Value":{"Fn::GetAtt":["QuickstartFailedEvents","QueueName"]}}]`,
		`"MetricName":"ApproximateNumberOfMessagesVisible"`, `"Namespace":"AWS/SQS"`, `"Statistic":"Maximum"`, `${QuickstartFailedEvents.QueueName}`} {
		if !strings.Contains(string(dlq), want) {
			t.Errorf("dead-letter queue alarm: no %s in %s", want, dlq)
		}
	}
	dur := tp.Resources["QuickstartFunctionDurationP99Alarm"].Properties
	if dur["ExtendedStatistic"] != "p99" || dur["Threshold"] != 800.0 || dur["MetricName"] != names.LambdaDuration {
		t.Errorf("duration alarm: %v", dur)
	}
	mem, _ := json.Marshal(tp.Resources["OrdersApiMemoryUtilizationAlarm"].Properties)
	for _, want := range []string{`"MetricName":"MemoryUtilization"`, `"Namespace":"Shop"`, `"Statistic":"Maximum"`, `"Threshold":90`,
		`"Dimensions":[{"Name":"service","Value":"orders-api"},{"Name":"function_name","Value":"orders-api"}]`,
		`"ComparisonOperator":"GreaterThanThreshold"`, `"TreatMissingData":"notBreaching"`} {
		if !strings.Contains(string(mem), want) {
			t.Errorf("memory alarm: no %s in %s", want, mem)
		}
	}
}

// ordersAPIWithParams is the orders API reading its settings through
// package params.
func ordersAPIWithParams() dashboard.Function {
	f := ordersAPI()
	f.Parameters = true
	return f
}

func TestLayout(t *testing.T) {
	d, err := dashboard.New([]dashboard.Function{quickstart(), ordersAPI()})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, w := range dashboard.WidgetsOf(d) {
		key := w.Function + "/" + w.Name
		if seen[key] {
			t.Errorf("two widgets %s", key)
		}
		seen[key] = true
		if w.Type == board.MetricWidget && (w.Period != 60 || w.Stat == "" || len(w.Series) == 0) {
			t.Errorf("%s: period %d stat %q series %d", key, w.Period, w.Stat, len(w.Series))
		}
	}
	for _, name := range []string{names.WidgetInvocations, names.WidgetErrors, names.WidgetThrottles, names.WidgetDuration,
		names.WidgetColdStart, names.WidgetInitDuration, names.WidgetFailures, names.WidgetAWSLatency,
		names.WidgetAWSErrors, names.WidgetErrorLog, names.WidgetColdStartLog, names.WidgetCustomPrefix + "OrdersPlaced",
		names.WidgetMemoryUtilization, names.WidgetMemory, names.WidgetHeap, names.WidgetCPU, names.WidgetGCPause,
		names.WidgetGCCycles, names.WidgetTelemetryErrors, names.WidgetSpansDropped, names.WidgetTraceExport} {
		if !seen["orders-quickstart/"+name] {
			t.Errorf("no %s widget for the quickstart", name)
		}
	}
	if seen["orders-quickstart/"+names.WidgetHTTPRequests] || !seen["orders-api/"+names.WidgetHTTPRequests] {
		t.Errorf("HTTP widgets drawn for the wrong function")
	}
	for _, name := range []string{names.WidgetParametersCache, names.WidgetLazyInit} {
		if seen["orders-quickstart/"+name] || seen["orders-api/"+name] {
			t.Errorf("%s drawn for a function that does not use package params", name)
		}
	}
}

// TestMemoryRow checks the row of what invocations used: six widgets side
// by side below the wrapper's lifecycle metrics, the memory utilisation
// widget with a line at the alarm's threshold, and the parameters widgets
// after the custom metrics, filling their row.
func TestMemoryRow(t *testing.T) {
	d, err := dashboard.New([]dashboard.Function{ordersAPIWithParams()}, dashboard.WithMemoryUtilizationThreshold(85))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]board.Widget{}
	for _, w := range dashboard.WidgetsOf(d) {
		byName[w.Name] = w
	}
	life := byName[names.WidgetColdStart]
	for i, name := range []string{names.WidgetMemoryUtilization, names.WidgetMemory, names.WidgetHeap,
		names.WidgetCPU, names.WidgetGCPause, names.WidgetGCCycles} {
		w := byName[name]
		if w.X != 4*i || w.Y != life.Y+life.Height || w.Width != 4 {
			t.Errorf("%s at x %d y %d width %d, want x %d y %d width 4", name, w.X, w.Y, w.Width, 4*i, life.Y+life.Height)
		}
	}
	mu := byName[names.WidgetMemoryUtilization]
	if len(mu.Annotations) != 1 || mu.Annotations[0].Value != 85 {
		t.Errorf("memory utilisation annotations %+v, want one at 85", mu.Annotations)
	}
	custom, cache, lazy := byName[names.WidgetCustomPrefix+"CartSize"], byName[names.WidgetParametersCache], byName[names.WidgetLazyInit]
	if cache.Y != custom.Y || cache.X != 8 || lazy.Y != custom.Y || lazy.X != 16 {
		t.Errorf("parameters widgets at %d,%d and %d,%d; the custom metric at %d,%d", cache.X, cache.Y, lazy.X, lazy.Y, custom.X, custom.Y)
	}
	for _, a := range dashboard.AlarmsOf(d) {
		if a.Kind == dashboard.AlarmMemory && a.Threshold != 85 {
			t.Errorf("memory alarm threshold %v, want 85", a.Threshold)
		}
	}
}

// TestLargestCapture checks that the largest dashboard Capture.Functions
// can describe (MaxFunctions functions, each with MaxCustomMetrics custom
// metrics, behind the HTTP adapter and using package params) stays within
// CloudWatch's 500 widgets, and its template within CloudFormation's size.
func TestLargestCapture(t *testing.T) {
	var fns []dashboard.Function
	for i := range dashboard.MaxFunctions {
		f := dashboard.Function{Name: fmt.Sprintf("fn-%02d", i), HTTP: true, Parameters: true}
		for j := range dashboard.MaxCustomMetrics {
			f.Metrics = append(f.Metrics, dashboard.Metric{Name: fmt.Sprintf("Metric%02d", j)})
		}
		fns = append(fns, f)
	}
	d, err := dashboard.New(fns)
	if err != nil {
		t.Fatal(err)
	}
	body, err := d.Body()
	if err != nil {
		t.Fatal(err)
	}
	validateBody(t, body)
	tmpl, err := d.Template()
	if err != nil {
		t.Fatal(err)
	}
	// CloudFormation takes templates of up to 1 MB from S3, where sam
	// deploy and cdk deploy upload them.
	if len(tmpl) > 1<<20 {
		t.Errorf("a template of %d bytes, more than CloudFormation's 1 MB", len(tmpl))
	}
	t.Logf("%d widgets, a body of %d bytes, a template of %d bytes", len(dashboard.WidgetsOf(d)), len(body), len(tmpl))
}

func TestNewRejects(t *testing.T) {
	ok := quickstart()
	tests := []struct {
		name string
		fns  []dashboard.Function
		opts []dashboard.Option
		want string
	}{
		{"no function", nil, nil, "no function"},
		{"no name", []dashboard.Function{{}}, nil, "name or a CloudFormation reference"},
		{"bad name", []dashboard.Function{{Name: "orders fn"}}, nil, "function name"},
		{"twice", []dashboard.Function{ok, ok}, nil, "listed twice"},
		{"namespace", []dashboard.Function{{Name: "f", Namespace: "bad|ns"}}, nil, "namespace"},
		{"namespace colon", []dashboard.Function{{Name: "f", Namespace: ":ns"}}, nil, "not starting with ':'"},
		{"namespace length", []dashboard.Function{{Name: "f", Namespace: strings.Repeat("n", 256)}}, nil, "1 to 255"},
		{"dead-letter queue", []dashboard.Function{{Name: "f", DeadLetterQueue: "orders dlq"}}, nil, "dead-letter queue"},
		{"dead-letter queue ref", []dashboard.Function{{Name: "f", DeadLetterQueueRef: "Orders-DLQ"}}, nil, "logical id"},
		{"search length", []dashboard.Function{{Name: "f", Service: strings.Repeat("s", 1000)}}, nil, "1024"},
		{"dimension names", []dashboard.Function{{Name: "f", Metrics: []dashboard.Metric{{Name: "m", Dimensions: []string{strings.Repeat("a", 250), strings.Repeat("b", 250), strings.Repeat("c", 250), strings.Repeat("d", 250)}}}}}, nil, "search expression of m"},
		{"topic", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithAlarmTopic("arn:aws:sqs:eu-west-1:123456789012:q")}, "SNS topic ARN"},
		{"FIFO topic", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithAlarmTopic("arn:aws:sns:eu-west-1:123456789012:t.fifo")}, "FIFO"},
		{"topic twice", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithAlarmTopic("T", "T")}, "twice"},
		{"six topics", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithAlarmTopic("A", "B", "C", "D", "E", "F")}, "at most 5"},
		{"AWS namespace", []dashboard.Function{{Name: "f", Namespace: "AWS/Lambda"}}, nil, "reserved"},
		{"service quote", []dashboard.Function{{Name: "f", Service: `a"b`}}, nil, "quotes"},
		{"region", []dashboard.Function{{Name: "f", Region: "mars-1"}}, nil, "region"},
		{"own metric", []dashboard.Function{{Name: "f", Metrics: []dashboard.Metric{{Name: "ColdStart"}}}}, nil, "lambdaobs writes itself"},
		{"unit", []dashboard.Function{{Name: "f", Metrics: []dashboard.Metric{{Name: "m", Unit: "Parsecs"}}}}, nil, "unit"},
		{"stat", []dashboard.Function{{Name: "f", Metrics: []dashboard.Metric{{Name: "m", Stat: "Median"}}}}, nil, "statistic"},
		{"dimension service", []dashboard.Function{{Name: "f", Metrics: []dashboard.Metric{{Name: "m", Dimensions: []string{"service"}}}}}, nil, "twice"},
		{"period", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithPeriod(90 * time.Second)}, "period"},
		{"start", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithStart("yesterday")}, "start"},
		{"error rate", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithErrorRateThreshold(0)}, "error rate"},
		{"memory threshold", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithMemoryUtilizationThreshold(101)}, "memory utilisation"},
		{"params metric", []dashboard.Function{{Name: "f", Metrics: []dashboard.Metric{{Name: "ParametersCacheHits"}}}}, nil, "lambdaobs writes itself"},
		{"usage metric", []dashboard.Function{{Name: "f", Metrics: []dashboard.Metric{{Name: "MemoryUtilization"}}}}, nil, "lambdaobs writes itself"},
		{"dashboard region", []dashboard.Function{ok}, []dashboard.Option{dashboard.WithRegion("")}, "region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dashboard.New(tt.fns, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "dashboard: ") {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestTemplateRefusesRegion checks that a template is never drawn for a
// region other than the stack's: CloudFormation creates the alarms and the
// saved queries there, where they would watch nothing of the function.
func TestTemplateRefusesRegion(t *testing.T) {
	tests := []struct {
		name string
		fn   dashboard.Function
		opts []dashboard.Option
	}{
		{"function region", dashboard.Function{Ref: "Fn", Region: "eu-west-1"}, nil},
		{"dashboard region", dashboard.Function{Ref: "Fn"}, []dashboard.Option{dashboard.WithRegion("eu-west-1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dashboard.New([]dashboard.Function{tt.fn}, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Template(); err == nil || !strings.Contains(err.Error(), "stack's region") || !strings.Contains(err.Error(), "eu-west-1") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestQueries(t *testing.T) {
	d, err := dashboard.New([]dashboard.Function{quickstart()})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range dashboard.QueriesOf(d) {
		names = append(names, q.Name)
		if len(q.LogGroups) != 1 || q.LogGroups[0] != "/aws/lambda/orders-quickstart" {
			t.Errorf("%s: log groups %v", q.Name, q.LogGroups)
		}
	}
	want := "lambdaobs/orders-quickstart/errors lambdaobs/orders-quickstart/cold-starts lambdaobs/orders-quickstart/timeouts-and-panics lambdaobs/orders-quickstart/dropped-telemetry"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("queries %s, want %s", got, want)
	}
}

// TestLayoutOrder checks the section of one function with a custom metric:
// every widget by name, in order, at its place on the grid.
func TestLayoutOrder(t *testing.T) {
	d, err := dashboard.New([]dashboard.Function{{
		Name:      "orders",
		Namespace: "Shop",
		Service:   "orders",
		Metrics:   []dashboard.Metric{{Name: "OrdersPlaced", Unit: metrics.Count}},
	}}, dashboard.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range dashboard.WidgetsOf(d) {
		got = append(got, fmt.Sprintf("%-6s %-22s x=%-2d y=%-2d %dx%d", w.Type, w.Name, w.X, w.Y, w.Width, w.Height))
	}
	want := []string{
		"text   Header                 x=0  y=0  24x2",
		"metric Invocations            x=0  y=2  6x6",
		"metric Errors                 x=6  y=2  6x6",
		"metric Throttles              x=12 y=2  6x6",
		"metric Duration               x=18 y=2  6x6",
		"metric ColdStart              x=0  y=8  8x6",
		"metric InitDuration           x=8  y=8  8x6",
		"metric TimeoutsPanics         x=16 y=8  8x6",
		"metric MemoryUtilization      x=0  y=14 4x6",
		"metric Memory                 x=4  y=14 4x6",
		"metric HeapInUse              x=8  y=14 4x6",
		"metric CPUTime                x=12 y=14 4x6",
		"metric GCPause                x=16 y=14 4x6",
		"metric GCCycles               x=20 y=14 4x6",
		"metric Custom:OrdersPlaced    x=0  y=20 8x6",
		"metric AWSCallLatency         x=0  y=26 12x6",
		"metric AWSCallErrors          x=12 y=26 12x6",
		"metric TelemetryErrors        x=0  y=32 8x6",
		"metric SpansDropped           x=8  y=32 8x6",
		"metric TraceExport            x=16 y=32 8x6",
		"log    ErrorLog               x=0  y=38 24x6",
		"log    ColdStartLog           x=0  y=44 24x6",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("widgets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
