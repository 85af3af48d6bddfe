package params

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// SecretsClient is the part of *secretsmanager.Client that Secrets calls.
// Tests and users may pass their own implementation.
type SecretsClient interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ SecretsClient = (*secretsmanager.Client)(nil)

// Secrets reads secrets from AWS Secrets Manager through a cache (see the
// package documentation). Every value it fetches is registered as a secret,
// so no output of the toolkit writes it. It is safe for concurrent use; make
// one per process, at init, and share it.
type Secrets struct {
	client SecretsClient
	def    getConfig
	cache  *cache
}

// secretValue is a fetched secret: a string or binary data.
type secretValue struct {
	str   string
	isStr bool
	bin   []byte
}

// NewSecrets returns a Secrets reading through client, usually
// secretsmanager.NewFromConfig(cfg) with cfg instrumented by
// awssdk.Instrument. Its options set the defaults of every read (WithMaxAge,
// WithForceFetch; the others concern SSM only), and
// POWERTOOLS_PARAMETERS_MAX_AGE the max age when WithMaxAge is not given.
// A nil client makes every read fail.
func NewSecrets(client SecretsClient, opts ...Option) *Secrets {
	c := newConfig(opts)
	s := &Secrets{client: client, def: c.defaults()}
	s.cache = newCache(c, s.fetch)
	return s
}

// Get returns the string value of the secret name (a name or an ARN; the
// version labelled AWSCURRENT). A secret holding binary data is an error:
// read it with GetBinary. A missing secret is an error matching ErrNotFound.
func (s *Secrets) Get(ctx context.Context, name string, opts ...Option) (string, error) {
	v, err := s.get(ctx, name, opts)
	if err != nil {
		return "", err
	}
	if !v.isStr {
		return "", fmt.Errorf("params: secret %q holds binary data: read it with GetBinary", name)
	}
	return v.str, nil
}

// GetBinary returns the binary value of the secret name, as a copy the
// caller may change. A secret holding a string is an error: read it with
// Get or GetJSON.
func (s *Secrets) GetBinary(ctx context.Context, name string, opts ...Option) ([]byte, error) {
	v, err := s.get(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	if v.isStr {
		return nil, fmt.Errorf("params: secret %q holds a string: read it with Get or GetJSON", name)
	}
	return bytes.Clone(v.bin), nil
}

// GetJSON decodes the string value of the secret name, a JSON document
// (the key/value form the console stores), into v as json.Unmarshal does.
// Every string in the document was registered as a secret when it was
// fetched.
func (s *Secrets) GetJSON(ctx context.Context, name string, v any, opts ...Option) error {
	str, err := s.Get(ctx, name, opts...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(str), v); err != nil {
		return fmt.Errorf("params: decode secret %q: %w", name, err)
	}
	return nil
}

func (s *Secrets) get(ctx context.Context, name string, opts []Option) (*secretValue, error) {
	g := s.def
	if len(opts) > 0 {
		g = applyGetOptions(g, opts)
	}
	v, err := s.cache.get(ctx, key{name: name, kind: kindSecret}, g)
	if err != nil {
		return nil, err
	}
	return v.(*secretValue), nil
}

// fetch is the cache's fetch function.
func (s *Secrets) fetch(ctx context.Context, keys []key) ([]any, []error) {
	vals, errs := make([]any, len(keys)), make([]error, len(keys))
	for i, k := range keys {
		vals[i], errs[i] = s.fetchOne(ctx, k.name)
	}
	return vals, errs
}

func (s *Secrets) fetchOne(ctx context.Context, name string) (any, error) {
	if isNil(s.client) {
		return nil, errors.New("params: NewSecrets was given a nil client")
	}
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("params: get secret %q: %w: %w", name, ErrNotFound, err)
		}
		return nil, fmt.Errorf("params: get secret %q: %w", name, err)
	}
	if out == nil {
		return nil, fmt.Errorf("params: get secret %q: empty answer", name)
	}
	if out.SecretString != nil {
		registerSecret(*out.SecretString)
		return &secretValue{str: *out.SecretString, isStr: true}, nil
	}
	b := out.SecretBinary
	redact.AddSecrets(string(b), base64.StdEncoding.EncodeToString(b))
	return &secretValue{bin: b}, nil
}

// registerSecret registers v as a secret, and when v is a JSON document,
// every string in it (a password under "password" is written alone more
// often than the whole document is).
func registerSecret(v string) {
	redact.AddSecrets(v)
	t := bytes.TrimSpace([]byte(v))
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return
	}
	var doc any
	if json.Unmarshal(t, &doc) != nil {
		return
	}
	var leaves []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			leaves = append(leaves, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	redact.AddSecrets(leaves...)
}

// isNil reports whether c is nil or a nil pointer in an interface.
func isNil(c any) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Func, reflect.Slice, reflect.Chan:
		return v.IsNil()
	}
	return false
}
