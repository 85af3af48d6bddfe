package xrayid

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestTraceID(t *testing.T) {
	now := time.Unix(0x6745a0b1, 0)
	id := NewTraceID(now)
	s := FormatTraceID(id)
	if !ValidTraceID(s) || s[:11] != "1-6745a0b1-" {
		t.Fatalf("FormatTraceID = %q", s)
	}
	if got := FormatTraceID([16]byte{}); got != "" {
		t.Errorf("FormatTraceID(zero) = %q, want no trace", got)
	}
	back, ok := ParseTraceID(s)
	if !ok || back != id {
		t.Errorf("ParseTraceID(%q) = %x, %v; want %x", s, back, ok, id)
	}
	for _, bad := range []string{"", "1-00000000-000000000000000000000000", "2-5759e988-bd862e3fe1be46a994272793", "1-5759e988-bd862e3fe1be46a99427279g", "1-5759e988bd862e3fe1be46a994272793"} {
		if _, ok := ParseTraceID(bad); ok {
			t.Errorf("ParseTraceID(%q) accepted", bad)
		}
	}
	if NewTraceID(now) == id {
		t.Error("two trace ids are equal")
	}
}

func TestSpanID(t *testing.T) {
	id := NewSpanID()
	if id == [8]byte{} {
		t.Fatal("zero span id")
	}
	s := FormatSpanID(id)
	back, ok := ParseSpanID(s)
	if !ok || back != id || len(s) != 16 {
		t.Errorf("span id %q round trip = %x, %v", s, back, ok)
	}
	for _, bad := range []string{"", "0000000000000000", "53995c3f42cd8ad", "53995c3f42cd8adz"} {
		if _, ok := ParseSpanID(bad); ok {
			t.Errorf("ParseSpanID(%q) accepted", bad)
		}
	}
	if _, ok := ParseSpanID("53995C3F42CD8AD8"); !ok {
		t.Error("upper-case hex refused")
	}
}

func TestIDsAllocs(t *testing.T) {
	const root = "1-5759e988-bd862e3fe1be46a994272793"
	if n := testing.AllocsPerRun(100, func() {
		_, _ = ParseTraceID(root)
		_, _ = ParseSpanID("53995c3f42cd8ad8")
		_ = NewSpanID()
		_ = NewTraceID(time.Time{})
	}); n != 0 {
		t.Errorf("allocs = %v, want 0", n)
	}
}
