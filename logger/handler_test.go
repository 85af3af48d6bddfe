package logger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// noEnv is an empty environment, so tests do not depend on the machine's.
func noEnv(string) (string, bool) { return "", false }

func envOf(m map[string]string) Option {
	return withLookupEnv(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

var fixed = time.Date(2026, 11, 26, 10, 30, 0, 123456789, time.UTC)

// syncBuffer is a bytes.Buffer safe for concurrent writers that counts Writes.
type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// lines returns the written lines, each checked to be one valid JSON object.
func lines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("invalid JSON line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

var timestampRE = regexp.MustCompile(`"timestamp":"[^"]*"`)

// golden compares got with testdata/name.golden.jsonl, timestamps masked.
func golden(t *testing.T, name, got string) {
	t.Helper()
	lines(t, got)
	got = timestampRE.ReplaceAllString(got, `"timestamp":"<ts>"`)
	path := filepath.Join("testdata", name+".golden.jsonl")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func invocationFields() Fields {
	return Fields{
		RequestID:          "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		FunctionName:       "orders",
		FunctionVersion:    "$LATEST",
		FunctionARN:        "arn:aws:lambda:eu-west-1:123456789012:function:orders",
		FunctionMemorySize: 512,
		ColdStart:          true,
		XRayTraceID:        "1-5759e988-bd862e3fe1be46a994272793",
	}
}

func TestSlogtest(t *testing.T) {
	for _, scheme := range []struct {
		name string
		s    Scheme
	}{{"powertools", Powertools}, {"lambda", Lambda}} {
		t.Run(scheme.name, func(t *testing.T) {
			var buf bytes.Buffer
			newHandler := func(t *testing.T) slog.Handler {
				buf.Reset()
				return NewHandler(&buf, withLookupEnv(noEnv), WithScheme(scheme.s))
			}
			result := func(t *testing.T) map[string]any {
				ls := lines(t, buf.String())
				if len(ls) != 1 {
					t.Fatalf("want one line, got %d: %q", len(ls), buf.String())
				}
				m := ls[0]
				m[slog.TimeKey], m[slog.MessageKey] = m[names.KeyTimestamp], m[names.KeyMessage]
				for _, k := range []string{names.KeyTimestamp, names.KeyMessage, names.KeyService} {
					delete(m, k)
				}
				if m[slog.TimeKey] == nil {
					delete(m, slog.TimeKey)
				}
				return m
			}
			slogtest.Run(t, newHandler, result)
		})
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		run  func(h *Handler)
	}{
		{"powertools", nil, func(h *Handler) {
			ctx, inv := h.Begin(context.Background(), invocationFields())
			l := slog.New(h)
			l.InfoContext(ctx, "order processed", "order_id", "o-1", "items", 3, "total", 42.5, "express", true)
			l.WarnContext(ctx, "stock low", slog.Group("stock", "sku", "A-1", "left", 2))
			l.ErrorContext(ctx, "charge failed", "error", &os.PathError{Op: "open", Path: "/tmp/x", Err: os.ErrNotExist})
			_ = inv.End(false)
			l.Info("outside an invocation")
		}},
		{"lambda", []Option{WithScheme(Lambda)}, func(h *Handler) {
			ctx, inv := h.Begin(context.Background(), invocationFields())
			slog.New(h).InfoContext(ctx, "order processed", "order_id", "o-1")
			_ = inv.End(false)
		}},
		{"with_group", nil, func(h *Handler) {
			ctx, inv := h.Begin(context.Background(), invocationFields())
			l := slog.New(h).With("tenant", "t1").WithGroup("order").With("id", "o-1")
			l.InfoContext(ctx, "accepted", "amount", 10)
			l.WithGroup("empty").InfoContext(ctx, "no attrs in the group")
			_ = inv.End(false)
		}},
		{"redaction", nil, func(h *Handler) {
			ctx, inv := h.Begin(context.Background(), invocationFields())
			type creds struct {
				User     string `json:"user"`
				Password string `json:"password"`
				Nested   struct {
					APIKey string `json:"apiKey"`
					Keep   string `json:"keep"`
				} `json:"nested"`
			}
			c := creds{User: "ann", Password: "hunter2"}
			c.Nested.APIKey, c.Nested.Keep = "k-123", "visible"
			l := slog.New(h).With("Authorization", "Bearer abc")
			l.InfoContext(ctx, "login",
				"creds", c,
				"headers", map[string]string{"Set-Cookie": "s=1", "Accept": "json", "X-Api-Key": "zzz"},
				slog.Group("db", "db_password", "pw", "host", "h"),
				"access_token", "tok", "tokens", 1, "secret", slog.GroupValue(slog.String("inner", "x")),
			)
			_ = inv.End(false)
		}},
		{"sampling", []Option{WithSampleRate(0.5), withRand(sequence(0.1, 0.9))}, func(h *Handler) {
			l := slog.New(h)
			for i := 0; i < 2; i++ {
				f := invocationFields()
				f.RequestID = fmt.Sprintf("req-%d", i)
				ctx, inv := h.Begin(context.Background(), f)
				l.DebugContext(ctx, "debug detail", "sampled", inv.sampled)
				l.InfoContext(ctx, "done")
				_ = inv.End(false)
			}
		}},
		{"buffering", []Option{WithDebugBuffer(700)}, func(h *Handler) {
			l := slog.New(h)
			// Invocation 1 succeeds: its debug lines are dropped.
			f := invocationFields()
			f.RequestID = "ok-1"
			ctx, inv := h.Begin(context.Background(), f)
			l.DebugContext(ctx, "never written")
			l.InfoContext(ctx, "done")
			_ = inv.End(false)
			// Invocation 2 logs an error: the lines it held come first; the
			// oldest did not fit and are counted.
			f.RequestID, f.ColdStart = "err-2", false
			ctx, inv = h.Begin(context.Background(), f)
			for i := range 4 {
				l.DebugContext(ctx, "step", "i", i)
			}
			l.ErrorContext(ctx, "failed", "error", errors.New("boom"))
			l.DebugContext(ctx, "after the error")
			_ = inv.End(true)
		}},
		{"init_duration", nil, func(h *Handler) {
			f := invocationFields()
			f.InitDuration = 12345678 * time.Nanosecond
			ctx, inv := h.Begin(context.Background(), f)
			l := slog.New(h)
			l.InfoContext(ctx, "first")
			l.InfoContext(ctx, "second")
			_ = inv.End(false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf syncBuffer
			h := NewHandler(&buf, append([]Option{withLookupEnv(noEnv), WithService("orders")}, tt.opts...)...)
			tt.run(h)
			golden(t, tt.name, buf.String())
		})
	}
}

func sequence(vals ...float64) func() float64 {
	i := 0
	return func() float64 { v := vals[i%len(vals)]; i++; return v }
}

// TestLambdaFieldsStayTopLevel shows the difference with aws-lambda-go's
// handler, which nests requestId inside the group WithGroup opened.
func TestLambdaFieldsStayTopLevel(t *testing.T) {
	lc := &lambdacontext.LambdaContext{AwsRequestID: "req-1", InvokedFunctionArn: "arn:aws:lambda:us-east-1:1:function:f"}
	ctx := lambdacontext.NewContext(context.Background(), lc)

	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv), WithScheme(Lambda))
	slog.New(h).WithGroup("order").InfoContext(ctx, "x", "id", 1)
	m := lines(t, buf.String())[0]
	if m["requestId"] != "req-1" {
		t.Errorf("requestId not at the top level: %s", buf.String())
	}
	if g := m["order"].(map[string]any); g["requestId"] != nil || g["id"] != float64(1) {
		t.Errorf("group content wrong: %v", g)
	}

	// aws-lambda-go's handler writes to os.Stdout; capture it.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	theirs := lambdacontext.NewLogHandler()
	os.Stdout = stdout
	slog.New(theirs).WithGroup("order").InfoContext(ctx, "x", "id", 1)
	w.Close()
	out, _ := io.ReadAll(r)
	if !strings.Contains(string(out), "order.requestId=req-1") {
		t.Logf("aws-lambda-go output: %s", out)
		t.Error("expected aws-lambda-go to nest requestId in the group (if this changed, update the docs)")
	}
}

func TestAmbientContext(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "r-9", InvokedFunctionArn: "arn:x"})
	ctx = tracing.ContextWithHeader(ctx, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	slog.New(h).InfoContext(ctx, "hi")
	m := lines(t, buf.String())[0]
	if m[names.KeyRequestID] != "r-9" || m[names.KeyFunctionARN] != "arn:x" || m[names.KeyXRayTraceID] != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("ambient fields missing: %v", m)
	}
}

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("boom in LogValue") }

