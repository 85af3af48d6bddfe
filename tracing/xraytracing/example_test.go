package xraytracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

func ExampleNew() {
	// A UDP listener stands in for the X-Ray daemon. In Lambda, New()
	// alone sends to the daemon at AWS_XRAY_DAEMON_ADDRESS.
	daemon, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer daemon.Close()
	tracer := xraytracing.New(xraytracing.WithDaemonAddress(daemon.LocalAddr().String()))
	defer tracer.Close()

	handle := func(ctx context.Context, orderID string) (string, error) {
		_, span := tracing.Start(ctx, "charge-card")
		defer span.End()
		return "receipt for " + orderID, nil
	}
	// In main: lambdawrap.Start(handle, lambdawrap.WithTracer(xraytracing.New())).
	h := lambdawrap.Wrap(handle,
		lambdawrap.WithTracer(tracer),
		lambdawrap.WithService("orders"),
		lambdawrap.WithWriter(io.Discard),
		lambdawrap.WithoutDefaultLogger(),
		lambdawrap.WithInitType("provisioned-concurrency"), // not a cold start
	)

	// One invocation, with the context Lambda would pass.
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx = tracing.ContextWithHeader(ctx, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := h(ctx, "o-1"); err != nil {
		panic(err)
	}

	// What the daemon received: one datagram, a header line and the document.
	buf := make([]byte, 64<<10) // a datagram carries at most 64 000 bytes
	_ = daemon.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := daemon.ReadFrom(buf)
	if err != nil {
		panic(err)
	}
	header, doc, _ := bytes.Cut(buf[:n], []byte("\n"))
	var seg struct {
		Name        string         `json:"name"`
		Type        string         `json:"type"`
		TraceID     string         `json:"trace_id"`
		ParentID    string         `json:"parent_id"`
		Annotations map[string]any `json:"annotations"`
		Subsegments []struct {
			Name string `json:"name"`
		} `json:"subsegments"`
	}
	if err := json.Unmarshal(doc, &seg); err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", header)
	fmt.Println(seg.Type, seg.Name, "in", seg.TraceID, "under", seg.ParentID)
	fmt.Println("ColdStart:", seg.Annotations["ColdStart"], "Service:", seg.Annotations["Service"])
	fmt.Println("child:", seg.Subsegments[0].Name)
	// Output:
	// {"format": "json", "version": 1}
	// subsegment ## handler in 1-5759e988-bd862e3fe1be46a994272793 under 53995c3f42cd8ad8
	// ColdStart: false Service: orders
	// child: charge-card
}
