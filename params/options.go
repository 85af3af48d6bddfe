package params

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// defaultMaxAge is how long a fetched value is served from the cache when
// neither WithMaxAge nor POWERTOOLS_PARAMETERS_MAX_AGE says otherwise, as in
// Powertools.
const defaultMaxAge = 5 * time.Second

// Option configures a provider (NewSSM, NewSecrets), where it sets the
// default of every read, or one read (Get, GetMultiple, GetByPath,
// GetBinary, GetJSON), where it wins over the provider's setting.
type Option interface {
	apply(*config)
	// applyGet takes and returns the read's settings by value, so a read
	// with options allocates nothing for them.
	applyGet(getConfig) getConfig
}

type config struct {
	read       getConfig // the defaults of every read
	maxAgeSet  bool
	decryptSet bool
	now        func() time.Time
	clockSet   bool
	lookup     env.Lookup
}

// getConfig is the settings of one read.
type getConfig struct {
	maxAge    time.Duration
	decrypt   bool
	recursive bool
	force     bool
}

// optionFunc is an Option that sets up a provider only (the clock and the
// environment lookup of tests); a read ignores it.
type optionFunc func(*config)

func (f optionFunc) apply(c *config)                { f(c) }
func (f optionFunc) applyGet(g getConfig) getConfig { return g }

// readOption is an Option that sets a read's settings, or the provider's
// defaults of them.
type readOption func(getConfig) getConfig

func (f readOption) apply(c *config)                { c.read = f(c.read) }
func (f readOption) applyGet(g getConfig) getConfig { return f(g) }

// newBaseConfig applies opts and fills in the clock and the environment
// lookup they left unset. It reads no environment variable.
func newBaseConfig(opts []Option) config {
	c := config{read: getConfig{recursive: true}}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.lookup = env.Or(c.lookup)
	return c
}

// newConfig applies opts, then reads the environment for what they left
// unset.
func newConfig(opts []Option) config {
	c := newBaseConfig(opts)
	if !c.maxAgeSet {
		c.read.maxAge = defaultMaxAge
		if v := c.lookup.String(names.EnvPowertoolsParametersMaxAge); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > int64(1<<63-1)/int64(time.Second) {
				slog.Warn("params: "+names.EnvPowertoolsParametersMaxAge+" is not a whole number of seconds: using the default",
					"value", v, "default_seconds", int(defaultMaxAge/time.Second))
			} else {
				c.read.maxAge = time.Duration(n) * time.Second
			}
		}
	}
	if !c.decryptSet {
		if v := c.lookup.String(names.EnvPowertoolsParametersSSMDecrypt); v != "" {
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				slog.Warn("params: "+names.EnvPowertoolsParametersSSMDecrypt+" is not true or false: decryption stays off", "value", v)
			}
			c.read.decrypt = b
		}
	}
	return c
}

// defaults returns the read settings the provider's configuration gives.
func (c config) defaults() getConfig {
	return c.read
}

// applyGetOptions returns def with opts applied.
func applyGetOptions(def getConfig, opts []Option) getConfig {
	for _, o := range opts {
		if o != nil {
			def = o.applyGet(def)
		}
	}
	return def
}

type maxAgeOption time.Duration

func (o maxAgeOption) apply(c *config) { c.read.maxAge, c.maxAgeSet = max(time.Duration(o), 0), true }
func (o maxAgeOption) applyGet(g getConfig) getConfig {
	g.maxAge = max(time.Duration(o), 0)
	return g
}

// WithMaxAge sets how old a cached value may be and still be served: the
// default of a provider (winning over POWERTOOLS_PARAMETERS_MAX_AGE), or
// the limit of one read. The age of a value is counted from the start of
// the fetch that got it. 0, or a negative d, means every read fetches (reads
// running at once still share one fetch, and the value is still cached for
// reads that accept an older one). Given to a read with a constant d, it
// allocates nothing.
func WithMaxAge(d time.Duration) Option {
	// Clamped where applied: a constant d then makes a constant option,
	// which a read takes without allocating.
	return maxAgeOption(d)
}

type decryptOption bool

func (o decryptOption) apply(c *config) { c.read.decrypt, c.decryptSet = bool(o), true }
func (o decryptOption) applyGet(g getConfig) getConfig {
	g.decrypt = bool(o)
	return g
}

// WithDecryption makes SSM reads ask Parameter Store to decrypt
// SecureString parameters (Powertools' decrypt): the default of NewSSM, or
// one read's. Decrypted SecureString values are registered as secrets (see
// the package documentation). Decryption is off unless it or
// POWERTOOLS_PARAMETERS_SSM_DECRYPT=true asks. Secrets ignore it: their
// values are always decrypted.
func WithDecryption() Option { return decryptOption(true) }

// WithoutDecryption makes SSM reads return SecureString parameters as
// Parameter Store holds them, encrypted: the default of NewSSM, or one
// read's, over POWERTOOLS_PARAMETERS_SSM_DECRYPT=true or a provider's
// WithDecryption.
func WithoutDecryption() Option { return decryptOption(false) }

// WithForceFetch makes a read fetch the value even when the cache holds one
// young enough (Powertools' force_fetch), and cache what it got: one read,
// or, given to a provider, every read. A fetch of the same value already
// running when the read starts is shared rather than repeated.
func WithForceFetch() Option {
	return readOption(func(g getConfig) getConfig {
		g.force = true
		return g
	})
}

// WithoutRecursion makes SSM.GetByPath return only the parameters directly
// under the path, not those of its sub-paths (which it returns by default,
// as Powertools does): one read's, or, given to NewSSM, every read's.
func WithoutRecursion() Option {
	return readOption(func(g getConfig) getConfig {
		g.recursive = false
		return g
	})
}

// withClock sets the clock that ages cached values and times a Lazy's init,
// for tests. The default, and nil, is time.Now.
func withClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now, c.clockSet = now, true
		}
	})
}

// withLookupEnv sets how environment variables are read (by LoadEnv, and by
// NewSSM and NewSecrets for POWERTOOLS_PARAMETERS_MAX_AGE and
// POWERTOOLS_PARAMETERS_SSM_DECRYPT), for tests. The default, and nil, is
// os.LookupEnv.
func withLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}