type loopValuer struct{}

func (l loopValuer) LogValue() slog.Value { return slog.AnyValue(l) }

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("cannot marshal") }

type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("marshal panic") }

type nilErr struct{ msg *string }

func (e *nilErr) Error() string { return *e.msg }

func TestBadValuesKeepTheLineValid(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	var typedNil *nilErr
	slog.New(h).Info("bad\xffmsg",
		"panics", panicValuer{},
		"loops", loopValuer{},
		"marshal", badJSON{},
		"marshal_panic", panicJSON{},
		"nan", math.NaN(), "inf", math.Inf(1), "ninf", math.Inf(-1), "f32", float32(math.NaN()),
		"utf8", "a\xffb",
		"nil_error", error(typedNil),
		"map_nan", map[string]float64{"x": math.NaN()},
		"bytes", []byte("raw\x00"),
		"nil", nil,
		"dur", time.Second,
		"time", fixed,
		"u", uint64(math.MaxUint64),
	)
	ls := lines(t, buf.String())
	if len(ls) != 1 {
		t.Fatalf("want 1 line, got %d", len(ls))
	}
	m := ls[0]
	for _, k := range []string{"panics", "loops", "marshal", "marshal_panic", "nan", "inf", "ninf", "f32", "nil_error", "map_nan"} {
		s, ok := m[k].(string)
		if !ok || !strings.HasPrefix(s, "!BADVALUE") {
			t.Errorf("%s = %#v, want a !BADVALUE string", k, m[k])
		}
	}
	if m["utf8"] != "a\ufffdb" || m[names.KeyMessage] != "bad\ufffdmsg" {
		t.Errorf("invalid UTF-8 not replaced: %v / %v", m["utf8"], m[names.KeyMessage])
	}
	if m["nil_error_type"] != "*logger.nilErr" {
		t.Errorf("nil_error_type = %v", m["nil_error_type"])
	}
}

