package params_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/params"
)

// putParameter stores a parameter in moto, replacing any.
func (m *moto) putParameter(t *testing.T, name, value string, typ ssmtypes.ParameterType) {
	t.Helper()
	_, err := m.SSM.PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("put parameter %s: %v", name, err)
	}
}

// TestMoto runs the providers against moto's SSM Parameter Store and
// Secrets Manager; each subtest uses names of its own.
func TestMoto(t *testing.T) {
	m := startMoto(t)
	ctx := context.Background()

	t.Run("parameter fetched then cached", func(t *testing.T) {
		m.putParameter(t, "/cached/table", "orders-table", ssmtypes.ParameterTypeString)
		c := &countingSSM{c: m.SSM}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		r := newRecorded()
		for i := range 3 {
			v, err := ps.Get(r.ctx, "/cached/table")
			if err != nil || v != "orders-table" {
				t.Fatalf("read %d: %q, %v", i, v, err)
			}
		}
		if n := c.calls(); n != 1 {
			t.Errorf("%d SDK calls for three reads, want 1", n)
		}
		if hits, misses := sum(r.values(t, names.MetricParametersCacheHits)), sum(r.values(t, names.MetricParametersCacheMisses)); hits != 2 || misses != 1 {
			t.Errorf("hits %v, misses %v; want 2 and 1", hits, misses)
		}
	})

	t.Run("expired after max age", func(t *testing.T) {
		m.putParameter(t, "/expiry/v", "one", ssmtypes.ParameterTypeString)
		clk := newClock()
		c := &countingSSM{c: m.SSM}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(clk.Now))
		get := func(want string, opts ...params.Option) {
			t.Helper()
			if v, err := ps.Get(ctx, "/expiry/v", opts...); err != nil || v != want {
				t.Fatalf("Get = %q, %v; want %q", v, err, want)
			}
		}
		get("one")
		m.putParameter(t, "/expiry/v", "two", ssmtypes.ParameterTypeString)
		clk.Advance(5*time.Second - time.Millisecond)
		get("one") // still fresh
		clk.Advance(time.Millisecond)
		get("two") // 5 s old: fetched again
		if n := c.calls(); n != 2 {
			t.Errorf("%d SDK calls, want 2", n)
		}
		m.putParameter(t, "/expiry/v", "three", ssmtypes.ParameterTypeString)
		clk.Advance(time.Minute)
		get("two", params.WithMaxAge(2*time.Minute)) // a read that accepts older values
		get("three", params.WithMaxAge(30*time.Second))
		if n := c.calls(); n != 3 {
			t.Errorf("%d SDK calls, want 3", n)
		}
		get("three", params.WithMaxAge(0)) // every read fetches
		if n := c.calls(); n != 4 {
			t.Errorf("%d SDK calls after WithMaxAge(0), want 4", n)
		}
	})

	t.Run("max age from the environment and the provider", func(t *testing.T) {
		m.putParameter(t, "/envage/v", "x", ssmtypes.ParameterTypeString)
		for _, tc := range []struct {
			name  string
			env   map[string]string
			opts  []params.Option
			fresh time.Duration // still served after this long
			stale time.Duration // fetched again after this long
			warn  bool
		}{
			{"default", nil, nil, 4 * time.Second, 5 * time.Second, false},
			{"env", map[string]string{names.EnvPowertoolsParametersMaxAge: "60"}, nil, 59 * time.Second, 60 * time.Second, false},
			{"option wins over env", map[string]string{names.EnvPowertoolsParametersMaxAge: "60"}, []params.Option{params.WithMaxAge(10 * time.Second)}, 9 * time.Second, 10 * time.Second, false},
			{"bad env value: default", map[string]string{names.EnvPowertoolsParametersMaxAge: "1m"}, nil, 4 * time.Second, 5 * time.Second, true},
			{"negative env value: default", map[string]string{names.EnvPowertoolsParametersMaxAge: "-3"}, nil, 4 * time.Second, 5 * time.Second, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var logged bytes.Buffer
				quietLog(t, &logged)
				clk := newClock()
				c := &countingSSM{c: m.SSM}
				ps := params.NewSSM(c, append([]params.Option{params.WithLookupEnv(mapEnv(tc.env)), params.WithClock(clk.Now)}, tc.opts...)...)
				mustGet(t, ps, "/envage/v")
				clk.Advance(tc.fresh)
				mustGet(t, ps, "/envage/v")
				if n := c.calls(); n != 1 {
					t.Fatalf("after %v: %d calls, want 1", tc.fresh, n)
				}
				clk.Advance(tc.stale - tc.fresh)
				mustGet(t, ps, "/envage/v")
				if n := c.calls(); n != 2 {
					t.Fatalf("after %v: %d calls, want 2", tc.stale, n)
				}
				if warned := strings.Contains(logged.String(), names.EnvPowertoolsParametersMaxAge); warned != tc.warn {
					t.Errorf("warned %v, want %v: %q", warned, tc.warn, logged.String())
				}
			})
		}
	})

	t.Run("force fetch refreshes", func(t *testing.T) {
		m.putParameter(t, "/force/v", "old", ssmtypes.ParameterTypeString)
		c := &countingSSM{c: m.SSM}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		if v := mustGet(t, ps, "/force/v"); v != "old" {
			t.Fatalf("got %q", v)
		}
		m.putParameter(t, "/force/v", "new", ssmtypes.ParameterTypeString)
		if v := mustGet(t, ps, "/force/v"); v != "old" {
			t.Fatalf("cached read got %q, want old", v)
		}
		if v, err := ps.Get(ctx, "/force/v", params.WithForceFetch()); err != nil || v != "new" {
			t.Fatalf("forced read: %q, %v", v, err)
		}
		if v := mustGet(t, ps, "/force/v"); v != "new" {
			t.Fatalf("read after the forced one got %q: the refreshed value was not cached", v)
		}
		if n := c.calls(); n != 2 {
			t.Errorf("%d SDK calls, want 2", n)
		}

		// Given to the provider, it is every read's.
		always := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now), params.WithForceFetch())
		for _, want := range []string{"newer", "newest"} {
			m.putParameter(t, "/force/v", want, ssmtypes.ParameterTypeString)
			if v := mustGet(t, always, "/force/v"); v != want {
				t.Fatalf("read of a provider with WithForceFetch got %q, want %q", v, want)
			}
		}
	})

	t.Run("one fetch for concurrent invocations", func(t *testing.T) {
		m.putParameter(t, "/concurrent/v", "shared", ssmtypes.ParameterTypeString)
		if _, err := m.Secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("concurrent/secret"), SecretString: aws.String("s3cr3t-concurrent")}); err != nil {
			t.Fatal(err)
		}
		const n = 50
		// Every reader is started before the one fetch may proceed.
		var ready sync.WaitGroup
		ready.Add(n)
		gate := func() { ready.Wait() }
		c := &countingSSM{c: m.SSM, gate: gate}
		cs := &countingSecrets{c: m.Secrets, gate: gate}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		sec := params.NewSecrets(cs, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for range n {
			wg.Go(func() {
				ready.Done()
				if v, err := ps.Get(ctx, "/concurrent/v"); err != nil || v != "shared" {
					errs <- errors.Join(err, errors.New("parameter: "+v))
				}
				if v, err := sec.Get(ctx, "concurrent/secret"); err != nil || v != "s3cr3t-concurrent" {
					errs <- errors.Join(err, errors.New("secret: "+v))
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := c.calls(); got != 1 {
			t.Errorf("%d GetParameter calls for %d concurrent reads, want 1", got, n)
		}
		if got := cs.n.Load(); got != 1 {
			t.Errorf("%d GetSecretValue calls for %d concurrent reads, want 1", got, n)
		}
	})

	t.Run("SecureString decryption", func(t *testing.T) {
		const secret = "pa55word-securestring"
		m.putParameter(t, "/secure/db-password", secret, ssmtypes.ParameterTypeSecureString)
		c := &countingSSM{c: m.SSM}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		raw, err := ps.Get(ctx, "/secure/db-password")
		if err != nil {
			t.Fatal(err)
		}
		if raw == secret {
			t.Errorf("read without decryption returned the plaintext")
		}
		plain, err := ps.Get(ctx, "/secure/db-password", params.WithDecryption())
		if err != nil || plain != secret {
			t.Fatalf("decrypted read: %q, %v", plain, err)
		}
		if again, _ := ps.Get(ctx, "/secure/db-password"); again != raw {
			t.Errorf("the raw value's cache entry changed: %q", again)
		}
		if n := c.calls(); n != 2 {
			t.Errorf("%d calls, want 2 (raw and decrypted are cached apart)", n)
		}
		// Decryption as the provider's default, by option and from the
		// environment.
		if v, err := params.NewSSM(m.SSM, params.WithDecryption(), params.WithLookupEnv(noEnv)).Get(ctx, "/secure/db-password"); err != nil || v != secret {
			t.Errorf("NewSSM(WithDecryption()): %q, %v", v, err)
		}
		ps2 := params.NewSSM(m.SSM, params.WithLookupEnv(mapEnv(map[string]string{names.EnvPowertoolsParametersSSMDecrypt: "true"})))
		if v, err := ps2.Get(ctx, "/secure/db-password"); err != nil || v != secret {
			t.Errorf("with %s=true: %q, %v", names.EnvPowertoolsParametersSSMDecrypt, v, err)
		}
		if v, err := ps2.Get(ctx, "/secure/db-password", params.WithoutDecryption()); err != nil || v != raw {
			t.Errorf("WithoutDecryption over the environment: %q, %v", v, err)
		}
	})

	t.Run("multiple", func(t *testing.T) {
		for _, name := range manyNames {
			m.putParameter(t, name, "v"+name, ssmtypes.ParameterTypeString)
		}
		c := &countingSSM{c: m.SSM}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		if v := mustGet(t, ps, manyNames[0]); v != "v"+manyNames[0] { // one cached already
			t.Fatal(v)
		}
		got, err := ps.GetMultiple(ctx, manyNames)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(manyNames) {
			t.Errorf("%d values, want %d: %v", len(got), len(manyNames), got)
		}
		for _, n := range manyNames {
			if got[n] != "v"+n {
				t.Errorf("%s = %q", n, got[n])
			}
		}
		// 11 names to fetch: two GetParameters calls of ten and one.
		if g, gm := c.get.Load(), c.getMany.Load(); g != 1 || gm != 2 {
			t.Errorf("GetParameter %d, GetParameters %d calls; want 1 and 2", g, gm)
		}
		if _, err := ps.GetMultiple(ctx, manyNames); err != nil {
			t.Fatal(err)
		}
		if v := mustGet(t, ps, manyNames[5]); v != "v"+manyNames[5] {
			t.Fatal(v)
		}
		if n := c.calls(); n != 3 {
			t.Errorf("%d calls after cached reads, want still 3", n)
		}
	})

	t.Run("by path", func(t *testing.T) {
		m.putParameter(t, "/app/prod/table", "orders", ssmtypes.ParameterTypeString)
		m.putParameter(t, "/app/prod/queue", "jobs", ssmtypes.ParameterTypeString)
		m.putParameter(t, "/app/prod/db/host", "db.internal", ssmtypes.ParameterTypeString)
		m.putParameter(t, "/app/prod/db/password", "by-path-s3cret", ssmtypes.ParameterTypeSecureString)
		m.putParameter(t, "/app/prodx/other", "no", ssmtypes.ParameterTypeString)
		c := &countingSSM{c: m.SSM}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		for _, tc := range []struct {
			name string
			path string
			opts []params.Option
			want map[string]string
		}{
			{"recursive by default", "/app/prod", []params.Option{params.WithDecryption()},
				map[string]string{"table": "orders", "queue": "jobs", "db/host": "db.internal", "db/password": "by-path-s3cret"}},
			{"trailing slash", "/app/prod/", []params.Option{params.WithDecryption()},
				map[string]string{"table": "orders", "queue": "jobs", "db/host": "db.internal", "db/password": "by-path-s3cret"}},
			{"not recursive", "/app/prod", []params.Option{params.WithoutRecursion()},
				map[string]string{"table": "orders", "queue": "jobs"}},
			{"sub-path", "/app/prod/db", []params.Option{params.WithDecryption()},
				map[string]string{"host": "db.internal", "password": "by-path-s3cret"}},
			{"empty", "/app/nothing", nil, map[string]string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := ps.GetByPath(ctx, tc.path, tc.opts...)
				if err != nil {
					t.Fatal(err)
				}
				if !equalMaps(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
		flat := params.NewSSM(c, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now), params.WithoutRecursion())
		if got, err := flat.GetByPath(ctx, "/app/prod"); err != nil || !equalMaps(got, map[string]string{"table": "orders", "queue": "jobs"}) {
			t.Errorf("provider with WithoutRecursion: %v, %v", got, err)
		}
		before := c.path.Load()
		got, _ := ps.GetByPath(ctx, "/app/prod", params.WithoutRecursion())
		got["table"] = "changed by the caller"
		again, _ := ps.GetByPath(ctx, "/app/prod", params.WithoutRecursion())
		if c.path.Load() != before {
			t.Errorf("cached by-path reads made calls")
		}
		if again["table"] != "orders" {
			t.Errorf("a caller's change reached the cache: %v", again)
		}
	})

	t.Run("by path over several pages", func(t *testing.T) {
		for i := range 23 {
			m.putParameter(t, "/paged/p"+string(rune('a'+i)), "v", ssmtypes.ParameterTypeString)
		}
		c := &countingSSM{c: m.SSM}
		ps := params.NewSSM(c, params.WithLookupEnv(noEnv))
		got, err := ps.GetByPath(ctx, "/paged")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 23 || c.path.Load() != 3 {
			t.Errorf("%d parameters in %d calls, want 23 in 3", len(got), c.path.Load())
		}
	})

	t.Run("secret string, JSON and binary", func(t *testing.T) {
		bin := []byte{0, 1, 2, 0xff, 'k', 'e', 'y', 9, 8, 7}
		for _, in := range []*secretsmanager.CreateSecretInput{
			{Name: aws.String("kinds/string"), SecretString: aws.String("plain-s3cret-value")},
			{Name: aws.String("kinds/json"), SecretString: aws.String(`{"username":"orders_app","password":"json-pa55word","port":5432,"hosts":["db-a.internal","db-b.internal"]}`)},
			{Name: aws.String("kinds/binary"), SecretBinary: bin},
		} {
			if _, err := m.Secrets.CreateSecret(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		cs := &countingSecrets{c: m.Secrets}
		sec := params.NewSecrets(cs, params.WithLookupEnv(noEnv), params.WithClock(newClock().Now))
		if v, err := sec.Get(ctx, "kinds/string"); err != nil || v != "plain-s3cret-value" {
			t.Errorf("Get = %q, %v", v, err)
		}
		var creds struct {
			Username string   `json:"username"`
			Password string   `json:"password"`
			Port     int      `json:"port"`
			Hosts    []string `json:"hosts"`
		}
		if err := sec.GetJSON(ctx, "kinds/json", &creds); err != nil {
			t.Fatal(err)
		}
		if creds.Username != "orders_app" || creds.Password != "json-pa55word" || creds.Port != 5432 || len(creds.Hosts) != 2 {
			t.Errorf("decoded %+v", creds)
		}
		var wrong struct {
			Port string `json:"port"`
		}
		if err := sec.GetJSON(ctx, "kinds/json", &wrong); err == nil || !strings.Contains(err.Error(), `"kinds/json"`) {
			t.Errorf("decoding into the wrong type: %v", err)
		}
		got, err := sec.GetBinary(ctx, "kinds/binary")
		if err != nil || !bytes.Equal(got, bin) {
			t.Errorf("GetBinary = %v, %v", got, err)
		}
		got[0] = 42
		if again, _ := sec.GetBinary(ctx, "kinds/binary"); !bytes.Equal(again, bin) {
			t.Errorf("a caller's change reached the cache")
		}
		if _, err := sec.Get(ctx, "kinds/binary"); err == nil || !strings.Contains(err.Error(), "GetBinary") {
			t.Errorf("Get of a binary secret: %v", err)
		}
		if _, err := sec.GetBinary(ctx, "kinds/string"); err == nil {
			t.Errorf("GetBinary of a string secret: no error")
		}
		if n := cs.n.Load(); n != 3 {
			t.Errorf("%d calls for three secrets read several times, want 3", n)
		}
	})

	t.Run("missing", func(t *testing.T) {
		m.putParameter(t, "/missing/present", "here", ssmtypes.ParameterTypeString)
		ps := params.NewSSM(m.SSM, params.WithLookupEnv(noEnv))
		sec := params.NewSecrets(m.Secrets, params.WithLookupEnv(noEnv))
		_, err := ps.Get(ctx, "/missing/absent")
		t.Logf("missing parameter: %v", err)
		var pnf *ssmtypes.ParameterNotFound
		if !errors.Is(err, params.ErrNotFound) || !errors.As(err, &pnf) || !strings.Contains(err.Error(), `"/missing/absent"`) {
			t.Errorf("missing parameter: %v", err)
		}
		got, err := ps.GetMultiple(ctx, []string{"/missing/present", "/missing/a", "/missing/b"})
		t.Logf("GetMultiple: %v", err)
		if !errors.Is(err, params.ErrNotFound) || !strings.Contains(err.Error(), `"/missing/a", "/missing/b"`) {
			t.Errorf("GetMultiple with two missing: %v", err)
		}
		if got["/missing/present"] != "here" {
			t.Errorf("GetMultiple kept %v", got)
		}
		_, err = sec.Get(ctx, "missing/secret")
		t.Logf("missing secret: %v", err)
		var rnf *smtypes.ResourceNotFoundException
		if !errors.Is(err, params.ErrNotFound) || !errors.As(err, &rnf) || !strings.Contains(err.Error(), `"missing/secret"`) {
			t.Errorf("missing secret: %v", err)
		}
		// Not cached: once it exists, it is read.
		m.putParameter(t, "/missing/absent", "now here", ssmtypes.ParameterTypeString)
		if v, err := ps.Get(ctx, "/missing/absent"); err != nil || v != "now here" {
			t.Errorf("after creating it: %q, %v", v, err)
		}
	})
}

var manyNames = func() []string {
	var out []string
	for i := range 12 {
		out = append(out, "/many/p"+string(rune('a'+i)))
	}
	return out
}()

func mustGet(t *testing.T, ps *params.SSM, name string) string {
	t.Helper()
	v, err := ps.Get(context.Background(), name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	return v
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
