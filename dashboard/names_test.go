package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/params"
)

// emitted is what lambdaobs writes: metrics (namespace, name, dimension
// set, and the values of the dimensions when seen) and log keys.
type emitted struct {
	metrics map[string][]dimSet // namespace + "\x00" + metric name
	keys    map[string]bool
	// unseen are the metrics written only in Lambda, when the run under
	// the emulator was skipped: widgets naming them are not checked.
	unseen []string
}

type dimSet struct {
	names  []string          // sorted
	values map[string]string // nil when only the constants tell of it
}

func (e *emitted) addMetric(ns, name string, names []string, values map[string]string) {
	if e.metrics == nil {
		e.metrics = map[string][]dimSet{}
	}
	names = slices.Clone(names)
	sort.Strings(names)
	e.metrics[ns+"\x00"+name] = append(e.metrics[ns+"\x00"+name], dimSet{names, values})
}

// observe adds what one wrapped handler wrote.
func (e *emitted) observe(logs, docs []map[string]any) {
	if e.keys == nil {
		e.keys = map[string]bool{}
	}
	for _, l := range logs {
		for k := range l {
			e.keys[k] = true
		}
	}
	for _, d := range docs {
		aws, _ := d["_aws"].(map[string]any)
		dirs, _ := aws["CloudWatchMetrics"].([]any)
		for _, dir := range dirs {
			dm, _ := dir.(map[string]any)
			ns, _ := dm["Namespace"].(string)
			sets, _ := dm["Dimensions"].([]any)
			ms, _ := dm["Metrics"].([]any)
			for _, m := range ms {
				name, _ := m.(map[string]any)["Name"].(string)
				for _, set := range sets {
					var names []string
					values := map[string]string{}
					for _, k := range set.([]any) {
						names = append(names, k.(string))
						values[k.(string)], _ = d[k.(string)].(string)
					}
					e.addMetric(ns, name, names, values)
				}
			}
		}
	}
}

// flushFails is the recording tracer with an exporter that fails, as one
// whose collector is unreachable: each failed export is a telemetry error.
type flushFails struct{ *lambdaobstest.Tracer }

func (flushFails) Flush(context.Context) error { return errors.New("export spans: connection refused") }

// run invokes a wrapped handler the way its metrics and lines are written
// in production: a cold start with an init duration, a success, a returned
// error, a panic, a timeout, and values recorded after an invocation ended;
// every invocation's usage measured, its spans' export failing, a
// parameter read through package params's cache and a Lazy used.
func run(t *testing.T, fn, ns, service string, record func(m *metrics.Recorder)) (logs, docs []map[string]any) {
	db := fakeDynamoDB(t)
	ps := params.NewSSM(fakeSSM(t))
	conn := params.NewLazy("db", func(context.Context) (string, error) { return "connected", nil })
	release, recorded := make(chan struct{}), make(chan struct{})
	var f *lambdaobstest.Function[string, string]
	h := func(ctx context.Context, mode string) (string, error) {
		slog.InfoContext(ctx, "working", "mode", mode)
		m := metrics.FromContext(ctx)
		record(m)
		// An AWS SDK call through an instrumented client: its metrics.
		_, _ = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"),
			Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: mode}}})
		// A parameter (fetched once, then from the cache) and a Lazy.
		if _, err := ps.Get(ctx, "/orders/table"); err != nil {
			t.Errorf("params: %v", err)
		}
		if _, err := conn.Get(ctx); err != nil {
			t.Errorf("lazy: %v", err)
		}
		switch mode {
		case "error":
			return "", errors.New("card declined")
		case "panic":
			panic("boom")
		case "timeout":
			// Past the deadline, once the timeout guard has fired (its
			// timer runs 20 ms before the deadline, and may run late on a
			// busy machine): the timeout is not taken back.
			for end := time.Now().Add(10 * time.Second); !strings.Contains(f.Output(), names.MsgInvocationTimeout) && time.Now().Before(end); {
				time.Sleep(time.Millisecond)
			}
			<-ctx.Done()
			return "", ctx.Err()
		case "late":
			go func() {
				<-release
				m.Count("Late", 1)
				close(recorded)
			}()
		}
		return "ok", nil
	}
	f = lambdaobstest.New(t, h, hook.FreshProcess(int64(30*time.Millisecond)).(lambdawrap.Option),
		lambdaobstest.WithEnv(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": fn, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}),
		lambdawrap.WithService(service), lambdawrap.WithNamespace(ns),
		lambdawrap.WithUsageMetrics(1), lambdawrap.WithTracer(flushFails{lambdaobstest.NewTracer()}))
	trace := lambdaobstest.Request{TraceHeader: "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1"}
	for _, mode := range []string{"ok", "error", "panic", "timeout", "late", "after-late"} {
		req := trace
		if mode == "timeout" {
			req.Timeout = 150 * time.Millisecond
		}
		r := f.Invoke(mode, req)
		if mode == "late" {
			close(release)
			<-recorded
		}
		logs = append(logs, r.Logs...)
		docs = append(docs, r.Metrics...)
	}
	return logs, docs
}

