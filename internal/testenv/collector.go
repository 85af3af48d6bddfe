package testenv

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Collector is an OpenTelemetry Collector (the otelcol-lambdaobs binary
// scripts/services/otelcol.sh builds) receiving OTLP/HTTP on 127.0.0.1 and
// exporting what it receives, as OTLP JSON, to a capture server of the
// test, which decodes it into Spans.
type Collector struct {
	Proc *Process
	// Endpoint is the base URL of the collector's OTLP/HTTP receiver
	// (http://127.0.0.1:P), as OTEL_EXPORTER_OTLP_ENDPOINT takes it.
	Endpoint string
	// TracesURL is Endpoint + "/v1/traces".
	TracesURL string

	mu       sync.Mutex
	spans    []Span
	requests int
	errs     []error
}

// Span is a span as the collector exported it.
type Span struct {
	TraceID       string // 32 hex digits
	SpanID        string // 16 hex digits
	ParentSpanID  string // "" for a root span
	Name          string
	Kind          int // OTLP: 1 internal, 2 server, 3 client, 4 producer, 5 consumer
	Start, End    time.Time
	Attributes    map[string]any // string, bool, int64, float64, []any, map[string]any
	Resource      map[string]any
	Scope         string
	StatusCode    int // OTLP: 0 unset, 1 ok, 2 error
	StatusMessage string
	Events        []SpanEvent
	Links         []SpanLink
}

// SpanEvent is an event of a Span.
type SpanEvent struct {
	Name       string
	Attributes map[string]any
}

// SpanLink is a link of a Span.
type SpanLink struct {
	TraceID, SpanID string
}

// collectorConfig receives OTLP/HTTP on the receiver address only, exports
// synchronously (no queue, no retry: when the receiver answers, the capture
// server has the spans) and opens no telemetry port.
const collectorConfig = `receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
exporters:
  otlp_http:
    traces_endpoint: %s
    encoding: json
    compression: none
    retry_on_failure:
      enabled: false
    sending_queue:
      enabled: false
  debug:
    verbosity: normal
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: info
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp_http, debug]
`

// StartCollector starts a collector for t and returns it once its receiver
// accepts connections. A missing binary skips t under plain go test and
// fails it under make test.
func StartCollector(t testing.TB) *Collector {
	t.Helper()
	bin := Tool(t, "otelcol-lambdaobs")
	c := &Collector{}
	capture := httptest.NewServer(http.HandlerFunc(c.capture))
	t.Cleanup(capture.Close)

	port := FreePort(t)
	cfg := filepath.Join(t.TempDir(), "otelcol.yaml")
	body := fmt.Sprintf(collectorConfig, Addr(port), capture.URL+"/v1/traces")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Proc = Start(t, nil, bin, "--config", "file:"+cfg)
	WaitTCP(t, c.Proc, Addr(port), 30*time.Second)
	c.Endpoint = "http://" + Addr(port)
	c.TracesURL = c.Endpoint + "/v1/traces"
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, err := range c.errs {
			t.Errorf("collector capture: %v", err)
		}
	})
	return c
}

// Spans returns the spans received so far, in order.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.spans...)
}

// Requests returns how many export requests the capture server received.
func (c *Collector) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// WaitSpans waits until at least n spans arrived and returns them; it
// fails t after timeout.
func (c *Collector) WaitSpans(t testing.TB, n int, timeout time.Duration) []Span {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := c.Spans()
		if len(s) >= n {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector: %d spans after %v, want %d\n%s", len(s), timeout, n, tail(c.Proc.Output.String(), 4000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *Collector) capture(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			c.fail(w, err)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		c.fail(w, err)
		return
	}
	spans, err := DecodeOTLPJSON(raw)
	if err != nil {
		c.fail(w, fmt.Errorf("%w in %s", err, raw))
		return
	}
	c.mu.Lock()
	c.requests++
	c.spans = append(c.spans, spans...)
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}

func (c *Collector) fail(w http.ResponseWriter, err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
	http.Error(w, err.Error(), http.StatusBadRequest)
}

// OTLP JSON (opentelemetry-proto's JSON mapping: lowerCamelCase keys, hex
// ids, 64-bit integers as strings, enums as numbers).
type otlpRequest struct {
	ResourceSpans []struct {
		Resource struct {
			Attributes []otlpKV `json:"attributes"`
		} `json:"resource"`
		ScopeSpans []struct {
			Scope struct {
				Name string `json:"name"`
			} `json:"scope"`
			Spans []struct {
				TraceID      string      `json:"traceId"`
				SpanID       string      `json:"spanId"`
				ParentSpanID string      `json:"parentSpanId"`
				Name         string      `json:"name"`
				Kind         int         `json:"kind"`
				Start        json.Number `json:"startTimeUnixNano"`
				End          json.Number `json:"endTimeUnixNano"`
				Attributes   []otlpKV    `json:"attributes"`
				Status       struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"status"`
				Events []struct {
					Name       string   `json:"name"`
					Attributes []otlpKV `json:"attributes"`
				} `json:"events"`
				Links []struct {
					TraceID string `json:"traceId"`
					SpanID  string `json:"spanId"`
				} `json:"links"`
			} `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
}

type otlpKV struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

type otlpValue struct {
	StringValue *string      `json:"stringValue"`
	BoolValue   *bool        `json:"boolValue"`
	IntValue    *json.Number `json:"intValue"`
	DoubleValue *json.Number `json:"doubleValue"`
	BytesValue  *string      `json:"bytesValue"`
	ArrayValue  *struct {
		Values []otlpValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []otlpKV `json:"values"`
	} `json:"kvlistValue"`
}

func (v otlpValue) value() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.IntValue != nil:
		n, _ := strconv.ParseInt(v.IntValue.String(), 10, 64)
		return n
	case v.DoubleValue != nil:
		f, _ := strconv.ParseFloat(v.DoubleValue.String(), 64)
		return f
	case v.BytesValue != nil:
		b, _ := base64.StdEncoding.DecodeString(*v.BytesValue)
		return b
	case v.ArrayValue != nil:
		out := make([]any, len(v.ArrayValue.Values))
		for i, x := range v.ArrayValue.Values {
			out[i] = x.value()
		}
		return out
	case v.KvlistValue != nil:
		return kvMap(v.KvlistValue.Values)
	}
	return nil
}

func kvMap(kvs []otlpKV) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.value()
	}
	return m
}

func unixNano(n json.Number) time.Time {
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

// DecodeOTLPJSON decodes an OTLP/JSON ExportTraceServiceRequest into spans.
func DecodeOTLPJSON(b []byte) ([]Span, error) {
	var req otlpRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("decode OTLP JSON: %w", err)
	}
	var out []Span
	for _, rs := range req.ResourceSpans {
		res := kvMap(rs.Resource.Attributes)
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := Span{
					TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID,
					Name: s.Name, Kind: s.Kind, Start: unixNano(s.Start), End: unixNano(s.End),
					Attributes: kvMap(s.Attributes), Resource: res, Scope: ss.Scope.Name,
					StatusCode: s.Status.Code, StatusMessage: s.Status.Message,
				}
				for _, e := range s.Events {
					sp.Events = append(sp.Events, SpanEvent{Name: e.Name, Attributes: kvMap(e.Attributes)})
				}
				for _, l := range s.Links {
					sp.Links = append(sp.Links, SpanLink{TraceID: l.TraceID, SpanID: l.SpanID})
				}
				out = append(out, sp)
			}
		}
	}
	return out, nil
}
