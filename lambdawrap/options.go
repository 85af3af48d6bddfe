package lambdawrap

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// Option configures a wrapped handler.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	service       string
	namespace     string
	functionName  string
	tracer        tracing.Tracer
	out           io.Writer
	setDefault    bool
	logOpts       []logger.Option
	metricOpts    []metrics.Option
	margin        time.Duration
	marginSet     bool
	errorMetric   bool
	initType      string
	lookup        env.Lookup
	now           func() time.Time
	proc          *process
	flushDeadline time.Duration
	lambdaOpts    []lambda.Option
	sigterm       bool
	logEvent      bool
	warnings      []string // about the configuration, logged once the logger is made
	usageEvery    int
	usageSet      bool
	memoryLimit   bool
	postResponse  bool
}

// WithService names the service: the service field of every log line and
// the service dimension of every metric. It wins over POWERTOOLS_SERVICE_NAME.
func WithService(name string) Option {
	return optionFunc(func(c *config) { c.service = name })
}

// WithNamespace sets the CloudWatch namespace of the metrics. It wins over
// POWERTOOLS_METRICS_NAMESPACE.
func WithNamespace(ns string) Option {
	return optionFunc(func(c *config) { c.namespace = ns })
}

// WithFunctionName sets the function_name dimension of the lifecycle
// metrics (ColdStart, InitDuration, Errors, …). It wins over
// POWERTOOLS_METRICS_FUNCTION_NAME and AWS_LAMBDA_FUNCTION_NAME.
func WithFunctionName(name string) Option {
	return optionFunc(func(c *config) { c.functionName = name })
}

// WithTracer sets the tracing backend; without one, spans are no-ops.
func WithTracer(t tracing.Tracer) Option {
	return optionFunc(func(c *config) { c.tracer = t })
}

// WithWriter sets where log lines and EMF documents go (os.Stdout, which
// Lambda sends to CloudWatch Logs).
func WithWriter(w io.Writer) Option {
	return optionFunc(func(c *config) { c.out = w })
}

// WithoutDefaultLogger keeps the wrapper from installing its log handler
// as slog's default logger and as the log package's output, which it does
// so that slog.InfoContext(ctx, …) and log.Printf in the handler carry the
// invocation's fields. Code that logs through a logger of its own then
// gets those fields from the handler's context with a logger.Handler.
func WithoutDefaultLogger() Option {
	return optionFunc(func(c *config) { c.setDefault = false })
}

// WithLoggerOptions passes options to the logger.Handler the wrapper makes,
// which writes to WithWriter's writer: the level, the scheme, debug
// sampling and buffering, more secret keys. The service is the wrapper's
// (WithService or POWERTOOLS_SERVICE_NAME), for its log lines and its
// metrics alike.
func WithLoggerOptions(opts ...logger.Option) Option {
	return optionFunc(func(c *config) { c.logOpts = append(c.logOpts, opts...) })
}

// WithMetricsOptions passes options to the metrics recorders the wrapper
// makes, which write to WithWriter's writer: dimensions every metric
// carries, say. The service is the wrapper's (WithService or
// POWERTOOLS_SERVICE_NAME), for its metrics and its log lines alike, and so
// is the namespace when WithNamespace sets one.
func WithMetricsOptions(opts ...metrics.Option) Option {
	return optionFunc(func(c *config) { c.metricOpts = append(c.metricOpts, opts...) })
}

// WithTimeoutMargin sets how long before the deadline the timeout guard
// flushes what the invocation recorded. The default is 5 % of the time the
// invocation had when it started, clamped to 20..500 ms. A margin <= 0
// turns the guard off.
func WithTimeoutMargin(d time.Duration) Option {
	return optionFunc(func(c *config) { c.margin = d; c.marginSet = true })
}

// WithoutErrorMetric stops the Errors metric for returned errors (panics
// and timeouts are still counted).
func WithoutErrorMetric() Option {
	return optionFunc(func(c *config) { c.errorMetric = false })
}

// WithLogEvent logs each invocation's event at INFO, redacted like every
// value (secret keys, also inside a JSON body), as
// POWERTOOLS_LOGGER_LOG_EVENT=true does. Events are never logged unless one
// of them asks.
func WithLogEvent() Option {
	return optionFunc(func(c *config) { c.logEvent = true })
}

