package jsonenc

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"
	"unicode/utf8"
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
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-7, 123456789, 1e21, 1.0000001e-9, math.MaxFloat64, math.SmallestNonzeroFloat64} {
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

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 42.5, 0.1, 0.0001, 999999999.9999, -3.25, 1e-5, 123456.789, 0.30000000000000004} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		got, ok := AppendFloat(nil, v)
		want, err := json.Marshal(v)
		if (err == nil) != ok || (ok && string(got) != string(want)) {
			t.Fatalf("AppendFloat(%v) = %s, %v; encoding/json %s, %v", v, got, ok, want, err)
		}
	})
}

func TestAppendFloatShortDecimals(t *testing.T) {
	for i := -200000; i <= 200000; i += 7 {
		for _, scale := range []float64{1, 10, 100, 1000, 10000, 3} {
			v := float64(i) / scale
			got, _ := AppendFloat(nil, v)
			want, _ := json.Marshal(v)
			if string(got) != string(want) {
				t.Fatalf("AppendFloat(%v) = %s, want %s", v, got, want)
			}
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
		var got, want string
		if err := json.Unmarshal(AppendString(nil, s), &got); err != nil {
			t.Fatalf("invalid JSON for %q: %v", s, err)
		}
		b, _ := json.Marshal(s)
		_ = json.Unmarshal(b, &want)
		if got != want {
			t.Fatalf("AppendString(%q) reads back as %q, encoding/json as %q", s, got, want)
		}
	})
}

func TestPlain(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"", true}, {"order_id", true}, {"a key with spaces and ~!@#$%^&*()", true}, {"exactly8", true}, {"sixteen bytes ok", true},
		{`quote"`, false}, {`back\slash`, false}, {"tab\there", false}, {"long enough but \x7f del", true},
		{"é", false}, {"bad\xff", false}, {"0123456789abcdef\n", false}, {"\u2028", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := Plain(tt.s); got != tt.want {
				t.Errorf("Plain(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func FuzzPlain(f *testing.F) {
	for _, s := range []string{"order_id", "q\"", "é", "\x00", "12345678\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Plain(s) && string(AppendString(nil, s)) != `"`+s+`"` {
			t.Fatalf("Plain(%q), but AppendString writes %s", s, AppendString(nil, s))
		}
		if Plain(s) && !utf8.ValidString(s) {
			t.Fatalf("Plain(%q) for invalid UTF-8", s)
		}
	})
}

func TestAppendFloat32(t *testing.T) {
	for _, f := range []float32{0, 0.1, -1.5, 1e-7, 3.4e38, 16777216, 1e21, math.SmallestNonzeroFloat32} {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			got, ok := AppendFloat32(nil, f)
			want, _ := json.Marshal(f)
			if !ok || string(got) != string(want) {
				t.Errorf("AppendFloat32(%v) = %s, %v; want %s", f, got, ok, want)
			}
		})
	}
}
