package xrayotlp_test

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/internal/otlphttp"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/xrayotlp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	region = "eu-west-1"
	key    = "AKIDEXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	token  = "session-token-example"
)

// xrayServer stands in for https://xray.REGION.amazonaws.com/v1/traces: it
// recomputes the SigV4 signature of each request with the credentials it
// knows, as AWS does, answers 403 when it differs, and keeps the spans of
// the requests it accepts.
type xrayServer struct {
	*httptest.Server
	creds aws.Credentials
	mu    sync.Mutex
	spans []string
	auth  []string
	fails []string
}

func newXRay(t *testing.T) *xrayServer {
	s := &xrayServer{creds: aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *xrayServer) reject(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.fails = append(s.fails, msg)
	s.mu.Unlock()
	http.Error(w, msg, http.StatusForbidden)
}

func (s *xrayServer) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.reject(w, "read: %v", err)
		return
	}
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.auth = append(s.auth, auth)
	s.mu.Unlock()
	// Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261126/eu-west-1/xray/aws4_request, SignedHeaders=a;b, Signature=…
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 "), ", ") {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] != s.creds.AccessKeyID || scope[2] != region || scope[3] != "xray" {
		s.reject(w, "credential scope %q", fields["Credential"])
		return
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		s.reject(w, "X-Amz-Date: %v", err)
		return
	}
	if d := time.Since(when); d > 5*time.Minute || d < -5*time.Minute {
		s.reject(w, "signature expired")
		return
	}
	// Rebuild the request from what arrived and the signed headers, sign it
	// with the credentials the server knows, and compare.
	re, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	re.ContentLength = int64(len(body))
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h == "host" || h == "content-length" {
			continue
		}
		re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), s.creds, re, hex.EncodeToString(sum[:]), "xray", region, when); err != nil {
		s.reject(w, "sign: %v", err)
		return
	}
	if re.Header.Get("Authorization") != auth {
		s.reject(w, "The request signature we calculated does not match the signature you provided.")
		return
	}
	if !strings.Contains(fields["SignedHeaders"], "x-amz-security-token") || r.Header.Get("X-Amz-Security-Token") != token {
		s.reject(w, "session token not signed")
		return
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(strings.NewReader(string(body)))
		if err != nil {
			s.reject(w, "gzip: %v", err)
			return
		}
		body, _ = io.ReadAll(zr)
	}
	var req collpb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				s.spans = append(s.spans, sp.Name+"/"+hex.EncodeToString(sp.TraceId))
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func (s *xrayServer) received() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.spans...), append([]string(nil), s.fails...)
}

func env(m map[string]string) xrayotlp.Option {
	return xrayotlp.WithLookupEnv(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

var lambdaEnv = map[string]string{
	"AWS_REGION":            region,
	"AWS_ACCESS_KEY_ID":     key,
	"AWS_SECRET_ACCESS_KEY": secret,
	"AWS_SESSION_TOKEN":     token,
}

func stubs() []tracetest.SpanStub {
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	return []tracetest.SpanStub{
		{Name: "orders-fn", SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled})},
		{Name: "charge-card", SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled})},
	}
}

func export(t *testing.T, e *xrayotlp.Exporter) error {
	t.Helper()
	defer func() { _ = e.Shutdown(context.Background()) }()
	return e.ExportSpans(context.Background(), tracetest.SpanStubs(stubs()).Snapshots())
}

func TestSigned(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []xrayotlp.Option
	}{
		{name: "env credentials, gzip", opts: []xrayotlp.Option{env(lambdaEnv)}},
		{name: "provider, no compression", opts: []xrayotlp.Option{env(map[string]string{"AWS_REGION": region}),
			xrayotlp.WithCredentials(credentials.NewStaticCredentialsProvider(key, secret, token)),
			xrayotlp.WithoutGzip()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newXRay(t)
			e, err := xrayotlp.New(append(tt.opts, xrayotlp.WithEndpointURL(srv.URL+"/v1/traces"))...)
			if err != nil {
				t.Fatal(err)
			}
			if err := export(t, e); err != nil {
				t.Fatalf("export: %v", err)
			}
			spans, fails := srv.received()
			if len(fails) != 0 {
				t.Fatalf("rejected: %v", fails)
			}
			want := "orders-fn/5759e988bd862e3fe1be46a994272793,charge-card/5759e988bd862e3fe1be46a994272793"
			if strings.Join(spans, ",") != want {
				t.Errorf("received %v", spans)
			}
		})
	}
}

