package xraytracing

import (
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// defaultDaemonAddress is the X-Ray daemon's address when nothing else says.
const defaultDaemonAddress = "127.0.0.1:2000"

// defaultHandlerName is the name of the subsegment of each invocation, as
// Powertools names it.
const defaultHandlerName = "## handler"

// Option configures a Tracer made by New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	lookup      env.Lookup
	now         func() time.Time
	handlerName string
	daemonAddr  string
	service     string

	disabled, captureResponse    bool
	captureError, noCaptureError bool

	// maxDatagram is the largest datagram sent, header included; tests
	// lower it.
	maxDatagram int
}

// withLookupEnv sets how New reads environment variables (os.LookupEnv,
// also for nil): tests pass an environment of their own (through
// hook.XRayLookupEnv from other packages).
func withLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

// withClock makes the tracer read the time from now instead of time.Now:
// the start and end times of spans (the invocation span starts at
// tracing.Invocation.Start when it is set). nil keeps time.Now. Tests use
// it for fixed documents.
func withClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithHandlerName renames the subsegment of each invocation ("## handler",
// as Powertools names it). An empty name keeps the default.
func WithHandlerName(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.handlerName = name
		}
	})
}

// WithDaemonAddress sets the X-Ray daemon's UDP address, in either form
// AWS_XRAY_DAEMON_ADDRESS accepts. It wins over AWS_XRAY_DAEMON_ADDRESS.
func WithDaemonAddress(addr string) Option {
	return optionFunc(func(c *config) { c.daemonAddr = addr })
}

// WithDisabled turns the tracer off, as POWERTOOLS_TRACE_DISABLED=true and
// AWS_XRAY_SDK_DISABLED=true do. A disabled tracer returns no-op spans,
// sends nothing and costs nothing per invocation.
func WithDisabled() Option {
	return optionFunc(func(c *config) { c.disabled = true })
}

// WithCaptureResponse records the handler's response as metadata of the
// invocation subsegment, as POWERTOOLS_TRACER_CAPTURE_RESPONSE=true does.
// The wrapper hands the response to the invocation's span through its
// SetResponse(any) method. Large responses are truncated so the document
// still fits one datagram.
func WithCaptureResponse() Option {
	return optionFunc(func(c *config) { c.captureResponse = true })
}

// WithoutCaptureError stops recording the message, type and stack of
// recorded errors, as POWERTOOLS_TRACER_CAPTURE_ERROR=false does (they are
// recorded by default). A failed span still carries its fault or error
// flag.
func WithoutCaptureError() Option {
	return optionFunc(func(c *config) { c.noCaptureError = true })
}

func newConfig(opts []Option) *config {
	c := &config{now: time.Now, handlerName: defaultHandlerName, maxDatagram: maxDatagramSize}
	for _, o := range opts {
		if o != nil && !errinfo.IsNilPointer(o) {
			o.apply(c)
		}
	}
	c.lookup = env.Or(c.lookup)
	if !c.disabled {
		off, _ := c.lookup.Bool(names.EnvPowertoolsTraceDisabled)
		sdkOff, _ := c.lookup.Bool(names.EnvAWSXRaySDKDisabled)
		c.disabled = off || sdkOff
	}
	if !c.captureResponse {
		c.captureResponse, _ = c.lookup.Bool(names.EnvPowertoolsTracerCaptureResponse)
	}
	if !c.noCaptureError {
		on, ok := c.lookup.Bool(names.EnvPowertoolsTracerCaptureError)
		c.captureError = on || !ok
	}
	if c.daemonAddr == "" {
		c.daemonAddr = c.lookup.String(names.EnvAWSXRayDaemonAddress)
	}
	c.service = c.lookup.Service()
	return c
}

// udpAddress picks the UDP address out of an AWS_XRAY_DAEMON_ADDRESS value:
// "host:port", "udp:host:port" or "tcp:host:port udp:host:port".
func udpAddress(s string) string {
	fields := strings.Fields(s)
	for _, f := range fields {
		if a, ok := strings.CutPrefix(f, "udp:"); ok {
			return a
		}
	}
	if len(fields) == 1 && !strings.HasPrefix(fields[0], "tcp:") {
		return fields[0]
	}
	return ""
}
