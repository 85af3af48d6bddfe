package xraytracing

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/exception"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

func TestMarker(t *testing.T) {
	raw := marshalValue(strings.Repeat(`a"é<`, 1000))
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
	efs, _ := exception.NewDefaultFormattingStrategy()
	seg := &xray.Segment{TraceID: "1-5759e988-bd862e3fe1be46a994272793", ID: "53995c3f42cd8ad8", Name: strings.Repeat("n", 200),
		StartTime: 1.7e9, EndTime: 1.7e9 + 1, ParentID: "0123456789abcdef", Type: "subsegment", Fault: true,
		Annotations: map[string]any{"ColdStart": true, "big": strings.Repeat("a", 3000)},
		Metadata: map[string]map[string]any{
			"orders": {
				"response": newMetaValue(strings.Repeat("r", 50000), 60000, nil),
				"request":  newMetaValue(map[string]string{"x": strings.Repeat("q", 20000)}, 60000, nil),
				"small":    newMetaValue("s", 60000, nil),
			},
			"default": {"sdk": strings.Repeat("z", 8000)}, // as xray.AddMetadata leaves it
		},
	}
	for range 20 {
		seg.GetCause().Exceptions = append(seg.GetCause().Exceptions, efs.ExceptionFromError(errors.New(strings.Repeat("e", 500))))
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
	tr := New(WithDisabled(true))
	root := tr.newRoot("root", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true, "ns", tr.cfg.now())
	for i := range 50 {
		c := tr.newChild(root, fmt.Sprintf("c%d", i), 0)
		c.SetMetadata("pad", strings.Repeat("p", 100*i))
		c.End()
	}
	docs := encodeTree(root, nil, 3000)
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
	if id := newID(); !isHex(id, 16) {
		t.Errorf("newID = %q", id)
	}
	if tid := newTraceID(testNow()); !validRoot(tid) || !strings.HasPrefix(tid, "1-6745a0b1-") {
		t.Errorf("newTraceID = %q", tid)
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
