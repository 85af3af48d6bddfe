package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// Defaults of New.
const (
	DefaultRegion            = "us-east-1"
	DefaultPeriod            = time.Minute
	DefaultStart             = "-PT3H"
	DefaultDurationThreshold = time.Second
	DefaultErrorRate         = 1.0 // percent
	// DefaultMemoryUtilization is the share of the function's memory, in
	// percent, above which Template's memory alarm fires.
	DefaultMemoryUtilization = 90.0
	// LogLimit is the number of lines a log widget shows.
	LogLimit = 50
)

// Option configures New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	region    string
	regionSet bool
	period    time.Duration
	start     string
	name      string
	duration  time.Duration
	errorRate float64
	memory    float64
	topics    []string
}

// WithRegion sets the region of the functions that do not name their own;
// the default is DefaultRegion. It is for Body: Template refuses it, since
// CloudFormation creates the alarms and saved queries in the stack's region.
func WithRegion(region string) Option {
	return optionFunc(func(c *config) { c.region, c.regionSet = region, true })
}

// WithPeriod sets the period of every metric widget and alarm: 1, 5, 10 or
// 30 seconds (high-resolution metrics) or a multiple of a minute. The
// default is DefaultPeriod.
func WithPeriod(d time.Duration) Option {
	return optionFunc(func(c *config) { c.period = d })
}

// WithStart sets the time range the dashboard opens on, as the body's start
// property: an ISO 8601 duration before now such as -PT3H (the default).
func WithStart(start string) Option {
	return optionFunc(func(c *config) { c.start = start })
}

// WithName sets the dashboard's name in Template's output; the default
// there is "<stack name>-lambdaobs".
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}

// WithDurationThreshold sets the p99 duration above which Template's
// duration alarm fires; the default is DefaultDurationThreshold.
func WithDurationThreshold(d time.Duration) Option {
	return optionFunc(func(c *config) { c.duration = d })
}

// WithErrorRateThreshold sets the error rate, in percent of invocations,
// above which Template's error rate alarm fires; the default is
// DefaultErrorRate.
func WithErrorRateThreshold(percent float64) Option {
	return optionFunc(func(c *config) { c.errorRate = percent })
}

// WithMemoryUtilizationThreshold sets the share of the function's memory,
// in percent, above which Template's memory alarm fires and where the
// memory utilisation widget draws its line; the default is
// DefaultMemoryUtilization.
func WithMemoryUtilizationThreshold(percent float64) Option {
	return optionFunc(func(c *config) { c.memory = percent })
}

// WithAlarmTopic makes every alarm notify these SNS topics when it fires
// (its AlarmActions). Each is a topic's ARN, or the logical id of an
// AWS::SNS::Topic resource or a parameter of the template Template's output
// goes into, written as a Ref. A topic must be in the stack's region, since
// the alarms are. Without one, the alarms change state and notify nobody.
func WithAlarmTopic(topics ...string) Option {
	return optionFunc(func(c *config) { c.topics = append(c.topics, topics...) })
}

// maxAlarmActions is the number of actions CloudWatch takes per alarm state.
const maxAlarmActions = 5

// checkTopic returns an error unless s is an SNS topic ARN or a logical id.
func checkTopic(s string) error {
	if validLogicalID(s) {
		return nil
	}
	if topicARNRE().MatchString(s) {
		if name := s[strings.LastIndexByte(s, ':')+1:]; len(name) > 256 {
			return fmt.Errorf("dashboard: alarm topic %q: a topic name is at most 256 characters", shorten(s))
		}
		if strings.HasSuffix(s, ".fifo") {
			return fmt.Errorf("dashboard: alarm topic %q is a FIFO topic, which CloudWatch alarms cannot notify", shorten(s))
		}
		return nil
	}
	return fmt.Errorf("dashboard: alarm topic %q is neither an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME) nor a CloudFormation logical id (letters and digits)", shorten(s))
}

// Dashboard is the dashboard of one or more functions: its widgets, and the
// alarms and saved queries that go with it.
type Dashboard struct {
	// Functions are the functions drawn, with their defaults filled in.
	Functions []Function
	// Widgets are the widgets of the body, in order.
	Widgets []Widget
	// Alarms are the alarms Template writes.
	Alarms []Alarm
	// Queries are the saved queries Template writes.
	Queries []Query
	// Region is the dashboard's default region.
	Region string
	// Period is the period of the metric widgets and alarms.
	Period time.Duration
	// Start is the time range the dashboard opens on.
	Start string
	// Name is the dashboard's name in Template's output; empty for the
	// default.
	Name string
	// AlarmTopics are the SNS topics every alarm notifies (WithAlarmTopic).
	AlarmTopics []string

	durationThreshold time.Duration
	errorRate         float64
	memory            float64
}

