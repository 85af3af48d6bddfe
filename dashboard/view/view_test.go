package view_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/dashboard/view"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/params"
)

// element is an element of a page with a data-widget attribute or an id.
type element struct {
	attrs map[string]string
}

// parsePage checks that page is well-formed XML (so, with its void elements
// closed, well-formed HTML too) and returns its widgets by
// "function/widget" and the text of its elements with an id.
func parsePage(t testing.TB, page []byte) (widgets map[string]element, ids map[string]string) {
	t.Helper()
	widgets, ids = map[string]element{}, map[string]string{}
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = true
	var stack []string // ids of open elements ("" when none)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the page is not well-formed: %v\n%s", err, page)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if w, ok := attrs["data-widget"]; ok {
				widgets[attrs["data-function"]+"/"+w] = element{attrs: attrs}
			}
			stack = append(stack, attrs["id"])
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, id := range stack {
				if id != "" {
					ids[id] += string(el)
				}
			}
		}
	}
	return widgets, ids
}

func render(t testing.TB, capture []byte, opts ...view.Option) ([]byte, view.Summary) {
	t.Helper()
	c, err := dashboard.ReadCapture(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	var d *dashboard.Dashboard
	if fns := c.Functions(); len(fns) > 0 {
		if d, err = dashboard.New(fns); err != nil {
			t.Fatal(err)
		}
	}
	var page bytes.Buffer
	sum, err := view.Render(&page, d, c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	checkSelfContained(t, page.Bytes())
	return page.Bytes(), sum
}

// checkSelfContained fails when the page could load anything.
func checkSelfContained(t testing.TB, page []byte) {
	t.Helper()
	lower := strings.ToLower(string(page))
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "src=", "href=", "@import", "url("} {
		if strings.Contains(lower, bad) {
			t.Fatalf("the page contains %q", bad)
		}
	}
	if !strings.HasPrefix(lower, "<!doctype html>") || !strings.HasSuffix(strings.TrimSpace(lower), "</html>") {
		t.Fatalf("not a whole HTML document")
	}
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRenderLogsTail draws output from aws logs tail: two invocations a
// minute apart, the first a cold start, the second a declined card.
func TestRenderLogsTail(t *testing.T) {
	page, sum := render(t, testdata(t, "logs-tail.txt"))
	widgets, ids := parsePage(t, page)
	fn := "orders-quickstart/"
	want := map[string][3]int{ // series, points, values with the widgets' one-minute period
		names.WidgetInvocations:                   {1, 2, 2},
		names.WidgetErrors:                        {2, 3, 3}, // Lambda's errors: 0 then 1; the handler's: 1
		names.WidgetThrottles:                     {1, 2, 2},
		names.WidgetDuration:                      {3, 6, 6}, // p50, p90, p99 of two REPORT lines
		names.WidgetColdStart:                     {1, 1, 1},
		names.WidgetInitDuration:                  {3, 2, 2}, // the wrapper's p50 and p99; Lambda's report (not in the capture)
		names.WidgetFailures:                      {2, 0, 0}, // no timeout, no panic, no late values
		names.WidgetCustomPrefix + "OrdersPlaced": {1, 1, 1},
		names.WidgetCustomPrefix + "OrderValue":   {1, 1, 1},
		names.WidgetAWSLatency:                    {0, 0, 0},
		names.WidgetAWSErrors:                     {0, 0, 0},
		// No invocation was sampled for usage: only Lambda's duration,
		// from the REPORT lines.
		names.WidgetMemoryUtilization: {2, 0, 0},
		names.WidgetCPU:               {3, 2, 2},
		names.WidgetTelemetryErrors:   {1, 0, 0},
	}
	for name, w := range want {
		el, ok := widgets[fn+name]
		if !ok {
			t.Errorf("no widget %s", name)
			continue
		}
		got := [3]string{el.attrs["data-series"], el.attrs["data-points"], el.attrs["data-values"]}
		if got != [3]string{itoa(w[0]), itoa(w[1]), itoa(w[2])} || el.attrs["data-period"] != "60" {
			t.Errorf("%s: series, points, values %v period %s, want %v 60", name, got, el.attrs["data-period"], w)
		}
	}
	if len(widgets) != 23 {
		t.Errorf("%d widgets: %v", len(widgets), widgets)
	}
	for name, rows := range map[string]string{names.WidgetErrorLog: "1", names.WidgetColdStartLog: "1"} {
		if got := widgets[fn+name].attrs["data-rows"]; got != rows {
			t.Errorf("%s: %s rows, want %s", name, got, rows)
		}
	}
	if ids["cold-start-count"] != "1" || ids["invocation-count"] != "2" || ids["init-duration-p50"] != "31.20 ms" ||
		ids["error-count"] != "1" || ids["lines-read"] != "13" || ids["lines-ignored"] != "1" {
		t.Errorf("totals %v", ids)
	}
	if got := widgets[fn+names.WidgetMemoryUtilization].attrs["data-annotations"]; got != "90" {
		t.Errorf("memory utilisation annotations %q, want 90", got)
	}
	if sum.ColdStarts != 1 || sum.Widgets != 23 || sum.Errors != 1 || sum.Points != 20 {
		t.Errorf("summary %+v", sum)
	}
}

// TestRenderPeriod draws the emulator's output with a period of a second
// and of an hour.
func TestRenderPeriod(t *testing.T) {
	capture := testdata(t, "rie-quickstart.txt")
	for _, tt := range []struct {
		period time.Duration
		points string
	}{{time.Second, "1"}, {time.Hour, "1"}} {
		page, _ := render(t, capture, view.WithPeriod(tt.period))
		widgets, _ := parsePage(t, page)
		w := widgets["test-function/"+names.WidgetInvocations]
		if w.attrs["data-points"] != tt.points || w.attrs["data-values"] != "3" || w.attrs["data-period"] != itoa(int(tt.period/time.Second)) {
			t.Errorf("period %v: %v", tt.period, w.attrs)
		}
	}
}

func TestRenderNothing(t *testing.T) {
	page, sum := render(t, []byte("no lambdaobs output here\n{}\n"), view.WithTitle("<empty> & \"quoted\""))
	widgets, ids := parsePage(t, page)
	if len(widgets) != 0 || sum.Widgets != 0 || ids["lines-read"] != "2" || ids["lines-ignored"] != "2" || ids["cold-start-count"] != "0" {
		t.Errorf("widgets %v ids %v", widgets, ids)
	}
	if !bytes.Contains(page, []byte("<title>&lt;empty&gt; &amp; &#34;quoted&#34;</title>")) {
		t.Errorf("title not escaped")
	}
}

func TestStatistic(t *testing.T) {
	vs := []float64{4, 1, 3, 2, 10}
	for stat, want := range map[string]float64{"Sum": 20, "Average": 4, "Minimum": 1, "Maximum": 10, "SampleCount": 5,
		"p50": 3, "p90": 10, "p99": 10, "p0": 1, "p20": 1, "p40": 2} {
		if got := view.Statistic(stat, vs); got != want {
			t.Errorf("%s = %v, want %v", stat, got, want)
		}
	}
	for _, stat := range []string{"Median", "p101", "px"} {
		if got := view.Statistic(stat, vs); !math.IsNaN(got) {
			t.Errorf("%s = %v, want NaN", stat, got)
		}
	}
	if !math.IsNaN(view.Statistic("Sum", nil)) {
		t.Errorf("Sum of nothing is not NaN")
	}
}

// FuzzView draws arbitrary bytes as captured output: never a panic, always
// a whole, well-formed, self-contained page.
func FuzzView(f *testing.F) {
	for _, name := range []string{"rie-quickstart.txt", "logs-tail.txt", "sam-local.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(b, []byte("\n"))
		for i := 0; i < len(lines); i += 6 {
			f.Add(bytes.Join(lines[i:min(i+6, len(lines))], nil))
		}
	}
	f.Add([]byte(`{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["service","function_name"]],"Metrics":[{"Name":"ColdStart"},{"Name":"InitDuration"}]}]},"service":"s","function_name":"f","ColdStart":[1e308,1e308],"InitDuration":-1e308}`))
	f.Add([]byte("{\"level\":\"ERROR\",\"message\":\"\\u0000<script>\\ud800\",\"function_name\":\"f\",\"error\":\"]]>&amp;\",\"timestamp\":\"0001-01-01T00:00:00Z\"}\n\xff"))
	f.Add([]byte(`{"_aws":{"Timestamp":-5,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["service"]],"Metrics":[{"Name":"M<>&\"'"}]}]},"service":"s","M<>&\"'":[1,2,3]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := dashboard.ReadCapture(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var d *dashboard.Dashboard
		if fns := c.Functions(); len(fns) > 0 {
			if d, err = dashboard.New(fns); err != nil {
				t.Fatalf("the functions found cannot be drawn: %v", err)
			}
		}
		var page bytes.Buffer
		if _, err := view.Render(&page, d, c, view.WithPeriod(time.Second)); err != nil {
			t.Fatal(err)
		}
		checkSelfContained(t, page.Bytes())
		widgets, _ := parsePage(t, page.Bytes())
		if d != nil && len(widgets) != view.Widgets(d) {
			t.Fatalf("%d widgets drawn of %d", len(widgets), view.Widgets(d))
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestRenderSearches draws the SEARCH widgets: one line per AWS operation
// called, one per HTTP route and status class.
func TestRenderSearches(t *testing.T) {
	capture := strings.Join([]string{
		`{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","function_name"]],"Metrics":[{"Name":"ColdStart","Unit":"Count"}]}]},"service":"orders","function_name":"orders-api","ColdStart":1}`,
		`{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","aws_service","aws_operation"]],"Metrics":[{"Name":"AWSCallLatency","Unit":"Milliseconds"},{"Name":"AWSCallAttempts","Unit":"Count"},{"Name":"AWSCallErrors","Unit":"Count"},{"Name":"AWSThrottles","Unit":"Count"}]}]},"service":"orders","aws_service":"DynamoDB","aws_operation":"PutItem","AWSCallLatency":[3.1,2.9],"AWSCallAttempts":[1,1],"AWSCallErrors":[0,0],"AWSThrottles":[0,0]}`,
		`{"_aws":{"Timestamp":1795708999453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","aws_service","aws_operation"]],"Metrics":[{"Name":"AWSCallLatency","Unit":"Milliseconds"},{"Name":"AWSCallAttempts","Unit":"Count"},{"Name":"AWSCallErrors","Unit":"Count"},{"Name":"AWSThrottles","Unit":"Count"}]}]},"service":"orders","aws_service":"DynamoDB","aws_operation":"GetItem","AWSCallLatency":1.5,"AWSCallAttempts":3,"AWSCallErrors":1,"AWSThrottles":2}`,
		`{"_aws":{"Timestamp":1795708999453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","Route","Method","StatusClass"]],"Metrics":[{"Name":"Requests","Unit":"Count"},{"Name":"Latency","Unit":"Milliseconds"}]}]},"service":"orders","Route":"/orders","Method":"POST","StatusClass":"2xx","Requests":1,"Latency":4.2}`,
		`{"_aws":{"Timestamp":1795708999453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","Route","Method","StatusClass"]],"Metrics":[{"Name":"Requests","Unit":"Count"},{"Name":"Latency","Unit":"Milliseconds"}]}]},"service":"orders","Route":"/orders","Method":"POST","StatusClass":"4xx","Requests":1,"Latency":0.7}`,
	}, "\n")
	page, _ := render(t, []byte(capture), view.WithPeriod(time.Second))
	widgets, _ := parsePage(t, page)
	for name, want := range map[string][3]string{ // series, points, values
		names.WidgetAWSLatency:   {"2", "2", "3"},
		names.WidgetAWSErrors:    {"4", "4", "6"}, // errors and throttled, per operation
		names.WidgetHTTPRequests: {"2", "2", "2"},
		names.WidgetHTTPLatency:  {"2", "2", "2"},
	} {
		el := widgets["orders-api/"+name]
		got := [3]string{el.attrs["data-series"], el.attrs["data-points"], el.attrs["data-values"]}
		if got != want {
			t.Errorf("%s: series, points, values %v, want %v", name, got, want)
		}
	}
	for _, label := range []string{`data-label="DynamoDB PutItem"`, `data-label="errors DynamoDB GetItem"`, `data-label="/orders POST 4xx"`} {
		if !bytes.Contains(page, []byte(label)) {
			t.Errorf("no legend %s", label)
		}
	}
}

// flushFails is the recording tracer with an exporter that fails, as one
// whose collector is unreachable: each failed export is a telemetry error.
type flushFails struct{ *lambdaobstest.Tracer }

func (flushFails) Flush(context.Context) error { return errors.New("export spans: connection refused") }

// fakeSSM serves every GetParameter with one String parameter.
type fakeSSM struct{ params.SSMClient }

func (fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String("orders"), Type: ssmtypes.ParameterTypeString}}, nil
}

// TestRenderUsage draws what a wrapped handler writes with every
// invocation sampled for usage, its spans' export failing, a parameter read
// through package params and a Lazy: the memory and CPU row, the telemetry
// errors and the parameters widgets have values, and the memory
// utilisation widget its line at the alarm's threshold.
func TestRenderUsage(t *testing.T) {
	ps := params.NewSSM(fakeSSM{})
	conn := params.NewLazy("db", func(context.Context) (string, error) { return "connected", nil })
	h := func(ctx context.Context, n int) (int, error) {
		if _, err := ps.Get(ctx, "/orders/table"); err != nil {
			return 0, err
		}
		if _, err := conn.Get(ctx); err != nil {
			return 0, err
		}
		return n, nil
	}
	f := lambdaobstest.New(t, h, lambdaobstest.WithEnv(map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "orders-api", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}),
		lambdawrap.WithService("orders-api"), lambdawrap.WithNamespace("Shop"),
		lambdawrap.WithUsageMetrics(1), lambdawrap.WithTracer(flushFails{lambdaobstest.NewTracer()}))
	for i := range 3 {
		if r := f.Invoke(i, lambdaobstest.Request{}); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	page, _ := render(t, []byte(f.Output()), view.WithPeriod(time.Hour))
	widgets, _ := parsePage(t, page)
	fn := "orders-api/"
	for name, want := range map[string][2]int{ // series, values
		names.WidgetMemoryUtilization: {2, 6}, // p99 and max of three invocations
		names.WidgetMemory:            {3, 6}, // peak and at the end; Lambda's max is not in the output
		names.WidgetHeap:              {2, 6},
		names.WidgetCPU:               {3, 3}, // CPU time; no REPORT line, no report
		names.WidgetGCPause:           {2, 6},
		names.WidgetGCCycles:          {2, 6},
		names.WidgetTelemetryErrors:   {1, 2}, // each failed export, counted by the next invocation
		names.WidgetParametersCache:   {2, 3}, // one miss, then two hits
		names.WidgetLazyInit:          {1, 1}, // the first init of "db"
		names.WidgetSpansDropped:      {1, 0}, // written only after responses, in Lambda
	} {
		el, ok := widgets[fn+name]
		if !ok {
			t.Errorf("no widget %s", name)
			continue
		}
		points, _ := strconv.Atoi(el.attrs["data-points"])
		if el.attrs["data-series"] != itoa(want[0]) || el.attrs["data-values"] != itoa(want[1]) || (want[1] > 0) != (points > 0) {
			t.Errorf("%s: series %s, values %s, points %d; want %d series, %d values", name,
				el.attrs["data-series"], el.attrs["data-values"], points, want[0], want[1])
		}
	}
	for key := range widgets {
		if strings.Contains(key, "Custom:") {
			t.Errorf("%s: a metric of lambdaobs's drawn as a custom metric", key)
		}
	}
	if got := widgets[fn+names.WidgetMemoryUtilization].attrs["data-annotations"]; got != "90" {
		t.Errorf("memory utilisation annotations %q, want 90", got)
	}
	for _, want := range []string{`data-label="hits"`, `data-label="misses"`, `data-label="db"`, `data-annotation="90"`, `stroke-dasharray`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("no %s on the page", want)
		}
	}
}
