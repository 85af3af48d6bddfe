package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// chromiumPath returns Debian's chromium, which scripts/services/chromium.sh
// installs, or reports it missing.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	testenv.Missing(t, "chromium (scripts/services/chromium.sh installs it)")
	return ""
}

// browser starts headless Chromium with a fresh profile and the flags that
// keep it off the network, and stops it when the test ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// widgetDOM is what the browser says of a widget.
type widgetDOM struct {
	Data    map[string]string `json:"data"`
	SVGs    int               `json:"svgs"`
	Drawn   bool              `json:"drawn"` // its chart has a size on the page
	Legend  []map[string]string
	Rows    int `json:"rows"`
	Visible bool
}

// readDOM returns the widgets of the page open in the browser, by
// "function/widget", and the text of the elements with an id.
const readDOM = `(() => {
  const widgets = [...document.querySelectorAll('[data-widget]')].map(e => {
    const svgs = [...e.querySelectorAll('svg')];
    const r = e.getBoundingClientRect();
    return {
      data: {...e.dataset},
      svgs: svgs.length,
      drawn: svgs.some(s => { const b = s.getBoundingClientRect(); return b.width > 50 && b.height > 30; }),
      Legend: [...e.querySelectorAll('.legend li')].map(li => ({...li.dataset})),
      rows: e.querySelectorAll('tbody tr').length,
      Visible: r.width > 0 && r.height > 0,
    };
  });
  const ids = {};
  for (const e of document.querySelectorAll('[id]')) ids[e.id] = e.textContent;
  return {widgets, ids, fetched: performance.getEntriesByType('resource').map(r => r.name)};
})()`

type domResult struct {
	Widgets []widgetDOM       `json:"widgets"`
	IDs     map[string]string `json:"ids"`
	Fetched []string          `json:"fetched"` // resources the page loaded
}

