package dashboard

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lambdaobs/lambdaobs/metrics"
)

// WidgetType is the type of a dashboard widget, as the dashboard body names it.
type WidgetType string

// The widget types lambdaobs uses.
const (
	MetricWidget WidgetType = "metric"
	LogWidget    WidgetType = "log"
	TextWidget   WidgetType = "text"
)

// Names of the widgets of a function's section (Widget.Name). The local view
// writes them as data-widget attributes.
const (
	WidgetHeader       = "Header"
	WidgetInvocations  = "Invocations"
	WidgetErrors       = "Errors"
	WidgetThrottles    = "Throttles"
	WidgetDuration     = "Duration"
	WidgetColdStart    = "ColdStart"
	WidgetInitDuration = "InitDuration"
	WidgetFailures     = "TimeoutsPanics"
	WidgetAWSLatency   = "AWSCallLatency"
	WidgetAWSErrors    = "AWSCallErrors"
	WidgetHTTPRequests = "HTTPRequests"
	WidgetHTTPLatency  = "HTTPLatency"
	WidgetErrorLog     = "ErrorLog"
	WidgetColdStartLog = "ColdStartLog"

	// The memory and CPU row, from the usage metrics of the sampled
	// invocations (lambdawrap.WithUsageMetrics) and Lambda's own reports.
	WidgetMemoryUtilization = "MemoryUtilization"
	WidgetMemory            = "Memory"
	WidgetHeap              = "HeapInUse"
	WidgetCPU               = "CPUTime"
	WidgetGCPause           = "GCPause"
	WidgetGCCycles          = "GCCycles"

	// The widgets of package params (Function.Parameters), beside the
	// custom metrics.
	WidgetParametersCache = "ParametersCache"
	WidgetLazyInit        = "LazyInit"

	// The telemetry row: lambdaobs's own health.
	WidgetTelemetryErrors = "TelemetryErrors"
	WidgetSpansDropped    = "SpansDropped"
	WidgetTraceExport     = "TraceExport"
)

// CustomWidgetName returns the Widget.Name of the widget of a custom metric.
func CustomWidgetName(metric string) string { return "Custom:" + metric }

// LambdaNamespace is the namespace of the metrics Lambda itself publishes.
const LambdaNamespace = "AWS/Lambda"

// Metrics and dimension of the AWS/Lambda namespace the dashboard draws.
const (
	LambdaInvocations  = "Invocations"
	LambdaErrors       = "Errors"
	LambdaThrottles    = "Throttles"
	LambdaDuration     = "Duration"
	LambdaFunctionName = "FunctionName"
)

// Widget is one widget of a dashboard: what it draws, and where.
type Widget struct {
	// Name says what the widget shows (WidgetInvocations, …, or
	// CustomWidgetName(metric)); with Function it identifies the widget.
	Name string
	// Function is the name of the function whose section holds the widget.
	Function string
	Type     WidgetType // metric, log or text
	// Position and size on the 24-column grid.
	X, Y, Width, Height int
	Title               string // the title shown on the widget
	Region              string // the region of the widget's metrics or log group

	// Metric widgets.
	Series  []Series
	Stat    string       // default statistic of the series
	Period  int          // seconds
	View    string       // "timeSeries"
	Stacked bool         // stacked areas
	YLabel  string       // label of the left axis
	Unit    metrics.Unit // unit of the values drawn

	// Annotations are the horizontal lines drawn across a metric widget,
	// on its left axis: a threshold, such as the one of an alarm.
	Annotations []Annotation

	// Log widgets.
	Query *Query

	// Text widgets.
	Markdown string
}

// Annotation is a horizontal line across a metric widget.
type Annotation struct {
	Value float64 // where it is drawn, in the unit of the widget's values
	Label string  // what it marks
	Color string  // #rrggbb
}

// Dimension is a dimension name and value.
type Dimension struct {
	Name  string // e.g. "service"
	Value string // e.g. "orders"
}

// Series is one metric, or one SEARCH expression, of a metric widget.
type Series struct {
	Namespace string // the metric's namespace
	Metric    string // the metric's name
	// Dimensions is the metric's complete dimension set; for a search, the
	// name=value pairs every matching metric has.
	Dimensions []Dimension
	// Search makes the series a SEARCH expression: every metric named Metric
	// in Namespace whose dimensions include Dimensions, one line each.
	Search bool
	// Schema, for a search, limits it to metrics whose dimension set is
	// exactly these names; nil matches any dimension set.
	Schema []string
	Stat   string // empty: the widget's
	Label  string // the legend of the series (of each line of a search, with the dimension values)
}

// stat returns the statistic of s in w.
func (s Series) stat(w *Widget) string {
	if s.Stat != "" {
		return s.Stat
	}
	return w.Stat
}