// fakeDynamoDB returns a DynamoDB client instrumented by awssdk, talking to
// a server on 127.0.0.1 that accepts every PutItem.
func fakeDynamoDB(t *testing.T) *dynamodb.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret", "")}
	awssdk.Instrument(&cfg)
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

// fakeSSM returns an SSM client talking to a server on 127.0.0.1 that
// answers every GetParameter with one String parameter.
func fakeSSM(t *testing.T) *ssm.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Value": "orders", "Type": "String", "Version": 1}})
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret", "")}
	return ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

// Metrics lambdaobs writes only in Lambda: Lambda's reports, from the
// Telemetry API, and the export of spans after responses, by the
// wrapper's internal extension.
var underLambda = []string{names.MetricTraceExportDuration, names.MetricSpansDropped,
	names.MetricReportDuration, names.MetricReportInitDuration, names.MetricBilledDuration, names.MetricMaxMemoryUsed}

// runUnderLambda runs testdata/fn as function fn under the emulator's
// Managed Instances mode, which has the Telemetry API, with every
// invocation sampled and an OTLP endpoint where nothing listens: the spans
// of the first invocation fail to export after its response, and the
// second invocation's lifecycle document counts them; each invocation has
// Lambda's report.
func runUnderLambda(t *testing.T, bootstrap, fn, ns, service string) (logs, docs []map[string]any) {
	refused := "http://" + testenv.Addr(testenv.FreePort(t)) // nothing listens there
	emu := testenv.StartManagedEmulator(t, bootstrap, 1, "AWS_LAMBDA_FUNCTION_NAME="+fn,
		"POWERTOOLS_METRICS_NAMESPACE="+ns, "POWERTOOLS_SERVICE_NAME="+service,
		names.EnvLambdaobsUsageMetrics+"=1", "OTEL_EXPORTER_OTLP_ENDPOINT="+refused)
	for i, id := range []string{fn + "-1", fn + "-2"} {
		if code, body := emu.Invoke(t, id, []byte(`{}`)); code != http.StatusOK {
			t.Fatalf("invoke %s: status %d %s", id, code, body)
		}
		if i == 0 {
			emu.WaitOutput(t, regexp.MustCompile(regexp.QuoteMeta(names.MsgSpansDropped)), 10*time.Second)
		}
	}
	// The last reports are written at SIGTERM.
	_ = emu.Proc.Cmd.Process.Signal(syscall.SIGTERM)
	for deadline := time.Now().Add(10 * time.Second); !emu.Proc.Exited() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	logs, docs, _ = lambdaobstest.Parse(emu.Proc.Output.String())
	return logs, docs
}

