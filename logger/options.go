package logger

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// Extra levels beside slog's four, for the level names Lambda and Powertools
// accept (POWERTOOLS_LOG_LEVEL=TRACE or CRITICAL): log at them with
// slog.Logger.Log.
const (
	LevelTrace    slog.Level = -8
	LevelCritical slog.Level = 12
)

// defaultBufferSize is the default bound of an invocation's debug buffer.
const defaultBufferSize = 20 << 10

// defaultMaxLineSize is the longest line a Handler writes: under CloudWatch
// Logs' 256 KB event limit, with room for what Lambda adds.
const defaultMaxLineSize = 256_000

// Option configures a Handler.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	level       slog.Leveler
	levelSet    bool
	service     string
	scheme      fieldKeys
	location    bool
	sampleRate  float64
	sampleSet   bool
	buffer      bool
	bufferSize  int
	bufferLevel slog.Level
	keys        *redact.Keys
	dev         bool
	lookup      env.Lookup
	now         func() time.Time
	fixedClock  bool
	rand        func() float64
	warnings    []string
	maxLine     int
	secrets     *redact.Set // the credentials the lookup names, when not the process's own
}

// WithLevel sets the minimum level; it wins over POWERTOOLS_LOG_LEVEL and
// AWS_LAMBDA_LOG_LEVEL. Pass a *slog.LevelVar to change it at run time.
func WithLevel(l slog.Leveler) Option {
	return optionFunc(func(c *config) { c.level, c.levelSet = l, l != nil })
}

// WithService sets the service field; it wins over POWERTOOLS_SERVICE_NAME.
func WithService(name string) Option {
	return optionFunc(func(c *config) { c.service = name })
}

// WithScheme chooses the names of the fields the handler writes
// (Powertools by default).
func WithScheme(s Scheme) Option {
	return optionFunc(func(c *config) { c.scheme = s.keys() })
}

// WithLocation adds the caller's file and line as the location field.
func WithLocation() Option {
	return optionFunc(func(c *config) { c.location = true })
}

// WithSampleRate sets the share (0..1) of invocations whose debug lines are
// written whatever the level; it wins over POWERTOOLS_LOGGER_SAMPLE_RATE.
func WithSampleRate(rate float64) Option {
	return optionFunc(func(c *config) { c.sampleRate, c.sampleSet = rate, true })
}

// WithDebugBuffer holds an invocation's lines below the handler's level (down
// to DEBUG) in memory, at most size bytes (20 KiB when size <= 0),
// and writes them only if the invocation logs an ERROR or ends failed. When
// the buffer is full the oldest lines are dropped and their count is written.
func WithDebugBuffer(size int) Option {
	return optionFunc(func(c *config) {
		c.buffer = true
		if size <= 0 {
			size = defaultBufferSize
		}
		c.bufferSize = size
	})
}

// WithRedactKeys replaces the words that make a key secret
// (redact.DefaultKeys), for the handler and for the invocations it begins:
// their EMF documents and spans follow the same keys. Pass nothing to stop
// redacting by key; secret values are still replaced.
func WithRedactKeys(keys ...string) Option {
	return optionFunc(func(c *config) { c.keys = redact.NewKeys(keys) })
}

// WithDevelopment writes indented, human-readable JSON, as
// POWERTOOLS_DEV=true does.
func WithDevelopment() Option {
	return optionFunc(func(c *config) { c.dev = true })
}

// WithMaxLineSize sets the longest line written (256 000 bytes, under
// CloudWatch Logs' 256 KB event limit, when n <= 0). A longer record is
// written with its string values cut and marked ("…[truncated N bytes]",
// "truncated": true), still one valid JSON object.
func WithMaxLineSize(n int) Option {
	return optionFunc(func(c *config) { c.maxLine = n })
}

// withLookupEnv replaces the environment lookup (os.LookupEnv): lambdawrap
// passes its own (through hook.LoggerLookupEnv), tests an environment of
// their own.
func withLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

// WithClock makes the handler read the time from now instead of time.Now:
// every line carries now's time in place of the one slog took when the
// record was made. Tests and examples use it for fixed output; nil keeps
// the record's time.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now, c.fixedClock = now, true
		}
	})
}

// withRand replaces the random source of debug sampling, for tests; it
// returns values in [0, 1).
func withRand(r func() float64) Option {
	return optionFunc(func(c *config) { c.rand = r })
}

