package xraytracing

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

func TestMarker(t *testing.T) {
	raw := scrub.MarshalJSON(strings.Repeat(`a"é<`, 1000))
	for _, target := range []int{0, 10, 40, 60, 80, 100, 1000, 5000} {
		m := marker(raw, len(raw), target)
		var v struct {
			Truncated bool   `json:"truncated"`
			Size      int    `json:"size"`
			Preview   string `json:"preview"`
		}
		if err := json.Unmarshal(m, &v); err != nil {
			t.Fatalf("target %d: %v: %s", target, err, m)
		}
		if !v.Truncated || v.Size != len(raw) {
			t.Errorf("target %d: %s", target, m)
		}
		if v.Preview != "" {
			if len(m) > target {
				t.Errorf("target %d: marker of %d bytes", target, len(m))
			}
			head, rest, ok := strings.Cut(v.Preview, "…[truncated ")
			if !ok || !strings.HasPrefix(string(raw), head) || !utf8.ValidString(head) {
				t.Errorf("target %d: preview %q", target, v.Preview)
			}
			if want := fmt.Sprintf("%d bytes]", len(raw)-len(head)); rest != want {
				t.Errorf("target %d: preview ends %q, want %q", target, rest, want)
			}
		}
	}
}

// TestFitSegNeverExceedsBudget fills a segment with everything that can
// grow and checks every budget down to the bare segment.
func TestFitSegNeverExceedsBudget(t *testing.T) {
	seg := &segment{TraceID: "1-5759e988-bd862e3fe1be46a994272793", ID: "53995c3f42cd8ad8", Name: strings.Repeat("n", 200),
		StartTime: 1.7e9, EndTime: 1.7e9 + 1, ParentID: "0123456789abcdef", Type: "subsegment", Fault: true,
		Annotations: map[string]any{"ColdStart": true, "big": strings.Repeat("a", 3000)},
		Metadata: map[string]map[string]any{
			"orders": {
				"response": newMetaValue(strings.Repeat("r", 50000), 60000, nil),
				"request":  newMetaValue(map[string]string{"x": strings.Repeat("q", 20000)}, 60000, nil),
				"small":    newMetaValue("s", 60000, nil),
			},
			"default": {"raw": strings.Repeat("z", 8000)}, // a value not encoded when set
		},
		AWS:  &awsData{Operation: "PutItem", TableName: strings.Repeat("t", 255)},
		HTTP: &httpData{Response: httpResponse{Status: 500}},
	}
	for range 20 {
		seg.cause().Exceptions = append(seg.cause().Exceptions, newException(errors.New(strings.Repeat("e", 500)), strings.Repeat("e", 500), 1))
	}
	full, _ := json.Marshal(seg)
	for _, budget := range []int{len(full) + 10, 60000, 30000, 10000, 5000, 3000, 1000, 600} {
		b := segJSON(seg, budget)
		if len(b) > budget {
			t.Errorf("budget %d: %d bytes", budget, len(b))
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("budget %d: %v", budget, err)
		}
		if m["id"] != seg.ID || m["trace_id"] != seg.TraceID || m["fault"] != true || m["type"] != "subsegment" {
			t.Errorf("budget %d lost the essentials: %.300s", budget, b)
		}
		t.Logf("budget %6d: %6d bytes, metadata %.120v", budget, len(b), m["metadata"])
	}
	// The segment itself is untouched.
	if after, _ := json.Marshal(seg); string(after) != string(full) {
		t.Error("fitting changed the segment")
	}
}

