package params_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// noEnv is an empty environment, so that tests never read the process's.
func noEnv(string) (string, bool) { return "", false }

// mapEnv is an environment made of m.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// quietLog sends slog's default logger to w (io.Discard when nil) for the
// test, and restores it after.
func quietLog(t *testing.T, w io.Writer) {
	t.Helper()
	if w == nil {
		w = io.Discard
	}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(w, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
}

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// moto is moto's server with SDK clients pointed at it.
type moto struct {
	SSM     *ssm.Client
	Secrets *secretsmanager.Client
}

// awsConfig is the SDK configuration of the tests: fake static credentials,
// us-east-1, no retries (moto answers at once or not at all).
func awsConfig() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret-key", ""),
		RetryMaxAttempts: 1,
	}
}

// startMoto starts moto for t and returns clients of it.
func startMoto(t *testing.T) *moto {
	t.Helper()
	endpoint := testenv.StartMoto(t)
	cfg := awsConfig()
	return &moto{
		SSM:     ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		Secrets: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) }),
	}
}

// countingSSM counts the calls made through a real client.
type countingSSM struct {
	c                  *ssm.Client
	get, getMany, path atomic.Int64
	gate               func() // when set, runs before each call
}

func (c *countingSSM) before() {
	if c.gate != nil {
		c.gate()
	}
}

func (c *countingSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, o ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	c.get.Add(1)
	c.before()
	return c.c.GetParameter(ctx, in, o...)
}

func (c *countingSSM) GetParameters(ctx context.Context, in *ssm.GetParametersInput, o ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	c.getMany.Add(1)
	c.before()
	return c.c.GetParameters(ctx, in, o...)
}

func (c *countingSSM) GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput, o ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	c.path.Add(1)
	c.before()
	return c.c.GetParametersByPath(ctx, in, o...)
}

func (c *countingSSM) calls() int64 { return c.get.Load() + c.getMany.Load() + c.path.Load() }

// countingSecrets counts the calls made through a real client.
type countingSecrets struct {
	c    *secretsmanager.Client
	n    atomic.Int64
	gate func()
}

func (c *countingSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.n.Add(1)
	if c.gate != nil {
		c.gate()
	}
	return c.c.GetSecretValue(ctx, in, o...)
}

// recorded is a context carrying a metrics recorder, and what it wrote.
type recorded struct {
	ctx context.Context
	rec *metrics.Recorder
	buf *bytes.Buffer
}

func newRecorded() *recorded {
	buf := &bytes.Buffer{}
	rec := metrics.New(buf, metrics.WithNamespace("Test"), hook.MetricsLookupEnv(noEnv).(metrics.Option))
	return &recorded{ctx: metrics.ContextWithRecorder(context.Background(), rec), rec: rec, buf: buf}
}

// values flushes the recorder and returns every value of the named metric
// it wrote.
func (r *recorded) values(t *testing.T, name string) []float64 {
	t.Helper()
	if err := r.rec.Flush(); err != nil {
		t.Fatal(err)
	}
	_, docs, _ := lambdaobstest.Parse(r.buf.String())
	return lambdaobstest.MetricValues(docs, name)
}

func sum(vs []float64) float64 {
	var s float64
	for _, v := range vs {
		s += v
	}
	return s
}
