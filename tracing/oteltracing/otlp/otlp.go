package otlp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/internal/otlphttp"
)

// defaultEndpointURL is where the OpenTelemetry and ADOT Lambda layers'
// collectors receive OTLP/HTTP.
const defaultEndpointURL = "http://127.0.0.1:4318/v1/traces"

// Option configures an Exporter.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	url     string
	headers map[string]string
	timeout time.Duration
	gzip    bool
	client  *http.Client
	lookup  env.Lookup
}

// WithEndpointURL sets the full URL spans are POSTed to (by default
// "http://127.0.0.1:4318/v1/traces", where the OpenTelemetry and ADOT
// Lambda layers' collectors listen). It wins over the environment.
func WithEndpointURL(u string) Option {
	return optionFunc(func(c *config) { c.url = u })
}

// WithHeaders adds HTTP headers to every request (an API key, say). They
// win over OTEL_EXPORTER_OTLP_HEADERS for the same names.
func WithHeaders(h map[string]string) Option {
	return optionFunc(func(c *config) {
		if c.headers == nil {
			c.headers = map[string]string{}
		}
		for k, v := range h {
			c.headers[k] = v
		}
	})
}

// WithTimeout bounds one export, retries included (default 10 s).
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout = d })
}

// WithGzip compresses request bodies with gzip, as
// OTEL_EXPORTER_OTLP_COMPRESSION=gzip does. They are not compressed by
// default: the collector layer is on the same machine.
func WithGzip() Option {
	return optionFunc(func(c *config) { c.gzip = true })
}

// WithHTTPClient sends requests with client (for TLS settings or a proxy).
// Its idle connections are then the caller's to close. A client whose
// Transport is a nil pointer makes New fail.
func WithHTTPClient(client *http.Client) Option {
	return optionFunc(func(c *config) { c.client = client })
}

// withLookupEnv replaces the environment lookup (os.LookupEnv), for tests
// (through hook.OTLPLookupEnv for those of other packages).
func withLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

// Exporter sends spans to an OTLP/HTTP endpoint. It implements
// sdktrace.SpanExporter; give it to oteltracing.New.
type Exporter struct {
	e *otlphttp.Exporter
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New returns an exporter configured by opts and the environment. It
// returns an error when the endpoint is not an http(s) URL or an
// OTEL_EXPORTER_OTLP_* variable does not parse; it does not connect. Nil
// options are ignored.
func New(opts ...Option) (*Exporter, error) {
	var c config
	for _, o := range opts {
		if o != nil && !errinfo.IsNilPointer(o) {
			o.apply(&c)
		}
	}
	if err := otlphttp.CheckClient(c.client); err != nil {
		return nil, fmt.Errorf("otlp: %w", err)
	}
	lookup := env.Or(c.lookup)
	ev, err := otlphttp.ReadEnv(lookup)
	if err != nil {
		return nil, fmt.Errorf("otlp: %w", err)
	}
	oc := otlphttp.Config{Name: "otlp", URL: defaultEndpointURL, Timeout: 10 * time.Second, Client: c.client}
	if ev.URL != "" {
		oc.URL = ev.URL
	}
	if c.url != "" {
		if err := otlphttp.CheckURL(c.url); err != nil {
			return nil, fmt.Errorf("otlp: %w", err)
		}
		oc.URL = c.url
	}
	if len(ev.Headers)+len(c.headers) > 0 {
		oc.Headers = map[string]string{}
		for k, v := range ev.Headers {
			oc.Headers[k] = v
		}
		for k, v := range c.headers {
			oc.Headers[k] = v
		}
	}
	if ev.Timeout > 0 {
		oc.Timeout = ev.Timeout
	}
	if c.timeout > 0 {
		oc.Timeout = c.timeout
	}
	oc.Gzip = c.gzip || ev.Compression == "gzip"
	return &Exporter{e: otlphttp.New(oc)}, nil
}

// EndpointURL returns where the exporter sends spans ("" for a nil
// *Exporter).
func (e *Exporter) EndpointURL() string {
	if e == nil {
		return ""
	}
	return e.e.URL()
}

// ExportSpans sends spans in one request, and returns when the collector
// has answered or ctx ends. The tracer calls it; user code does not.
// Attributes under secret keys and secret values are redacted as the
// request is encoded. A nil *Exporter (New failed) returns an error.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e == nil {
		return errNil
	}
	return e.e.ExportSpans(ctx, spans)
}

// Shutdown stops the exporter: later exports fail. It closes the idle
// connections of the exporter's own HTTP client.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e == nil {
		return nil
	}
	return e.e.Shutdown(ctx)
}

var errNil = errors.New("otlp: nil exporter (New returned an error)")