func TestLevelFromEnvironment(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		opts      []Option
		want      slog.Level
		warnings  int
		warnMatch string
	}{
		{"default", nil, nil, slog.LevelInfo, 0, ""},
		{"powertools", map[string]string{"POWERTOOLS_LOG_LEVEL": "debug"}, nil, slog.LevelDebug, 0, ""},
		{"lambda", map[string]string{"AWS_LAMBDA_LOG_LEVEL": "WARN"}, nil, slog.LevelWarn, 0, ""},
		{"powertools wins", map[string]string{"POWERTOOLS_LOG_LEVEL": "error", "AWS_LAMBDA_LOG_LEVEL": "debug"}, nil, slog.LevelError, 0, ""},
		{"option wins", map[string]string{"POWERTOOLS_LOG_LEVEL": "error"}, []Option{WithLevel(slog.LevelWarn)}, slog.LevelWarn, 0, ""},
		{"warning and critical", map[string]string{"POWERTOOLS_LOG_LEVEL": "Warning"}, nil, slog.LevelWarn, 0, ""},
		{"trace", map[string]string{"POWERTOOLS_LOG_LEVEL": "TRACE"}, nil, LevelTrace, 0, ""},
		{"unknown", map[string]string{"POWERTOOLS_LOG_LEVEL": "LOUD"}, nil, slog.LevelInfo, 1, `POWERTOOLS_LOG_LEVEL=\"LOUD\"`},
		{"more verbose than Lambda allows", map[string]string{"POWERTOOLS_LOG_LEVEL": "DEBUG", "AWS_LAMBDA_LOG_LEVEL": "ERROR"}, nil, slog.LevelDebug, 1, "AWS_LAMBDA_LOG_LEVEL=ERROR"},
		{"bad sample rate", map[string]string{"POWERTOOLS_LOGGER_SAMPLE_RATE": "2"}, nil, slog.LevelInfo, 1, "POWERTOOLS_LOGGER_SAMPLE_RATE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := NewHandler(&buf, append([]Option{envOf(tt.env)}, tt.opts...)...)
			if h.c.cfg.level.Level() != tt.want {
				t.Errorf("level = %v, want %v", h.c.cfg.level.Level(), tt.want)
			}
			ls := lines(t, buf.String())
			if len(ls) != tt.warnings {
				t.Fatalf("want %d warning lines, got %q", tt.warnings, buf.String())
			}
			if tt.warnings > 0 && (!strings.Contains(buf.String(), tt.warnMatch) || ls[0][names.KeyLevel] != "WARN") {
				t.Errorf("warning %q does not mention %q", buf.String(), tt.warnMatch)
			}
		})
	}
	for _, s := range []string{"critical", "FATAL"} {
		if l, ok := parseLevel(s); !ok || l != LevelCritical {
			t.Errorf("parseLevel(%q) = %v, %v", s, l, ok)
		}
	}
}