// New returns the dashboard of fns, or an error naming what is wrong with
// them.
func New(fns []Function, opts ...Option) (*Dashboard, error) {
	c := config{region: DefaultRegion, period: DefaultPeriod, start: DefaultStart,
		duration: DefaultDurationThreshold, errorRate: DefaultErrorRate, memory: DefaultMemoryUtilization}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if !regionRE().MatchString(c.region) {
		return nil, fmt.Errorf("dashboard: region %q is not an AWS region name such as us-east-1", shorten(c.region))
	}
	if err := checkPeriod(c.period); err != nil {
		return nil, err
	}
	if !startRE().MatchString(c.start) || !strings.ContainsAny(c.start, "0123456789") || strings.HasSuffix(c.start, "T") {
		return nil, fmt.Errorf("dashboard: start %q is not an ISO 8601 duration before now such as -PT3H", shorten(c.start))
	}
	if c.name != "" && !validDashboardName(c.name) {
		return nil, fmt.Errorf("dashboard: name %q: 1 to 255 characters of [a-zA-Z0-9_-]", shorten(c.name))
	}
	if c.duration <= 0 || c.duration > 15*time.Minute {
		return nil, fmt.Errorf("dashboard: duration threshold %v: between 0 and 15 minutes, Lambda's longest timeout", c.duration)
	}
	if !(c.errorRate > 0 && c.errorRate <= 100) {
		return nil, fmt.Errorf("dashboard: error rate threshold %v: a percentage above 0 and at most 100", c.errorRate)
	}
	if !(c.memory > 0 && c.memory <= 100) {
		return nil, fmt.Errorf("dashboard: memory utilisation threshold %v: a percentage above 0 and at most 100", c.memory)
	}
	if len(c.topics) > maxAlarmActions {
		return nil, fmt.Errorf("dashboard: %d alarm topics: CloudWatch takes at most %d actions per alarm", len(c.topics), maxAlarmActions)
	}
	for i, t := range c.topics {
		if err := checkTopic(t); err != nil {
			return nil, err
		}
		if slices.Contains(c.topics[:i], t) {
			return nil, fmt.Errorf("dashboard: alarm topic %q is listed twice", shorten(t))
		}
	}
	if len(fns) == 0 {
		return nil, errors.New("dashboard: no function to draw")
	}
	d := &Dashboard{Region: c.region, Period: c.period, Start: c.start, Name: c.name,
		AlarmTopics: slices.Clone(c.topics), durationThreshold: c.duration, errorRate: c.errorRate, memory: c.memory}
	names := map[string]bool{}
	for _, f := range fns {
		nf, err := f.normalize(c.region, c.regionSet)
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		key := nf.Name
		if key == "" {
			key = nf.Ref
		}
		if names[key] {
			return nil, fmt.Errorf("dashboard: function %q is listed twice", key)
		}
		names[key] = true
		d.Functions = append(d.Functions, nf)
	}
	d.Widgets = d.build(plainNames)
	if len(d.Widgets) > maxWidgets {
		return nil, fmt.Errorf("dashboard: %d widgets, more than the %d CloudWatch allows on one dashboard: draw fewer functions or metrics", len(d.Widgets), maxWidgets)
	}
	for _, w := range d.Widgets {
		for _, s := range w.Series {
			if !s.Search {
				continue
			}
			if n := len(s.searchExpression(s.stat(&w), w.Period)); n > maxSearchLength {
				return nil, fmt.Errorf("dashboard: function %q: the search expression of %s is %d characters, more than the %d CloudWatch takes: shorten the service, the namespace or the dimension names",
					shorten(w.Function), s.Metric, n, maxSearchLength)
			}
		}
	}
	d.Alarms = d.alarms(plainNames)
	d.Queries = d.queries(plainNames)
	return d, nil
}

func checkPeriod(p time.Duration) error {
	switch {
	case p == time.Second || p == 5*time.Second || p == 10*time.Second || p == 30*time.Second:
		return nil
	case p >= time.Minute && p%time.Minute == 0 && p <= 24*time.Hour:
		return nil
	}
	return fmt.Errorf("dashboard: period %v: 1, 5, 10 or 30 seconds or whole minutes up to a day", p)
}

