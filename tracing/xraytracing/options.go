package xraytracing

import (
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// DefaultDaemonAddress is the X-Ray daemon's address when nothing else says.
const DefaultDaemonAddress = "127.0.0.1:2000"

// DefaultHandlerName is the name of the subsegment of each invocation, as
// Powertools names it.
const DefaultHandlerName = "## handler"

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

	disabled, disabledSet               bool
	captureResponse, captureResponseSet bool
	captureError, captureErrorSet       bool

	// maxDatagram is the largest datagram sent, header included; tests
	// lower it.
	maxDatagram int
}

// WithLookupEnv sets how New reads environment variables; tests pass a map
// lookup. The default, and nil, is os.LookupEnv.
func WithLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

// WithClock replaces time.Now for the start and end times of spans. The
// invocation span starts at tracing.Invocation.Start when it is set. nil
// keeps time.Now.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithHandlerName renames the subsegment of each invocation
// (DefaultHandlerName, "## handler"). An empty name keeps the default.
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

// WithDisabled turns the tracer off (true) or on (false) regardless of
// POWERTOOLS_TRACE_DISABLED and AWS_XRAY_SDK_DISABLED. A disabled tracer
// returns no-op spans, sends nothing and costs nothing per invocation.
func WithDisabled(disabled bool) Option {
	return optionFunc(func(c *config) { c.disabled, c.disabledSet = disabled, true })
}

// WithCaptureResponse records (true) or not (false) the handler's response
// as metadata of the invocation subsegment, regardless of
// POWERTOOLS_TRACER_CAPTURE_RESPONSE. The wrapper hands the response to the
// invocation's span through its SetResponse(any) method. Large responses are
// truncated so the document still fits one datagram.
func WithCaptureResponse(capture bool) Option {
	return optionFunc(func(c *config) { c.captureResponse, c.captureResponseSet = capture, true })
}

// WithCaptureError records (true) or not (false) the message, type and stack
// of recorded errors, regardless of POWERTOOLS_TRACER_CAPTURE_ERROR. Without
// it a failed span still carries its fault or error flag.
func WithCaptureError(capture bool) Option {
	return optionFunc(func(c *config) { c.captureError, c.captureErrorSet = capture, true })
}

func newConfig(opts []Option) *config {
	c := &config{now: time.Now, handlerName: DefaultHandlerName, maxDatagram: MaxDatagramSize}
	for _, o := range opts {
		if o != nil && !errinfo.IsNilPointer(o) {
			o.apply(c)
		}
	}
	c.lookup = env.Or(c.lookup)
	if !c.disabledSet {
		off, _ := c.lookup.Bool(names.EnvPowertoolsTraceDisabled)
		sdkOff, _ := c.lookup.Bool(names.EnvAWSXRaySDKDisabled)
		c.disabled = off || sdkOff
	}
	if !c.captureResponseSet {
		c.captureResponse, _ = c.lookup.Bool(names.EnvPowertoolsTracerCaptureResponse)
	}
	if !c.captureErrorSet {
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
