package metrics

import (
	"encoding/json"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"math"
	"math/rand/v2"
	"testing"
)

func TestAppendValueMatchesEncodingJSON(t *testing.T) {
	check := func(v float64) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			return
		}
		if got := appendValue(nil, v); string(got) != string(want) {
			t.Errorf("appendValue(%v) = %s, encoding/json %s", v, got, want)
		}
	}
	for _, v := range []float64{
		0, math.Copysign(0, -1), 1, -1, 0.5, 0.1, 0.2, 0.3, 0.1 + 0.2, 1.005, 2.675, 12.5, 123.4, 87.5, 99.999,
		0.001, -0.001, 0.0005, 1e-6, 1e-7, 999999999.999, 1e9, 1e9 + 0.5, 1e15 - 1, 1e15, 1e15 + 0.5, 1e21, 1e20,
		math.MaxInt64, math.MinInt64, 1 << 53, 1<<53 + 2, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Nextafter(0.3, 1), math.Nextafter(0.3, 0), math.Nextafter(123.4, 200), 4503599627370497,
	} {
		check(v)
		check(-v)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		switch rng.IntN(4) {
		case 0: // milliseconds with up to three decimals
			check(float64(rng.Int64N(2e12)-1e12) / 1000)
		case 1: // integers
			check(float64(rng.Int64N(1 << 60)))
		case 2: // neighbours of short decimals
			v := float64(rng.Int64N(2e9)) / 1000
			check(math.Nextafter(v, math.Inf(1)))
			check(math.Nextafter(v, math.Inf(-1)))
		default: // any bits
			check(math.Float64frombits(rng.Uint64()))
		}
	}
}

func FuzzAppendValue(f *testing.F) {
	for _, v := range []float64{0, 1, 0.1, 123.4, 1e-7, 1e21, math.Nextafter(0.3, 1)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		want, err := json.Marshal(v)
		if err != nil {
			t.Skip()
		}
		if got := appendValue(nil, v); string(got) != string(want) {
			t.Errorf("appendValue(%v) = %s, encoding/json %s", v, got, want)
		}
	})
}

func TestAppendFloat32MatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 100_000 {
		f := math.Float32frombits(rng.Uint32())
		if i < 8 {
			f = []float32{0, 0.1, 1e-7, 1e21, 3.4e38, 1.5, -2.25, 1e-45}[i]
		}
		want, err := json.Marshal(f)
		got, ok := jsonenc.AppendFloat32(nil, f)
		if err != nil {
			if ok {
				t.Errorf("jsonenc.AppendFloat32(%v) accepted a value encoding/json refuses", f)
			}
			continue
		}
		if !ok || string(got) != string(want) {
			t.Errorf("jsonenc.AppendFloat32(%v) = %s, encoding/json %s", f, got, want)
		}
	}
}