// naming says how a function and its region are written: plainly in a
// body, or as CloudFormation substitutions in a template.
type naming struct {
	name     func(i int, f Function) string
	region   func(f Function) string
	logGroup func(i int, f Function) string
	queue    func(i int, f Function) string // the dead-letter queue, "" for none
}

var plainNames = naming{
	name: func(_ int, f Function) string {
		if f.Name == "" {
			return f.Ref
		}
		return f.Name
	},
	region:   func(f Function) string { return f.Region },
	logGroup: func(_ int, f Function) string { return f.logGroup() },
	queue: func(_ int, f Function) string {
		if f.DeadLetterQueue == "" {
			return f.DeadLetterQueueRef
		}
		return f.DeadLetterQueue
	},
}

// Body returns the dashboard body: the JSON PutDashboard and
// AWS::CloudWatch::Dashboard take, indented.
func (d *Dashboard) Body() ([]byte, error) {
	for _, f := range d.Functions {
		if f.Name == "" {
			return nil, fmt.Errorf("dashboard: function %s is known only by its CloudFormation reference: use Template, or give its name", f.Ref)
		}
	}
	return marshalBody(d.Start, d.Widgets, "  ")
}

func marshalBody(start string, widgets []Widget, indent string) ([]byte, error) {
	b := body{Start: start, PeriodOverride: "inherit", Widgets: make([]widgetJSON, len(widgets))}
	for i := range widgets {
		b.Widgets[i] = widgets[i].json()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("dashboard: encode body: %w", err)
	}
	return buf.Bytes(), nil
}

// alarmColor is the colour of the line of an alarm's threshold.
const alarmColor = "#d62728"

// Layout of a function's section on the 24-column grid.
const (
	gridWidth    = 24
	headerHeight = 2
	rowHeight    = 6
)

