package lambdawrap_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// forRequest returns the log lines and EMF documents of one request id.
func forRequest(output, id string) (logs, docs []map[string]any) {
	all, emf, _ := lambdaobstest.Parse(output)
	for _, l := range all {
		if l["function_request_id"] == id {
			logs = append(logs, l)
		}
	}
	for _, d := range emf {
		if d[names.PropRequestID] == id {
			docs = append(docs, d)
		}
	}
	return logs, docs
}

func TestUnderEmulator(t *testing.T) {
	bootstrap := testenv.BuildBootstrap(t, "./lambdawrap/testdata/fn")
	// Registering for SIGTERM keeps the emulator from restarting the
	// function after a panic (it waits for the internal extension).
	emu := testenv.StartEmulator(t, bootstrap, "AWS_LAMBDA_FUNCTION_TIMEOUT=2", "LAMBDAOBS_DISABLE_SIGTERM=true",
		"LAMBDAOBS_USAGE_METRICS=1", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512")

	invoke := func(id, mode string) (int, string) {
		mark := emu.Proc.Output.Len()
		code, body := emu.Invoke(t, id, []byte(fmt.Sprintf(`{"mode":%q}`, mode)))
		// The emulator prints END after the function's output, or, when
		// the process died, an "Invoke failed" line naming the invocation.
		q := regexp.QuoteMeta(id)
		emu.WaitOutputFrom(t, mark, regexp.MustCompile(`END RequestId: `+q+`|InvokeID=`+q+`\b`), 10*time.Second)
		return code, string(body)
	}

	t.Run("cold then warm", func(t *testing.T) {
		if code, _ := invoke("cold-1", "ok"); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		invoke("warm-2", "ok")
		out := emu.Proc.Output.String()
		logs, docs := forRequest(out, "cold-1")
		if len(logs) == 0 || logs[0]["cold_start"] != true {
			t.Fatalf("first invocation lines: %v", logs)
		}
		if logs[0]["init_duration_ms"] == nil {
			t.Errorf("init_duration_ms missing from the first line: %v", logs[0])
		}
		if got := lambdaobstest.MetricValues(docs, names.MetricColdStart); len(got) != 1 || got[0] != 1 {
			t.Errorf("ColdStart = %v", got)
		}
		initDur := lambdaobstest.MetricValues(docs, names.MetricInitDuration)
		if len(initDur) != 1 {
			t.Fatalf("InitDuration = %v", initDur)
		}
		logs, docs = forRequest(out, "warm-2")
		if len(logs) == 0 || logs[0]["cold_start"] != false || logs[0]["init_duration_ms"] != nil {
			t.Errorf("second invocation lines: %v", logs)
		}
		if len(lambdaobstest.MetricValues(docs, names.MetricColdStart))+len(lambdaobstest.MetricValues(docs, names.MetricInitDuration)) != 0 {
			t.Errorf("second invocation has lifecycle metrics: %v", docs)
		}
	})

	t.Run("error", func(t *testing.T) {
		code, body := invoke("err-3", "error")
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		logs, docs := forRequest(emu.Proc.Output.String(), "err-3")
		var errLine map[string]any
		for _, l := range logs {
			if l["message"] == names.MsgInvocationFailed {
				errLine = l
			}
		}
		if errLine == nil || errLine["level"] != "ERROR" || errLine["error"] != "order rejected" {
			t.Errorf("error line: %v", logs)
		}
		if got := lambdaobstest.MetricValues(docs, names.MetricErrors); len(got) != 1 {
			t.Errorf("Errors = %v", got)
		}
		// The response is what aws-lambda-go answers without lambdaobs.
		bare := testenv.StartEmulator(t, bootstrap, "AWS_LAMBDA_FUNCTION_TIMEOUT=2", "FN_BARE=1")
		_, bareBody := bare.Invoke(t, "bare-err", []byte(`{"mode":"error"}`))
		if body != string(bareBody) {
			t.Errorf("response with lambdaobs %s, without %s", body, bareBody)
		}
	})

	t.Run("secret in an error", func(t *testing.T) {
		const secret = "emu-pass-0123" // testdata/fn logs it as a password, then quotes it
		code, body := invoke("secret-err-7", "secret-error")
		if code != http.StatusOK || strings.Contains(body, secret) || !strings.Contains(body, "[REDACTED]") {
			t.Fatalf("status %d body %s", code, body)
		}
		out := emu.Proc.Output.String()
		if strings.Contains(out, secret) {
			t.Errorf("secret in the output:\n%s", out)
		}
		// aws-lambda-go's own report of the error comes through the log
		// package: it carries the invocation's request id.
		logs, _ := forRequest(out, "secret-err-7")
		var report bool
		for _, l := range logs {
			if strings.HasPrefix(fmt.Sprint(l["message"]), `{"errorMessage":`) {
				report = true
			}
		}
		if !report {
			t.Errorf("aws-lambda-go's error report has no request id: %v", logs)
		}
	})

	t.Run("nil error", func(t *testing.T) {
		// A nil *T returned as an error: aws-lambda-go alone would crash on
		// its Error method; the function answers an error and lives on.
		code, body := invoke("nil-err-8", "nil-error")
		if code != http.StatusOK || !strings.Contains(body, "nilError") || !strings.Contains(body, "Error method panicked") {
			t.Fatalf("status %d body %s", code, body)
		}
		logs, docs := forRequest(emu.Proc.Output.String(), "nil-err-8")
		if got := lambdaobstest.MetricValues(docs, names.MetricErrors); len(got) != 1 {
			t.Errorf("Errors = %v (logs %v)", got, logs)
		}
		invoke("after-nil-9", "ok")
		logs, _ = forRequest(emu.Proc.Output.String(), "after-nil-9")
		if len(logs) == 0 || logs[0]["cold_start"] != false {
			t.Errorf("the process did not survive: %v", logs)
		}
	})

	t.Run("log package", func(t *testing.T) {
		invoke("printf-10", "log-printf")
		logs, _ := forRequest(emu.Proc.Output.String(), "printf-10")
		var found bool
		for _, l := range logs {
			found = found || l["message"] == "legacy line for log-printf"
		}
		if !found {
			t.Errorf("log.Printf line without the invocation's fields: %v", logs)
		}
	})

	t.Run("usage", func(t *testing.T) {
		value := func(id, name string) float64 {
			_, docs := forRequest(emu.Proc.Output.String(), id)
			got := lambdaobstest.MetricValues(docs, name)
			if len(got) != 1 {
				t.Fatalf("%s of %s: %v", name, id, got)
			}
			return got[0]
		}
		invoke("spin-11", "spin")
		invoke("nap-12", "nap")
		invoke("small-13", "ok")
		invoke("alloc-14", "alloc")
		// CPU time: a busy invocation's is close to the 200 ms of CPU its
		// thread used (and to its duration, on a machine with a core free),
		// a waiting one's close to nothing.
		if cpu := value("spin-11", names.MetricCPUTime); cpu < 195 || cpu > 300 {
			t.Errorf("CPUTime of 200 ms of work = %v ms", cpu)
		}
		if cpu := value("nap-12", names.MetricCPUTime); cpu > 30 {
			t.Errorf("CPUTime of a 200 ms sleep = %v ms", cpu)
		}
		// Memory and GC move with the 64 MB the invocation allocated.
		small, big := value("small-13", names.MetricHeapInUse), value("alloc-14", names.MetricHeapInUse)
		if big < small+48 || big > small+256 {
			t.Errorf("HeapInUse %v MB after 64 MB kept, %v MB without", big, small)
		}
		if peak := value("alloc-14", names.MetricMemoryPeak); peak < 64 {
			t.Errorf("MemoryPeak %v MB after 64 MB kept", peak)
		}
		if u := value("alloc-14", names.MetricMemoryUtilization); u < 64.0/512*100 || u > 100 {
			t.Errorf("MemoryUtilization %v %% of 512 MB", u)
		}
		if gc := value("alloc-14", names.MetricGCCycles); gc < 1 {
			t.Errorf("GCCycles %v while allocating 64 MB", gc)
		}
		if gc := value("nap-12", names.MetricGCCycles); gc != 0 {
			t.Errorf("GCCycles %v while sleeping", gc)
		}
	})

	t.Run("memory limit", func(t *testing.T) {
		_, body := invoke("memlimit-15", "memlimit")
		share := 0.8 // the 80 % the documentation gives
		want := fmt.Sprint(int64(float64(512<<20) * share))
		if !strings.Contains(body, `"limit":"`+want+`"`) {
			t.Errorf("GOMEMLIMIT from 512 MB: %s, want %s", body, want)
		}
		// Set by the user: left alone.
		own := testenv.StartEmulator(t, bootstrap, "AWS_LAMBDA_FUNCTION_TIMEOUT=2", "LAMBDAOBS_DISABLE_SIGTERM=true",
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "GOMEMLIMIT=100MiB")
		_, body2 := own.Invoke(t, "memlimit-own", []byte(`{"mode":"memlimit"}`))
		if !strings.Contains(string(body2), fmt.Sprintf(`"limit":"%d"`, 100<<20)) {
			t.Errorf("GOMEMLIMIT=100MiB: %s", body2)
		}
	})

	t.Run("panic", func(t *testing.T) {
		code, body := invoke("panic-4", "panic")
		if code != http.StatusBadGateway {
			t.Fatalf("status %d, want 502; body %s", code, body)
		}
		var resp struct{ ErrorMessage, ErrorType string }
		_ = json.Unmarshal([]byte(body), &resp)
		if resp.ErrorMessage != "something broke" {
			t.Errorf("panic response = %s", body)
		}
		logs, docs := forRequest(emu.Proc.Output.String(), "panic-4")
		var found bool
		for _, l := range logs {
			if l["message"] == names.MsgInvocationPanicked && strings.Contains(fmt.Sprint(l["stack_trace"]), "main.handle") {
				found = true
			}
		}
		if !found {
			t.Errorf("panic line with stack missing: %v", logs)
		}
		if got := lambdaobstest.MetricValues(docs, names.MetricPanics); len(got) != 1 {
			t.Errorf("Panics = %v", got)
		}
		if got := lambdaobstest.MetricValues(docs, "Before"); len(got) != 1 {
			t.Errorf("metrics recorded before the panic = %v", got)
		}
		// The process exited: the next invocation is a new init, cold again.
		invoke("after-panic-5", "ok")
		logs, _ = forRequest(emu.Proc.Output.String(), "after-panic-5")
		if len(logs) == 0 || logs[0]["cold_start"] != true {
			t.Errorf("invocation after a panic is not cold: %v", logs)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		code, body := invoke("timeout-6", "sleep")
		if code != http.StatusOK || !strings.Contains(body, "Task timed out") {
			t.Fatalf("status %d body %s", code, body)
		}
		out := emu.Proc.Output.String()
		logs, docs := forRequest(out, "timeout-6")
		var found bool
		for _, l := range logs {
			if l["message"] == names.MsgInvocationTimeout {
				found = true
			}
		}
		if !found {
			t.Errorf("no timeout line: %v", logs)
		}
		if got := lambdaobstest.MetricValues(docs, names.MetricTimeouts); len(got) != 1 {
			t.Errorf("Timeouts = %v", got)
		}
		if got := lambdaobstest.MetricValues(docs, "Before"); len(got) != 1 {
			t.Errorf("metrics recorded before the sleep = %v", got)
		}
		// All of it was written before the emulator killed the process.
		kill := strings.Index(out, "Sending SIGKILL")
		if kill < 0 || strings.LastIndex(out, names.MsgInvocationTimeout) > kill {
			t.Errorf("timeout line not before the kill")
		}
	})

	// The init duration lambdaobs reports against the emulator's own
	// measurement (its INIT REPORT), over every init of this test and four
	// more: the median difference must be within max(3 ms, 25 %), which a
	// measurement from the wrong moment or in the wrong unit misses by far.
	// One init measured while the machine is busy can be off by the
	// emulator's own scheduling delays before the process exists (by 7 ms
	// under -race beside the other packages' tests); the median of seven
	// is not, where the median of five once came to 2.03 ms.
	t.Run("init duration agrees with the emulator", func(t *testing.T) {
		for i := range 4 {
			invoke(fmt.Sprintf("reinit-panic-%d", i), "panic")
			invoke(fmt.Sprintf("reinit-%d", i), "ok")
		}
		out := emu.Proc.Output.String()
		_, docs, _ := lambdaobstest.Parse(out)
		ours := lambdaobstest.MetricValues(docs, names.MetricInitDuration)
		theirs := testenv.InitReports(out)
		if len(ours) != len(theirs) || len(ours) < 3 {
			t.Fatalf("%d InitDuration values for %d emulator inits", len(ours), len(theirs))
		}
		diffs := make([]time.Duration, len(ours))
		for i := range ours {
			o := time.Duration(ours[i] * float64(time.Millisecond))
			diffs[i] = (o - theirs[i]).Abs()
			t.Logf("init %d: lambdaobs %v, emulator %v, difference %v", i+1, o, theirs[i], diffs[i])
		}
		slices.Sort(diffs)
		sorted := slices.Clone(theirs)
		slices.Sort(sorted)
		median, tolerance := diffs[len(diffs)/2], max(3*time.Millisecond, sorted[len(sorted)/2]/4)
		if median > tolerance {
			t.Errorf("median difference %v > %v", median, tolerance)
		}
	})

}

// TestUnderManagedInstances runs the function under the emulator's Lambda
// Managed Instances mode: one process serves four invocations at once, and
// the caller's trace header reaches each through its context.
func TestUnderManagedInstances(t *testing.T) {
	bootstrap := testenv.BuildBootstrap(t, "./lambdawrap/testdata/fn")
	emu := testenv.StartManagedEmulator(t, bootstrap, 4, "LAMBDAOBS_DISABLE_SIGTERM=true")
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := http.Header{"X-Amzn-Trace-Id": {fmt.Sprintf("Root=1-5759e988-%024x;Parent=53995c3f42cd8ad8;Sampled=1", i)}}
			if code, body := emu.InvokeWithHeader(t, fmt.Sprintf("mi-%02d", i), []byte(`{"mode":"nap"}`), h); code != http.StatusOK {
				t.Errorf("status %d %s", code, body)
			}
		}()
	}
	wg.Wait()
	emu.WaitOutput(t, regexp.MustCompile(`(?s)(END RequestId: mi-\d\d.*){16}`), 10*time.Second)
	out := emu.Proc.Output.String()
	for i := range n {
		logs, docs := forRequest(out, fmt.Sprintf("mi-%02d", i))
		want := fmt.Sprintf("1-5759e988-%024x", i)
		if len(logs) == 0 || len(docs) == 0 {
			t.Errorf("mi-%02d: %d lines, %d documents", i, len(logs), len(docs))
		}
		for _, l := range append(logs, docs...) {
			if l["xray_trace_id"] != want {
				t.Errorf("mi-%02d: trace %v, want %s", i, l["xray_trace_id"], want)
			}
		}
	}
	if n := strings.Count(out, "INIT START"); n > 1 {
		t.Errorf("%d processes started", n)
	}
}

