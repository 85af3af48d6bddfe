// Package otlphttp is the OTLP/HTTP (protobuf) span exporter the otlp and
// xrayotlp packages share: one POST per export, optionally gzipped and
// signed, retried while the context allows. It links net/http and the
// hand-written encoder of otlpwire, not gRPC.
package otlphttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/internal/otlpwire"
)

// Config configures an Exporter.
type Config struct {
	Name        string // error prefix: "otlp", "xrayotlp"
	URL         string // where spans are POSTed
	Headers     map[string]string
	Gzip        bool
	Timeout     time.Duration // of one export, retries included
	Client      *http.Client  // nil: a client of the exporter's own
	MaxAttempts int           // 0: 3
	// Sign, when set, signs each request (each attempt) given its body.
	Sign func(ctx context.Context, req *http.Request, body []byte) error
}

// Exporter is an sdktrace.SpanExporter posting OTLP/HTTP protobuf.
type Exporter struct {
	cfg     Config
	client  *http.Client
	own     bool // client made here: its idle connections close on Shutdown
	stopped atomic.Bool
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// CheckClient returns an error when client, given to WithHTTPClient, cannot
// send: its Transport is a nil pointer (which http.Client would call, and
// panic). A nil client is fine: the exporter makes its own.
func CheckClient(client *http.Client) error {
	if client != nil && errinfo.IsNilPointer(client.Transport) {
		return fmt.Errorf("WithHTTPClient: the client's Transport is a nil %s", errinfo.Type(client.Transport))
	}
	return nil
}

// New returns an exporter for cfg.
func New(cfg Config) *Exporter {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	e := &Exporter{cfg: cfg, client: cfg.Client}
	if e.client == nil {
		e.client = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        4,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     60 * time.Second,
			TLSHandshakeTimeout: 5 * time.Second,
		}}
		e.own = true
	}
	return e
}

// URL returns where the exporter sends spans.
func (e *Exporter) URL() string {
	if e == nil {
		return ""
	}
	return e.cfg.URL
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

var gzPool = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// ExportSpans sends spans in one request, redacted by the process's rules
// (the spans the tracing facade records are redacted by their invocation's
// already; these are also OpenTelemetry instrumentation's). It returns when
// the collector answered, or when ctx or the export timeout ends. A panic
// (of a signer, of an HTTP client's transport) is returned as an error.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) (err error) {
	if e == nil {
		return errors.New("otlphttp: nil exporter")
	}
	defer func() {
		if r := recover(); r != nil {
			sc := scrub.Process()
			err = fmt.Errorf("%s: export %d spans: panic: %s", e.cfg.Name, len(spans), scrub.Text(&sc, errinfo.Sprint(r)))
		}
	}()
	if e.stopped.Load() {
		return fmt.Errorf("%s: exporter is shut down", e.cfg.Name)
	}
	if len(spans) == 0 {
		return nil
	}
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 1<<20 {
			bufPool.Put(bp)
		}
	}()
	sc := scrub.Process()
	body := otlpwire.AppendRequest((*bp)[:0], spans, &sc)
	*bp = body
	if e.cfg.Gzip {
		var zb bytes.Buffer
		zw := gzPool.Get().(*gzip.Writer)
		zw.Reset(&zb)
		_, _ = zw.Write(body)
		_ = zw.Close()
		gzPool.Put(zw)
		body = zb.Bytes()
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		var retry bool
		retry, err = e.send(ctx, body)
		if err == nil || !retry || attempt >= e.cfg.MaxAttempts {
			break
		}
		wait := time.Duration(attempt*attempt) * 10 * time.Millisecond
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: export %d spans: %w (after %v)", e.cfg.Name, len(spans), err, ctx.Err())
		case <-t.C:
		}
	}
	if err != nil {
		return fmt.Errorf("%s: export %d spans: %w", e.cfg.Name, len(spans), err)
	}
	return nil
}

// send makes one attempt and reports whether another may succeed.
func (e *Exporter) send(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "lambdaobs-otlp")
	if e.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range e.cfg.Headers {
		req.Header.Set(k, v)
	}
	if e.cfg.Sign != nil {
		if err := e.cfg.Sign(ctx, req, body); err != nil {
			return false, fmt.Errorf("sign: %w", err)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		// A connection that died while the process was frozen fails
		// here; a new one usually works.
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if n, msg := otlpwire.PartialSuccess(rb); n > 0 || msg != "" {
			return false, fmt.Errorf("%d spans rejected: %s", n, msg)
		}
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		return true, &StatusError{Code: resp.StatusCode, Message: message(resp, rb)}
	default:
		return false, &StatusError{Code: resp.StatusCode, Message: message(resp, rb)}
	}
}