// build lays out the widgets of every function, one section below the other.
func (d *Dashboard) build(n naming) []Widget {
	var ws []Widget
	y := 0
	period := int(d.Period / time.Second)
	for i, f := range d.Functions {
		name, region := n.name(i, f), n.region(f)
		lambdaDims := []Dimension{{LambdaFunctionName, name}}
		lifeDims := []Dimension{{names.DimService, f.Service}, {names.DimFunctionName, name}}
		add := func(w Widget) {
			w.Function = name
			w.Region = region
			if w.Type == MetricWidget {
				w.Period = period
				w.View = "timeSeries"
			}
			ws = append(ws, w)
		}
		lambda := func(metric, stat, label string) Series {
			return Series{Namespace: LambdaNamespace, Metric: metric, Dimensions: lambdaDims, Stat: stat, Label: label}
		}
		life := func(metric, stat, label string) Series {
			return Series{Namespace: f.Namespace, Metric: metric, Dimensions: lifeDims, Stat: stat, Label: label}
		}

		add(Widget{Name: WidgetHeader, Type: TextWidget, X: 0, Y: y, Width: gridWidth, Height: headerHeight,
			Markdown: fmt.Sprintf("## %s\nservice `%s` · namespace `%s` · log group `%s` · drawn by lambdaobs", name, f.Service, f.Namespace, n.logGroup(i, f))})
		y += headerHeight

		// Lambda's own metrics.
		add(Widget{Name: WidgetInvocations, Type: MetricWidget, X: 0, Y: y, Width: 6, Height: rowHeight,
			Title: "Invocations", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{lambda(LambdaInvocations, "", "Invocations")}})
		add(Widget{Name: WidgetErrors, Type: MetricWidget, X: 6, Y: y, Width: 6, Height: rowHeight,
			Title: "Errors", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{
				lambda(LambdaErrors, "", "Errors (Lambda)"),
				life(names.MetricErrors, "", "Handler errors"),
			}})
		add(Widget{Name: WidgetThrottles, Type: MetricWidget, X: 12, Y: y, Width: 6, Height: rowHeight,
			Title: "Throttles", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{lambda(LambdaThrottles, "", "Throttles")}})
		add(Widget{Name: WidgetDuration, Type: MetricWidget, X: 18, Y: y, Width: 6, Height: rowHeight,
			Title: "Duration", Stat: "p50", Unit: metrics.Milliseconds, YLabel: "ms",
			Series: []Series{
				lambda(LambdaDuration, "p50", "p50"),
				lambda(LambdaDuration, "p90", "p90"),
				lambda(LambdaDuration, "p99", "p99"),
			}})
		y += rowHeight

		// The wrapper's lifecycle document.
		add(Widget{Name: WidgetColdStart, Type: MetricWidget, X: 0, Y: y, Width: 8, Height: rowHeight,
			Title: "Cold starts", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{life(names.MetricColdStart, "", "Cold starts")}})
		add(Widget{Name: WidgetInitDuration, Type: MetricWidget, X: 8, Y: y, Width: 8, Height: rowHeight,
			Title: "Init duration", Stat: "p50", Unit: metrics.Milliseconds, YLabel: "ms",
			Series: []Series{
				life(names.MetricInitDuration, "p50", "p50"),
				life(names.MetricInitDuration, "p99", "p99"),
				// Lambda's own figure, from its reports of the sampled
				// invocations (lambdawrap.WithUsageMetrics).
				life(names.MetricReportInitDuration, "p99", "p99 (Lambda's report)"),
			}})
		add(Widget{Name: WidgetFailures, Type: MetricWidget, X: 16, Y: y, Width: 8, Height: rowHeight,
			Title: "Timeouts and panics", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{
				life(names.MetricTimeouts, "", "Timeouts"),
				life(names.MetricPanics, "", "Panics"),
				// Late values are counted on the invocation's own document,
				// with whatever dimensions the handler added.
				{Namespace: f.Namespace, Metric: names.MetricLateValues, Search: true,
					Dimensions: []Dimension{{names.DimService, f.Service}}, Label: "Late values"},
			}})
		y += rowHeight

		// What the sampled invocations used (lambdawrap.WithUsageMetrics),
		// beside Lambda's own reports of them: one invocation in N is
		// measured, so the widgets draw percentiles, averages and maxima,
		// never sums.
		add(Widget{Name: WidgetMemoryUtilization, Type: MetricWidget, X: 0, Y: y, Width: 4, Height: rowHeight,
			Title: "Memory utilisation", Stat: "p99", Unit: metrics.Percent, YLabel: unitLabel(metrics.Percent),
			Series: []Series{
				life(names.MetricMemoryUtilization, "", "p99"),
				life(names.MetricMemoryUtilization, "Maximum", "max"),
			},
			Annotations: []Annotation{{Value: d.memory, Label: "alarm", Color: alarmColor}}})
		add(Widget{Name: WidgetMemory, Type: MetricWidget, X: 4, Y: y, Width: 4, Height: rowHeight,
			Title: "Memory used", Stat: "Maximum", Unit: metrics.Megabytes, YLabel: unitLabel(metrics.Megabytes),
			Series: []Series{
				life(names.MetricMemoryPeak, "", "peak"),
				life(names.MetricMemoryUsed, "", "at the end"),
				life(names.MetricMaxMemoryUsed, "", "Lambda's max"),
			}})
		add(Widget{Name: WidgetHeap, Type: MetricWidget, X: 8, Y: y, Width: 4, Height: rowHeight,
			Title: "Go heap in use", Stat: "Maximum", Unit: metrics.Megabytes, YLabel: unitLabel(metrics.Megabytes),
			Series: []Series{
				life(names.MetricHeapInUse, "p50", "p50"),
				life(names.MetricHeapInUse, "", "max"),
			}})
		add(Widget{Name: WidgetCPU, Type: MetricWidget, X: 12, Y: y, Width: 4, Height: rowHeight,
			Title: "CPU time vs duration", Stat: "Average", Unit: metrics.Milliseconds, YLabel: "ms",
			Series: []Series{
				life(names.MetricCPUTime, "", "CPU time"),
				lambda(LambdaDuration, "", "duration"),
				life(names.MetricBilledDuration, "", "billed"),
			}})
		add(Widget{Name: WidgetGCPause, Type: MetricWidget, X: 16, Y: y, Width: 4, Height: rowHeight,
			Title: "GC pause", Stat: "p99", Unit: metrics.Milliseconds, YLabel: "ms",
			Series: []Series{
				life(names.MetricGCPause, "", "p99"),
				life(names.MetricGCPause, "Maximum", "max"),
			}})
		add(Widget{Name: WidgetGCCycles, Type: MetricWidget, X: 20, Y: y, Width: 4, Height: rowHeight,
			Title: "GC cycles", Stat: "Average", Unit: metrics.Count,
			Series: []Series{
				life(names.MetricGCCycles, "", "average"),
				life(names.MetricGCCycles, "Maximum", "max"),
			}})
		y += rowHeight

		// Metrics recorded on the invocation's recorder carry its
		// dimensions: service, and whatever the handler added. A search
		// finds them whatever those are.
		search := func(metric, stat, label string) Series {
			return Series{Namespace: f.Namespace, Metric: metric, Search: true, Stat: stat, Label: label,
				Dimensions: []Dimension{{names.DimService, f.Service}}}
		}

		// The handler's own metrics, then package params's, three to a
		// row.
		var flow []Widget
		for _, m := range f.Metrics {
			s := Series{Namespace: f.Namespace, Metric: m.Name,
				Dimensions: []Dimension{{names.DimService, f.Service}}, Label: m.Name}
			if len(m.Dimensions) > 0 {
				s.Search = true
				s.Schema = append([]string{names.DimService}, m.Dimensions...)
			}
			flow = append(flow, Widget{Name: CustomWidgetName(m.Name), Title: fmt.Sprintf("%s (%s)", m.Name, m.Stat),
				Stat: m.Stat, Unit: m.Unit, YLabel: unitLabel(m.Unit), Series: []Series{s}})
		}
		if f.Parameters {
			flow = append(flow,
				Widget{Name: WidgetParametersCache, Title: "Parameters cache hits and misses", Stat: "Sum", Unit: metrics.Count,
					Series: []Series{search(names.MetricParametersCacheHits, "", "hits"), search(names.MetricParametersCacheMisses, "", "misses")}},
				Widget{Name: WidgetLazyInit, Title: "Lazy init duration by lazy", Stat: "Maximum", Unit: metrics.Milliseconds, YLabel: "ms",
					Series: []Series{search(names.MetricLazyInitDuration, "", "")}})
		}
		for j, w := range flow {
			w.Type, w.X, w.Y, w.Width, w.Height = MetricWidget, (j%3)*8, y, 8, rowHeight
			add(w)
			if j%3 == 2 || j == len(flow)-1 {
				y += rowHeight
			}
		}

		// AWS SDK calls, whatever services the function calls: the call
		// metrics carry Service and Operation beside the invocation's
		// dimensions.
		add(Widget{Name: WidgetAWSLatency, Type: MetricWidget, X: 0, Y: y, Width: 12, Height: rowHeight,
			Title: "AWS SDK call latency p99 by service and operation", Stat: "p99", Unit: metrics.Milliseconds, YLabel: "ms",
			Series: []Series{search(names.MetricAWSCallLatency, "", "")}})
		add(Widget{Name: WidgetAWSErrors, Type: MetricWidget, X: 12, Y: y, Width: 12, Height: rowHeight,
			Title: "AWS SDK call errors and throttles by service and operation", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{
				search(names.MetricAWSCallErrors, "", "errors"),
				search(names.MetricAWSThrottles, "", "throttled"),
			}})
		y += rowHeight

		if f.HTTP {
			svc := []Dimension{{names.DimService, f.Service}}
			add(Widget{Name: WidgetHTTPRequests, Type: MetricWidget, X: 0, Y: y, Width: 12, Height: rowHeight,
				Title: "HTTP requests by route, method and status class", Stat: "Sum", Unit: metrics.Count,
				Series: []Series{{Namespace: f.Namespace, Metric: names.MetricHTTPRequests, Dimensions: svc, Search: true,
					Schema: []string{names.DimService, names.DimHTTPRoute, names.DimHTTPMethod, names.DimHTTPStatusClass}}}})
			add(Widget{Name: WidgetHTTPLatency, Type: MetricWidget, X: 12, Y: y, Width: 12, Height: rowHeight,
				Title: "HTTP latency p99 by route, method and status class", Stat: "p99", Unit: metrics.Milliseconds, YLabel: "ms",
				Series: []Series{{Namespace: f.Namespace, Metric: names.MetricHTTPLatency, Dimensions: svc, Search: true,
					Schema: []string{names.DimService, names.DimHTTPRoute, names.DimHTTPMethod, names.DimHTTPStatusClass}}}})
			y += rowHeight
		}

		// lambdaobs's own health: failures of the telemetry, spans it
		// dropped, and the time spent exporting spans after responses
		// (billed, never waited for by a caller).
		add(Widget{Name: WidgetTelemetryErrors, Type: MetricWidget, X: 0, Y: y, Width: 8, Height: rowHeight,
			Title: "Telemetry errors", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{life(names.MetricTelemetryErrors, "", "Telemetry errors")}})
		add(Widget{Name: WidgetSpansDropped, Type: MetricWidget, X: 8, Y: y, Width: 8, Height: rowHeight,
			Title: "Spans dropped", Stat: "Sum", Unit: metrics.Count,
			Series: []Series{life(names.MetricSpansDropped, "", "Spans dropped")}})
		add(Widget{Name: WidgetTraceExport, Type: MetricWidget, X: 16, Y: y, Width: 8, Height: rowHeight,
			Title: "Span export after responses", Stat: "Sum", Unit: metrics.Milliseconds, YLabel: "ms",
			Series: []Series{
				life(names.MetricTraceExportDuration, "", "total"),
				life(names.MetricTraceExportDuration, "Maximum", "longest"),
			}})
		y += rowHeight

		// Logs Insights tables.
		group := []string{n.logGroup(i, f)}
		eq, cq := errorQuery(group), coldStartQuery(group)
		add(Widget{Name: WidgetErrorLog, Type: LogWidget, X: 0, Y: y, Width: gridWidth, Height: rowHeight,
			Title: eq.Title, Query: &eq})
		y += rowHeight
		add(Widget{Name: WidgetColdStartLog, Type: LogWidget, X: 0, Y: y, Width: gridWidth, Height: rowHeight,
			Title: cq.Title, Query: &cq})
		y += rowHeight
	}
	return ws
}

