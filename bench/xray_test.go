package bench

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/aws/aws-xray-sdk-go/v2/header"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/aws-xray-sdk-go/v2/xraylog"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// A span started and ended under an invocation's "## handler" subsegment,
// with the X-Ray backend through the tracing facade, and with the bare
// aws-xray-sdk-go/v2 the way it runs in Lambda (a facade segment from the
// trace header, "## handler" under it). Both send to a UDP socket on
// 127.0.0.1 that nobody reads, so each datagram costs a real send(2). As in
// Lambda, a subsegment travels in its parent's document: every xrayBatch
// spans the handler subsegment ends (its document, carrying them, is encoded
// and sent) and a new one starts, so the time per span includes its share of
// the encoding and the send.
const xrayBatch = 16

// xrayBenchmarks are the X-Ray rows of the span comparison.
var xrayBenchmarks = []struct {
	name string
	fn   func(*testing.B)
}{
	{"xray_lambdaobs", benchSpanXRayLambdaobs},
	{"xray_sdk", benchSpanXRaySDK},
}

// udpSink returns a socket on 127.0.0.1 that nobody reads.
func udpSink(b *testing.B) *net.UDPAddr {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return conn.LocalAddr().(*net.UDPAddr)
}

func benchSpanXRayLambdaobs(b *testing.B) {
	tr := xraytracing.New(xraytracing.WithDaemonAddress(udpSink(b).String()), hook.XRayLookupEnv(noEnvLookup).(xraytracing.Option))
	b.Cleanup(func() { _ = tr.Close() })
	base := tracing.ContextWithTracer(context.Background(), tr)
	inv := tracing.Invocation{Service: "bench", TraceHeader: otelBenchHeader}
	ctx, handler := tr.StartInvocation(base, inv)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		_, s := tracing.Start(ctx, "work")
		s.End()
		if n++; n == xrayBatch {
			handler.End()
			ctx, handler = tr.StartInvocation(base, inv)
			n = 0
		}
	}
	handler.End()
}

// The SDK logs at Info to stdout when its emitter dials; keep the benchmark
// output clean.
var quietXRay sync.Once

func benchSpanXRaySDK(b *testing.B) {
	quietXRay.Do(func() { xray.SetLogger(xraylog.NewDefaultLogger(io.Discard, xraylog.LogLevelError)) })
	em, err := xray.NewDefaultEmitter(udpSink(b))
	if err != nil {
		b.Fatal(err)
	}
	base := context.WithValue(context.Background(), xray.RecorderContextKey{}, &xray.Config{Emitter: em})
	start := func() (context.Context, *xray.Segment) {
		ctx, _ := xray.BeginFacadeSegment(base, "facade", header.FromString(otelBenchHeader))
		return xray.BeginSubsegment(ctx, "## handler")
	}
	ctx, handler := start()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		_, s := xray.BeginSubsegment(ctx, "work")
		s.Close(nil)
		if n++; n == xrayBatch {
			handler.Close(nil)
			ctx, handler = start()
			n = 0
		}
	}
	handler.Close(nil)
}
