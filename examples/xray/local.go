package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// localEnv is the environment Lambda would give the function, under the
// process's own (which wins, so POWERTOOLS_LOG_LEVEL=DEBUG works).
var localEnv = map[string]string{
	"AWS_LAMBDA_FUNCTION_NAME":        "orders-xray",
	"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
	"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
	"AWS_REGION":                      "eu-west-1",
}

func lookupEnv(key string) (string, bool) {
	if v, ok := os.LookupEnv(key); ok {
		return v, true
	}
	v, ok := localEnv[key]
	return v, ok
}

// runLocally invokes the wrapped handler in-process, as Lambda would: a cold
// start, a warm call and a declined card, each with its own trace header;
// a UDP listener on 127.0.0.1 plays the X-Ray daemon.
func runLocally() {
	daemon, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "# cannot listen for the daemon's datagrams:", err)
		os.Exit(1)
	}
	defer daemon.Close()
	_ = daemon.SetReadBuffer(1 << 20)
	// The response is kept as metadata, to show it in the documents printed.
	tracer := xraytracing.New(xraytracing.WithDaemonAddress(daemon.LocalAddr().String()), xraytracing.WithCaptureResponse())
	defer tracer.Close()

	h := lambdawrap.Wrap(handle, append(options(), lambdawrap.WithTracer(tracer), lambdawrap.WithLookupEnv(lookupEnv))...)
	events := []struct {
		requestID, traceID string
		order              Order
	}{
		{"8f5e2c1a-0001-4a7b-9c3d-111111111111", "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", Order{ID: "ord-1001", Customer: "c-42", Items: 3, Total: 59.90, Card: "4242-4242-4242-4242"}},
		{"8f5e2c1a-0002-4a7b-9c3d-222222222222", "1-6745a0b2-4d0e3f9a2b5c6d7e8f9a0b1c", Order{ID: "ord-1002", Customer: "c-7", Items: 1, Total: 12.50, Card: "4242-4242-4242-4242"}},
		{"8f5e2c1a-0003-4a7b-9c3d-333333333333", "1-6745a0b3-5e1f4a0b3c6d7e8f9a0b1c2d", Order{ID: "ord-1003", Customer: "c-9", Items: 2, Total: 30.00, Card: "4000-0000-0000-0002"}},
	}
	for _, e := range events {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			AwsRequestID:       e.requestID,
			InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders-xray",
		})
		// Lambda's segment for the function is 53995c3f42cd8ad8.
		ctx = tracing.ContextWithHeader(ctx, "Root="+e.traceID+";Parent=53995c3f42cd8ad8;Sampled=1")
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		out, err := h(ctx, e.order)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "# %s → error: %v\n", e.requestID, err)
		} else {
			b, _ := json.Marshal(out)
			fmt.Fprintf(os.Stderr, "# %s → %s\n", e.requestID, b)
		}
		printDatagrams(daemon)
	}
}

// printDatagrams prints the datagrams waiting on the daemon's socket: each
// was sent before the invocation returned.
func printDatagrams(daemon *net.UDPConn) {
	buf := make([]byte, 1<<16)
	for {
		_ = daemon.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, _, err := daemon.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				fmt.Fprintln(os.Stderr, "# daemon:", err)
			}
			return
		}
		header, doc, _ := bytes.Cut(buf[:n], []byte("\n"))
		var pretty bytes.Buffer
		if json.Indent(&pretty, doc, "", "  ") != nil {
			pretty.Write(doc)
		}
		fmt.Fprintf(os.Stderr, "# X-Ray daemon received %d bytes:\n%s\n%s\n", n, header, pretty.Bytes())
	}
}