func TestServiceAndDevelopmentFromEnvironment(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, envOf(map[string]string{"POWERTOOLS_SERVICE_NAME": "payments", "POWERTOOLS_DEV": "true"}))
	slog.New(h).Info("hi", "k", "v")
	out := buf.String()
	if !strings.Contains(out, "\n  \"service\": \"payments\"") {
		t.Errorf("want indented output with the service from env, got %q", out)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Errorf("development output is not JSON: %v", err)
	}
	if NewHandler(io.Discard, withLookupEnv(noEnv)).Service() != names.DefaultService {
		t.Error("default service")
	}
}

func TestLocation(t *testing.T) {
	var buf bytes.Buffer
	slog.New(NewHandler(&buf, withLookupEnv(noEnv), WithLocation())).Info("here")
	m := lines(t, buf.String())[0]
	if loc, _ := m[names.KeyLocation].(string); !strings.HasPrefix(loc, "logger/handler_test.go:") {
		t.Errorf("location = %v", m[names.KeyLocation])
	}
}

func TestContextAttrsAndCorrelationID(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	ctx = ContextWithCorrelationID(ctx, "corr-1")
	ctx = ContextWithAttrs(ctx, slog.String("message_id", "m-1"))
	slog.New(h).WithGroup("g").InfoContext(ctx, "x", "a", 1)
	_ = inv.End(false)
	m := lines(t, buf.String())[0]
	if m[names.KeyCorrelationID] != "corr-1" || m["message_id"] != "m-1" {
		t.Errorf("context attrs not at top level: %v", m)
	}
	if ContextWithAttrs(ctx) != ctx {
		t.Error("ContextWithAttrs without attrs should return ctx")
	}
}

func TestLateLinesAreDroppedAndCounted(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	l := slog.New(h)
	l.InfoContext(ctx, "in time")
	_ = inv.End(false)
	l.InfoContext(ctx, "too late")
	l.ErrorContext(ctx, "too late as well")
	if n := len(lines(t, buf.String())); n != 1 {
		t.Errorf("want 1 line, got %d", n)
	}
	if inv.late.Load() != 2 {
		t.Errorf("late = %d, want 2", inv.late.Load())
	}
}

func TestBufferFlushedOnFailure(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv), WithDebugBuffer(0))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	l := slog.New(h)
	l.DebugContext(ctx, "held")
	if buf.Len() != 0 {
		t.Fatal("debug line written before the invocation failed")
	}
	if !h.Enabled(ctx, slog.LevelDebug) || h.Enabled(ctx, LevelTrace) || h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Enabled disagrees with buffering")
	}
	_ = inv.End(true)
	if ls := lines(t, buf.String()); len(ls) != 1 || ls[0][names.KeyMessage] != "held" {
		t.Errorf("want the held line after a failed End, got %q", buf.String())
	}
	// A line larger than the whole buffer is counted, not held.
	var buf2 bytes.Buffer
	h2 := NewHandler(&buf2, withLookupEnv(noEnv), WithDebugBuffer(100))
	ctx, inv = h2.Begin(context.Background(), invocationFields())
	slog.New(h2).DebugContext(ctx, strings.Repeat("x", 200))
	_ = inv.End(true)
	if ls := lines(t, buf2.String()); len(ls) != 1 || ls[0][names.KeyDroppedLines] != float64(1) {
		t.Errorf("want one dropped-lines warning, got %q", buf2.String())
	}
}

