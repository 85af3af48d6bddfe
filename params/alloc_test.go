package params_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/params"
)

// fakeSecrets serves one string secret.
type fakeSecrets struct{ value string }

func (f fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: aws.String(f.value)}, nil
}

// TestCachedReadAllocs pins the cost of a read the cache serves: none, in
// an invocation (the hit is counted on its recorder) or outside one, with
// or without per-read options; the same for a Lazy made already.
func TestCachedReadAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are not pinned under the race detector")
	}
	quietLog(t, nil)
	ps := params.NewSSM(&fakeSSM{vals: map[string]string{"/orders/table": "orders"}}, params.WithLookupEnv(noEnv))
	sec := params.NewSecrets(fakeSecrets{"s3cr3t-value"}, params.WithLookupEnv(noEnv), params.WithMaxAge(time.Hour))
	lazy := params.NewLazy("db", func(context.Context) (*conn, error) { return &conn{}, nil })
	r := newRecorded()
	for name, ctx := range map[string]context.Context{"invocation": r.ctx, "no invocation": context.Background()} {
		if _, err := ps.Get(ctx, "/orders/table"); err != nil {
			t.Fatal(err)
		}
		if _, err := sec.Get(ctx, "orders/key"); err != nil {
			t.Fatal(err)
		}
		if _, err := lazy.Get(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			what string
			f    func()
		}{
			{"SSM.Get", func() { _, _ = ps.Get(ctx, "/orders/table") }},
			{"SSM.Get with options", func() {
				_, _ = ps.Get(ctx, "/orders/table", params.WithMaxAge(time.Minute), params.WithoutDecryption())
			}},
			{"Secrets.Get", func() { _, _ = sec.Get(ctx, "orders/key") }},
			{"Lazy.Get", func() { _, _ = lazy.Get(ctx) }},
		} {
			if n := testing.AllocsPerRun(1000, tc.f); n != 0 {
				t.Errorf("%s, %s: %v allocations, want 0", tc.what, name, n)
			}
		}
	}
	if hits := sum(r.values(t, names.MetricParametersCacheHits)); hits < 3000 {
		t.Errorf("%v hits counted in the invocation, want every read's", hits)
	}
}