// TestLambdaReportsUnderManagedInstances: the internal extension reads
// Lambda's platform.report of every invocation from the Telemetry API and
// writes it as one EMF document with the invocation's request id, also for
// the last ones before the sandbox shuts down.
func TestLambdaReportsUnderManagedInstances(t *testing.T) {
	bootstrap := testenv.BuildBootstrap(t, "./lambdawrap/testdata/fn")
	emu := testenv.StartManagedEmulator(t, bootstrap, 4, "LAMBDAOBS_USAGE_METRICS=1")
	const n = 24
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := emu.Invoke(t, fmt.Sprintf("report-%02d", i), []byte(`{"mode":"ok"}`)); code != http.StatusOK {
				t.Errorf("status %d %s", code, body)
			}
		}()
	}
	wg.Wait()
	_ = emu.Proc.Cmd.Process.Signal(syscall.SIGTERM)
	for deadline := time.Now().Add(10 * time.Second); !emu.Proc.Exited() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	_, docs, _ := lambdaobstest.Parse(emu.Proc.Output.String())
	reports := map[string]int{}
	for _, d := range docs {
		if _, ok := d[names.MetricReportDuration]; ok {
			id, _ := d[names.PropRequestID].(string)
			reports[id]++
		}
	}
	for i := range n {
		if id := fmt.Sprintf("report-%02d", i); reports[id] != 1 {
			t.Errorf("%s: %d report documents", id, reports[id])
		}
	}
	if len(reports) != n {
		t.Errorf("reports for %d invocations, want %d: %v", len(reports), n, reports)
	}
	for _, d := range docs {
		if _, ok := d[names.MetricReportDuration]; ok {
			if _, ok := d[names.MetricResponseLatency]; !ok || d[names.PropReportStatus] != "success" {
				t.Errorf("report document %v", d)
			}
			break
		}
	}
}
