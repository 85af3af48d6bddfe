package jsonenc

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x00\x01\n\r\t\x1f", "é ünï 日本", "bad\xff\xfeutf8", "\u2028\u2029", "<html>&"} {
		got := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: invalid JSON %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: round trip %q, encoding/json %q", s, back, wantBack)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, 1, -1.5, 1e-7, 123456789, 1e21, 1.0000001e-9, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		got, ok := AppendFloat(nil, f)
		want, _ := json.Marshal(f)
		if !ok || string(got) != string(want) {
			t.Errorf("AppendFloat(%v) = %s, %v; want %s", f, got, ok, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got, ok := AppendFloat([]byte("x"), f); ok || string(got) != "x" {
			t.Errorf("AppendFloat(%v) = %s, %v", f, got, ok)
		}
	}
}

func TestAppendTime(t *testing.T) {
	tm := time.Date(2026, 11, 26, 7, 4, 5, 123456789, time.FixedZone("x", 3600))
	if got := string(AppendTime(nil, tm)); got != `"2026-11-26T06:04:05.123Z"` {
		t.Errorf("AppendTime = %s", got)
	}
	far := time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	var s string
	if err := json.Unmarshal(AppendTime(nil, far), &s); err != nil {
		t.Errorf("far year: %v", err)
	}
}

func TestAppendZeroAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	tm := time.Now()
	n := testing.AllocsPerRun(100, func() {
		b := AppendString(buf[:0], "hello \"world\"\n")
		b, _ = AppendFloat(b, 3.25)
		_ = AppendTime(b, tm)
	})
	if n != 0 {
		t.Errorf("allocs = %v, want 0", n)
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("hello")
	f.Add("\xff\u2028\x00")
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid(AppendString(nil, s)) {
			t.Fatalf("invalid JSON for %q", s)
		}
	})
}
