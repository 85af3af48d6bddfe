package xraytracing_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// benchSpans runs span b.N times under invocation subsegments of 16 spans
// each, sent to a UDP socket nobody reads: each span pays its share of the
// document's encoding and send.
func benchSpans(b *testing.B, span func(ctx context.Context)) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	tr := xraytracing.New(xraytracing.WithDaemonAddress(conn.LocalAddr().String()), xraytracing.WithLookupEnv(noEnv))
	b.Cleanup(func() { _ = tr.Close() })
	base := tracing.ContextWithTracer(context.Background(), tr)
	inv := tracing.Invocation{Service: "bench", TraceHeader: header1}
	ctx, handler := tr.StartInvocation(base, inv)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		span(ctx)
		if n++; n == 16 {
			handler.End()
			ctx, handler = tr.StartInvocation(base, inv)
			n = 0
		}
	}
	handler.End()
}

// BenchmarkSpanAttributes is the common span of a handler: started with
// attributes, given a few more, ended; none of them secret.
func BenchmarkSpanAttributes(b *testing.B) {
	benchSpans(b, func(ctx context.Context) {
		_, s := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("order.id", "o-12345"), slog.Int("items", 3)))
		s.SetAttributes(slog.String("card.brand", "visa"), slog.Bool("retry", false))
		s.End()
	})
}

// BenchmarkSpanError is a failed span: an error recorded and the status
// set with its message.
func BenchmarkSpanError(b *testing.B) {
	declined := errors.New("charge: card declined by the issuing bank")
	benchSpans(b, func(ctx context.Context) {
		_, s := tracing.Start(ctx, "charge-card")
		s.RecordError(declined)
		s.SetStatus(tracing.Error, declined.Error())
		s.End()
	})
}
