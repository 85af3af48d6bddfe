package params

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// SSMClient is the part of *ssm.Client that SSM calls. Tests and users may
// pass their own implementation (one wrapping *ssm.Client, a fake); a fake
// that serves only Get may embed the interface and implement GetParameter
// alone.
type SSMClient interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	GetParameters(ctx context.Context, in *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error)
}

var _ SSMClient = (*ssm.Client)(nil)

// getParametersMax is how many names one GetParameters call takes.
const getParametersMax = 10

// SSM reads parameters from AWS Systems Manager Parameter Store through a
// cache (see the package documentation). It is safe for concurrent use;
// make one per process, at init, and share it.
type SSM struct {
	client SSMClient
	def    getConfig
	cache  *cache
}

// NewSSM returns an SSM reading through client, usually
// ssm.NewFromConfig(cfg) with cfg instrumented by awssdk.Instrument. Its
// options set the defaults of every read, and the environment variables
// POWERTOOLS_PARAMETERS_MAX_AGE and POWERTOOLS_PARAMETERS_SSM_DECRYPT what
// WithMaxAge, WithDecryption and WithoutDecryption leave unset. A nil
// client makes every read fail.
func NewSSM(client SSMClient, opts ...Option) *SSM {
	c := newConfig(opts)
	s := &SSM{client: client, def: c.defaults()}
	s.cache = newCache(c, s.fetch)
	return s
}

// Get returns the value of the parameter name (a name, an ARN, or either
// with a :version or :label selector). A SecureString is decrypted when
// WithDecryption is in force, and its value is then registered as a
// secret. A missing parameter is an error matching ErrNotFound.
func (s *SSM) Get(ctx context.Context, name string, opts ...Option) (string, error) {
	g := s.def
	if len(opts) > 0 {
		g = applyGetOptions(g, opts)
	}
	v, err := s.cache.get(ctx, key{name: name, kind: kindParameter, decrypt: g.decrypt}, g)
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// GetMultiple returns the values of the parameters names, by name, each
// cached as Get caches it; those not fresh in the cache are fetched together
// (GetParameters, ten names a call). When some are missing the error
// matches ErrNotFound and names them all; the map then holds the values that
// were read.
func (s *SSM) GetMultiple(ctx context.Context, names []string, opts ...Option) (map[string]string, error) {
	g := applyGetOptions(s.def, opts)
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	keys := make([]key, len(names))
	for i, n := range names {
		keys[i] = key{name: n, kind: kindParameter, decrypt: g.decrypt}
	}
	vals, errs := s.cache.getMany(ctx, keys, g)
	out := make(map[string]string, len(names))
	var missing []string
	var other []error
	for i, n := range names {
		switch err := errs[i]; {
		case err == nil:
			out[n] = vals[i].(string)
		case errors.Is(err, ErrNotFound):
			missing = append(missing, n)
		case !slices.Contains(other, err):
			other = append(other, err)
		}
	}
	if len(missing) > 0 {
		other = slices.Insert(other, 0, fmt.Errorf("params: get parameters %s: %w", quoteList(missing), ErrNotFound))
	}
	return out, errors.Join(other...)
}

// GetByPath returns the parameters under path (GetParametersByPath, every
// page), keyed by their names without the path: under "/orders",
// "/orders/db/host" is "db/host". WithoutRecursion keeps only those
// directly under it. A path with no parameter gives an empty map, not an
// error. The whole set is cached under the path; the map returned is the
// caller's own.
func (s *SSM) GetByPath(ctx context.Context, path string, opts ...Option) (map[string]string, error) {
	g := applyGetOptions(s.def, opts)
	v, err := s.cache.get(ctx, key{name: path, kind: kindPath, decrypt: g.decrypt, recursive: g.recursive}, g)
	if err != nil {
		return nil, err
	}
	return maps.Clone(v.(map[string]string)), nil
}

// fetch is the cache's fetch function.
func (s *SSM) fetch(ctx context.Context, keys []key) ([]any, []error) {
	vals, errs := make([]any, len(keys)), make([]error, len(keys))
	if isNil(s.client) {
		for i := range errs {
			errs[i] = errors.New("params: NewSSM was given a nil client")
		}
		return vals, errs
	}
	switch {
	case keys[0].kind == kindPath:
		for i, k := range keys {
			vals[i], errs[i] = s.fetchPath(ctx, k)
		}
	case len(keys) == 1:
		vals[0], errs[0] = s.fetchOne(ctx, keys[0])
	default:
		for lo := 0; lo < len(keys); lo += getParametersMax {
			hi := min(lo+getParametersMax, len(keys))
			s.fetchBatch(ctx, keys[lo:hi], vals[lo:hi], errs[lo:hi])
		}
	}
	return vals, errs
}

func (s *SSM) fetchOne(ctx context.Context, k key) (any, error) {
	out, err := s.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(k.name), WithDecryption: aws.Bool(k.decrypt)})
	if err != nil {
		return nil, parameterError(k.name, err)
	}
	if out == nil || out.Parameter == nil {
		return nil, fmt.Errorf("params: get parameter %q: the answer holds no parameter", k.name)
	}
	return parameterValue(out.Parameter, k.decrypt), nil
}