func newConfig(opts []Option) *config {
	c := &config{
		keys:        redact.DefaultKeys(),
		bufferLevel: slog.LevelDebug,
		now:         time.Now,
		rand:        rand.Float64,
	}
	for _, o := range opts {
		o.apply(c)
	}
	lookup := env.Or(c.lookup)
	c.lookup = lookup
	if c.maxLine <= 0 {
		c.maxLine = defaultMaxLineSize
	}
	// The function's own credentials never appear in a line, whatever wraps
	// them: the process's set has those of its environment; a lookup of its
	// own (tests) may name others.
	process := &redact.Scrubber{Sets: [3]*redact.Set{redact.Process()}}
	for _, k := range []string{names.EnvAWSSecretAccessKey, names.EnvAWSSessionToken} {
		if v := lookup.String(k); len(v) >= redact.MinSecretLen && !process.Secret(v) {
			if c.secrets == nil {
				c.secrets = redact.NewSet(nil)
			}
			c.secrets.Add(v)
		}
	}
	if c.service == "" {
		c.service = lookup.Service()
	}
	if c.service == "" {
		c.service = names.DefaultService
	}
	if !c.dev {
		c.dev, _ = lookup.Bool(names.EnvPowertoolsDev)
	}
	if !c.sampleSet {
		if v := lookup.String(names.EnvPowertoolsLoggerSampleRate); v != "" {
			f, ok := lookup.Float(names.EnvPowertoolsLoggerSampleRate)
			if !ok || f < 0 || f > 1 {
				c.warnings = append(c.warnings, fmt.Sprintf(names.EnvPowertoolsLoggerSampleRate+"=%q is not a number in 0..1; debug sampling is off", v))
			} else {
				c.sampleRate = f
			}
		}
	}
	if c.sampleRate < 0 || c.sampleRate > 1 {
		c.warnings = append(c.warnings, fmt.Sprintf("sample rate %v is not in 0..1; debug sampling is off", c.sampleRate))
		c.sampleRate = 0
	}
	lambdaLevel, lambdaSet := slog.Level(0), false
	if v := lookup.String(names.EnvAWSLambdaLogLevel); v != "" {
		if l, ok := parseLevel(v); ok {
			lambdaLevel, lambdaSet = l, true
		} else {
			c.warnings = append(c.warnings, fmt.Sprintf(names.EnvAWSLambdaLogLevel+"=%q is not a level; ignored", v))
		}
	}
	if !c.levelSet {
		level := slog.LevelInfo
		switch v := lookup.String(names.EnvPowertoolsLogLevel); {
		case v != "":
			if l, ok := parseLevel(v); ok {
				level = l
			} else {
				c.warnings = append(c.warnings, fmt.Sprintf(names.EnvPowertoolsLogLevel+"=%q is not a level; using INFO", v))
			}
		case lambdaSet:
			level = lambdaLevel
		}
		c.level = level
	}
	if lambdaSet && c.level.Level() < lambdaLevel {
		c.warnings = append(c.warnings, fmt.Sprintf("log level %s is more verbose than "+names.EnvAWSLambdaLogLevel+"=%s: Lambda drops lines below %s", levelName(c.level.Level()), levelName(lambdaLevel), levelName(lambdaLevel)))
	}
	if c.scheme.Message == "" {
		c.scheme = Powertools.keys()
	}
	return c
}

// parseLevel reads a level name as Lambda and Powertools users write it:
// TRACE, DEBUG, INFO, WARN or WARNING, ERROR, CRITICAL or FATAL, in any case.
func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE":
		return LevelTrace, true
	case "DEBUG":
		return slog.LevelDebug, true
	case "INFO":
		return slog.LevelInfo, true
	case "WARN", "WARNING":
		return slog.LevelWarn, true
	case "ERROR":
		return slog.LevelError, true
	case "CRITICAL", "FATAL":
		return LevelCritical, true
	}
	return 0, false
}

// levelName returns the name a line gives l: slog's for its levels,
// TRACE and CRITICAL for the two this package adds.
func levelName(l slog.Level) string {
	switch l {
	case slog.LevelDebug:
		return "DEBUG"
	case slog.LevelInfo:
		return "INFO"
	case slog.LevelWarn:
		return "WARN"
	case slog.LevelError:
		return "ERROR"
	case LevelTrace:
		return "TRACE"
	case LevelCritical:
		return "CRITICAL"
	}
	return l.String()
}

// Scheme is a set of names for the fields a Handler writes.
type Scheme uint8

// Schemes.
const (
	// Powertools is the default: the keys of Powertools for AWS Lambda
	// (level, message, timestamp, service, cold_start, function_request_id,
	// xray_trace_id, …), so Logs Insights queries written for it keep
	// working.
	Powertools Scheme = iota
	// Lambda is Lambda's own JSON log format, as aws-lambda-go's
	// lambdacontext.NewLogHandler writes it: timestamp first, then level,
	// message, requestId, traceId.
	Lambda
)

// keys returns the field names of s (Powertools' for an unknown s).
func (s Scheme) keys() fieldKeys {
	if s == Lambda {
		return lambdaKeys
	}
	return powertoolsKeys
}

// fieldKeys names the fields a Handler writes. A field whose name is empty
// is not written.
type fieldKeys struct {
	Level, Message, Time, Location, Service, SamplingRate               string
	ColdStart, FunctionName, FunctionMemorySize, FunctionARN, RequestID string
	FunctionVersion, TraceID, TenantID, InitDuration                    string
	// TimeFirst writes the time before the level, as Lambda's format does.
	TimeFirst bool
}

var powertoolsKeys = fieldKeys{
	Level:              names.KeyLevel,
	Message:            names.KeyMessage,
	Time:               names.KeyTimestamp,
	Location:           names.KeyLocation,
	Service:            names.KeyService,
	SamplingRate:       names.KeySamplingRate,
	ColdStart:          names.KeyColdStart,
	FunctionName:       names.KeyFunctionName,
	FunctionMemorySize: names.KeyFunctionMemorySize,
	FunctionARN:        names.KeyFunctionARN,
	RequestID:          names.KeyRequestID,
	TraceID:            names.KeyXRayTraceID,
	TenantID:           names.KeyTenantID,
	InitDuration:       names.KeyInitDurationMS,
}

var lambdaKeys = fieldKeys{
	Level:       names.KeyLevel,
	Message:     names.KeyMessage,
	Time:        names.KeyTimestamp,
	Location:    names.KeyLocation,
	RequestID:   names.KeyLambdaRequestID,
	TraceID:     names.KeyLambdaTraceID,
	TenantID:    names.KeyLambdaTenantID,
	ColdStart:   names.KeyLambdaColdStart,
	FunctionARN: names.KeyLambdaFunctionARN,
	TimeFirst:   true,
}