func unitLabel(u metrics.Unit) string {
	switch u {
	case metrics.Milliseconds:
		return "ms"
	case metrics.Seconds:
		return "s"
	case metrics.Microseconds:
		return "µs"
	case metrics.Percent:
		return "%"
	case metrics.Megabytes:
		return "MB"
	case metrics.None, metrics.Count:
		return ""
	}
	return string(u)
}

// Names of the saved queries.
const (
	QueryErrors     = "errors"
	QueryColdStarts = "cold-starts"
	QueryFailures   = "timeouts-and-panics"
	QueryDropped    = "dropped-telemetry"
)

func errorQuery(groups []string) Query {
	return Query{Name: QueryErrors, Title: "Latest errors", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyLevel, names.KeyMessage, names.KeyError, names.KeyErrorType,
			names.KeyPanic, names.KeyRequestID, names.KeyXRayTraceID},
		Filter: Filter{Field: names.KeyLevel, Values: []string{"ERROR", "CRITICAL"}},
		Limit:  LogLimit}
}

func coldStartQuery(groups []string) Query {
	return Query{Name: QueryColdStarts, Title: "Process inits: cold starts and init duration", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyRequestID, names.KeyColdStart, names.KeyInitDurationMS,
			names.KeyFunctionMemorySize, names.KeyXRayTraceID},
		Filter: Filter{Field: names.KeyInitDurationMS},
		Limit:  LogLimit}
}

