package oteltracing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

func TestPropagator(t *testing.T) {
	var p oteltracing.Propagator
	if f := p.Fields(); len(f) != 1 || f[0] != tracing.HeaderName {
		t.Errorf("Fields = %v", f)
	}
	const lambda = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"
	tests := []struct {
		name, in, want string
	}{
		{"sampled, Lineage kept", lambda, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"},
		{"not sampled", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"},
		{"no parent", "Root=1-5759e988-bd862e3fe1be46a994272793", ""},
		{"malformed", "Root=1-xyz;Parent=53995c3f42cd8ad8", ""},
		{"missing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := propagation.MapCarrier{}
			if tt.in != "" {
				in.Set(tracing.HeaderName, tt.in)
			}
			ctx := p.Extract(context.Background(), in)
			sc := trace.SpanContextFromContext(ctx)
			if (tt.want != "") != sc.IsValid() || (sc.IsValid() && !sc.IsRemote()) {
				t.Fatalf("extracted %v", sc)
			}
			out := propagation.MapCarrier{}
			p.Inject(tracing.ContextWithHeader(ctx, tt.in), out)
			if got := out.Get(tracing.HeaderName); got != tt.want {
				t.Errorf("round trip = %q, want %q", got, tt.want)
			}
		})
	}
}

// A span of the tracer, injected: its own id as Parent, in the
// invocation's trace, with an X-Ray trace id made by the tracer's
// generator when it starts a trace.
func TestPropagatorInjectsTheSpan(t *testing.T) {
	tr, _ := newTracer(t, nil)
	h := wrap(tr, func(ctx context.Context, _ order) (string, error) {
		octx, s := tracing.Start(ctx, "call", tracing.WithKind(tracing.KindClient))
		defer s.End()
		out := propagation.MapCarrier{}
		oteltracing.Propagator{}.Inject(octx, out)
		return out.Get(tracing.HeaderName), nil
	})
	ctx, cancel := invocation("r", testHeader, time.Second)
	defer cancel()
	got, _ := h(ctx, order{})
	hd, err := tracing.ParseHeader(got)
	if err != nil || hd.Root != "1-5759e988-bd862e3fe1be46a994272793" || hd.Parent == "" || hd.Parent == "53995c3f42cd8ad8" || hd.Sampled != tracing.SampledYes {
		t.Errorf("injected %q (%v)", got, err)
	}

	// A new trace: the id starts with the epoch seconds, as X-Ray requires.
	before := time.Now().Unix()
	_, s := tr.Start(context.Background(), "root", tracing.StartConfig{})
	defer s.End()
	id := s.TraceID()
	if !strings.HasPrefix(id, "1-") || len(id) != 35 {
		t.Fatalf("trace id %q", id)
	}
	var sec int64
	for _, c := range id[2:10] {
		sec = sec*16 + int64(strings.IndexRune("0123456789abcdef", c))
	}
	if sec < before-1 || sec > time.Now().Unix()+1 {
		t.Errorf("trace id %q does not start with the time (%d)", id, before)
	}
}