// fetchBatch fetches keys (at most ten) with one GetParameters call.
func (s *SSM) fetchBatch(ctx context.Context, keys []key, vals []any, errs []error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	out, err := s.client.GetParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: aws.Bool(keys[0].decrypt)})
	if err == nil && out == nil {
		err = errors.New("empty answer")
	}
	if err != nil {
		err = fmt.Errorf("params: get parameters %s: %w", quoteList(names), err)
		for i := range errs {
			errs[i] = err
		}
		return
	}
	// Each parameter answers the name asked for, which is its Name or ARN
	// followed by its Selector (":3", ":prod"), if any: "/a" and "/a:3"
	// asked together come back with the same Name.
	got := make(map[string]string, len(out.Parameters)*2)
	for i := range out.Parameters {
		p := &out.Parameters[i]
		v := parameterValue(p, keys[0].decrypt)
		sel := aws.ToString(p.Selector)
		for _, n := range [2]string{aws.ToString(p.Name), aws.ToString(p.ARN)} {
			if n != "" {
				got[n+sel] = v
			}
		}
	}
	for i, n := range names {
		if v, ok := got[n]; ok {
			vals[i] = v
		} else {
			errs[i] = fmt.Errorf("params: get parameter %q: %w", n, ErrNotFound)
		}
	}
}

func (s *SSM) fetchPath(ctx context.Context, k key) (any, error) {
	prefix := strings.TrimSuffix(k.name, "/") + "/"
	out := map[string]string{}
	in := &ssm.GetParametersByPathInput{
		Path: aws.String(k.name), Recursive: aws.Bool(k.recursive), WithDecryption: aws.Bool(k.decrypt),
		MaxResults: aws.Int32(10),
	}
	for page := 0; ; page++ {
		res, err := s.client.GetParametersByPath(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("params: get parameters by path %q: %w", k.name, err)
		}
		if res == nil {
			return nil, fmt.Errorf("params: get parameters by path %q: empty answer", k.name)
		}
		for i := range res.Parameters {
			p := &res.Parameters[i]
			name := aws.ToString(p.Name)
			if rel, ok := strings.CutPrefix(name, prefix); ok && rel != "" {
				name = rel
			}
			out[name] = parameterValue(p, k.decrypt)
		}
		next := aws.ToString(res.NextToken)
		if next == "" {
			return out, nil
		}
		if next == aws.ToString(in.NextToken) || page > 100_000 {
			return nil, fmt.Errorf("params: get parameters by path %q: the pages never end", k.name)
		}
		in.NextToken = aws.String(next)
	}
}

// parameterValue returns p's value, registered as a secret when it is a
// decrypted SecureString.
func parameterValue(p *types.Parameter, decrypted bool) string {
	v := aws.ToString(p.Value)
	if decrypted && p.Type == types.ParameterTypeSecureString {
		registerSecret(v)
	}
	return v
}

// parameterError wraps err, from reading the parameter name.
func parameterError(name string, err error) error {
	var nf *types.ParameterNotFound
	var vnf *types.ParameterVersionNotFound
	if errors.As(err, &nf) || errors.As(err, &vnf) {
		return fmt.Errorf("params: get parameter %q: %w: %w", name, ErrNotFound, err)
	}
	return fmt.Errorf("params: get parameter %q: %w", name, err)
}

// quoteList formats names as "a", "b", "c".
func quoteList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}
