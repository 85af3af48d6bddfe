package dashboard

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// Function describes one Lambda function wrapped by lambdawrap.
type Function struct {
	// Name is the function's name in Lambda: the FunctionName dimension of
	// the AWS/Lambda metrics and the function_name dimension the wrapper
	// writes. 1 to 64 characters of [a-zA-Z0-9_-]. It may be empty when Ref
	// is set; the function is then known only in Template's output.
	Name string
	// Ref is the logical id of the function in the CloudFormation template
	// Template's output goes into (an AWS::Serverless::Function or
	// AWS::Lambda::Function). When set, Template names the function through
	// it ("${Ref}" in Fn::Sub, {"Ref": Ref} elsewhere) instead of by Name.
	Ref string
	// Namespace is the function's EMF namespace (lambdawrap.WithNamespace,
	// POWERTOOLS_METRICS_NAMESPACE); empty means "lambdaobs", the
	// wrapper's default.
	Namespace string
	// Service is the service dimension and log field (lambdawrap.WithService,
	// POWERTOOLS_SERVICE_NAME); empty means "service_undefined", which the
	// wrapper uses when none is set.
	Service string
	// Region is where the function runs; empty means the dashboard's region
	// (WithRegion). It is for Body only: CloudFormation creates alarms and
	// saved queries in the stack's region, so Template draws the stack's
	// region and refuses any other.
	Region string
	// LogGroup is the function's log group; empty means /aws/lambda/<Name>.
	LogGroup string
	// Metrics are the handler's own metrics, drawn one widget each.
	Metrics []Metric
	// HTTP adds the request count and latency widgets of
	// lambdawrap/httpapi, per route, method and status class.
	HTTP bool
	// Parameters adds the widgets of package params, beside the custom
	// metrics: its cache hits and misses, and how long the first init of
	// each Lazy took.
	Parameters bool
	// Async says the function is invoked asynchronously (by S3, SNS,
	// EventBridge, or Invoke with the Event invocation type): Template adds
	// an alarm on the events Lambda drops after its retries or past their
	// maximum age (AsyncEventsDropped).
	Async bool
	// DeadLetterQueue is the name of the SQS queue the function's failed
	// events end in: its dead-letter queue, its on-failure destination, or
	// the redrive dead-letter queue of the queue it reads. Template adds an
	// alarm on any message waiting there. 1 to 80 characters of
	// [a-zA-Z0-9_-], ".fifo" at the end of a FIFO queue's name.
	DeadLetterQueue string
	// DeadLetterQueueRef is the logical id of that queue (an AWS::SQS::Queue)
	// in the template Template's output goes into; when set, Template names
	// the queue through it ({"Fn::GetAtt": [Ref, "QueueName"]}) instead of
	// by DeadLetterQueue.
	DeadLetterQueueRef string

	explicitRegion bool // Region was given, by the function or WithRegion
}

// Metric is a metric the handler records itself, with the invocation's
// default dimension service.
type Metric struct {
	// Name is the metric name: 1 to 255 printable ASCII characters without
	// quotes or backslashes, and not one of the names lambdaobs writes
	// itself (ColdStart, AWSCallLatency, …), which New refuses.
	Name string
	// Unit is the metric's unit; empty means metrics.None. It chooses the
	// default statistic.
	Unit metrics.Unit
	// Stat is the statistic drawn: Sum, Average, Minimum, Maximum,
	// SampleCount or a percentile such as p99. Empty means Sum for Count
	// and Count/Second, p99 for time units and Average otherwise.
	Stat string
	// Dimensions are the names of further dimensions the handler adds to
	// this metric beside service (metrics.Recorder.AddDimension). Their
	// values are not known in advance, so the widget is a SEARCH expression
	// drawing one line per combination.
	Dimensions []string
}

// defaultStat returns the statistic drawn for a metric of unit u when none
// is given.
func defaultStat(u metrics.Unit) string {
	switch u {
	case metrics.Count, metrics.CountPerSecond:
		return "Sum"
	case metrics.Seconds, metrics.Milliseconds, metrics.Microseconds:
		return "p99"
	}
	return "Average"
}

