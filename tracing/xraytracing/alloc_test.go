//go:build !race

package xraytracing_test

import (
	"context"
	"log/slog"
	"testing"

	iredact "github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// TestSetAttributesAllocs pins the cost of annotating a span in an
// invocation whose redaction scope is in the context: the attributes'
// slice, the key "card_brand" made of "card.brand" and the interface
// holding the string value, as without redaction: redacting attributes that
// hold no secret allocates nothing.
func TestSetAttributesAllocs(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), iredact.NewScope(nil))
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{TraceHeader: header1, Service: "orders"})
	defer inv.End()
	_, s := tracing.Start(ctx, "charge-card")
	defer s.End()
	n := testing.AllocsPerRun(1000, func() {
		s.SetAttributes(slog.String("card.brand", "visa"), slog.Int("items", 3), slog.Bool("retry", false))
	})
	if n > 3 {
		t.Errorf("SetAttributes: %v allocations, want <= 3", n)
	}
}