// WithInitType overrides AWS_LAMBDA_INITIALIZATION_TYPE (on-demand,
// provisioned-concurrency, snap-start, lambda-managed-instances).
func WithInitType(t string) Option {
	return optionFunc(func(c *config) { c.initType = t })
}

// WithLookupEnv replaces the environment lookup (os.LookupEnv) of the
// wrapper and of the logger and metrics recorders it makes: a local run
// gives the function the environment Lambda would (see
// examples/quickstart), a test one of its own.
func WithLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

func newConfig(opts []Option) *config {
	c := &config{
		out:           os.Stdout,
		setDefault:    true,
		errorMetric:   true,
		now:           time.Now,
		proc:          &theProcess,
		flushDeadline: 100 * time.Millisecond,
		memoryLimit:   true,
		postResponse:  true,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	c.lookup = env.Or(c.lookup)
	// A nil pointer in an interface (`exp, _ := otlp.New()` failed) would
	// panic at the first use: refused here, once, with a line that says so.
	if errinfo.IsNilPointer(c.tracer) {
		c.warnings = append(c.warnings, fmt.Sprintf("lambdawrap: WithTracer was given a nil %T; spans are not recorded", c.tracer))
		c.tracer = nil
	}
	if c.out == nil || errinfo.IsNilPointer(c.out) {
		if c.out != nil {
			c.warnings = append(c.warnings, fmt.Sprintf("lambdawrap: WithWriter was given a nil %T; writing to stdout", c.out))
		}
		c.out = os.Stdout
	}
	// The service is named once, here: by WithService, or by the
	// environment, as Powertools reads it.
	if c.service == "" {
		if c.service = c.lookup.Service(); c.service == "" {
			c.service = names.DefaultService
		}
	}
	if !c.logEvent {
		c.logEvent, _ = c.lookup.Bool(names.EnvPowertoolsLoggerLogEvent)
	}
	off, _ := c.lookup.Bool(names.EnvLambdaobsDisableSIGTERM)
	c.sigterm = !off
	if c.initType == "" {
		c.initType = c.lookup.String(names.EnvAWSLambdaInitializationType)
	}
	if !c.usageSet {
		// Outside Lambda (tests, local runs) the figures would describe the
		// test process: off unless asked for.
		if c.lookup.String(names.EnvAWSLambdaRuntimeAPI) != "" {
			c.usageEvery = defaultUsageSample
		}
		if v := c.lookup.String(names.EnvLambdaobsUsageMetrics); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				c.usageEvery = n
			} else {
				inEffect := "usage metrics are off"
				if c.usageEvery > 0 {
					inEffect = fmt.Sprintf("one invocation in %d is sampled", c.usageEvery)
				}
				c.warnings = append(c.warnings, fmt.Sprintf("lambdawrap: %s=%q is not a whole number ≥ 0; %s", names.EnvLambdaobsUsageMetrics, v, inEffect))
			}
		}
	}
	if c.functionName == "" {
		c.functionName = c.lookup.String(names.EnvPowertoolsMetricsFunctionName)
	}
	if c.functionName == "" {
		c.functionName = c.lookup.String(names.EnvAWSLambdaFunctionName)
	}
	return c
}

// logger options derived from the wrapper's.
func (c *config) loggerOptions() []logger.Option {
	opts := append([]logger.Option{hook.LoggerLookupEnv(c.lookup).(logger.Option)}, c.logOpts...)
	return append(opts, logger.WithService(c.service))
}

// metricsOptions are the recorders' options: WithMetricsOptions's first,
// then the wrapper's service and namespace, which win over theirs.
func (c *config) metricsOptions(report func(error)) []metrics.Option {
	opts := []metrics.Option{hook.MetricsLookupEnv(c.lookup).(metrics.Option), metrics.WithErrorHandler(report)}
	opts = append(opts, c.metricOpts...)
	opts = append(opts, metrics.WithService(c.service))
	if c.namespace != "" {
		opts = append(opts, metrics.WithNamespace(c.namespace))
	}
	return opts
}
