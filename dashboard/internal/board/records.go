package board

import (
	"time"

	"github.com/lambdaobs/lambdaobs/metrics"
)

// LogRecord is a JSON log line.
type LogRecord struct {
	Time   time.Time      // the line's timestamp; zero when the capture does not tell
	Fields map[string]any // the line, decoded
}

// Document is an EMF document.
type Document struct {
	Time       time.Time   // _aws.Timestamp
	Directives []Directive // _aws.CloudWatchMetrics
	// Fields is the document's root: dimension values, metric values and
	// properties.
	Fields map[string]any
}

// Directive is one entry of an EMF document's CloudWatchMetrics.
type Directive struct {
	Namespace  string             // the metrics' namespace
	Dimensions [][]string         // dimension sets, each a list of root keys
	Metrics    []MetricDefinition // the metrics defined
}

// MetricDefinition is a metric an EMF directive defines.
type MetricDefinition struct {
	Name string       // the metric's name, a root key
	Unit metrics.Unit // its unit; empty when the document gives none
}

// Invocation is one request, as far as the capture tells of it.
type Invocation struct {
	RequestID string    // the Lambda request id
	Function  string    // the function_name of its lines, if any
	Time      time.Time // when it started; zero when the capture does not tell
	// Duration is the duration in milliseconds from the platform's REPORT
	// line; Reported says whether there was one.
	Duration float64
	Reported bool // a REPORT line gave the duration
	// Failed is set when the wrapper counted an error, a panic or a timeout
	// for the request, or the platform reported a failure.
	Failed bool
}

// Values returns the values of the named metric in d, if a directive of d
// defines it.
func (d *Document) Values(name string) []float64 {
	if !d.Defines(name) {
		return nil
	}
	switch v := d.Fields[name].(type) {
	case float64:
		return []float64{v}
	case []any:
		out := make([]float64, 0, len(v))
		for _, x := range v {
			if f, ok := x.(float64); ok {
				out = append(out, f)
			}
		}
		return out
	}
	return nil
}

// Defines reports whether a directive of d defines the named metric.
func (d *Document) Defines(name string) bool {
	for _, dir := range d.Directives {
		if dir.Defines(name) {
			return true
		}
	}
	return false
}

// Defines reports whether dir defines the named metric.
func (dir *Directive) Defines(name string) bool {
	for _, m := range dir.Metrics {
		if m.Name == name {
			return true
		}
	}
	return false
}

// String returns the value of a root field of d that is a string.
func (d *Document) String(key string) string {
	s, _ := d.Fields[key].(string)
	return s
}
