package oteltracing

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// defaultAttributeValueLengthLimit is how long a string attribute value may
// be before it is cut, unless WithAttributeValueLengthLimit or
// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT say otherwise.
const defaultAttributeValueLengthLimit = 4096

// defaultMaxExportBatchSize is how many ended spans wait for the flush
// before they are exported at once, by the goroutine ending the last one.
const defaultMaxExportBatchSize = 512

// Option configures a Tracer.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	lookup  env.Lookup
	service string
	sampler sdktrace.Sampler
	// samplerAttrs: the sampler may read the attributes a span starts
	// with, so they are given to it; other spans get them once started.
	samplerAttrs  bool
	valueLimit    int
	valueLimitSet bool
	batch         int
	trigger       string
	resAttrs      []attribute.KeyValue
	onError       func(error)
	disabled      bool
}

// WithService sets service.name. It wins over OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES and the service lambdawrap passes with each
// invocation.
func WithService(name string) Option {
	return optionFunc(func(c *config) { c.service = name })
}

// WithSampler sets the sampler (nil, or a nil pointer, keeps the default;
// the latter with a WARN line). The default follows the sampling decision
// in Lambda's trace header (ParentBased(AlwaysSample)), as X-Ray does, or
// the sampler OTEL_TRACES_SAMPLER names. When the function's active tracing
// is off Lambda's header says Sampled=0 and nothing is recorded: use
// WithSampler(sdktrace.AlwaysSample()) (or OTEL_TRACES_SAMPLER=always_on) to
// record every invocation anyway. A sampler other than the SDK's
// AlwaysSample, NeverSample and TraceIDRatioBased is given the attributes a
// span starts with (the others do not read them, so spans get them once
// started, which costs less); they are the span's only while ShouldSample
// runs: a sampler that keeps them must copy them.
func WithSampler(s sdktrace.Sampler) Option {
	return optionFunc(func(c *config) { c.sampler = s })
}

// WithAttributeValueLengthLimit cuts string attribute values (and each
// string of a slice) to n bytes; n < 0 means no limit. The default is
// 4096. It wins over
// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT and OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT.
func WithAttributeValueLengthLimit(n int) Option {
	return optionFunc(func(c *config) { c.valueLimit = n; c.valueLimitSet = true })
}

// WithMaxExportBatchSize sets how many ended spans may wait for the flush
// (default 512), and how many one export sends. The End that brings the
// spans waiting to that many exports them before it returns, unless export
// is deferred (tracing.Deferred), when only Flush exports.
func WithMaxExportBatchSize(n int) Option {
	return optionFunc(func(c *config) { c.batch = n })
}

// WithTrigger sets faas.trigger of the invocation spans: "http",
// "pubsub", "datasource", "timer" or "other" (the default). An event-source
// adapter may also set it per invocation with
// tracing.SpanFromContext(ctx).SetAttributes(slog.String("faas.trigger", …)).
func WithTrigger(trigger string) Option {
	return optionFunc(func(c *config) { c.trigger = trigger })
}

// WithResourceAttributes adds attributes to the resource (after those of
// OTEL_RESOURCE_ATTRIBUTES, which they override).
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.resAttrs = append(c.resAttrs, attrs...) })
}

// WithErrorHandler receives the errors of exports and configuration
// (default: otel.Handle, which logs them to stderr). It must be safe for
// concurrent use.
func WithErrorHandler(h func(error)) Option {
	return optionFunc(func(c *config) { c.onError = h })
}

// WithDisabled turns tracing off, as POWERTOOLS_TRACE_DISABLED=true or
// OTEL_SDK_DISABLED=true do: every span is a no-op and nothing is exported.
func WithDisabled() Option {
	return optionFunc(func(c *config) { c.disabled = true })
}