// ownMetrics are the names lambdaobs writes itself; a custom metric may not
// take them.
var ownMetrics = []string{
	names.MetricColdStart, names.MetricInitDuration, names.MetricErrors,
	names.MetricPanics, names.MetricTimeouts, names.MetricLateValues,
	names.MetricTelemetryErrors, names.MetricTraceExportDuration, names.MetricSpansDropped,
	names.MetricCPUTime, names.MetricGCCycles, names.MetricGCPause, names.MetricHeapInUse,
	names.MetricMemoryUsed, names.MetricMemoryPeak, names.MetricMemoryUtilization,
	names.MetricReportDuration, names.MetricBilledDuration, names.MetricMaxMemoryUsed,
	names.MetricReportInitDuration, names.MetricRestoreDuration, names.MetricResponseLatency,
	names.MetricResponseDuration,
	names.MetricAWSCallLatency, names.MetricAWSCallErrors, names.MetricAWSCallAttempts, names.MetricAWSThrottles,
	names.MetricHTTPRequests, names.MetricHTTPLatency,
	names.MetricParametersCacheHits, names.MetricParametersCacheMisses, names.MetricLazyInitDuration,
}

// isOwnMetric reports whether name is a metric lambdaobs writes itself (the
// wrapper's lifecycle, usage and report metrics, the SDK call metrics, the
// HTTP adapter's, package params's).
func isOwnMetric(name string) bool { return slices.Contains(ownMetrics, name) }

