package metrics

import (
	"errors"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// FuzzRecorder records random names, values, units, dimensions and
// properties, on a recorder and on one made by With on one made by With,
// and checks that every document is one line of schema-valid EMF
// within CloudWatch's limits (checkDoc, via the docWriter), that no value is
// invented or written twice, that a value is missing only when the error
// handler names its metric, and that obviously valid metrics are complete.
func FuzzRecorder(f *testing.F) {
	nan, inf := math.NaN(), math.Inf(1)
	f.Add("Latency", "Orders", 12.5, 3.0, "Milliseconds", "region", "eu-west-1", "request_id", "abc", uint16(3), uint8(2), false)
	f.Add("Latency", "M", 0.001, -7.0, "Count", "service", "orders", "trace", "1-2-3", uint16(150), uint8(150), true)
	f.Add("Bad", "Worse", nan, inf, "Furlongs", "", "", "", "", uint16(2), uint8(1), false)
	f.Add(`q"uote\`, "ünï", 1e300, 1e-300, "", ":colon", "value", "_aws", "x", uint16(1), uint8(3), true)
	f.Add("region", "fixed", 1.0, 2.0, "Bytes/Second", "region", "x", "region", "y", uint16(5), uint8(5), false)
	f.Add("", "\x00", math.Copysign(0, -1), 0.0, "None", "d", strings.Repeat("v", 1025), "Orders0", "shadow", uint16(0), uint8(0), true)
	f.Add(strings.Repeat("L", 1024), strings.Repeat("n", 1000), 123.456, 7.0, "Percent", strings.Repeat("k", 250), "v", "p", strings.Repeat("p", 3000), uint16(399), uint8(120), false)
	f.Add("a\xffb", "tab\tname", 1.0, 1.0, "Count/Second", "d\x7f", "v", "k\xff", "v\xff", uint16(10), uint8(10), true)
	f.Add("", "0", 0.0, 94.0, "0", "0", "0", "0", "0", uint16(0), uint8(19), true)
	f.Fuzz(func(t *testing.T, name1, name2 string, v1, v2 float64, unit, dimName, dimValue, propKey, propValue string, n uint16, k uint8, high bool) {
		r, w, s := newTest(t, WithNamespace("Fuzz"), WithService("svc"))
		want := map[string][]float64{}
		record := func(name string, v float64, u Unit, res resolution) {
			addWithResolution(r, name, v, u, res)
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				want[name] = append(want[name], v)
			}
		}
		r.AddDimension(dimName, dimValue)
		r.SetProperty(propKey, propValue)
		r.SetProperty("n", n)
		for i := range int(n % 400) {
			record(name1, v1+float64(i), Unit(unit), resStandard)
		}
		res := resStandard
		if high {
			res = resHigh
		}
		for i := range int(k % 160) {
			record(name2+strconv.Itoa(i), v2, Count, res)
		}
		r.AddDimensionSet(Dimension{dimName, dimValue}, Dimension{"fixed", "x"})
		// A recorder made by With on one made by With: written with r's flush.
		g := r.With(Dimension{dimName, dimValue}).With(Dimension{"via", "with"})
		for i := range int(k % 8) {
			v := v2 - float64(i)
			addWithResolution(g, name1, v, Unit(unit), resStandard)
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				want[name1] = append(want[name1], v)
			}
		}
		r.Single(name2, v1, Unit(unit), Dimension{dimName, dimValue})
		if !math.IsNaN(v1) && !math.IsInf(v1, 0) {
			want[name2] = append(want[name2], v1)
		}
		// The single metric is complete only with a valid dimension.
		dimOK := checkDimensionName(dimName) == "" && checkDimensionValue(dimValue) == ""
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			return // checkDoc already said why
		}

		got := allValues(w.decoded())
		var rs []Rejection
		omitted := false
		for _, err := range s.all() {
			var re *RejectedError
			if !errors.As(err, &re) {
				t.Fatalf("handler got %v", err)
			}
			rs = append(rs, re.Items...)
			omitted = omitted || re.Omitted > 0
		}
		named := func(name string) bool {
			for _, r := range rs {
				if r.Name == name || strings.Contains(r.Reason, strconv.Quote(shorten(name))) {
					return true
				}
			}
			return false
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("metric %q was never recorded", name)
			}
		}
		for name, wantVals := range want {
			sort.Float64s(wantVals)
			gotVals := got[name]
			if !subMultiset(gotVals, wantVals) {
				t.Errorf("metric %q: written %s, recorded %s", name, fmtValues(gotVals), fmtValues(wantVals))
				continue
			}
			if len(gotVals) < len(wantVals) && !named(name) && !omitted {
				t.Errorf("metric %q: %d of %d values dropped without a report (%v)", name, len(wantVals)-len(gotVals), len(wantVals), rs)
			}
			if plainName.MatchString(name) && name != dimName && name != "fixed" && name != "via" && name != "svc" && name != "service" &&
				Unit(unit).Valid() && (name != name2 || dimOK) && len(gotVals) != len(wantVals) {
				t.Errorf("valid metric %q: %d of %d values written; reported %v", name, len(gotVals), len(wantVals), rs)
			}
		}
	})
}

var plainName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,40}$`)

// subMultiset reports whether every value of a (sorted) is in b (sorted), as
// often at most.
func subMultiset(a, b []float64) bool {
	j := 0
	for _, v := range a {
		for j < len(b) && b[j] < v {
			j++
		}
		if j == len(b) || b[j] != v {
			return false
		}
		j++
	}
	return true
}