// runHTTP invokes a handler behind the HTTP API adapter.
func runHTTP(t *testing.T, fn, ns, service string) (logs, docs []map[string]any) {
	h := httpapi.HTTP(func(ctx context.Context, in struct{ ID string }) (struct{ ID string }, error) { return in, nil })
	f := lambdaobstest.New(t, h, lambdaobstest.WithEnv(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": fn}),
		lambdawrap.WithService(service), lambdawrap.WithNamespace(ns))
	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /orders", RawPath: "/orders", Body: `{"ID":"o-1"}`,
		Headers: map[string]string{"content-type": "application/json"}}
	req.RequestContext.HTTP.Method = "POST"
	req.RequestContext.HTTP.Path = "/orders"
	req.RequestContext.RouteKey = "POST /orders"
	r := f.Invoke(req, lambdaobstest.Request{})
	return r.Logs, r.Metrics
}

// emittedByLambdaobs runs the quickstart's handler and the orders API's
// (with their custom metrics, an AWS SDK call, package params and usage
// metrics), a handler behind the HTTP adapter, and, under the emulator, a
// function exporting its spans after responses with Lambda's reports.
func emittedByLambdaobs(t *testing.T) *emitted {
	e := &emitted{}
	e.observe(run(t, "orders-quickstart", "Quickstart", "orders", func(m *metrics.Recorder) {
		m.Count("OrdersPlaced", 1)
		m.Add("OrderValue", 12.5, metrics.None)
		m.Add("ChargeLatency", 0.2, metrics.Milliseconds)
		m.Count("PaymentsDeclined", 0)
	}))
	e.observe(run(t, "orders-api", "Shop", "orders-api", func(m *metrics.Recorder) {
		m.AddDimension("channel", "web")
		m.Count("CartSize", 3)
	}))
	e.observe(runHTTP(t, "orders-api", "Shop", "orders-api"))
	ran := false
	t.Run("under Lambda", func(t *testing.T) {
		bootstrap := testenv.BuildBootstrap(t, "./dashboard/testdata/fn")
		e.observe(runUnderLambda(t, bootstrap, "orders-quickstart", "Quickstart", "orders"))
		e.observe(runUnderLambda(t, bootstrap, "orders-api", "Shop", "orders-api"))
		for _, name := range []string{names.MetricTraceExportDuration, names.MetricSpansDropped,
			names.MetricTelemetryErrors, names.MetricReportDuration, names.MetricReportInitDuration} {
			if !e.has("Quickstart", name, []string{names.DimService, names.DimFunctionName}, map[string]string{
				names.DimService: "orders", names.DimFunctionName: "orders-quickstart"}, false) {
				t.Errorf("the run under the emulator did not write %s with dimensions service and function_name", name)
			}
		}
		// Lambda's reports of on-demand invocations carry figures neither
		// mode of the emulator sends (billed duration, max memory used):
		// the wrapper writes them in the document of the report's
		// duration, with its dimensions.
		for key, sets := range e.metrics {
			ns, name, _ := strings.Cut(key, "\x00")
			if name != names.MetricReportDuration {
				continue
			}
			for _, set := range sets {
				e.addMetric(ns, names.MetricBilledDuration, set.names, set.values)
				e.addMetric(ns, names.MetricMaxMemoryUsed, set.names, set.values)
			}
		}
		ran = true
	})
	if !ran {
		e.unseen = underLambda
	}
	return e
}

// logKeyConstants are the log keys of the logger and the wrapper.
var logKeyConstants = []string{
	names.KeyLevel, names.KeyMessage, names.KeyTimestamp, names.KeyLocation, names.KeyService, names.KeySamplingRate,
	names.KeyColdStart, names.KeyFunctionName, names.KeyFunctionMemorySize, names.KeyFunctionARN, names.KeyRequestID,
	names.KeyXRayTraceID, names.KeyCorrelationID, names.KeyInitDurationMS, names.KeyError, names.KeyErrorType,
	names.KeyStackTrace, names.KeyDroppedLines, names.KeyElapsedMS, names.KeyRemainingMS, names.KeyPanic,
}

// lambdaMetrics are the AWS/Lambda metrics the dashboard may draw.
var lambdaMetrics = []string{names.LambdaInvocations, names.LambdaErrors, names.LambdaThrottles, names.LambdaDuration}