func TestOneWritePerRecordConcurrentSafe(t *testing.T) {
	var buf syncBuffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	const goroutines, each = 8, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := invocationFields()
			f.RequestID = fmt.Sprintf("req-%d", g)
			ctx, inv := h.Begin(context.Background(), f)
			l := slog.New(h).With("g", g).WithGroup("grp")
			for i := range each {
				l.InfoContext(ctx, "line", "i", i)
			}
			_ = inv.End(false)
		}()
	}
	wg.Wait()
	ls := lines(t, buf.String())
	if len(ls) != goroutines*each || buf.writes != goroutines*each {
		t.Fatalf("lines %d writes %d, want %d", len(ls), buf.writes, goroutines*each)
	}
	for _, m := range ls {
		if m[names.KeyRequestID] != fmt.Sprintf("req-%v", m["g"]) {
			t.Fatalf("line mixed invocations: %v", m)
		}
	}
}

func TestRedactKeysOption(t *testing.T) {
	var buf bytes.Buffer
	slog.New(NewHandler(&buf, withLookupEnv(noEnv), WithRedactKeys())).Info("x", "password", "shown")
	if !strings.Contains(buf.String(), "shown") {
		t.Error("WithRedactKeys() should turn redaction by key off")
	}
	buf.Reset()
	slog.New(NewHandler(&buf, withLookupEnv(noEnv), WithRedactKeys("pin"))).Info("x", "pin", "1234", "password", "shown")
	if m := lines(t, buf.String())[0]; m["pin"] != redact.Redacted || m["password"] != "shown" {
		t.Errorf("WithRedactKeys(pin): %v", m)
	}
}

func TestFloat32(t *testing.T) {
	// slog turns a float32 attribute into a float64 (slog.AnyValue): the
	// handler writes what slog's JSON handler writes. Inside a value
	// encoded as JSON a float32 keeps its own digits.
	var buf, want bytes.Buffer
	slog.New(NewHandler(&buf, withLookupEnv(noEnv))).Info("m", "f", float32(0.1), "m", map[string]float32{"x": 0.1})
	slog.New(slog.NewJSONHandler(&want, nil)).Info("m", "f", float32(0.1))
	f := regexp.MustCompile(`"f":[^,}]*`)
	if got, want := f.FindString(buf.String()), f.FindString(want.String()); got != want {
		t.Errorf("top level: %s, slog's JSON handler: %s", got, want)
	}
	if !strings.Contains(buf.String(), `"m":{"x":0.1}`) {
		t.Errorf("in a map: %s", buf.String())
	}
}

func TestLinesHeldAfterEndAreCountedAsLate(t *testing.T) {
	t.Run("hold after End", func(t *testing.T) {
		h := NewHandler(io.Discard, withLookupEnv(noEnv), WithDebugBuffer(0))
		_, inv := h.Begin(context.Background(), invocationFields())
		_ = inv.End(true)
		if inv.hold([]byte("{}\n")) {
			t.Error("a line was held after End")
		}
		if len(inv.held) != 0 {
			t.Errorf("held after End: %q", inv.held)
		}
	})
	t.Run("concurrent with End", func(t *testing.T) {
		for range 50 {
			var buf syncBuffer
			h := NewHandler(&buf, withLookupEnv(noEnv), WithDebugBuffer(1<<20))
			ctx, inv := h.Begin(context.Background(), invocationFields())
			l := slog.New(h)
			const n = 20
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					l.DebugContext(ctx, "held")
				}()
			}
			_ = inv.End(true)
			wg.Wait()
			written := strings.Count(buf.String(), "\n")
			if got := written + int(inv.late.Load()); got != n {
				t.Fatalf("%d lines written + %d late, want %d", written, inv.late.Load(), n)
			}
		}
	})
}