// withLookupEnv replaces the environment lookup (os.LookupEnv), for tests
// (through hook.OTelLookupEnv for those of other packages).
func withLookupEnv(lookup func(key string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil && !errinfo.IsNilPointer(o) {
			o.apply(c)
		}
	}
	c.lookup = env.Or(c.lookup)
	if c.onError == nil {
		c.onError = otel.Handle
	}
	if errinfo.IsNilPointer(c.sampler) {
		warn("oteltracing: the sampler is a nil "+errinfo.Type(c.sampler)+": using the default", slog.String("sampler", errinfo.Type(c.sampler)))
		c.sampler = nil
	}
	if !c.disabled {
		off, _ := c.lookup.Bool(names.EnvPowertoolsTraceDisabled)
		sdkOff, _ := c.lookup.Bool(names.EnvOTelSDKDisabled)
		c.disabled = off || sdkOff
	}
	if c.batch <= 0 {
		c.batch = defaultMaxExportBatchSize
	}
	if c.trigger == "" {
		c.trigger = "other"
	}
	if !c.valueLimitSet {
		c.valueLimit = defaultAttributeValueLengthLimit
		for _, k := range []string{names.EnvOTelSpanAttributeValueLengthLimit, names.EnvOTelAttributeValueLengthLimit} {
			if n, ok := c.int(k); ok {
				c.valueLimit = n
				break
			}
		}
	}
	if c.sampler == nil {
		c.sampler = c.envSampler()
	} else {
		c.samplerAttrs = readsAttributes(c.sampler)
	}
	return c
}

// readsAttributes reports whether s, given with WithSampler, may read the
// attributes of the spans it samples: any sampler but the SDK's
// AlwaysSample, NeverSample and TraceIDRatioBased, which decide without
// them (a ParentBased may hold one of the caller's).
func readsAttributes(s sdktrace.Sampler) bool {
	plain := [...]reflect.Type{
		reflect.TypeOf(sdktrace.AlwaysSample()),
		reflect.TypeOf(sdktrace.NeverSample()),
		reflect.TypeOf(sdktrace.TraceIDRatioBased(0.5)),
		reflect.TypeOf(sdktrace.TraceIDRatioBased(1)), // and 0: a type of their own
	}
	return !slices.Contains(plain[:], reflect.TypeOf(s))
}

func (c *config) int(key string) (int, bool) {
	v := c.lookup.String(key)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		c.onError(errorf("%s=%q is not an integer", key, v))
		return 0, false
	}
	return n, true
}

// spanLimits are the SDK's defaults, with the attribute value length and
// the OTEL_SPAN_* limits read through the lookup.
func (c *config) spanLimits() sdktrace.SpanLimits {
	l := sdktrace.SpanLimits{
		AttributeValueLengthLimit:   c.valueLimit,
		AttributeValueDepthLimit:    sdktrace.DefaultAttributeValueDepthLimit,
		AttributeCountLimit:         sdktrace.DefaultAttributeCountLimit,
		EventCountLimit:             sdktrace.DefaultEventCountLimit,
		LinkCountLimit:              sdktrace.DefaultLinkCountLimit,
		AttributePerEventCountLimit: sdktrace.DefaultAttributePerEventCountLimit,
		AttributePerLinkCountLimit:  sdktrace.DefaultAttributePerLinkCountLimit,
	}
	for key, p := range map[string]*int{
		names.EnvOTelSpanAttributeCountLimit:  &l.AttributeCountLimit,
		names.EnvOTelSpanEventCountLimit:      &l.EventCountLimit,
		names.EnvOTelSpanLinkCountLimit:       &l.LinkCountLimit,
		names.EnvOTelEventAttributeCountLimit: &l.AttributePerEventCountLimit,
		names.EnvOTelLinkAttributeCountLimit:  &l.AttributePerLinkCountLimit,
	} {
		if n, ok := c.int(key); ok {
			*p = n
		}
	}
	return l
}

// envSampler is the sampler OTEL_TRACES_SAMPLER (and _ARG) name, or
// ParentBased(AlwaysSample).
func (c *config) envSampler() sdktrace.Sampler {
	name := strings.ToLower(c.lookup.String(names.EnvOTelTracesSampler))
	ratio := func() float64 {
		arg := c.lookup.String(names.EnvOTelTracesSamplerArg)
		if arg == "" {
			return 1
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			c.onError(errorf(names.EnvOTelTracesSamplerArg+"=%q is not a ratio in [0, 1]", arg))
			return 1
		}
		return r
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio())
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio()))
	default:
		c.onError(errorf(names.EnvOTelTracesSampler+"=%q is not supported; using parentbased_always_on", name))
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
}

// warn writes one WARN line with slog's default logger: a mistake in what
// main gave New, which New works around.
func warn(msg string, attrs ...slog.Attr) {
	slog.Default().LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}
