package xrayotlp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/internal/otlphttp"
)

// signingName is the service name requests are signed for.
const signingName = "xray"

// Option configures an Exporter.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	region  string
	url     string
	creds   aws.CredentialsProvider
	timeout time.Duration
	noGzip  bool
	client  *http.Client
	lookup  env.Lookup
}

// WithRegion sets the region of the X-Ray endpoint and of the signature. It
// wins over AWS_REGION.
func WithRegion(region string) Option {
	return optionFunc(func(c *config) { c.region = region })
}

// WithEndpointURL sets the full URL spans are POSTed to, instead of
// https://xray.REGION.amazonaws.com/v1/traces. Requests are still signed for
// the region.
func WithEndpointURL(u string) Option {
	return optionFunc(func(c *config) { c.url = u })
}

// WithCredentials signs with the credentials p provides (an aws.Config's
// Credentials, which refreshes them), instead of the AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN environment variables. A nil
// p is ignored; a nil pointer makes New fail.
func WithCredentials(p aws.CredentialsProvider) Option {
	return optionFunc(func(c *config) { c.creds = p })
}

// WithTimeout bounds one export, retries included (default 10 s).
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout = d })
}

// WithoutGzip sends request bodies uncompressed; they are compressed with
// gzip by default.
func WithoutGzip() Option {
	return optionFunc(func(c *config) { c.noGzip = true })
}

// WithHTTPClient sends requests with client. Its idle connections are then
// the caller's to close. A client whose Transport is a nil pointer makes New
// fail.
func WithHTTPClient(client *http.Client) Option {
	return optionFunc(func(c *config) { c.client = client })
}

// withLookupEnv replaces the environment lookup (os.LookupEnv), for tests.
func withLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

// Exporter sends spans to the X-Ray OTLP endpoint. It implements
// sdktrace.SpanExporter; give it to oteltracing.New.
type Exporter struct {
	e      *otlphttp.Exporter
	creds  aws.CredentialsProvider
	region string
	signer *v4.Signer
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New returns an exporter configured by opts and the environment. It
// returns an error when no region or no credentials are known, the
// credentials provider or the HTTP client's transport is a nil pointer, or
// the endpoint is not an http(s) URL; it does not connect. Nil options are
// ignored.
func New(opts ...Option) (*Exporter, error) {
	c := config{timeout: 10 * time.Second}
	for _, o := range opts {
		if o != nil && !errinfo.IsNilPointer(o) {
			o.apply(&c)
		}
	}
	if errinfo.IsNilPointer(c.creds) {
		return nil, fmt.Errorf("xrayotlp: WithCredentials: the provider is a nil %s", errinfo.Type(c.creds))
	}
	if err := otlphttp.CheckClient(c.client); err != nil {
		return nil, fmt.Errorf("xrayotlp: %w", err)
	}
	lookup := env.Or(c.lookup)
	if c.region == "" {
		c.region = lookup.String(names.EnvAWSRegion)
	}
	if c.region == "" {
		c.region = lookup.String(names.EnvAWSDefaultRegion)
	}
	if c.region == "" {
		return nil, errors.New("xrayotlp: no region: set " + names.EnvAWSRegion + " or use WithRegion")
	}
	if c.creds == nil {
		key, secret := lookup.String(names.EnvAWSAccessKeyID), lookup.String(names.EnvAWSSecretAccessKey)
		if key == "" || secret == "" {
			return nil, errors.New("xrayotlp: no credentials: " + names.EnvAWSAccessKeyID + " and " + names.EnvAWSSecretAccessKey + " are not set; use WithCredentials")
		}
		c.creds = credentials.NewStaticCredentialsProvider(key, secret, lookup.String(names.EnvAWSSessionToken))
	}
	if c.url == "" {
		domain := "amazonaws.com"
		if strings.HasPrefix(c.region, "cn-") {
			domain = "amazonaws.com.cn"
		}
		c.url = "https://xray." + c.region + "." + domain + "/v1/traces"
	}
	if err := otlphttp.CheckURL(c.url); err != nil {
		return nil, fmt.Errorf("xrayotlp: %w", err)
	}
	x := &Exporter{creds: c.creds, region: c.region, signer: v4.NewSigner()}
	x.e = otlphttp.New(otlphttp.Config{
		Name:    "xrayotlp",
		URL:     c.url,
		Gzip:    !c.noGzip,
		Timeout: c.timeout,
		Client:  c.client,
		Sign:    x.sign,
	})
	return x, nil
}

// sign signs req, whose body is body, for X-Ray in the exporter's region.
func (x *Exporter) sign(ctx context.Context, req *http.Request, body []byte) error {
	creds, err := x.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	return x.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, x.region, time.Now().UTC())
}

// EndpointURL returns where the exporter sends spans ("" for a nil
// *Exporter).
func (x *Exporter) EndpointURL() string {
	if x == nil {
		return ""
	}
	return x.e.URL()
}

// ExportSpans sends spans in one signed request, and returns when X-Ray has
// answered or ctx ends. The tracer calls it; user code does not.
// Attributes under secret keys and secret values are redacted as the
// request is encoded. A nil *Exporter (New failed) returns an error.
func (x *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if x == nil {
		return errors.New("xrayotlp: nil exporter (New returned an error)")
	}
	return x.e.ExportSpans(ctx, spans)
}

// Shutdown stops the exporter: later exports fail. It closes the idle
// connections of the exporter's own HTTP client.
func (x *Exporter) Shutdown(ctx context.Context) error {
	if x == nil {
		return nil
	}
	return x.e.Shutdown(ctx)
}
