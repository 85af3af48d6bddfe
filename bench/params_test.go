package bench

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/params"
)

// A read the params cache serves (target: at most 100 ns, 0 allocations),
// beside what a handler would otherwise write by hand: a map behind a
// mutex, with a fetch time per value. The rows read one value that is
// already cached, in an invocation (the hit is counted on its recorder) and
// outside one, alone and from every core at once.

type benchSSM struct{}

func (benchSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String("orders-prod"), Type: ssmtypes.ParameterTypeString}}, nil
}

func (benchSSM) GetParameters(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	return &ssm.GetParametersOutput{}, nil
}

func (benchSSM) GetParametersByPath(context.Context, *ssm.GetParametersByPathInput, ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	return &ssm.GetParametersByPathOutput{}, nil
}

type benchSecrets struct{}

func (benchSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: aws.String("bench-s3cret-value")}, nil
}

// handCache is the cache the hand-written port had: a map behind a
// mutex, each value with the time it was fetched.
type handCache struct {
	mu   sync.Mutex
	m    map[string]handEntry
	ttl  time.Duration
	load func(context.Context, string) (string, error)
}

type handEntry struct {
	v  string
	at time.Time
}

func (c *handCache) Get(ctx context.Context, name string) (string, error) {
	c.mu.Lock()
	e, ok := c.m[name]
	c.mu.Unlock()
	if ok && time.Since(e.at) < c.ttl {
		return e.v, nil
	}
	v, err := c.load(ctx, name)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.m[name] = handEntry{v, time.Now()}
	c.mu.Unlock()
	return v, nil
}

func BenchmarkParamsCachedRead(b *testing.B) {
	rec := metrics.New(io.Discard, metrics.WithNamespace("Bench"), hook.MetricsLookupEnv(noEnv).(metrics.Option))
	inv := metrics.ContextWithRecorder(context.Background(), rec)
	bg := context.Background()
	ps := params.NewSSM(benchSSM{}, params.WithMaxAge(time.Hour))
	sec := params.NewSecrets(benchSecrets{}, params.WithMaxAge(time.Hour))
	lazy := params.NewLazy("db", func(context.Context) (*int, error) { return new(int), nil })
	hand := &handCache{m: map[string]handEntry{}, ttl: time.Hour, load: func(ctx context.Context, name string) (string, error) {
		out, err := benchSSM{}.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Parameter.Value), nil
	}}
	for _, ctx := range []context.Context{inv, bg} {
		_, _ = ps.Get(ctx, "/orders/table")
		_, _ = sec.Get(ctx, "orders/key")
		_, _ = lazy.Get(ctx)
	}
	_, _ = hand.Get(bg, "/orders/table")

	rows := []struct {
		name string
		read func(context.Context) error
		ctx  context.Context
	}{
		{"hand-written", func(ctx context.Context) error { _, err := hand.Get(ctx, "/orders/table"); return err }, bg},
		{"SSM.Get", func(ctx context.Context) error { _, err := ps.Get(ctx, "/orders/table"); return err }, bg},
		{"SSM.Get/invocation", func(ctx context.Context) error { _, err := ps.Get(ctx, "/orders/table"); return err }, inv},
		{"SSM.Get/with-options", func(ctx context.Context) error {
			_, err := ps.Get(ctx, "/orders/table", params.WithMaxAge(time.Minute))
			return err
		}, bg},
		{"Secrets.Get", func(ctx context.Context) error { _, err := sec.Get(ctx, "orders/key"); return err }, bg},
		{"Lazy.Get", func(ctx context.Context) error { _, err := lazy.Get(ctx); return err }, bg},
	}
	for _, r := range rows {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if err := r.read(r.ctx); err != nil {
					b.Fatal(err)
				}
				// The invocation's recorder holds every hit until the
				// wrapper flushes it, at the end of the invocation: flush
				// it now and then, off the clock.
				if n++; n == 10_000 {
					b.StopTimer()
					_ = rec.Flush()
					n = 0
					b.StartTimer()
				}
			}
			_ = rec.Flush()
		})
	}
	for _, r := range rows[:2] {
		b.Run(r.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := r.read(r.ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
