package tracing

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in      string
		want    Header
		str     string
		wantErr bool
	}{
		{
			in:   "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
			want: Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: SampledYes},
			str:  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		},
		{
			in:   " Sampled=0 ; Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a87bd80c:1|68fd508a:5",
			want: Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Sampled: SampledNo, Other: []string{"Lineage=a87bd80c:1|68fd508a:5"}},
			str:  "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0;Lineage=a87bd80c:1|68fd508a:5",
		},
		{in: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?", want: Header{Root: "1-5759e988-bd862e3fe1be46a994272793"}, str: "Root=1-5759e988-bd862e3fe1be46a994272793"},
		{in: "", wantErr: true},
		{in: "Parent=53995c3f42cd8ad8", wantErr: true},
		{in: "Root=2-5759e988-bd862e3fe1be46a994272793", wantErr: true},
		{in: "Root=1-5759e988-bd862e3fe1be46a99427279", wantErr: true},
		{in: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz", wantErr: true},
		{in: "Root=1-5759e988-bd862e3fe1be46a994272793;junk", wantErr: true},
	}
	for _, tt := range tests {
		h, err := ParseHeader(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseHeader(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if h.Root != tt.want.Root || h.Parent != tt.want.Parent || h.Sampled != tt.want.Sampled || len(h.Other) != len(tt.want.Other) {
			t.Errorf("ParseHeader(%q) = %+v, want %+v", tt.in, h, tt.want)
		}
		if got := h.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a:1;Self=x")
	f.Add(";;=;Root=")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHeader(s)
		if got := Root(s); got != h.Root {
			t.Fatalf("Root(%q) = %q, ParseHeader's Root %q (err %v)", s, got, h.Root, err)
		}
		if err != nil {
			return
		}
		if !h.Valid() {
			t.Fatalf("a parsed header is not Valid: %+v", h)
		}
		h2, err := ParseHeader(h.String())
		if err != nil {
			t.Fatalf("String() of a parsed header does not parse: %q: %v", h.String(), err)
		}
		if h2.String() != h.String() {
			t.Fatalf("round trip changed the header: %q -> %q", h.String(), h2.String())
		}
	})
}

func TestRoot(t *testing.T) {
	for in, want := range map[string]string{
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1": "1-5759e988-bd862e3fe1be46a994272793",
		" Sampled=0 ; Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a:1":          "1-5759e988-bd862e3fe1be46a994272793",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz":                        "", // ParseHeader refuses it
		"Root=1-abc": "",
		"":           "",
		"Self=1-5759e988-bd862e3fe1be46a994272793": "",
	} {
		if got := Root(in); got != want {
			t.Errorf("Root(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRootAllocs(t *testing.T) {
	in := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"
	if n := testing.AllocsPerRun(100, func() { _ = Root(in) }); n != 0 {
		t.Errorf("Root allocs = %v, want 0", n)
	}
	h, _ := ParseHeader(in)
	if n := testing.AllocsPerRun(100, func() { _ = h.String() }); n != 1 {
		t.Errorf("String allocs = %v, want 1", n)
	}
}

func TestHeaderValid(t *testing.T) {
	for _, tt := range []struct {
		h    Header
		want bool
	}{
		{Header{Root: "1-5759e988-bd862e3fe1be46a994272793"}, true},
		{Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8"}, true},
		{Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad"}, false},
		{Header{Root: "5759e988bd862e3fe1be46a994272793"}, false},
		{Header{}, false},
	} {
		if got := tt.h.Valid(); got != tt.want {
			t.Errorf("%+v.Valid() = %v, want %v", tt.h, got, tt.want)
		}
	}
}

// spanWithHeader is a recording span of some backend.
type spanWithHeader struct {
	noopSpan
	h Header
}

func (s spanWithHeader) Header() Header { return s.h }

func TestOutgoingHeader(t *testing.T) {
	const root = "1-5759e988-bd862e3fe1be46a994272793"
	lambda := "Root=" + root + ";Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"
	span := spanWithHeader{h: Header{Root: root, Parent: "1111111111111111", Sampled: SampledYes}}
	other := spanWithHeader{h: Header{Root: "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", Parent: "2222222222222222", Sampled: SampledYes}}
	bg := context.Background()
	for _, tt := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"nothing", bg, ""},
		{"the invocation's header, no backend", ContextWithHeader(bg, lambda), lambda},
		{"the span, Lineage kept", ContextWithSpan(ContextWithHeader(bg, lambda), span), "Root=" + root + ";Parent=1111111111111111;Sampled=1;Lineage=a87bd80c:1"},
		{"the span, no invocation header", ContextWithSpan(bg, span), "Root=" + root + ";Parent=1111111111111111;Sampled=1"},
		{"a span in another trace", ContextWithSpan(ContextWithHeader(bg, lambda), other), "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=2222222222222222;Sampled=1"},
		{"a malformed invocation header", ContextWithHeader(bg, "Root=junk"), ""},
		{"a malformed span header", ContextWithSpan(ContextWithHeader(bg, lambda), spanWithHeader{h: Header{Root: "junk"}}), lambda},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := OutgoingHeader(tt.ctx)
			got := ""
			if h.Root != "" {
				got = h.String()
			}
			if got != tt.want {
				t.Errorf("OutgoingHeader = %q, want %q", got, tt.want)
			}
			if s, other := outgoingString(tt.ctx); s != tt.want || other != (len(h.Other) > 0) {
				t.Errorf("outgoingString = %q, %v; want %q, %v", s, other, tt.want, len(h.Other) > 0)
			}
		})
	}
}

// spanWithIDs is a test double of a span of lambdaobs's backends, which
// give their ids through spanIDs.
type spanWithIDs struct{ spanWithHeader }

func (s spanWithIDs) HeaderIDs() (h xrayid.HeaderIDs) {
	if s.h.Root == "" {
		return h
	}
	copy(h.IDs[:], s.h.Root)
	copy(h.IDs[xrayid.TraceIDLen:], s.h.Parent)
	h.HasParent, h.Sampled, h.OK = s.h.Parent != "", s.h.Sampled == SampledYes, true
	return h
}

// TestOutgoingStringFromIDs checks that the header of a span that gives
// its ids is OutgoingHeader's, whatever the invocation's header.
func TestOutgoingStringFromIDs(t *testing.T) {
	const root = "1-5759e988-bd862e3fe1be46a994272793"
	lambda := "Root=" + root + ";Parent=53995c3f42cd8ad8;Sampled=1; Lineage=a87bd80c:1 ;;Self=x"
	another := "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=ffffffff:2"
	bg := context.Background()
	spans := []spanWithIDs{
		{spanWithHeader{h: Header{Root: root, Parent: "1111111111111111", Sampled: SampledYes}}},
		{spanWithHeader{h: Header{Root: root, Parent: "1111111111111111", Sampled: SampledNo}}},
		{spanWithHeader{h: Header{Root: root, Sampled: SampledNo}}},
		{spanWithHeader{h: Header{Root: "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", Parent: "2222222222222222", Sampled: SampledYes}}},
		{}, // no trace of its own
	}
	for _, in := range []string{"", lambda, another, "Root=junk", "Root=" + root + ";Parent=bad;Lineage=x"} {
		for _, s := range spans {
			ctx := ContextWithSpan(bg, s)
			if in != "" {
				ctx = ContextWithSpan(ContextWithHeader(bg, in), s)
			}
			h := OutgoingHeader(ctx)
			want := ""
			if h.Root != "" {
				want = h.String()
			}
			got, other := outgoingString(ctx)
			if got != want || other != (len(h.Other) > 0) {
				t.Errorf("header %q, span %+v: outgoingString = %q, %v; want %q, %v", in, s.h, got, other, want, len(h.Other) > 0)
			}
		}
	}
}

// TestOutgoingStringAllocs pins the one allocation of an AWS SDK call's
// header.
func TestOutgoingStringAllocs(t *testing.T) {
	const root = "1-5759e988-bd862e3fe1be46a994272793"
	span := spanWithIDs{spanWithHeader{h: Header{Root: root, Parent: "1111111111111111", Sampled: SampledYes}}}
	ctx := ContextWithSpan(ContextWithHeader(context.Background(), "Root="+root+";Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"), span)
	if n := testing.AllocsPerRun(100, func() { _, _ = outgoingString(ctx) }); n != 1 {
		t.Errorf("outgoingString allocs = %v, want 1", n)
	}
}

// TestOutgoingHeaderOtherIsTheCallers checks that changing the Other of
// what OutgoingHeader returned changes no later header.
func TestOutgoingHeaderOtherIsTheCallers(t *testing.T) {
	lambda := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"
	ctx := ContextWithHeader(context.Background(), lambda)
	h := OutgoingHeader(ctx)
	h.Other[0] = "Lineage=changed"
	if got := OutgoingHeader(ctx).String(); got != lambda {
		t.Errorf("OutgoingHeader after a change to an earlier result's Other = %q, want %q", got, lambda)
	}
}

func TestHeaderFromContext(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-00000000-000000000000000000000000")
	if _, ok := HeaderFromContext(context.Background()); ok {
		t.Error("header read from the environment")
	}
	ctx := ContextWithHeader(context.Background(), "Root=1-5759e988-bd862e3fe1be46a994272793")
	if h, ok := HeaderFromContext(ctx); !ok || h == "" {
		t.Error("header not read from the context")
	}
}

func TestNoopSpanZeroAllocs(t *testing.T) {
	ctx := context.Background()
	n := testing.AllocsPerRun(100, func() {
		_, s := Start(ctx, "work")
		s.SetStatus(Error, "x")
		s.End()
	})
	if n != 0 {
		t.Errorf("no-op span allocs = %v, want 0", n)
	}
	s := SpanFromContext(ctx)
	if s == nil || s.IsRecording() || s.TraceID() != "" {
		t.Error("SpanFromContext without a span should be the no-op span")
	}
	s.SetAttributes(slog.String("k", "v"))
	s.SetMetadata("m", 1)
	s.RecordError(errors.New("x"))
}

// nilTracer is a backend whose methods dereference their receiver.
type nilTracer struct{ spans int }

func (t *nilTracer) StartInvocation(ctx context.Context, _ Invocation) (context.Context, Span) {
	t.spans++
	return ctx, noop
}

func (t *nilTracer) Start(ctx context.Context, _ string, _ StartConfig) (context.Context, Span) {
	t.spans++
	return ctx, noop
}

func (t *nilTracer) Flush(context.Context) error { t.spans = 0; return nil }

// A nil pointer given as the tracer (a backend whose constructor failed)
// is no tracer: Start makes no-op spans instead of panicking.
func TestContextWithTracerNilTracer(t *testing.T) {
	var typed *nilTracer
	for name, tr := range map[string]Tracer{"nil": nil, "nil pointer": typed} {
		ctx := ContextWithTracer(context.Background(), tr)
		if TracerFromContext(ctx) != nil {
			t.Errorf("%s: the tracer was kept", name)
		}
		if _, s := Start(ctx, "work"); s != noop {
			t.Errorf("%s: Start = %v, want the no-op span", name, s)
		}
	}
	real := &nilTracer{}
	Start(ContextWithTracer(context.Background(), real), "work")
	if real.spans != 1 {
		t.Errorf("a real tracer was not used")
	}
}

// configTracer keeps the configuration of the last span started.
type configTracer struct {
	nilTracer
	cfg StartConfig
}

func (t *configTracer) Start(ctx context.Context, _ string, cfg StartConfig) (context.Context, Span) {
	t.cfg = cfg
	return ctx, noop
}

// Attributes given in several options are all kept, in order, and the
// caller's slices are never written to.
func TestWithAttributesKeepsTheCallersSlices(t *testing.T) {
	backing := []slog.Attr{slog.Int("a", 1), slog.Int("b", 2), slog.Int("untouched", 3)}
	tests := []struct {
		name string
		opts []StartOption
		want []string
	}{
		{name: "one", opts: []StartOption{WithAttributes(backing[:2]...)}, want: []string{"a", "b"}},
		{name: "two", opts: []StartOption{WithAttributes(backing[:2]...), WithAttributes(slog.Int("c", 4))}, want: []string{"a", "b", "c"}},
		{name: "empty first", opts: []StartOption{WithAttributes(), WithAttributes(backing[:1]...)}, want: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &configTracer{}
			Start(ContextWithTracer(context.Background(), tr), "work", tt.opts...)
			var got []string
			for _, a := range tr.cfg.Attributes {
				got = append(got, a.Key)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("attributes %v, want %v", got, tt.want)
			}
			if backing[2].Key != "untouched" {
				t.Errorf("the caller's slice was written to: %v", backing)
			}
		})
	}
}