// Validation of names. Regular expressions are compiled on first use, not
// when a program that imports this package starts (a Lambda function's cold
// start), and none has a long bounded repetition such as {1,512}, which
// compiles into a program as long.
var (
	regionRE     = lazyRE(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	percentileRE = lazyRE(`^p([0-9]{1,2}(\.[0-9]{1,2})?|100)$`)
	startRE      = lazyRE(`^-P([0-9]+[WD])?(T([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$`)
	topicARNRE   = lazyRE(`^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:[A-Za-z0-9_-]+(\.fifo)?$`)
)

func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// charsIn reports whether s is 1 to max bytes, each of them alphanumeric or
// in extra.
func charsIn(s string, max int, extra string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

func validFunctionName(s string) bool  { return charsIn(s, 64, "-_") }
func validLogicalID(s string) bool     { return charsIn(s, 200, "") }
func validNamespace(s string) bool     { return charsIn(s, 255, "._#:/ -") && s[0] != ':' }
func validLogGroup(s string) bool      { return charsIn(s, 512, "._/#-") }
func validDashboardName(s string) bool { return charsIn(s, 255, "-_") }

// validQueueName reports whether s is an SQS queue name: 1 to 80 characters
// of [a-zA-Z0-9_-], a FIFO queue's ending in .fifo.
func validQueueName(s string) bool {
	return len(s) <= 80 && charsIn(strings.TrimSuffix(s, ".fifo"), 80, "-_")
}

// limits of a dashboard body.
const (
	maxWidgets        = 500 // CloudWatch's limit per dashboard
	maxMetricsPerFunc = 50
	maxDimensions     = 29 // 30 per set, service included
)

// checkPrintable returns an error unless s is 1 to max printable ASCII
// characters without quotes or backslashes: what a SEARCH expression, a
// Logs Insights query and a CloudFormation Fn::Sub can carry unescaped.
func checkPrintable(what, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if len(s) > max {
		return fmt.Errorf("%s %q is longer than %d characters", what, shorten(s), max)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("%s %q: only printable ASCII characters are allowed", what, shorten(s))
		}
		if c == '"' || c == '\'' || c == '\\' || c == '`' {
			return fmt.Errorf("%s %q: quotes and backslashes cannot be used in CloudWatch search expressions and queries", what, shorten(s))
		}
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("%s %q: leading or trailing spaces", what, shorten(s))
	}
	return nil
}

func shorten(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// validStat reports whether s is a statistic a widget can draw.
func validStat(s string) bool {
	switch s {
	case "Sum", "Average", "Minimum", "Maximum", "SampleCount":
		return true
	}
	return percentileRE().MatchString(s)
}

// label returns what names f: its Name, else its Ref.
func (f Function) label() string {
	if f.Name == "" {
		return f.Ref
	}
	return f.Name
}

// normalize fills the defaults of f and checks it; region is the
// dashboard's region.
func (f Function) normalize(region string, regionSet bool) (Function, error) {
	if f.Name == "" && f.Ref == "" {
		return f, errors.New("function: a name or a CloudFormation reference is required")
	}
	wrap := func(err error) error { return fmt.Errorf("function %q: %w", shorten(f.label()), err) }
	if f.Name != "" && !validFunctionName(f.Name) {
		return f, fmt.Errorf("function name %q: 1 to 64 characters of letters, digits, '-' and '_'", shorten(f.Name))
	}
	if f.Ref != "" && !validLogicalID(f.Ref) {
		return f, wrap(fmt.Errorf("CloudFormation logical id %q: letters and digits only", shorten(f.Ref)))
	}
	if f.Namespace == "" {
		f.Namespace = names.DefaultNamespace
	}
	if !validNamespace(f.Namespace) {
		return f, wrap(fmt.Errorf("namespace %q: 1 to 255 characters of [a-zA-Z0-9._#:/ -], not starting with ':'", shorten(f.Namespace)))
	}
	if strings.HasPrefix(f.Namespace, "AWS/") {
		return f, wrap(fmt.Errorf("namespace %q: AWS/ is reserved for AWS services", shorten(f.Namespace)))
	}
	if f.Service == "" {
		f.Service = names.DefaultService
	}
	if err := checkPrintable("service", f.Service, 1024); err != nil {
		return f, wrap(err)
	}
	f.explicitRegion = f.Region != "" || regionSet
	if f.Region == "" {
		f.Region = region
	}
	if !regionRE().MatchString(f.Region) {
		return f, wrap(fmt.Errorf("region %q is not an AWS region name such as us-east-1", shorten(f.Region)))
	}
	if f.DeadLetterQueue != "" && !validQueueName(f.DeadLetterQueue) {
		return f, wrap(fmt.Errorf("dead-letter queue %q: 1 to 80 characters of letters, digits, '-' and '_' (and .fifo at the end)", shorten(f.DeadLetterQueue)))
	}
	if f.DeadLetterQueueRef != "" && !validLogicalID(f.DeadLetterQueueRef) {
		return f, wrap(fmt.Errorf("dead-letter queue's CloudFormation logical id %q: letters and digits only", shorten(f.DeadLetterQueueRef)))
	}
	if f.LogGroup != "" && !validLogGroup(f.LogGroup) {
		return f, wrap(fmt.Errorf("log group %q: 1 to 512 characters of [a-zA-Z0-9._/#-]", shorten(f.LogGroup)))
	}
	if len(f.Metrics) > maxMetricsPerFunc {
		return f, wrap(fmt.Errorf("%d custom metrics: at most %d", len(f.Metrics), maxMetricsPerFunc))
	}
	ms := make([]Metric, len(f.Metrics))
	seen := map[string]bool{}
	for i, m := range f.Metrics {
		m, err := m.normalize()
		if err != nil {
			return f, wrap(err)
		}
		if seen[m.Name] {
			return f, wrap(fmt.Errorf("metric %q is listed twice", m.Name))
		}
		seen[m.Name] = true
		ms[i] = m
	}
	f.Metrics = ms
	return f, nil
}

func (m Metric) normalize() (Metric, error) {
	if err := checkPrintable("metric name", m.Name, 255); err != nil {
		return m, err
	}
	if isOwnMetric(m.Name) {
		return m, fmt.Errorf("metric %q is one lambdaobs writes itself, with dimensions of its own: a custom metric cannot take its name", m.Name)
	}
	if m.Unit == "" {
		m.Unit = metrics.None
	}
	if !m.Unit.Valid() {
		return m, fmt.Errorf("metric %q: unit %q is not a CloudWatch unit", m.Name, shorten(string(m.Unit)))
	}
	if m.Stat == "" {
		m.Stat = defaultStat(m.Unit)
	}
	if !validStat(m.Stat) {
		return m, fmt.Errorf("metric %q: statistic %q is not one of Sum, Average, Minimum, Maximum, SampleCount or pNN", m.Name, shorten(m.Stat))
	}
	if len(m.Dimensions) > maxDimensions {
		return m, fmt.Errorf("metric %q: %d dimensions, at most %d beside service", m.Name, len(m.Dimensions), maxDimensions)
	}
	dims := make([]string, len(m.Dimensions))
	for i, d := range m.Dimensions {
		if err := checkPrintable("dimension name", d, 250); err != nil {
			return m, fmt.Errorf("metric %q: %w", m.Name, err)
		}
		if d == names.DimService || slices.Contains(dims[:i], d) {
			return m, fmt.Errorf("metric %q: dimension %q is listed twice (service is always there)", m.Name, d)
		}
		dims[i] = d
	}
	m.Dimensions = dims
	return m, nil
}

// logGroup returns the function's log group.
func (f Function) logGroup() string {
	if f.LogGroup != "" {
		return f.LogGroup
	}
	return "/aws/lambda/" + f.Name
}

// id returns a CloudFormation logical id prefix for f.
func (f Function) id() string {
	if f.Ref != "" {
		return f.Ref
	}
	var b strings.Builder
	up := true
	for _, r := range f.Name {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	if b.Len() == 0 {
		return "Function"
	}
	return b.String()
}

// uniqueIDs returns a distinct logical id prefix for each function.
func uniqueIDs(fns []Function) []string {
	ids := make([]string, len(fns))
	used := map[string]bool{}
	for i, f := range fns {
		id := f.id()
		for n := 2; used[id]; n++ {
			id = f.id() + strconv.Itoa(n)
		}
		used[id] = true
		ids[i] = id
	}
	return ids
}
