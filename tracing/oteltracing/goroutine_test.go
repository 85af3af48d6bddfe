package oteltracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// TestNothingRunsAfterFlush checks that when the wrapper returns, the
// spans are at the collector and no goroutine of the tracer or exporter is
// running: only net/http's idle keep-alive connection (reused by the next
// invocation) remains, and Shutdown closes it.
func TestNothingRunsAfterFlush(t *testing.T) {
	var received atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	defer srv.Close()
	before := goleak.IgnoreCurrent()

	exp, err := otlp.New(otlpEnv(nil), otlp.WithEndpointURL(srv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	tr := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)))
	h := wrap(tr, func(ctx context.Context, _ order) (string, error) {
		_, s := tracing.Start(ctx, "work")
		s.End()
		return "", nil
	})
	for i := range 3 {
		ctx, cancel := invocation("r", testHeader, time.Second)
		_, _ = h(ctx, order{})
		cancel()
		if got := received.Load(); got != int32(i+1) {
			t.Fatalf("after invocation %d the collector has %d requests: the flush did not wait for the export", i+1, got)
		}
		err := goleak.Find(before,
			goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
			goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
			goleak.IgnoreAnyFunction("net/http.(*conn).serve"), // the test server's side
		)
		if err != nil {
			t.Fatalf("goroutines running after the flush:\n%v", err)
		}
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := goleak.Find(before, goleak.IgnoreAnyFunction("net/http.(*conn).serve")); err != nil {
		t.Fatalf("goroutines left after Shutdown:\n%v", err)
	}
}
