package xraytracing_test

import (
	"context"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// TestOutgoingHeaderOfSpans checks that the header of an AWS SDK call,
// written from the span's ids, is OutgoingHeader's, for sampled and
// unsampled invocations, with a Parent and without.
func TestOutgoingHeaderOfSpans(t *testing.T) {
	tr := newTracer(t, startDaemon(t), nil)
	for _, in := range []string{
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:1",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0",
		"Root=junk",
	} {
		ctx := tracing.ContextWithHeader(context.Background(), in)
		ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{FunctionName: "f", TraceHeader: in})
		child, s := tr.Start(ctx, "call", tracing.StartConfig{Kind: tracing.KindClient})
		other, o := tr.Start(ctx, "message", tracing.StartConfig{RemoteParent: &tracing.Header{Root: "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", Parent: "2222222222222222", Sampled: tracing.SampledYes}})
		for _, c := range []context.Context{ctx, child, other} {
			want := ""
			if h := tracing.OutgoingHeader(c); h.Root != "" {
				want = h.String()
			}
			if got, _ := hook.OutgoingHeader(c); got != want {
				t.Errorf("header %q: call header %q, want OutgoingHeader's %q", in, got, want)
			}
		}
		o.End()
		s.End()
		inv.End()
	}
}
