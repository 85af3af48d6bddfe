package params_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lambdaobs/lambdaobs/params"
)

// fakeSSM serves GetParameter from a map, through a hook tests use to
// block, fail or panic.
type fakeSSM struct {
	params.SSMClient // GetParameters and GetParametersByPath are not served
	vals             map[string]string
	calls            atomic.Int64
	hook             func(ctx context.Context, call int64) error
}

func (f *fakeSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	n := f.calls.Add(1)
	if f.hook != nil {
		if err := f.hook(ctx, n); err != nil {
			return nil, err
		}
	}
	v, ok := f.vals[aws.ToString(in.Name)]
	if !ok {
		return nil, &types.ParameterNotFound{Message: aws.String("Parameter " + aws.ToString(in.Name) + " not found.")}
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Name: in.Name, Value: aws.String(v), Type: types.ParameterTypeString}}, nil
}

// TestWaitersRetryWhenTheFetchersContextEndsConcurrentSafe: the reader
// that runs a fetch belongs to an invocation that times out; the reader
// waiting for it belongs to another, still running, and fetches for itself.
func TestWaitersRetryWhenTheFetchersContextEndsConcurrentSafe(t *testing.T) {
	started := make(chan struct{})
	f := &fakeSSM{vals: map[string]string{"/p": "v"}}
	f.hook = func(ctx context.Context, n int64) error {
		if n == 1 {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	ps := params.NewSSM(f, params.WithLookupEnv(noEnv))
	ctx1, cancel1 := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := ps.Get(ctx1, "/p"); errc <- err }()
	<-started
	got := make(chan string, 1)
	go func() {
		v, err := ps.Get(context.Background(), "/p")
		if err != nil {
			t.Error(err)
		}
		got <- v
	}()
	time.Sleep(20 * time.Millisecond) // the second reader is then waiting; the outcome is the same if not
	cancel1()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("first reader: %v", err)
	}
	if v := <-got; v != "v" {
		t.Errorf("second reader got %q", v)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

// TestAWaiterStopsWhenItsContextEnds: a reader waiting for another's fetch
// returns when its own context ends.
func TestAWaiterStopsWhenItsContextEnds(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	f := &fakeSSM{vals: map[string]string{"/p": "v"}}
	f.hook = func(ctx context.Context, n int64) error {
		close(started)
		<-release
		return nil
	}
	ps := params.NewSSM(f, params.WithLookupEnv(noEnv))
	done := make(chan struct{})
	go func() { defer close(done); _, _ = ps.Get(context.Background(), "/p") }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ps.Get(ctx, "/p"); !errors.Is(err, context.Canceled) {
		t.Errorf("waiter: %v", err)
	}
	close(release)
	<-done
}

// TestFailedFetchesAreNotCached: an error reaches the readers that waited
// for it, and the next read fetches again.
func TestFailedFetchesAreNotCached(t *testing.T) {
	throttled := errors.New("ThrottlingException")
	f := &fakeSSM{vals: map[string]string{"/p": "v"}}
	f.hook = func(_ context.Context, n int64) error {
		if n == 1 {
			return throttled
		}
		return nil
	}
	ps := params.NewSSM(f, params.WithLookupEnv(noEnv))
	if _, err := ps.Get(context.Background(), "/p"); !errors.Is(err, throttled) || errors.Is(err, params.ErrNotFound) || !strings.Contains(err.Error(), `"/p"`) {
		t.Errorf("first read: %v", err)
	}
	if v, err := ps.Get(context.Background(), "/p"); err != nil || v != "v" {
		t.Errorf("second read: %q, %v", v, err)
	}
}

// TestAFetchThatPanicsReleasesItsWaiters: a client that panics fails the
// readers waiting for it instead of leaving them blocked.
func TestAFetchThatPanicsReleasesItsWaiters(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	f := &fakeSSM{vals: map[string]string{"/p": "v"}}
	f.hook = func(_ context.Context, n int64) error {
		if n == 1 {
			close(started)
			<-release
			panic("client bug")
		}
		return nil
	}
	ps := params.NewSSM(f, params.WithLookupEnv(noEnv))
	var wg sync.WaitGroup
	wg.Go(func() {
		defer func() {
			if r := recover(); r != "client bug" {
				t.Errorf("recovered %v", r)
			}
		}()
		_, _ = ps.Get(context.Background(), "/p")
	})
	<-started
	waitErr := make(chan error, 1)
	go func() { _, err := ps.Get(context.Background(), "/p"); waitErr <- err }()
	close(release)
	wg.Wait()
	if err := <-waitErr; err != nil && !strings.Contains(err.Error(), "panicked") {
		t.Errorf("waiter: %v", err)
	}
	if v, err := ps.Get(context.Background(), "/p"); err != nil || v != "v" {
		t.Errorf("after the panic: %q, %v", v, err)
	}
}

func TestNilClients(t *testing.T) {
	ctx := context.Background()
	if _, err := params.NewSSM(nil).Get(ctx, "/p"); err == nil || !strings.Contains(err.Error(), "nil client") {
		t.Errorf("nil SSM client: %v", err)
	}
	if _, err := params.NewSSM((*ssm.Client)(nil)).GetByPath(ctx, "/p"); err == nil || !strings.Contains(err.Error(), "nil client") {
		t.Errorf("nil *ssm.Client: %v", err)
	}
	if _, err := params.NewSecrets((*secretsmanager.Client)(nil)).Get(ctx, "s"); err == nil || !strings.Contains(err.Error(), "nil client") {
		t.Errorf("nil *secretsmanager.Client: %v", err)
	}
}

func TestGetMultipleWithNothingToRead(t *testing.T) {
	ps := params.NewSSM(&fakeSSM{}, params.WithLookupEnv(noEnv))
	got, err := ps.GetMultiple(context.Background(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("GetMultiple(nil) = %v, %v", got, err)
	}
}

func TestNilContext(t *testing.T) {
	ps := params.NewSSM(&fakeSSM{vals: map[string]string{"/p": "v"}}, params.WithLookupEnv(noEnv))
	//lint:ignore SA1012 a nil context is bad input that must not panic
	if v, err := ps.Get(nil, "/p"); err != nil || v != "v" {
		t.Errorf("Get(nil, …) = %q, %v", v, err)
	}
}

// TestGetMultipleSharesFetchesUnderWay: a name another read is fetching
// is waited for, not fetched again; the others are fetched.
func TestGetMultipleSharesFetchesUnderWayConcurrentSafe(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	f := &fakeSSM{vals: map[string]string{"/a": "1", "/b": "2"}}
	f.hook = func(_ context.Context, n int64) error {
		if n == 1 {
			close(started)
			<-release
		}
		return nil
	}
	ps := params.NewSSM(f, params.WithLookupEnv(noEnv))
	done := make(chan struct{})
	go func() { defer close(done); _, _ = ps.Get(context.Background(), "/a") }()
	<-started
	res := make(chan map[string]string, 1)
	go func() {
		m, err := ps.GetMultiple(context.Background(), []string{"/a", "/b"})
		if err != nil {
			t.Error(err)
		}
		res <- m
	}()
	time.Sleep(20 * time.Millisecond) // GetMultiple has fetched /b and waits for /a
	close(release)
	<-done
	if m := <-res; m["/a"] != "1" || m["/b"] != "2" {
		t.Errorf("GetMultiple = %v", m)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2: /a once, /b once", n)
	}
}

// fakeARNPrefix is the ARN of a parameter without its name, in
// versionedSSM.
const fakeARNPrefix = "arn:aws:ssm:us-east-1:123456789012:parameter"

// versionedSSM serves GetParameter and GetParameters from the versions of
// each parameter (versions[name][0] is version 1), answering as Parameter
// Store does: a name, or an ARN, with an optional :version selector; each
// parameter returned carries its plain Name and ARN, and the Selector asked
// for.
type versionedSSM struct {
	params.SSMClient // GetParametersByPath is not served
	versions         map[string][]string
}

func (f *versionedSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	out, _ := f.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{aws.ToString(in.Name)}})
	if len(out.Parameters) == 0 {
		return nil, &types.ParameterNotFound{Message: aws.String("Parameter " + aws.ToString(in.Name) + " not found.")}
	}
	return &ssm.GetParameterOutput{Parameter: &out.Parameters[0]}, nil
}

func (f *versionedSSM) GetParameters(_ context.Context, in *ssm.GetParametersInput, _ ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	out := &ssm.GetParametersOutput{}
	for _, asked := range in.Names {
		name := strings.TrimPrefix(asked, fakeARNPrefix)
		name, version, hasSelector := strings.Cut(name, ":")
		vs := f.versions[name]
		n := len(vs)
		if hasSelector {
			var err error
			if n, err = strconv.Atoi(version); err != nil || n < 1 || n > len(vs) {
				n = 0
			}
		}
		if n == 0 {
			out.InvalidParameters = append(out.InvalidParameters, asked)
			continue
		}
		p := types.Parameter{
			Name: aws.String(name), ARN: aws.String(fakeARNPrefix + name),
			Value: aws.String(vs[n-1]), Version: int64(n), Type: types.ParameterTypeString,
		}
		if hasSelector {
			p.Selector = aws.String(":" + version)
		}
		out.Parameters = append(out.Parameters, p)
	}
	return out, nil
}

// TestGetMultipleKeepsSelectorsApart: a name, the same name with a
// version selector, and the ARN with one, read together, each get their
// own version, and the plain name caches the latest one.
func TestGetMultipleKeepsSelectorsApart(t *testing.T) {
	arn := fakeARNPrefix + "/a"
	for _, tc := range []struct {
		name  string
		names []string
		want  map[string]string
	}{
		{"name and name:version", []string{"/a", "/a:1"}, map[string]string{"/a": "v2", "/a:1": "v1"}},
		{"name:version and name", []string{"/a:1", "/a"}, map[string]string{"/a": "v2", "/a:1": "v1"}},
		{"ARN:version", []string{arn + ":1", "/b"}, map[string]string{arn + ":1": "v1", "/b": "b1"}},
		{"ARN and ARN:version", []string{arn, arn + ":1"}, map[string]string{arn: "v2", arn + ":1": "v1"}},
		{"every form", []string{"/a", "/a:2", "/a:1", arn, arn + ":1"}, map[string]string{"/a": "v2", "/a:2": "v2", "/a:1": "v1", arn: "v2", arn + ":1": "v1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &versionedSSM{versions: map[string][]string{"/a": {"v1", "v2"}, "/b": {"b1"}}}
			ps := params.NewSSM(f, params.WithLookupEnv(noEnv), params.WithMaxAge(time.Hour))
			got, err := ps.GetMultiple(context.Background(), tc.names)
			if err != nil || !maps.Equal(got, tc.want) {
				t.Errorf("GetMultiple(%q) = %v, %v; want %v", tc.names, got, err, tc.want)
			}
			// What was cached under each name is what it asked for.
			again, err := ps.GetMultiple(context.Background(), slices.Collect(maps.Keys(tc.want)))
			if err != nil || !maps.Equal(again, tc.want) {
				t.Errorf("read again from the cache: %v, %v; want %v", again, err, tc.want)
			}
		})
	}
}