func message(resp *http.Response, body []byte) string {
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-protobuf") {
		if m := otlpwire.StatusMessage(body); m != "" {
			return m
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 512 {
		s = s[:512] + "…"
	}
	return s
}

// StatusError is an HTTP status other than 2xx.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return "HTTP " + strconv.Itoa(e.Code)
	}
	return "HTTP " + strconv.Itoa(e.Code) + ": " + e.Message
}

// Shutdown stops the exporter and closes its idle connections.
func (e *Exporter) Shutdown(context.Context) error {
	if e == nil {
		return nil
	}
	e.stopped.Store(true)
	if e.own {
		e.client.CloseIdleConnections()
	}
	return nil
}

// Env is the OTEL_EXPORTER_OTLP_* configuration of traces, read through a
// lookup: the signal-specific variable wins over the general one.
type Env struct {
	URL         string // from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces
	Headers     map[string]string
	Timeout     time.Duration
	Compression string // "gzip", "none" or ""
	Protocol    string
}

// ReadEnv reads the OTLP exporter variables. It returns an error for values
// that do not parse.
func ReadEnv(lookup env.Lookup) (Env, error) {
	var e Env
	var errs []error
	// get returns the variable that says, and its value: the traces one
	// wins over the generic one.
	get := func(traces, generic string) (string, string) {
		if v := lookup.String(traces); v != "" {
			return traces, v
		}
		return generic, lookup.String(generic)
	}
	if v := lookup.String(names.EnvOTelExporterOTLPTracesEndpoint); v != "" {
		e.URL = v
	} else if v := lookup.String(names.EnvOTelExporterOTLPEndpoint); v != "" {
		e.URL = strings.TrimSuffix(v, "/") + "/v1/traces"
	}
	if e.URL != "" {
		if err := CheckURL(e.URL); err != nil {
			errs = append(errs, err)
		}
	}
	if k, v := get(names.EnvOTelExporterOTLPTracesHeaders, names.EnvOTelExporterOTLPHeaders); v != "" {
		h, err := ParseHeaders(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
		e.Headers = h
	}
	if k, v := get(names.EnvOTelExporterOTLPTracesTimeout, names.EnvOTelExporterOTLPTimeout); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not a number of milliseconds", k, v))
		} else {
			e.Timeout = time.Duration(ms) * time.Millisecond
		}
	}
	if k, v := get(names.EnvOTelExporterOTLPTracesCompression, names.EnvOTelExporterOTLPCompression); v != "" {
		switch v {
		case "gzip", "none":
			e.Compression = v
		default:
			errs = append(errs, fmt.Errorf("%s=%q: want gzip or none", k, v))
		}
	}
	if k, v := get(names.EnvOTelExporterOTLPTracesProtocol, names.EnvOTelExporterOTLPProtocol); v != "" {
		e.Protocol = v
		if v != "http/protobuf" {
			errs = append(errs, fmt.Errorf("%s=%q: only http/protobuf is supported", k, v))
		}
	}
	return e, errors.Join(errs...)
}

// CheckURL returns an error when s is not an http(s) URL with a host. The
// error quotes s without its password, or not at all when s does not parse
// (it may hold credentials).
func CheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("endpoint is not an http(s) URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint %q is not an http(s) URL", u.Redacted())
	}
	return nil
}

// ParseHeaders parses "k1=v1,k2=v2" with percent-encoded values, as
// OTEL_EXPORTER_OTLP_HEADERS is written. Its error names the malformed
// entries by position and key, never quoting a value: header values are
// often credentials.
func ParseHeaders(s string) (map[string]string, error) {
	h := map[string]string{}
	var bad []string
	for i, p := range strings.Split(s, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("entry %d: no '='", i+1))
			continue
		case k == "":
			bad = append(bad, fmt.Sprintf("entry %d: no key", i+1))
			continue
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			bad = append(bad, fmt.Sprintf("entry %d: the value of %q is not percent-encoded", i+1, k))
			continue
		}
		h[k] = dv
	}
	if len(bad) > 0 {
		return h, fmt.Errorf("malformed headers (%s)", strings.Join(bad, "; "))
	}
	return h, nil
}
