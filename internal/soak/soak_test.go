package soak

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

// maxLineSize is the longest line the logger writes, under CloudWatch
// Logs' 256 KB event limit.
const maxLineSize = 256_000

type event struct {
	Kind    string            `json:"kind"`
	N       int               `json:"n"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Encoded string            `json:"encoded,omitempty"`
	Login   map[string]string `json:"login,omitempty"`
}

// secrets returns the secrets a secret_event of invocation i carries.
func secrets(i int) (password, bearer, form, encoded string) {
	return fmt.Sprintf("soak-pw-%05d", i), fmt.Sprintf("soak-bearer-%05d", i), fmt.Sprintf("soak-form-%05d", i), fmt.Sprintf("soak-b64-%05d", i)
}

// withSecrets fills a secret_event with invocation i's secrets.
func withSecrets(e event, i int) event {
	pw, bearer, form, enc := secrets(i)
	e.Login = map[string]string{"user": "ann", "password": pw}
	e.Headers = map[string]string{"Authorization": "Bearer " + bearer, "Accept": "application/json"}
	e.Body = "user=ann&password=" + form + "&remember=1"
	e.Encoded = base64.StdEncoding.EncodeToString([]byte(`{"user":"ann","token":"` + enc + `"}`))
	return e
}

// mix is the share of each behaviour, out of 1000.
var mix = []struct {
	kind string
	per  int
	n    int
}{
	{"ok", 300, 0},
	{"secret_event", 50, 0},
	{"typed_nil", 15, 0},
	{"colliding", 15, 0},
	{"error", 100, 0},
	{"panic", 30, 0},
	{"timeout", 5, 0},
	{"huge_log", 30, 0},
	{"many_metrics", 100, 150},
	{"many_values", 100, 150},
	{"large_response", 105, 200_000},
	{"concurrent", 150, 50},
}

func pick(r *rand.Rand) event {
	x := r.IntN(1000)
	for _, m := range mix {
		if x < m.per {
			return event{Kind: m.kind, N: m.n}
		}
		x -= m.per
	}
	return event{Kind: "ok"}
}

// expected returns the metric values an event records.
func expected(e event, totals map[string]float64) {
	totals["Soak"]++
	switch e.Kind {
	case "many_metrics":
		for i := range e.N {
			totals["Metric"+strconv.Itoa(i)]++
		}
	case "many_values":
		totals["Values"] += float64(e.N)
	case "concurrent":
		totals["Concurrent"] += float64(8 * e.N)
	case "error", "secret_event", "typed_nil":
		totals[names.MetricErrors]++
	case "panic":
		totals[names.MetricPanics]++
	case "timeout":
		totals[names.MetricTimeouts]++
	}
}

func soakN(t *testing.T) int {
	if v := os.Getenv("LAMBDAOBS_SOAK_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("LAMBDAOBS_SOAK_N=%q", v)
		}
		return n
	}
	return 1000
}

func emfSchema(t *testing.T) *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	path := filepath.Join(testenv.RepoRoot(), "metrics", "testdata", "emf-schema.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSoak(t *testing.T) {
	n := soakN(t)
	bin := testenv.BuildBootstrap(t, "./internal/soak/testdata/fn")
	col := testenv.StartCollector(t)
	emu := testenv.StartEmulator(t, bin, "AWS_LAMBDA_FUNCTION_TIMEOUT=1", "LAMBDAOBS_DISABLE_SIGTERM=true", "AWS_LAMBDA_FUNCTION_NAME=soak",
		"OTEL_EXPORTER_OTLP_ENDPOINT="+col.Endpoint, "POWERTOOLS_LOGGER_LOG_EVENT=true")
	r := rand.New(rand.NewPCG(1, 2))
	totals := map[string]float64{}
	kinds := map[string]int{}
	ids := make([]string, n)
	start := time.Now()
	var secretList []string // every secret the events carried
	leakedInResponses := 0
	mark := 0 // the emulator's output before the last invocation
	for i := range n {
		e := pick(r)
		kinds[e.Kind]++
		expected(e, totals)
		ids[i] = fmt.Sprintf("soak-%05d", i)
		if e.Kind == "secret_event" {
			e = withSecrets(e, i)
			pw, bearer, form, enc := secrets(i)
			secretList = append(secretList, pw, bearer, form, enc)
		}
		payload, _ := json.Marshal(e)
		mark = emu.Proc.Output.Len()
		code, body := emu.Invoke(t, ids[i], payload)
		if e.Kind == "panic" && code != 502 || e.Kind != "panic" && code != 200 {
			t.Fatalf("%s (%s): status %d %s", ids[i], e.Kind, code, body)
		}
		if e.Kind == "secret_event" && strings.Contains(string(body), e.Login["password"]) {
			leakedInResponses++
		}
	}
	last := regexp.QuoteMeta(ids[n-1])
	emu.WaitOutputFrom(t, mark, regexp.MustCompile(`END RequestId: `+last+`|InvokeID=`+last+`\b`), 10*time.Second)
	elapsed := time.Since(start)
	// The sandbox shuts down, as Lambda's do: spans that waited to go out
	// with a later response go out at SIGTERM.
	_ = emu.Proc.Cmd.Process.Signal(syscall.SIGTERM)
	for deadline := time.Now().Add(10 * time.Second); !emu.Proc.Exited() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	out := emu.Proc.Output.String()

	schema := emfSchema(t)
	logIDs := map[string]int{}
	docIDs := map[string]int{}
	got := map[string]float64{}
	var jsonLines, invalid, docs, schemaBad, logLines, truncated, tooLong, duplicates int
	var coldStarts float64
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("{")) {
			continue
		}
		jsonLines++
		if len(line) > maxLineSize {
			tooLong++
		}
		if err := testenv.UniqueKeys(line); err != nil {
			duplicates++
			if duplicates < 5 {
				t.Errorf("%v: %.300s", err, line)
			}
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			invalid++
			if invalid < 5 {
				t.Errorf("invalid JSON line (%d bytes): %.200s", len(line), line)
			}
			continue
		}
		if _, ok := m["_aws"]; ok {
			docs++
			inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(line))
			if err := schema.Validate(inst); err != nil {
				schemaBad++
				if schemaBad < 5 {
					t.Errorf("EMF document fails the schema: %v\n%.300s", err, line)
				}
			}
			if id, ok := m[names.PropRequestID].(string); ok {
				docIDs[id]++
			}
			for _, name := range metricNames(m) {
				switch v := m[name].(type) {
				case float64:
					got[name] += v
				case []any:
					for _, x := range v {
						got[name] += x.(float64)
					}
				}
			}
			continue
		}
		if id, ok := m["function_request_id"].(string); ok {
			logLines++
			logIDs[id]++
		}
		if m[names.KeyTruncated] == true {
			truncated++
		}
	}
	coldStarts = got[names.MetricColdStart]
	// A process that started reports its init done; the emulator also
	// prints INIT START for an init it cancels before starting one.
	processes := strings.Count(out, "INIT RTDONE(status: success)")

	// Every invocation's span reached the collector (the flush before the
	// wrapper returns; for a timeout, the guard's flush).
	spans := col.WaitSpans(t, n, 30*time.Second)
	spanIDs := map[string]int{}
	for _, s := range spans {
		if id, ok := s.Attributes["faas.invocation_id"].(string); ok {
			spanIDs[id]++
		}
	}
	missingSpans := 0
	for _, id := range ids {
		if spanIDs[id] == 0 {
			missingSpans++
		}
	}
	leakedInLogs, leakedInSpans := 0, 0
	spanText := spansText(spans)
	for _, sec := range secretList {
		if strings.Contains(out, sec) {
			leakedInLogs++
		}
		if strings.Contains(spanText, sec) {
			leakedInSpans++
		}
	}
	t.Logf("soak: %d secrets carried by %d events: %d in log lines or EMF documents, %d in spans, %d responses quoting theirs; %d lines with a key twice",
		len(secretList), kinds["secret_event"], leakedInLogs, leakedInSpans, leakedInResponses, duplicates)
	if leakedInLogs+leakedInSpans+leakedInResponses+duplicates > 0 {
		t.Errorf("secrets written: %d in the output, %d in spans, %d in responses; %d lines with a key twice", leakedInLogs, leakedInSpans, leakedInResponses, duplicates)
	}
	t.Logf("soak: %d spans received; invocations without their span %d", len(spans), missingSpans)
	if missingSpans > 0 {
		var missing []string
		for _, id := range ids {
			if spanIDs[id] == 0 {
				missing = append(missing, id)
			}
		}
		t.Errorf("%d invocations without their span: %v", missingSpans, missing)
		logAround(t, out, missing)
	}
	for id, n := range spanIDs {
		if n > 1 {
			t.Errorf("%s: its span arrived %d times", id, n)
		}
	}

	missingLogs, missingDocs := 0, 0
	for _, id := range ids {
		if logIDs[id] == 0 {
			missingLogs++
		}
		if docIDs[id] == 0 {
			missingDocs++
		}
	}
	t.Logf("soak: %d invocations in %v; kinds %v", n, elapsed.Round(time.Millisecond), kinds)
	t.Logf("soak: %d JSON lines (%d invalid), %d log lines, %d EMF documents (%d schema-invalid)", jsonLines, invalid, logLines, docs, schemaBad)
	t.Logf("soak: %d lines over %d bytes; %d lines truncated to fit (huge_log events: %d)", tooLong, maxLineSize, truncated, kinds["huge_log"])
	if tooLong > 0 || truncated != kinds["huge_log"] {
		t.Errorf("%d lines over the CloudWatch Logs event limit; %d truncated lines for %d huge_log events", tooLong, truncated, kinds["huge_log"])
	}
	t.Logf("soak: %d processes started, ColdStart total %v; invocations without log lines %d, without EMF documents %d", processes, coldStarts, missingLogs, missingDocs)
	if invalid > 0 || schemaBad > 0 {
		t.Errorf("%d invalid JSON lines, %d schema-invalid documents", invalid, schemaBad)
	}
	if missingLogs > 0 || missingDocs > 0 {
		t.Errorf("%d invocations without their log lines, %d without their EMF documents", missingLogs, missingDocs)
		var missing []string
		for _, id := range ids {
			if logIDs[id] == 0 || docIDs[id] == 0 {
				missing = append(missing, id)
			}
		}
		logAround(t, out, missing)
	}
	if int(coldStarts) != processes {
		t.Errorf("ColdStart total %v, processes started %d", coldStarts, processes)
	}
	for name, want := range totals {
		if got[name] != want {
			t.Errorf("metric %s: total %v, the events asked for %v", name, got[name], want)
		}
	}
}

// logAround logs what the emulator printed around the first invocations
// of ids, from the end of the one before to the start of the one after:
// the reason one of them lost its telemetry is there, and the output's tail,
// which the emulator's cleanup prints, is too far from it.
func logAround(t *testing.T, out string, ids []string) {
	t.Helper()
	for _, id := range ids[:min(len(ids), 3)] {
		i := strings.Index(out, "START RequestId: "+id+" ")
		if i < 0 {
			t.Logf("the emulator never started %s", id)
			continue
		}
		from := max(0, i-2000)
		to := len(out)
		if j := strings.Index(out[i+1:], "START RequestId: "); j >= 0 {
			to = i + 1 + j
		}
		to = min(to, i+8000)
		t.Logf("the emulator's output around %s:\n%s", id, out[from:to])
	}
}

// spansText returns everything the spans say, as JSON.
func spansText(spans []testenv.Span) string {
	b, _ := json.Marshal(spans)
	return string(b)
}

func metricNames(doc map[string]any) []string {
	aws, _ := doc["_aws"].(map[string]any)
	dirs, _ := aws["CloudWatchMetrics"].([]any)
	var names []string
	for _, d := range dirs {
		dm, _ := d.(map[string]any)
		ms, _ := dm["Metrics"].([]any)
		for _, m := range ms {
			if mm, ok := m.(map[string]any); ok {
				names = append(names, mm["Name"].(string))
			}
		}
	}
	return names
}