func failureQuery(groups []string) Query {
	return Query{Name: QueryFailures, Title: "Timeouts and panics", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyMessage, names.KeyRequestID, names.KeyPanic, names.KeyErrorType,
			names.KeyElapsedMS, names.KeyRemainingMS, names.KeyStackTrace, names.KeyXRayTraceID},
		Filter: Filter{Field: names.KeyMessage, Values: []string{names.MsgInvocationTimeout, names.MsgInvocationPanicked}},
		Limit:  LogLimit}
}

func droppedQuery(groups []string) Query {
	return Query{Name: QueryDropped, Title: "Dropped metrics and late values", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyMessage, names.KeyError, names.KeyRequestID},
		Filter: Filter{Field: names.KeyMessage, Values: []string{names.MsgMetricsDropped, names.MsgLateValues}},
		Limit:  LogLimit}
}

// queries returns the saved queries of every function.
func (d *Dashboard) queries(n naming) []Query {
	var qs []Query
	for i, f := range d.Functions {
		g := []string{n.logGroup(i, f)}
		for _, q := range []Query{errorQuery(g), coldStartQuery(g), failureQuery(g), droppedQuery(g)} {
			q.Name = "lambdaobs/" + n.name(i, f) + "/" + q.Name
			qs = append(qs, q)
		}
	}
	return qs
}