func TestEncodeTreeSplitsBySize(t *testing.T) {
	tr := New(WithDisabled())
	root := tr.newRoot("root", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true, "ns", tr.cfg.now())
	for i := range 50 {
		c := tr.newChild(root, fmt.Sprintf("c%d", i), 0)
		c.SetMetadata("pad", strings.Repeat("p", 100*i))
		c.End()
	}
	docs := encodeTree(root, 3000)
	ids := map[string]bool{}
	var collect func(m map[string]any)
	collect = func(m map[string]any) {
		ids[m["id"].(string)] = true
		subs, _ := m["subsegments"].([]any)
		for _, s := range subs {
			collect(s.(map[string]any))
		}
	}
	for _, d := range docs {
		if len(d) > 3000 {
			t.Errorf("document of %d bytes", len(d))
		}
		var m map[string]any
		if err := json.Unmarshal(d, &m); err != nil {
			t.Fatal(err)
		}
		collect(m)
	}
	if len(ids) != 51 {
		t.Errorf("%d spans in %d documents, want 51", len(ids), len(docs))
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"## handler":             "## handler",
		"":                       "unnamed",
		"GET /orders/{id}?x=1":   "GET /orders/_id__x=1",
		"Bestellung-ü":           "Bestellung-ü",
		strings.Repeat("é", 300): strings.Repeat("é", 200),
	} {
		if got := segmentName(in); got != want {
			t.Errorf("segmentName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := annotationKey("http.status-code"); got != "http_status_code" {
		t.Errorf("annotationKey = %q", got)
	}
	if id := newID(); !xrayid.ValidSpanID(id) {
		t.Errorf("newID = %q", id)
	}
	for in, want := range map[string]string{
		"127.0.0.1:2000":                       "127.0.0.1:2000",
		"tcp:127.0.0.1:2000 udp:10.0.0.1:2001": "10.0.0.1:2001",
		"udp:10.0.0.1:2001":                    "10.0.0.1:2001",
		"tcp:127.0.0.1:2000":                   "",
		"":                                     "",
	} {
		if got := udpAddress(in); got != want {
			t.Errorf("udpAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFrames(t *testing.T) {
	for _, tt := range []struct{ file, function, path, label string }{
		{"/home/u/go/pkg/mod/example.com/orders@v1.2.0/charge.go", "example.com/orders.(*Card).Charge", "example.com/orders@v1.2.0/charge.go", "(*Card).Charge"},
		{"/src/example.com/orders/charge.go", "example.com/orders.Charge.func1", "example.com/orders/charge.go", "Charge.func1"},
		{"/usr/lib/go/src/runtime/proc.go", "runtime.main", "runtime/proc.go", "main"},
		{"main.go", "main.main", "main.go", "main"},
	} {
		if got := framePath(tt.file, tt.function); got != tt.path {
			t.Errorf("framePath(%q, %q) = %q, want %q", tt.file, tt.function, got, tt.path)
		}
		if got := frameLabel(tt.function); got != tt.label {
			t.Errorf("frameLabel(%q) = %q, want %q", tt.function, got, tt.label)
		}
	}
}

// appendSegment writes what encoding/json writes of a segment (key order
// of maps aside).
func TestAppendSegmentMatchesEncodingJSON(t *testing.T) {
	full := &segment{TraceID: "1-5759e988-bd862e3fe1be46a994272793", ID: "53995c3f42cd8ad8", Name: "DynamoDB <&> \"q\" é\u2028",
		StartTime: 1733066881.512345, EndTime: 1733066881.6, InProgress: true, ParentID: "0123456789abcdef",
		Fault: true, Error: true, Throttle: true, Type: "subsegment", Namespace: "aws",
		Cause:       &causeData{Exceptions: []exception{{ID: "1", Type: "T", Message: "m\n", Stack: []stackFrame{{Path: "a/b.go", Line: 3, Label: "f"}, {}}, Remote: true}, {}}},
		HTTP:        &httpData{Response: httpResponse{Status: 429}},
		AWS:         &awsData{Operation: "PutItem", Region: "eu-west-1", TableNames: []string{"a", "b"}, QueueURL: "q", FunctionName: "f", TopicARN: "t", StateMachineARN: "s", RequestID: "r"},
		Annotations: map[string]any{"s": "x", "b": false, "i": int64(-3), "u": uint64(1 << 63), "f": 0.25, "n": nil, "big": 1e21, "small": 1e-7},
		Metadata: map[string]map[string]any{"orders": {"v": newMetaValue(map[string]int{"a": 1}, 100, nil), "cut": newMetaValue(strings.Repeat("x", 500), 100, nil),
			"other": struct{ A int }{1}}, "empty": {}},
	}
	for name, seg := range map[string]*segment{"full": full, "minimal": {ID: "53995c3f42cd8ad8", Name: "n", StartTime: 1}, "empty cause": {ID: "x", Cause: &causeData{}, HTTP: &httpData{}}} {
		got := appendSegment(nil, seg)
		want, err := json.Marshal(seg)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: invalid JSON %s: %v", name, got, err)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// BenchmarkEncodeAWSCall encodes the subsegment of an AWS call, as
// encoding/json did it and as appendSegment does.
func BenchmarkEncodeAWSCall(b *testing.B) {
	seg := &segment{TraceID: "1-5759e988-bd862e3fe1be46a994272793", ID: "53995c3f42cd8ad8", Name: "DynamoDB",
		StartTime: 1733066881.512345, EndTime: 1733066881.6, ParentID: "0123456789abcdef", Namespace: "aws",
		HTTP: &httpData{Response: httpResponse{Status: 200}},
		AWS:  &awsData{Operation: "GetItem", Region: "us-east-1", RequestID: "REQ1234567890", TableName: "orders"}}
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(seg)
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			buf = appendSegment(buf[:0], seg)
		}
	})
}