func TestWrongCredentialsRejected(t *testing.T) {
	for _, tt := range []struct {
		name  string
		creds aws.Credentials
		reg   string
	}{
		{name: "secret", creds: aws.Credentials{AccessKeyID: key, SecretAccessKey: "not-the-secret", SessionToken: token}, reg: region},
		{name: "key", creds: aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: secret, SessionToken: token}, reg: region},
		{name: "region", creds: aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}, reg: "us-east-1"},
		{name: "token", creds: aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: "other"}, reg: region},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newXRay(t)
			e, err := xrayotlp.New(env(nil), xrayotlp.WithRegion(tt.reg), xrayotlp.WithEndpointURL(srv.URL+"/v1/traces"),
				xrayotlp.WithCredentials(credentials.StaticCredentialsProvider{Value: tt.creds}))
			if err != nil {
				t.Fatal(err)
			}
			err = export(t, e)
			var se *otlphttp.StatusError
			if !errors.As(err, &se) || se.Code != http.StatusForbidden {
				t.Fatalf("err = %v, want HTTP 403", err)
			}
			if spans, fails := srv.received(); len(spans) != 0 || len(fails) != 1 {
				t.Errorf("accepted %v; rejections %v", spans, fails)
			}
		})
	}
}

// TestTamperedRejected checks the server really verifies: a request whose
// body changed after signing fails.
func TestTamperedRejected(t *testing.T) {
	srv := newXRay(t)
	tamper := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		b = append(b, 0x0a, 0x00) // an empty resource_spans more
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		r.ContentLength = int64(len(b))
		return http.DefaultTransport.RoundTrip(r)
	})}
	e, _ := xrayotlp.New(env(lambdaEnv), xrayotlp.WithEndpointURL(srv.URL+"/v1/traces"), xrayotlp.WithHTTPClient(tamper))
	if err := export(t, e); err == nil {
		t.Fatal("a tampered request was accepted")
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestConfig(t *testing.T) {
	e, err := xrayotlp.New(env(lambdaEnv))
	if err != nil {
		t.Fatal(err)
	}
	if e.EndpointURL() != "https://xray.eu-west-1.amazonaws.com/v1/traces" || xrayotlp.Region(e) != region {
		t.Errorf("endpoint %q region %q", e.EndpointURL(), xrayotlp.Region(e))
	}
	e, _ = xrayotlp.New(env(lambdaEnv), xrayotlp.WithRegion("ap-south-2"))
	if e.EndpointURL() != "https://xray.ap-south-2.amazonaws.com/v1/traces" {
		t.Errorf("endpoint %q", e.EndpointURL())
	}
	e, _ = xrayotlp.New(env(lambdaEnv), xrayotlp.WithRegion("cn-north-1"))
	if e.EndpointURL() != "https://xray.cn-north-1.amazonaws.com.cn/v1/traces" {
		t.Errorf("endpoint %q", e.EndpointURL())
	}
	e, _ = xrayotlp.New(env(map[string]string{"AWS_DEFAULT_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}))
	if e == nil || xrayotlp.Region(e) != "us-west-2" {
		t.Error("AWS_DEFAULT_REGION not used")
	}
	for _, tt := range []struct {
		env     map[string]string
		opts    []xrayotlp.Option
		wantErr string
	}{
		{env: map[string]string{"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}, wantErr: "no region"},
		{env: map[string]string{"AWS_REGION": region}, wantErr: "no credentials"},
		{env: lambdaEnv, opts: []xrayotlp.Option{xrayotlp.WithEndpointURL("xray.local")}, wantErr: "not an http(s) URL"},
	} {
		_, err := xrayotlp.New(append([]xrayotlp.Option{env(tt.env)}, tt.opts...)...)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("err = %v, want %q", err, tt.wantErr)
		}
	}
}

type panicCreds struct{}

func (*panicCreds) Retrieve(context.Context) (aws.Credentials, error) { panic("no creds") }

// A nil pointer given as the credentials provider is rejected by New; a
// provider that panics makes the export fail, not the caller.
func TestNilAndPanickingCredentials(t *testing.T) {
	var p *panicCreds
	if _, err := xrayotlp.New(env(lambdaEnv), xrayotlp.WithCredentials(p)); err == nil || !strings.Contains(err.Error(), "nil *xrayotlp_test.panicCreds") {
		t.Errorf("New with a nil provider = %v", err)
	}
	srv := newXRay(t)
	e, err := xrayotlp.New(env(lambdaEnv), xrayotlp.WithCredentials(&panicCreds{}), xrayotlp.WithEndpointURL(srv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	if err := export(t, e); err == nil || !strings.Contains(err.Error(), "panic: no creds") {
		t.Errorf("ExportSpans = %v", err)
	}
	var nilExp *xrayotlp.Exporter
	if nilExp.ExportSpans(context.Background(), nil) == nil || xrayotlp.Region(nilExp) != "" {
		t.Error("nil exporter")
	}
}