// searchExpression returns the SEARCH expression of s.
func (s Series) searchExpression(stat string, period int) string {
	var b strings.Builder
	b.WriteString("SEARCH('")
	if s.Schema != nil {
		b.WriteString("{")
		b.WriteString(schemaName(s.Namespace))
		for _, d := range s.Schema {
			b.WriteString(",")
			b.WriteString(schemaName(d))
		}
		b.WriteString("} ")
	} else {
		b.WriteString("Namespace=" + searchTerm(s.Namespace) + " ")
	}
	b.WriteString("MetricName=" + searchTerm(s.Metric))
	for _, d := range s.Dimensions {
		b.WriteString(" " + schemaName(d.Name) + "=" + searchTerm(d.Value))
	}
	fmt.Fprintf(&b, "', '%s', %d)", stat, period)
	return b.String()
}

// maxSearchLength is the longest SEARCH expression CloudWatch takes.
const maxSearchLength = 1024

// searchTerm writes s as an exact-match term of a SEARCH expression: in
// double quotes, with the characters the search syntax reads (", \, ( and
// )) escaped by a backslash.
func searchTerm(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '(', ')':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// schemaName writes a namespace or dimension name in a SEARCH expression: as
// it is when it holds only letters and digits, else as a quoted term.
func schemaName(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return searchTerm(s)
		}
	}
	return s
}

// body is the dashboard body, as PutDashboard takes it.
type body struct {
	Start          string       `json:"start,omitempty"`
	PeriodOverride string       `json:"periodOverride,omitempty"`
	Widgets        []widgetJSON `json:"widgets"`
}

type widgetJSON struct {
	Type       WidgetType `json:"type"`
	X          int        `json:"x"`
	Y          int        `json:"y"`
	Width      int        `json:"width"`
	Height     int        `json:"height"`
	Properties any        `json:"properties"`
}

type metricProps struct {
	Metrics [][]any `json:"metrics"`
	View    string  `json:"view"`
	Stacked bool    `json:"stacked"`
	Region  string  `json:"region"`
	Stat    string  `json:"stat"`
	Period  int     `json:"period"`
	Title   string  `json:"title"`
	YAxis   *yAxes  `json:"yAxis,omitempty"`
	// Annotations holds the horizontal lines, when there are any.
	Annotations *annotations `json:"annotations,omitempty"`
}

type annotations struct {
	Horizontal []horizontalAnnotation `json:"horizontal"`
}

type horizontalAnnotation struct {
	Value float64 `json:"value"`
	Label string  `json:"label,omitempty"`
	Color string  `json:"color,omitempty"`
	YAxis string  `json:"yAxis"`
}

type yAxes struct {
	Left yAxis `json:"left"`
}

type yAxis struct {
	Min       *float64 `json:"min,omitempty"`
	Label     string   `json:"label,omitempty"`
	ShowUnits bool     `json:"showUnits"`
}

// renderOptions is the object that may end a metric's array.
type renderOptions struct {
	Expression string `json:"expression,omitempty"`
	ID         string `json:"id,omitempty"`
	Label      string `json:"label,omitempty"`
	Stat       string `json:"stat,omitempty"`
}

type logProps struct {
	Query  string `json:"query"`
	Region string `json:"region"`
	Title  string `json:"title"`
	View   string `json:"view"`
}

type textProps struct {
	Markdown string `json:"markdown"`
}

// json returns the widget as the dashboard body writes it.
func (w *Widget) json() widgetJSON {
	out := widgetJSON{Type: w.Type, X: w.X, Y: w.Y, Width: w.Width, Height: w.Height}
	switch w.Type {
	case MetricWidget:
		p := metricProps{Metrics: [][]any{}, View: w.View, Stacked: w.Stacked, Region: w.Region,
			Stat: w.Stat, Period: w.Period, Title: w.Title}
		if p.View == "" {
			p.View = "timeSeries"
		}
		zero := 0.0
		p.YAxis = &yAxes{Left: yAxis{Min: &zero, Label: w.YLabel, ShowUnits: false}}
		if len(w.Annotations) > 0 {
			p.Annotations = &annotations{}
			for _, a := range w.Annotations {
				p.Annotations.Horizontal = append(p.Annotations.Horizontal,
					horizontalAnnotation{Value: a.Value, Label: a.Label, Color: a.Color, YAxis: "left"})
			}
		}
		n := 0
		for _, s := range w.Series {
			stat := s.stat(w)
			if s.Search {
				n++
				p.Metrics = append(p.Metrics, []any{renderOptions{
					Expression: s.searchExpression(stat, w.Period),
					ID:         "e" + strconv.Itoa(n),
					Label:      s.Label,
				}})
				continue
			}
			m := []any{s.Namespace, s.Metric}
			for _, d := range s.Dimensions {
				m = append(m, d.Name, d.Value)
			}
			opts := renderOptions{Label: s.Label}
			if stat != w.Stat {
				opts.Stat = stat
			}
			if opts != (renderOptions{}) {
				m = append(m, opts)
			}
			p.Metrics = append(p.Metrics, m)
		}
		out.Properties = p
	case LogWidget:
		q := ""
		if w.Query != nil {
			q = w.Query.WidgetString()
		}
		out.Properties = logProps{Query: q, Region: w.Region, Title: w.Title, View: "table"}
	default:
		out.Properties = textProps{Markdown: w.Markdown}
	}
	return out
}
