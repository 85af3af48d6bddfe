package oteltracing

import (
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

func TestARN(t *testing.T) {
	for _, tt := range []struct {
		arn, version, id, account, region string
	}{
		{"arn:aws:lambda:eu-west-1:123456789012:function:orders", "$LATEST", "arn:aws:lambda:eu-west-1:123456789012:function:orders", "123456789012", "eu-west-1"},
		{"arn:aws:lambda:eu-west-1:123456789012:function:orders:live", "7", "arn:aws:lambda:eu-west-1:123456789012:function:orders:7", "123456789012", "eu-west-1"},
		{"arn:aws:lambda:eu-west-1:123456789012:function:orders:7", "7", "arn:aws:lambda:eu-west-1:123456789012:function:orders:7", "123456789012", "eu-west-1"},
		{"arn:aws:lambda:eu-west-1:123456789012:function:orders:live", "", "arn:aws:lambda:eu-west-1:123456789012:function:orders:live", "123456789012", "eu-west-1"},
		{"not-an-arn", "1", "not-an-arn", "", ""},
	} {
		a := parseARN(tt.arn)
		if got := a.resourceID(tt.version); got != tt.id || a.account != tt.account || a.region != tt.region {
			t.Errorf("%s @%s: id %q account %q region %q", tt.arn, tt.version, got, a.account, a.region)
		}
	}
}

func TestTraceIDParse(t *testing.T) {
	for _, root := range []string{"", "1-5759e988-bd862e3fe1be46a99427279", "2-5759e988-bd862e3fe1be46a994272793", "1-zzzzzzzz-bd862e3fe1be46a994272793", "1-00000000-000000000000000000000000"} {
		if _, tid, _ := spanContext(tracing.Header{Root: root, Parent: "53995c3f42cd8ad8"}); tid.IsValid() {
			t.Errorf("spanContext(Root %q) has a trace id", root)
		}
	}
	sc, tid, ok := spanContext(tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: tracing.SampledYes})
	if !ok || xrayid.FormatTraceID(tid) != "1-5759e988-bd862e3fe1be46a994272793" || sc.SpanID().String() != "53995c3f42cd8ad8" || !sc.IsSampled() || !sc.IsRemote() {
		t.Errorf("round trip: %v %s %v", ok, xrayid.FormatTraceID(tid), sc)
	}
	if _, tid, ok := spanContext(tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "0000000000000000"}); ok || !tid.IsValid() {
		t.Errorf("a zero parent: ok %v, trace id %v", ok, tid)
	}
}

type stringer struct{}

func (stringer) String() string { return "str" }

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

func TestAttributes(t *testing.T) {
	when := time.Date(2026, 11, 26, 10, 30, 0, 5, time.UTC)
	got := attributes(nil, []slog.Attr{
		slog.Uint64("small", 5),
		slog.Uint64("huge", math.MaxUint64),
		slog.Time("t", when),
		slog.Any("nil", nil),
		slog.Any("bytes", []byte("raw")),
		slog.Any("ints", []int{1, 2}),
		slog.Any("i64", []int64{3}),
		slog.Any("fl", []float64{1.5}),
		slog.Any("bl", []bool{true}),
		slog.Any("stringer", stringer{}),
		slog.Any("valuer", valuer{}),
		slog.Any("attr", attribute.IntValue(4)),
		slog.Any("err", errors.New("e")),
		slog.Any("chan", make(chan int)),
		slog.Group("", slog.String("inline", "x")),
		slog.Group("g", slog.Group("h", slog.Int("deep", 1)), slog.String("", "dropped")),
	}, nil)
	want := map[string]attribute.Value{
		"small":    attribute.Int64Value(5),
		"huge":     attribute.StringValue("18446744073709551615"),
		"t":        attribute.StringValue("2026-11-26T10:30:00.000000005Z"),
		"nil":      attribute.StringValue("<nil>"),
		"bytes":    attribute.StringValue("raw"),
		"ints":     attribute.Int64SliceValue([]int64{1, 2}),
		"i64":      attribute.Int64SliceValue([]int64{3}),
		"fl":       attribute.Float64SliceValue([]float64{1.5}),
		"bl":       attribute.BoolSliceValue([]bool{true}),
		"stringer": attribute.StringValue("str"),
		"valuer":   attribute.StringValue("resolved"),
		"attr":     attribute.IntValue(4),
		"err":      attribute.StringValue("e"),
		"inline":   attribute.StringValue("x"),
		"g.h.deep": attribute.Int64Value(1),
	}
	m := map[string]attribute.Value{}
	for _, kv := range got {
		m[string(kv.Key)] = kv.Value
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k].String(), v.String())
		}
	}
	if _, ok := m["chan"]; !ok {
		t.Error("a value JSON cannot encode is dropped; want fmt's form")
	}
	if len(m) != len(want)+1 {
		t.Errorf("keys %v", m)
	}
}

