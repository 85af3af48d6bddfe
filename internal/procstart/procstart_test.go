package procstart

import (
	"testing"
	"time"
)

func TestStartTicks(t *testing.T) {
	stat := []byte("123 (we ird) name)) S 1 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10 ...")
	got, err := startTicks(stat)
	if err != nil || got != 98765 {
		t.Fatalf("startTicks = %d, %v", got, err)
	}
	if _, err := startTicks([]byte("no paren")); err == nil {
		t.Error("want error without ')'")
	}
	if _, err := startTicks([]byte("1 (x) S 1")); err == nil {
		t.Error("want error for short stat")
	}
}

func TestReadBounds(t *testing.T) {
	now := time.Now()
	e, err := Read(now)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if e.Start.After(now) || e.Start.Before(e.Earliest) || e.Start.After(e.Latest) {
		t.Fatalf("estimate out of bounds: %+v now %v", e, now)
	}
	if e.Latest.Sub(e.Earliest) > tick {
		t.Errorf("interval wider than a tick: %v", e.Latest.Sub(e.Earliest))
	}
	// The test binary has been running for a while, but not for hours.
	if age := now.Sub(e.Start); age <= 0 || age > time.Hour {
		t.Errorf("implausible process age %v", age)
	}
}