// lambdaAlarmMetrics are the AWS/Lambda metrics an alarm may watch: those
// of the dashboard, and the asynchronous events Lambda dropped.
var lambdaAlarmMetrics = append(slices.Clone(lambdaMetrics), "AsyncEventsDropped")

var searchRE = regexp.MustCompile(`^SEARCH\('(?:\{([^}]*)\} |Namespace="((?:[^"\\]|\\.)*)" )MetricName="((?:[^"\\]|\\.)*)"((?: [^ =]+="(?:[^"\\]|\\.)*")*)', '([^']+)', ([0-9]+)\)$`)
var filterRE = regexp.MustCompile(` ([^ =]+)="((?:[^"\\]|\\.)*)"`)

// unescapeTerm reads back a term of a SEARCH expression.
func unescapeTerm(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestWidgetsUseOnlyEmittedNames fails when a widget, an alarm or a saved
// query points at a metric, a dimension or a log field that lambdaobs does
// not write: the set of what it writes is built from running wrapped
// handlers, in the test and under the emulator, and for the two figures of
// Lambda's reports no emulator sends, from the document that carries them.
func TestWidgetsUseOnlyEmittedNames(t *testing.T) {
	e := emittedByLambdaobs(t)
	// The observed run must show every lifecycle metric with the wrapper's
	// dimensions, so that the dashboard's expectations are tested, not
	// assumed.
	for _, name := range []string{names.MetricColdStart, names.MetricInitDuration, names.MetricErrors,
		names.MetricPanics, names.MetricTimeouts, names.MetricTelemetryErrors,
		names.MetricCPUTime, names.MetricGCCycles, names.MetricGCPause, names.MetricHeapInUse,
		names.MetricMemoryUsed, names.MetricMemoryPeak, names.MetricMemoryUtilization} {
		if !e.has("Quickstart", name, []string{names.DimService, names.DimFunctionName}, map[string]string{
			names.DimService: "orders", names.DimFunctionName: "orders-quickstart"}, false) {
			t.Errorf("the run did not write %s with dimensions service and function_name", name)
		}
	}
	if !e.has("Quickstart", names.MetricLateValues, []string{names.DimService}, nil, false) {
		t.Errorf("the run did not write %s", names.MetricLateValues)
	}
	for _, name := range []string{names.MetricParametersCacheHits, names.MetricParametersCacheMisses} {
		if !e.has("Quickstart", name, []string{names.DimService}, map[string]string{names.DimService: "orders"}, false) {
			t.Errorf("the run did not write %s with dimension service", name)
		}
	}
	if !e.has("Quickstart", names.MetricLazyInitDuration, []string{names.DimService, names.DimLazy},
		map[string]string{names.DimService: "orders", names.DimLazy: "db"}, false) {
		t.Errorf("the run did not write %s with dimensions service and %s", names.MetricLazyInitDuration, names.DimLazy)
	}
	for _, name := range []string{names.MetricAWSCallLatency, names.MetricAWSCallErrors, names.MetricAWSCallAttempts, names.MetricAWSThrottles} {
		if !e.has("Quickstart", name, []string{names.DimService, names.DimAWSService, names.DimAWSOperation},
			map[string]string{names.DimService: "orders", names.DimAWSService: "DynamoDB", names.DimAWSOperation: "PutItem"}, false) {
			t.Errorf("the run did not write %s with dimensions service, aws_service and aws_operation", name)
		}
	}
	// One name for the service across every metric lambdaobs writes: no
	// two dimension names that differ only by case.
	for key, sets := range e.metrics {
		for _, set := range sets {
			for i, a := range set.names {
				for _, b := range set.names[i+1:] {
					if strings.EqualFold(a, b) {
						t.Errorf("%s: dimensions %s and %s differ only by case", strings.ReplaceAll(key, "\x00", "/"), a, b)
					}
				}
			}
		}
	}
	var dims []string
	for _, sets := range e.metrics {
		for _, set := range sets {
			dims = append(dims, set.names...)
		}
	}
	slices.Sort(dims)
	dims = slices.Compact(dims)
	for i, a := range dims {
		for _, b := range dims[i+1:] {
			if strings.EqualFold(a, b) {
				t.Errorf("lambdaobs writes the dimensions %s and %s, which differ only by case", a, b)
			}
		}
	}
	for _, name := range []string{names.MetricHTTPRequests, names.MetricHTTPLatency} {
		if !e.has("Shop", name, []string{names.DimService, names.DimHTTPRoute, names.DimHTTPMethod, names.DimHTTPStatusClass}, nil, false) {
			t.Errorf("the run did not write %s with dimensions service, Route, Method and StatusClass", name)
		}
	}

	qs, api := quickstart(), ordersAPI()
	qs.Async, qs.DeadLetterQueue, qs.Parameters = true, "orders-quickstart-failed", true
	api.DeadLetterQueueRef, api.Parameters = "OrdersDLQ", true
	d, err := dashboard.New([]dashboard.Function{qs, api}, dashboard.WithAlarmTopic("AlarmTopic"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := d.Body()
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Widgets []struct {
			Type       string
			Properties struct {
				Title   string
				Metrics [][]any
				Query   string
			}
		}
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, w := range b.Widgets {
		for _, m := range w.Properties.Metrics {
			checked++
			e.checkMetric(t, w.Properties.Title, m)
		}
		if w.Type == "log" {
			e.checkQuery(t, w.Properties.Title, w.Properties.Query)
		}
	}
	if checked < 60 {
		t.Errorf("only %d metrics checked", checked)
	}
	for _, q := range dashboard.QueriesOf(d) {
		e.checkQuery(t, q.Name, q.String())
	}
	kinds := map[string]int{}
	for _, a := range dashboard.AlarmsOf(d) {
		kinds[a.Kind]++
		dims := []string{}
		values := map[string]string{}
		for _, dm := range a.Dimensions {
			dims = append(dims, dm.Name)
			values[dm.Name] = dm.Value
		}
		if !slices.Equal(a.Actions, []string{"AlarmTopic"}) {
			t.Errorf("alarm %s of %s notifies %v", a.Kind, a.Function, a.Actions)
		}
		switch a.Namespace {
		case names.LambdaNamespace:
			if !slices.Contains(lambdaAlarmMetrics, a.Metric) || !slices.Equal(dims, []string{names.LambdaFunctionName}) ||
				values[names.LambdaFunctionName] != a.Function {
				t.Errorf("alarm %s: %s %v is not a Lambda metric of %s", a.Kind, a.Metric, values, a.Function)
			}
			continue
		case "AWS/SQS":
			want := map[string]string{"orders-quickstart": "orders-quickstart-failed", "orders-api": "OrdersDLQ"}[a.Function]
			if a.Metric != "ApproximateNumberOfMessagesVisible" || !slices.Equal(dims, []string{"QueueName"}) ||
				values["QueueName"] != want {
				t.Errorf("alarm %s: %s %v is not the depth of the dead-letter queue %s", a.Kind, a.Metric, values, want)
			}
			continue
		}
		if !e.has(a.Namespace, a.Metric, dims, values, false) {
			t.Errorf("alarm %s watches %s/%s %v, which lambdaobs does not write", a.Kind, a.Namespace, a.Metric, values)
		}
	}
	// Every kind of alarm was checked: seven for the quickstart, six for
	// the orders API (not invoked asynchronously).
	if len(dashboard.AlarmsOf(d)) != 13 || kinds[dashboard.AlarmAsyncDropped] != 1 || kinds[dashboard.AlarmDeadLetterQueue] != 2 ||
		kinds[dashboard.AlarmTimeouts] != 2 || kinds[dashboard.AlarmMemory] != 2 {
		t.Errorf("alarms checked: %v", kinds)
	}
}

// has reports whether e holds the metric with exactly the dimension names
// (or, for a search, at least them), and the values where known.
func (e *emitted) has(ns, name string, names []string, values map[string]string, search bool) bool {
	names = slices.Clone(names)
	sort.Strings(names)
	for _, set := range e.metrics[ns+"\x00"+name] {
		if !search && !slices.Equal(set.names, names) {
			continue
		}
		ok := true
		for _, n := range names {
			if !slices.Contains(set.names, n) {
				ok = false
			}
		}
		for k, v := range values {
			if set.values != nil && set.values[k] != v {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (e *emitted) checkMetric(t *testing.T, widget string, m []any) {
	t.Helper()
	if opts, ok := m[0].(map[string]any); ok {
		expr, _ := opts["expression"].(string)
		sm := searchRE.FindStringSubmatch(expr)
		if sm == nil {
			t.Errorf("%s: expression %q is not a SEARCH this test reads", widget, expr)
			return
		}
		ns, name := unescapeTerm(sm[2]), unescapeTerm(sm[3])
		var schema []string
		if sm[1] != "" {
			parts := strings.Split(sm[1], ",")
			ns = strings.Trim(parts[0], `"`)
			for _, p := range parts[1:] {
				schema = append(schema, strings.Trim(p, `"`))
			}
		}
		values := map[string]string{}
		var names []string
		for _, f := range filterRE.FindAllStringSubmatch(sm[4], -1) {
			values[strings.Trim(f[1], `"`)] = unescapeTerm(f[2])
			names = append(names, strings.Trim(f[1], `"`))
		}
		if schema != nil {
			if !e.has(ns, name, schema, values, false) {
				t.Errorf("%s: %s finds nothing lambdaobs writes", widget, expr)
			}
		} else if !e.has(ns, name, names, values, true) {
			t.Errorf("%s: %s finds nothing lambdaobs writes", widget, expr)
		}
		return
	}
	var strs []string
	for _, x := range m {
		if s, ok := x.(string); ok {
			strs = append(strs, s)
		}
	}
	ns, name := strs[0], strs[1]
	var dims []string
	values := map[string]string{}
	for i := 2; i+1 < len(strs); i += 2 {
		dims = append(dims, strs[i])
		values[strs[i]] = strs[i+1]
	}
	if ns == names.LambdaNamespace {
		if !slices.Contains(lambdaMetrics, name) || !slices.Equal(dims, []string{names.LambdaFunctionName}) {
			t.Errorf("%s: %s %v is not a Lambda metric the dashboard knows", widget, name, dims)
		}
		return
	}
	if !e.has(ns, name, dims, values, false) {
		if slices.Contains(e.unseen, name) {
			t.Logf("%s: %s/%s not checked: it is written only in Lambda, and the run under the emulator was skipped", widget, ns, name)
			return
		}
		t.Errorf("%s: %s/%s %v is not written by lambdaobs", widget, ns, name, values)
	}
}

var (
	fieldsRE  = regexp.MustCompile(`(?m)(?:^|\| )fields ([^\n|]+)`)
	filterKey = regexp.MustCompile(`\| filter (?:ispresent\()?([a-z_]+)`)
)

func (e *emitted) checkQuery(t *testing.T, widget, q string) {
	t.Helper()
	var fields []string
	for _, m := range fieldsRE.FindAllStringSubmatch(q, -1) {
		for _, f := range strings.Split(m[1], ",") {
			fields = append(fields, strings.TrimSpace(f))
		}
	}
	for _, m := range filterKey.FindAllStringSubmatch(q, -1) {
		fields = append(fields, m[1])
	}
	if len(fields) < 2 {
		t.Errorf("%s: no fields read in %q", widget, q)
	}
	for _, f := range fields {
		if strings.HasPrefix(f, "@") {
			continue // Logs Insights' own fields
		}
		if !slices.Contains(logKeyConstants, f) {
			t.Errorf("%s: field %q is not one of the logger's or the wrapper's key constants", widget, f)
		}
		if !e.keys[f] {
			t.Errorf("%s: field %q was never written by a wrapped handler", widget, f)
		}
	}
}