func TestParseResourceAttributes(t *testing.T) {
	attrs, err := parseResourceAttributes(" a = 1 ,b=x%2Cy,c=%zz,bad,=v")
	if err == nil {
		t.Error("malformed pairs not reported")
	}
	got := map[string]string{}
	for _, kv := range attrs {
		got[string(kv.Key)] = kv.Value.AsString()
	}
	if got["a"] != "1" || got["b"] != "x,y" || got["c"] != "%zz" || len(got) != 3 {
		t.Errorf("parsed %v", got)
	}
}

func TestEnvSampler(t *testing.T) {
	for _, tt := range []struct{ name, arg, want string }{
		{"", "", "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
		{"always_off", "", "AlwaysOffSampler"},
		{"traceidratio", "0.25", "TraceIDRatioBased{0.25}"},
		{"parentbased_traceidratio", "bad", "ParentBased{root:TraceIDRatioBased{1},remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
		{"parentbased_always_off", "", "ParentBased{root:AlwaysOffSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
		{"jaeger_remote", "", "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
	} {
		var reported []error
		c := newConfig([]Option{
			WithErrorHandler(func(err error) { reported = append(reported, err) }),
			WithLookupEnv(func(k string) (string, bool) {
				switch k {
				case "OTEL_TRACES_SAMPLER":
					return tt.name, true
				case "OTEL_TRACES_SAMPLER_ARG":
					return tt.arg, true
				}
				return "", false
			}),
		})
		if got := c.sampler.Description(); got != tt.want || c.samplerAttrs {
			t.Errorf("%s(%s) = %s, want %s; given the start attributes: %v", tt.name, tt.arg, got, tt.want, c.samplerAttrs)
		}
		if (tt.arg == "bad" || tt.name == "jaeger_remote") != (len(reported) == 1) {
			t.Errorf("%s(%s): reported %v", tt.name, tt.arg, reported)
		}
	}
}

// Which samplers given with WithSampler are given the attributes a span
// starts with: all but the SDK's that decide without them.
func TestSamplerAttrs(t *testing.T) {
	for _, tt := range []struct {
		s    sdktrace.Sampler
		want bool
	}{
		{nil, false},
		{sdktrace.AlwaysSample(), false},
		{sdktrace.NeverSample(), false},
		{sdktrace.TraceIDRatioBased(0.5), false},
		{sdktrace.TraceIDRatioBased(1), false},
		{sdktrace.TraceIDRatioBased(0), false},
		{sdktrace.ParentBased(sdktrace.AlwaysSample()), true},
		{&attrReader{}, true},
	} {
		c := newConfig([]Option{WithSampler(tt.s), WithLookupEnv(func(string) (string, bool) { return "", false })})
		if c.samplerAttrs != tt.want {
			t.Errorf("%v: given the start attributes %v, want %v", tt.s, c.samplerAttrs, tt.want)
		}
	}
}

// attrReader is a sampler of the caller's.
type attrReader struct{}

func (*attrReader) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample, Attributes: p.Attributes}
}

func (*attrReader) Description() string { return "attrReader" }

func TestXRayTraceID(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	if got := xrayid.FormatTraceID(tid); got != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("FormatTraceID = %q", got)
	}
	if got := xrayid.FormatTraceID(trace.TraceID{}); got != "" {
		t.Errorf("zero id: %q", got)
	}
}
