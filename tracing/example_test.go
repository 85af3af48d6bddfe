package tracing_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lambdaobs/lambdaobs/tracing"
)

func ExampleStart() {
	// In a handler wrapped by lambdawrap, ctx carries the tracer main chose.
	ctx := context.Background()
	ctx, span := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("provider", "acme")))
	defer span.End()
	_ = ctx                         // pass ctx on, so spans started from it are children of this one
	fmt.Println(span.IsRecording()) // no tracer in ctx: a no-op span
	// Output: false
}

func ExampleParseHeader() {
	h, err := tracing.ParseHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1")
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Root, h.Parent, h.Sampled == tracing.SampledYes)
	fmt.Println(h)
	// Output:
	// 1-5759e988-bd862e3fe1be46a994272793 53995c3f42cd8ad8 true
	// Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1
}
