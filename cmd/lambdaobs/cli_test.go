package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// lambdaobs runs the command with args and returns its exit code, stdout
// and stderr.
func lambdaobs(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDashboardBody(t *testing.T) {
	code, out, errOut := lambdaobs(t, "", "dashboard", "--function", "orders-quickstart", "--namespace", "Quickstart",
		"--service", "orders", "--region", "eu-west-1", "--metric", "OrdersPlaced:Count", "--metric", "ChargeLatency:Milliseconds:p90",
		"--metric", "CartSize:Count:Average:channel,device")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	d, err := dashboard.New([]dashboard.Function{{Name: "orders-quickstart", Namespace: "Quickstart", Service: "orders",
		Metrics: []dashboard.Metric{{Name: "OrdersPlaced", Unit: metrics.Count}, {Name: "ChargeLatency", Unit: metrics.Milliseconds, Stat: "p90"},
			{Name: "CartSize", Unit: metrics.Count, Stat: "Average", Dimensions: []string{"channel", "device"}}}}},
		dashboard.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := d.Body()
	if out != string(want) {
		t.Errorf("the command's body differs from the package's:\n%s", out)
	}
}

// TestDashboardDefaults checks the defaults the help shows against the
// package's: the body's region and period without --region or AWS_REGION,
// and the template's alarm thresholds.
func TestDashboardDefaults(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	d, err := dashboard.New([]dashboard.Function{{Name: "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"body", "cfn"} {
		code, out, errOut := lambdaobs(t, "", "dashboard", "--function", "orders", "--format", format)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		want, err := d.Body()
		if format == "cfn" {
			want, err = d.Template()
		}
		if err != nil {
			t.Fatal(err)
		}
		if out != string(want) {
			t.Errorf("--format %s with the help's defaults differs from the package's defaults:\n%s", format, out)
		}
		if format == "body" && !strings.Contains(out, `"region": "`+defaultRegion+`"`) {
			t.Errorf("the body is not drawn in %s:\n%s", defaultRegion, out)
		}
	}
	code, help, _ := lambdaobs(t, "", "help", "dashboard")
	for _, want := range []string{"else " + defaultRegion, "(default 1m0s)", "(default 1s)", "(default 1)", "(default 90)"} {
		if code != exitOK || !strings.Contains(help, want) {
			t.Errorf("help dashboard (exit %d): no %q", code, want)
		}
	}
}

func TestDashboardFrom(t *testing.T) {
	capture := filepath.Join("..", "..", "dashboard", "testdata", "logs-tail.txt")
	code, out, errOut := lambdaobs(t, "", "dashboard", "--from", capture, "--region", "eu-west-1", "--metric", "ExtraMetric:Count")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`"orders-quickstart"`, `"OrdersPlaced (Sum)"`, `"OrderValue (Average)"`, `"ExtraMetric (Sum)"`, `"Quickstart"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in the body", want)
		}
	}
	b, _ := os.ReadFile(capture)
	code, out2, errOut := lambdaobs(t, string(b), "dashboard", "--from", "-", "--region", "eu-west-1", "--metric", "ExtraMetric:Count")
	if code != exitOK || out2 != out {
		t.Errorf("--from - (exit %d, %s) differs from --from FILE", code, errOut)
	}
}

// TestDashboardFromWithRef checks that a function found in captured output
// and named in the template by --ref keeps the namespace, service and
// custom metrics found, as it does with --function.
func TestDashboardFromWithRef(t *testing.T) {
	capture := filepath.Join("..", "..", "dashboard", "testdata", "logs-tail.txt")
	code, out, errOut := lambdaobs(t, "", "dashboard", "--from", capture, "--ref", "OrdersFunction", "--format", "cfn-yaml")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, withName, errOut := lambdaobs(t, "", "dashboard", "--from", capture, "--function", "orders-quickstart", "--ref", "OrdersFunction", "--format", "cfn-yaml")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != withName {
		t.Errorf("--from with --ref alone differs from --function NAME --ref:\n%s", out)
	}
	for _, want := range []string{`"Quickstart",`, "service `orders`", "OrdersPlaced (Sum)", "OrderValue (Average)", "${OrdersFunction}"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in the template", want)
		}
	}
	if strings.Contains(out, "orders-quickstart") {
		t.Errorf("the template names the function by its local name")
	}
}

// TestDashboardParams checks --params and --memory-threshold against the
// package: the widgets of package params, and the memory utilisation line.
func TestDashboardParams(t *testing.T) {
	code, out, errOut := lambdaobs(t, "", "dashboard", "--function", "orders", "--region", "eu-west-1", "--params", "--memory-threshold", "75")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	d, err := dashboard.New([]dashboard.Function{{Name: "orders", Parameters: true}}, dashboard.WithRegion("eu-west-1"),
		dashboard.WithMemoryUtilizationThreshold(75))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := d.Body()
	if out != string(want) {
		t.Errorf("the command's body differs from the package's:\n%s", out)
	}
	for _, w := range []string{`"Parameters cache hits and misses"`, `"Lazy init duration by lazy"`, `"value": 75`} {
		if !strings.Contains(out, w) {
			t.Errorf("no %s in the body", w)
		}
	}
}

// TestDashboardRepeatedService gives each function its own service, or one
// to all.
func TestDashboardRepeatedService(t *testing.T) {
	body := func(args ...string) string {
		t.Helper()
		code, out, errOut := lambdaobs(t, "", append([]string{"dashboard", "--function", "orders", "--function", "payments", "--region", "eu-west-1"}, args...)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return out
	}
	d, err := dashboard.New([]dashboard.Function{{Name: "orders", Service: "orders-svc"}, {Name: "payments", Service: "payments-svc"}},
		dashboard.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := d.Body()
	if got := body("--service", "orders-svc", "--service", "payments-svc"); got != string(want) {
		t.Errorf("one --service per function: the body differs from the package's:\n%s", got)
	}
	d, err = dashboard.New([]dashboard.Function{{Name: "orders", Service: "shop"}, {Name: "payments", Service: "shop"}},
		dashboard.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ = d.Body()
	if got := body("--service", "shop"); got != string(want) {
		t.Errorf("one --service for both functions: the body differs from the package's:\n%s", got)
	}
}

// TestDashboardAlarmFlags checks the flags of the alarms: the topics they
// notify, the dead-letter queue and dropped asynchronous events.
func TestDashboardAlarmFlags(t *testing.T) {
	code, js, errOut := lambdaobs(t, "", "dashboard", "--ref", "OrdersFunction", "--format", "cfn", "--async", "--dlq-ref", "OrdersFailed",
		"--alarm-topic", "AlarmTopic", "--alarm-topic", "arn:aws:sns:eu-west-1:123456789012:oncall", "--memory-threshold", "85")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(js), &tmpl); err != nil {
		t.Fatal(err)
	}
	alarms := 0
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		alarms++
		b, _ := json.Marshal(r.Properties["AlarmActions"])
		if string(b) != `[{"Ref":"AlarmTopic"},"arn:aws:sns:eu-west-1:123456789012:oncall"]` {
			t.Errorf("%s notifies %s", id, b)
		}
	}
	if alarms != 7 {
		t.Errorf("%d alarms, want 7", alarms)
	}
	if mem := tmpl.Resources["OrdersFunctionMemoryUtilizationAlarm"].Properties; mem["Threshold"] != 85.0 || mem["MetricName"] != "MemoryUtilization" {
		t.Errorf("memory alarm: %v", mem)
	}
	dlq, _ := json.Marshal(tmpl.Resources["OrdersFunctionDeadLetterQueueAlarm"].Properties["Dimensions"])
	if string(dlq) != `[{"Name":"QueueName","Value":{"Fn::GetAtt":["OrdersFailed","QueueName"]}}]` {
		t.Errorf("dead-letter queue alarm: %s", dlq)
	}
	if _, ok := tmpl.Resources["OrdersFunctionAsyncEventsDroppedAlarm"]; !ok {
		t.Errorf("no alarm on dropped asynchronous events")
	}
}

func TestDashboardTemplate(t *testing.T) {
	args := []string{"dashboard", "--ref", "OrdersFunction", "--namespace", "Shop", "--service", "orders", "--metric", "OrdersPlaced:Count"}
	code, js, errOut := lambdaobs(t, "", append(args, "--format", "cfn")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, ym, errOut := lambdaobs(t, "", append(args, "--format", "cfn-yaml")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal([]byte(js), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(ym), &fromYAML); err != nil {
		t.Fatalf("cfn-yaml is not YAML: %v", err)
	}
	// The YAML writes the body indented: compare it as JSON.
	normalizeBody(t, fromJSON)
	normalizeBody(t, fromYAML)
	if !reflect.DeepEqual(jsonRoundTrip(t, fromJSON), jsonRoundTrip(t, fromYAML)) {
		t.Errorf("cfn-yaml is not the cfn template:\n%s", ym)
	}
	if code, _, errOut := lambdaobs(t, "", append(args, "--format", "body")...); code != exitError || !strings.Contains(errOut, "OrdersFunction") {
		t.Errorf("a body for a function known by reference only: exit %d, %s", code, errOut)
	}
}

// normalizeBody decodes the dashboard body of a decoded template in place.
func normalizeBody(t *testing.T, tmpl any) {
	t.Helper()
	res := tmpl.(map[string]any)["Resources"].(map[string]any)
	props := res[dashboard.ID].(map[string]any)["Properties"].(map[string]any)
	sub := props["DashboardBody"].(map[string]any)
	var body any
	if err := json.Unmarshal([]byte(sub["Fn::Sub"].(string)), &body); err != nil {
		t.Fatalf("body: %v", err)
	}
	sub["Fn::Sub"] = body
}

func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"help"}, exitOK, ""},
		{[]string{"help", "view"}, exitOK, ""},
		{[]string{"dashboard"}, exitUsage, "--function"},
		{[]string{"dashboard", "--function", "f", "--format", "xml"}, exitUsage, "--format"},
		{[]string{"dashboard", "--function", "f", "--nope"}, exitUsage, "not defined"},
		{[]string{"dashboard", "--function", "f", "extra"}, exitUsage, "unexpected argument"},
		{[]string{"dashboard", "--function", "f", "--function", "g", "--ref", "F"}, exitUsage, "--ref"},
		{[]string{"dashboard", "--function", "f", "--metric", "a:b:c:d:e"}, exitUsage, "--metric"},
		{[]string{"dashboard", "--function", "bad name"}, exitError, "function name"},
		{[]string{"dashboard", "--function", "f", "--period", "90s"}, exitError, "period"},
		{[]string{"dashboard", "--function", "f", "--memory-threshold", "0"}, exitError, "memory utilisation"},
		{[]string{"dashboard", "--from", "/nonexistent/capture.txt"}, exitError, "no such file"},
		{[]string{"view", "a", "b"}, exitUsage, "one input file"},
		{[]string{"view", "/nonexistent/capture.txt"}, exitError, "no such file"},
		// The view draws no query: it has no region to show.
		{[]string{"view", "--region", "eu-west-1"}, exitUsage, "not defined"},
		{[]string{"dashboard", "-h"}, exitOK, "Usage: lambdaobs dashboard"},
		// A template watches the stack's region only.
		{[]string{"dashboard", "--ref", "F", "--format", "cfn", "--region", "eu-west-1"}, exitUsage, "stack's region"},
		{[]string{"dashboard", "--ref", "F", "--format", "cfn-yaml", "--region", "eu-west-1"}, exitUsage, "stack's region"},
		{[]string{"dashboard", "--function", "f", "--function", "g", "--service", "a", "--service", "b", "--service", "c"}, exitUsage, "3 --service for 2 functions"},
		{[]string{"dashboard", "--function", "f", "--alarm-topic", "T"}, exitUsage, "only --format cfn"},
		{[]string{"dashboard", "--function", "f", "--async"}, exitUsage, "only --format cfn"},
		{[]string{"dashboard", "--ref", "F", "--format", "cfn", "--dlq", "q", "--dlq-ref", "Q"}, exitUsage, "one way"},
		{[]string{"dashboard", "--ref", "F", "--format", "cfn", "--alarm-topic", "arn:aws:sqs:eu-west-1:123456789012:q"}, exitError, "SNS topic ARN"},
		{[]string{"dashboard", "--ref", "F", "--format", "cfn", "--namespace", ":Shop"}, exitError, "not starting with ':'"},
		{[]string{"dashboard", "--from", "../../dashboard/testdata/logs-tail.txt", "--ref", "F", "--ref", "G"}, exitUsage, "--function NAME --ref ID"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errOut := lambdaobs(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestView(t *testing.T) {
	capture, err := os.ReadFile(filepath.Join("..", "..", "dashboard", "testdata", "rie-quickstart.txt"))
	if err != nil {
		t.Fatal(err)
	}
	junk := "garbage line\n\x00\x01binary\n{\"half\": \n" + string(capture) + "[1,2]\n"

	code, out, errOut := lambdaobs(t, junk, "view", "-o", "-", "--title", "Quickstart under the emulator")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, `<dd id="cold-start-count">1</dd>`) ||
		!strings.Contains(out, `<span id="lines-ignored">4</span>`) || !strings.Contains(out, "Quickstart under the emulator") {
		t.Errorf("unexpected page:\n%.2000s", out)
	}
	if !strings.Contains(errOut, "wrote stdout: 25 widgets") || !strings.Contains(errOut, "4 ignored") {
		t.Errorf("stderr: %s", errOut)
	}

	// A file in, a file out, flags after the file name.
	dir := t.TempDir()
	in, page := filepath.Join(dir, "capture.txt"), filepath.Join(dir, "view.html")
	if err := os.WriteFile(in, []byte(junk), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = lambdaobs(t, "", "view", in, "-o", page, "--period", "1s")
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil || !bytes.Contains(b, []byte(`data-period="1"`)) || !bytes.Contains(b, []byte("capture.txt")) {
		t.Errorf("page %s: %v", page, err)
	}
}
