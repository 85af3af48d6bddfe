package redact

import "testing"

// typicalValues are string values of ordinary log lines: none holds a
// secret, an assignment, JSON or a base64 body.
var typicalValues = []struct{ name, v string }{
	{"message", "order processed"},
	{"id", "o-123"},
	{"region", "us-east-1"},
	{"arn", "arn:aws:lambda:us-east-1:123456789012:function:orders"},
	{"url", "https://api.example.com/v1/orders?page=2"},
	{"request_id", "8f5b8c9e-3a7d-4b2e-9c1f-6d0e2a4b7c13"},
}

// typicalKeys are keys of ordinary log lines, none of them secret.
var typicalKeys = []string{"message", "order_id", "items", "total", "express", "currency",
	"function_request_id", "xray_trace_id", "cold_start", "duration_ms"}

// invocationScrubber returns the scrubber of a log line inside an
// invocation whose sets hold no value.
func invocationScrubber() *Scrubber {
	set := NewSet(NewSet(nil))
	return &Scrubber{Keys: DefaultKeys(), Sets: [3]*Set{set}, Into: set}
}

func BenchmarkText(b *testing.B) {
	sc := invocationScrubber()
	for _, c := range typicalValues {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sc.Text(c.v)
			}
		})
	}
}

func BenchmarkValues(b *testing.B) {
	b.Run("empty", func(b *testing.B) {
		sc := invocationScrubber()
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range typicalValues {
				sc.Values(c.v)
			}
		}
	})
	b.Run("credentials", func(b *testing.B) {
		proc := NewSet(nil)
		proc.Add("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjEXAMPLETOKENFORTHEBENCHMARKONLY0123456789abcdef")
		set := NewSet(proc)
		sc := &Scrubber{Keys: DefaultKeys(), Sets: [3]*Set{set}, Into: set}
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range typicalValues {
				sc.Values(c.v)
			}
		}
	})
}

func BenchmarkKeysMatch(b *testing.B) {
	k := DefaultKeys()
	b.ReportAllocs()
	for b.Loop() {
		for _, key := range typicalKeys {
			k.Match(key)
		}
	}
}

func TestTypicalValuesAllocs(t *testing.T) {
	sc := invocationScrubber()
	k := DefaultKeys()
	for _, c := range typicalValues {
		if n := testing.AllocsPerRun(100, func() {
			sc.Text(c.v)
			sc.Values(c.v)
			sc.Secret(c.v)
		}); n != 0 {
			t.Errorf("%s: %v allocations", c.name, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, key := range typicalKeys {
			k.Match(key)
		}
	}); n != 0 {
		t.Errorf("Match: %v allocations", n)
	}
}