// TestViewInChromium runs the quickstart under the Runtime Interface
// Emulator in two processes (two cold starts), draws its output with
// lambdaobs view, opens the page in headless Chromium and checks from the
// DOM what every widget drew against what the output holds.
func TestViewInChromium(t *testing.T) {
	chromiumPath(t)
	bin := testenv.BuildBootstrap(t, "./examples/quickstart")
	order := func(id string, declined bool) []byte {
		card := "4242-4242-4242-4242"
		if declined {
			card = "4000-0000-0000-0002"
		}
		return []byte(fmt.Sprintf(`{"id":%q,"customer":"c-1","items":2,"total":20.5,"card":%q}`, id, card))
	}
	type call struct {
		id       string
		declined bool
		pause    bool // wait past the next second first
	}
	var capture strings.Builder
	var ids []string
	for _, process := range [][]call{
		{{"q-1", false, false}, {"q-2", false, false}, {"q-3", true, true}, {"q-4", false, false}},
		{{"q-5", false, false}, {"q-6", true, true}, {"q-7", false, false}},
	} {
		// Every invocation sampled for the memory and CPU row.
		emu := testenv.StartEmulator(t, bin, "LAMBDAOBS_DISABLE_SIGTERM=true", "AWS_LAMBDA_FUNCTION_TIMEOUT=3",
			names.EnvLambdaobsUsageMetrics+"=1")
		for _, c := range process {
			if c.pause {
				time.Sleep(1100 * time.Millisecond)
			}
			code, body := emu.Invoke(t, c.id, order(c.id, c.declined))
			if code != 200 {
				t.Fatalf("invoke %s: status %d: %s", c.id, code, body)
			}
			emu.WaitOutput(t, regexp.MustCompile(`REPORT RequestId: `+regexp.QuoteMeta(c.id)), 10*time.Second)
			ids = append(ids, c.id)
		}
		capture.WriteString(emu.Proc.Output.String())
	}

	dir := artifactDir(t)
	in, page := filepath.Join(dir, "capture.txt"), filepath.Join(dir, "lambdaobs-view.html")
	if err := os.WriteFile(in, []byte(capture.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := lambdaobs(t, "", "view", in, "-o", page, "--period", "1s", "--title", "lambdaobs view: the quickstart under the Runtime Interface Emulator"); code != exitOK {
		t.Fatalf("lambdaobs view: exit %d: %s", code, errOut)
	}

	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady("main")); err != nil {
		t.Fatalf("open the page in chromium: %v", err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[domResult](readDOM))
	if err != nil {
		t.Fatalf("read the DOM: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(dir, "view.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("page %s, screenshot %s", page, shot)
	if p := os.Getenv("LAMBDAOBS_VIEW_SCREENSHOT"); p != "" {
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	want := expectedWidgets(t, capture.String(), ids)
	got := map[string]widgetDOM{}
	for _, w := range res.Widgets {
		got[w.Data["function"]+"/"+w.Data["widget"]] = w
	}
	if len(got) != len(want) {
		t.Errorf("%d widgets on the page, want %d", len(got), len(want))
	}
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("no widget %s on the page", key)
			continue
		}
		if !g.Visible {
			t.Errorf("%s is not visible", key)
		}
		switch g.Data["type"] {
		case "metric":
			if g.Data["points"] != strconv.Itoa(w.points) || g.Data["values"] != strconv.Itoa(w.values) || g.Data["period"] != "1" {
				t.Errorf("%s drew %s points of %s values with period %s, want %d of %d with period 1", key,
					g.Data["points"], g.Data["values"], g.Data["period"], w.points, w.values)
			}
			if w.points > 0 && (g.SVGs != 1 || !g.Drawn) {
				t.Errorf("%s has %d points but no chart on the page", key, w.points)
			}
			if w.points == 0 && g.SVGs != 0 {
				t.Errorf("%s has a chart of nothing", key)
			}
			total := 0
			for _, l := range g.Legend {
				n, _ := strconv.Atoi(l["points"])
				total += n
			}
			if total != w.points {
				t.Errorf("%s: its legend counts %d points, the widget %d", key, total, w.points)
			}
		case "log":
			if g.Rows != w.rows || g.Data["rows"] != strconv.Itoa(w.rows) {
				t.Errorf("%s shows %d rows (data-rows %s), want %d", key, g.Rows, g.Data["rows"], w.rows)
			}
		}
	}
	if len(res.Fetched) != 0 {
		t.Errorf("the page loaded %v; it must load nothing", res.Fetched)
	}
	if a := got["test-function/"+names.WidgetMemoryUtilization].Data["annotations"]; a != "90" {
		t.Errorf("memory utilisation: annotations %q, want the alarm's 90", a)
	}
	if res.IDs["cold-start-count"] != "2" {
		t.Errorf("cold-start-count %q, want 2: one per emulator process", res.IDs["cold-start-count"])
	}
	if res.IDs["invocation-count"] != strconv.Itoa(len(ids)) {
		t.Errorf("invocation-count %q, want %d", res.IDs["invocation-count"], len(ids))
	}
	if res.IDs["error-count"] != "2" {
		t.Errorf("error-count %q, want 2 declined cards", res.IDs["error-count"])
	}
	if t.Failed() {
		t.Logf("DOM: %+v", res)
	}
}

// artifactDir is where the test leaves its page and screenshot:
// $LAMBDAOBS_ARTIFACTS when set, else a temporary folder.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("LAMBDAOBS_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

type expectation struct{ points, values, rows int }

// expectedWidgets computes, from the captured output alone, what each
// widget of the quickstart's section must draw with a period of a second:
// points are the distinct seconds that have values.
func expectedWidgets(t *testing.T, capture string, ids []string) map[string]expectation {
	t.Helper()
	logs, docs, _ := lambdaobstest.Parse(capture)
	const fn = "test-function/" // the emulator's function name (testenv)
	sec := func(ms float64) int64 { return int64(ms) / 1000 }

	// Seconds and values of a metric in the EMF documents.
	metric := func(name string) (map[int64]bool, int) {
		secs, n := map[int64]bool{}, 0
		for _, d := range docs {
			vs := lambdaobstest.MetricValues([]map[string]any{d}, name)
			if len(vs) == 0 {
				continue
			}
			ts := d["_aws"].(map[string]any)["Timestamp"].(float64)
			secs[sec(ts)] = true
			n += len(vs)
		}
		return secs, n
	}
	// The second each invocation started in: its first log line.
	invSecs := map[int64]bool{}
	for _, id := range ids {
		for _, l := range logs {
			if l[names.KeyRequestID] != id {
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, l[names.KeyTimestamp].(string))
			if err != nil {
				t.Fatal(err)
			}
			invSecs[at.Unix()] = true
			break
		}
	}
	errSecs, errVals := metric(names.MetricErrors)
	n := len(ids)
	want := map[string]expectation{
		names.WidgetHeader:      {},
		names.WidgetInvocations: {points: len(invSecs), values: n},
		names.WidgetErrors:      {points: len(invSecs) + len(errSecs), values: n + errVals},
		names.WidgetThrottles:   {points: len(invSecs), values: n},
		names.WidgetDuration:    {points: 3 * len(invSecs), values: 3 * n}, // p50, p90, p99 of every REPORT
		names.WidgetFailures:    {},
		names.WidgetAWSLatency:  {},
		names.WidgetAWSErrors:   {},
	}
	// series adds up the points and values of lines drawing metrics of
	// the EMF documents, one per name (a name twice: two statistics).
	series := func(names ...string) expectation {
		var e expectation
		for _, name := range names {
			s, v := metric(name)
			e.points += len(s)
			e.values += v
		}
		return e
	}
	want[names.WidgetMemoryUtilization] = series(names.MetricMemoryUtilization, names.MetricMemoryUtilization)
	want[names.WidgetMemory] = series(names.MetricMemoryPeak, names.MetricMemoryUsed, names.MetricMaxMemoryUsed)
	want[names.WidgetHeap] = series(names.MetricHeapInUse, names.MetricHeapInUse)
	cpu := series(names.MetricCPUTime, names.MetricBilledDuration)
	want[names.WidgetCPU] = expectation{points: cpu.points + len(invSecs), values: cpu.values + n} // and Lambda's duration
	want[names.WidgetGCPause] = series(names.MetricGCPause, names.MetricGCPause)
	want[names.WidgetGCCycles] = series(names.MetricGCCycles, names.MetricGCCycles)
	want[names.WidgetTelemetryErrors] = series(names.MetricTelemetryErrors)
	want[names.WidgetSpansDropped] = series(names.MetricSpansDropped)
	want[names.WidgetTraceExport] = series(names.MetricTraceExportDuration, names.MetricTraceExportDuration)
	if mu := want[names.WidgetMemoryUtilization]; mu.values != 2*n {
		t.Errorf("memory utilisation of %d invocations, want %d: every invocation is sampled", mu.values/2, n)
	}
	cs, cn := metric(names.MetricColdStart)
	want[names.WidgetColdStart] = expectation{points: len(cs), values: cn}
	is, in := metric(names.MetricInitDuration)
	// The wrapper's p50 and p99, and the p99 of Lambda's reports (none
	// under the standard emulator, which has no Telemetry API).
	ri := series(names.MetricReportInitDuration)
	want[names.WidgetInitDuration] = expectation{points: 2*len(is) + ri.points, values: 2*in + ri.values}
	for _, name := range []string{"OrdersPlaced", "OrderValue", "ChargeLatency", "PaymentsDeclined"} {
		s, v := metric(name)
		want[names.WidgetCustomPrefix+name] = expectation{points: len(s), values: v}
	}
	errorRows, initRows := 0, 0
	for _, l := range logs {
		if l[names.KeyLevel] == "ERROR" {
			errorRows++
		}
		if _, ok := l[names.KeyInitDurationMS]; ok {
			initRows++
		}
	}
	want[names.WidgetErrorLog] = expectation{rows: errorRows}
	want[names.WidgetColdStartLog] = expectation{rows: initRows}
	if cn != 2 || initRows != 2 || errorRows != 2 {
		t.Errorf("the capture has %d cold starts, %d init lines, %d ERROR lines; want 2 each", cn, initRows, errorRows)
	}
	if len(invSecs) < 3 {
		t.Errorf("the invocations fall in %d seconds; the pauses should spread them over 3 or more", len(invSecs))
	}
	out := map[string]expectation{}
	for k, v := range want {
		out[fn+k] = v
	}
	return out
}
