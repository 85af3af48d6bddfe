package dashboard

import (
	"fmt"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// alarmColor is the colour of the line of an alarm's threshold.
const alarmColor = "#d62728"

// Layout of a function's section on the 24-column grid.
const (
	gridWidth    = 24
	headerHeight = 2
	rowHeight    = 6
)

// build lays out the widgets of every function, one section below the other.
func (d *Dashboard) build(n naming) []board.Widget {
	var ws []board.Widget
	y := 0
	for i, f := range d.functions {
		s := &section{f: f, name: n.name(i, f), region: n.region(f), logGroup: n.logGroup(i, f),
			period: int(d.period / time.Second), memory: d.memory, y: y}
		s.header()
		s.lambdaRow()
		s.lifecycleRow()
		s.usageRow()
		s.customRows()
		s.sdkRow()
		if f.HTTP {
			s.httpRow()
		}
		s.telemetryRow()
		s.logRows()
		ws, y = append(ws, s.widgets...), s.y
	}
	return ws
}

// section lays out the widgets of one function, row by row from y down.
type section struct {
	f                      Function
	name, region, logGroup string  // as the body or the template writes them
	period                 int     // seconds
	memory                 float64 // the memory alarm's threshold, in percent
	y                      int     // the top of the next row
	widgets                []board.Widget
}

// add places w in the function's section.
func (s *section) add(w board.Widget) {
	w.Function = s.name
	w.Region = s.region
	if w.Type == board.MetricWidget {
		w.Period = s.period
		w.View = "timeSeries"
	}
	s.widgets = append(s.widgets, w)
}

// lambda returns a series of Lambda's own metrics of the function.
func (s *section) lambda(metric, stat, label string) board.Series {
	return board.Series{Namespace: names.LambdaNamespace, Metric: metric,
		Dimensions: []board.Dimension{{Name: names.LambdaFunctionName, Value: s.name}}, Stat: stat, Label: label}
}

// life returns a series of the wrapper's lifecycle document: dimensions
// service and function_name.
func (s *section) life(metric, stat, label string) board.Series {
	return board.Series{Namespace: s.f.Namespace, Metric: metric, Stat: stat, Label: label,
		Dimensions: []board.Dimension{{Name: names.DimService, Value: s.f.Service}, {Name: names.DimFunctionName, Value: s.name}}}
}

// search returns a series finding a metric recorded on the invocation's
// recorder, which carries its dimensions: service, and whatever the handler
// added.
func (s *section) search(metric, stat, label string) board.Series {
	return board.Series{Namespace: s.f.Namespace, Metric: metric, Search: true, Stat: stat, Label: label,
		Dimensions: s.service()}
}

// service returns the dimension service of the function.
func (s *section) service() []board.Dimension {
	return []board.Dimension{{Name: names.DimService, Value: s.f.Service}}
}

// metric adds a metric widget of the row at s.y.
func (s *section) metric(name string, x, width int, title, stat, yLabel string, series ...board.Series) {
	s.add(board.Widget{Name: name, Type: board.MetricWidget, X: x, Y: s.y, Width: width, Height: rowHeight,
		Title: title, Stat: stat, YLabel: yLabel, Series: series})
}

func (s *section) header() {
	s.add(board.Widget{Name: names.WidgetHeader, Type: board.TextWidget, X: 0, Y: s.y, Width: gridWidth, Height: headerHeight,
		Markdown: fmt.Sprintf("## %s\nservice `%s` · namespace `%s` · log group `%s` · drawn by lambdaobs", s.name, s.f.Service, s.f.Namespace, s.logGroup)})
	s.y += headerHeight
}

// lambdaRow draws Lambda's own metrics.
func (s *section) lambdaRow() {
	s.metric(names.WidgetInvocations, 0, 6, "Invocations", "Sum", "",
		s.lambda(names.LambdaInvocations, "", "Invocations"))
	s.metric(names.WidgetErrors, 6, 6, "Errors", "Sum", "",
		s.lambda(names.LambdaErrors, "", "Errors (Lambda)"),
		s.life(names.MetricErrors, "", "Handler errors"))
	s.metric(names.WidgetThrottles, 12, 6, "Throttles", "Sum", "",
		s.lambda(names.LambdaThrottles, "", "Throttles"))
	s.metric(names.WidgetDuration, 18, 6, "Duration", "p50", "ms",
		s.lambda(names.LambdaDuration, "p50", "p50"),
		s.lambda(names.LambdaDuration, "p90", "p90"),
		s.lambda(names.LambdaDuration, "p99", "p99"))
	s.y += rowHeight
}

// lifecycleRow draws the wrapper's lifecycle document.
func (s *section) lifecycleRow() {
	s.metric(names.WidgetColdStart, 0, 8, "Cold starts", "Sum", "",
		s.life(names.MetricColdStart, "", "Cold starts"))
	s.metric(names.WidgetInitDuration, 8, 8, "Init duration", "p50", "ms",
		s.life(names.MetricInitDuration, "p50", "p50"),
		s.life(names.MetricInitDuration, "p99", "p99"),
		// Lambda's own figure, from its reports of the sampled
		// invocations (lambdawrap.WithUsageMetrics).
		s.life(names.MetricReportInitDuration, "p99", "p99 (Lambda's report)"))
	s.metric(names.WidgetFailures, 16, 8, "Timeouts and panics", "Sum", "",
		s.life(names.MetricTimeouts, "", "Timeouts"),
		s.life(names.MetricPanics, "", "Panics"),
		// Late values are counted on the invocation's own document, with
		// whatever dimensions the handler added.
		board.Series{Namespace: s.f.Namespace, Metric: names.MetricLateValues, Search: true,
			Dimensions: s.service(), Label: "Late values"})
	s.y += rowHeight
}

// usageRow draws what the sampled invocations used
// (lambdawrap.WithUsageMetrics), beside Lambda's own reports of them: one
// invocation in N is measured, so the widgets draw percentiles, averages
// and maxima, never sums.
func (s *section) usageRow() {
	s.metric(names.WidgetMemoryUtilization, 0, 4, "Memory utilisation", "p99", unitLabel(metrics.Percent),
		s.life(names.MetricMemoryUtilization, "", "p99"),
		s.life(names.MetricMemoryUtilization, "Maximum", "max"))
	mu := &s.widgets[len(s.widgets)-1]
	mu.Annotations = []board.Annotation{{Value: s.memory, Label: "alarm", Color: alarmColor}}
	s.metric(names.WidgetMemory, 4, 4, "Memory used", "Maximum", unitLabel(metrics.Megabytes),
		s.life(names.MetricMemoryPeak, "", "peak"),
		s.life(names.MetricMemoryUsed, "", "at the end"),
		s.life(names.MetricMaxMemoryUsed, "", "Lambda's max"))
	s.metric(names.WidgetHeap, 8, 4, "Go heap in use", "Maximum", unitLabel(metrics.Megabytes),
		s.life(names.MetricHeapInUse, "p50", "p50"),
		s.life(names.MetricHeapInUse, "", "max"))
	s.metric(names.WidgetCPU, 12, 4, "CPU time vs duration", "Average", "ms",
		s.life(names.MetricCPUTime, "", "CPU time"),
		s.lambda(names.LambdaDuration, "", "duration"),
		s.life(names.MetricBilledDuration, "", "billed"))
	s.metric(names.WidgetGCPause, 16, 4, "GC pause", "p99", "ms",
		s.life(names.MetricGCPause, "", "p99"),
		s.life(names.MetricGCPause, "Maximum", "max"))
	s.metric(names.WidgetGCCycles, 20, 4, "GC cycles", "Average", "",
		s.life(names.MetricGCCycles, "", "average"),
		s.life(names.MetricGCCycles, "Maximum", "max"))
	s.y += rowHeight
}

// customRows draws the handler's own metrics, then package params's, three
// to a row.
func (s *section) customRows() {
	var flow []board.Widget
	for _, m := range s.f.Metrics {
		sr := board.Series{Namespace: s.f.Namespace, Metric: m.Name, Dimensions: s.service(), Label: m.Name}
		if len(m.Dimensions) > 0 {
			sr.Search = true
			sr.Schema = append([]string{names.DimService}, m.Dimensions...)
		}
		flow = append(flow, board.Widget{Name: names.WidgetCustomPrefix + m.Name, Title: fmt.Sprintf("%s (%s)", m.Name, m.Stat),
			Stat: m.Stat, YLabel: unitLabel(m.Unit), Series: []board.Series{sr}})
	}
	if s.f.Parameters {
		flow = append(flow,
			board.Widget{Name: names.WidgetParametersCache, Title: "Parameters cache hits and misses", Stat: "Sum",
				Series: []board.Series{s.search(names.MetricParametersCacheHits, "", "hits"), s.search(names.MetricParametersCacheMisses, "", "misses")}},
			board.Widget{Name: names.WidgetLazyInit, Title: "Lazy init duration by lazy", Stat: "Maximum", YLabel: "ms",
				Series: []board.Series{s.search(names.MetricLazyInitDuration, "", "")}})
	}
	for j, w := range flow {
		w.Type, w.X, w.Y, w.Width, w.Height = board.MetricWidget, (j%3)*8, s.y, 8, rowHeight
		s.add(w)
		if j%3 == 2 || j == len(flow)-1 {
			s.y += rowHeight
		}
	}
}

// sdkRow draws the AWS SDK calls, whatever services the function calls:
// the call metrics carry Service and Operation beside the invocation's
// dimensions.
func (s *section) sdkRow() {
	s.metric(names.WidgetAWSLatency, 0, 12, "AWS SDK call latency p99 by service and operation", "p99", "ms",
		s.search(names.MetricAWSCallLatency, "", ""))
	s.metric(names.WidgetAWSErrors, 12, 12, "AWS SDK call errors and throttles by service and operation", "Sum", "",
		s.search(names.MetricAWSCallErrors, "", "errors"),
		s.search(names.MetricAWSThrottles, "", "throttled"))
	s.y += rowHeight
}

// httpRow draws the requests lambdawrap/httpapi answered, per route,
// method and status class.
func (s *section) httpRow() {
	schema := []string{names.DimService, names.DimHTTPRoute, names.DimHTTPMethod, names.DimHTTPStatusClass}
	s.metric(names.WidgetHTTPRequests, 0, 12, "HTTP requests by route, method and status class", "Sum", "",
		board.Series{Namespace: s.f.Namespace, Metric: names.MetricHTTPRequests, Dimensions: s.service(), Search: true, Schema: schema})
	s.metric(names.WidgetHTTPLatency, 12, 12, "HTTP latency p99 by route, method and status class", "p99", "ms",
		board.Series{Namespace: s.f.Namespace, Metric: names.MetricHTTPLatency, Dimensions: s.service(), Search: true, Schema: schema})
	s.y += rowHeight
}

// telemetryRow draws lambdaobs's own health: failures of the telemetry,
// spans it dropped, and the time spent exporting spans after responses
// (billed, never waited for by a caller).
func (s *section) telemetryRow() {
	s.metric(names.WidgetTelemetryErrors, 0, 8, "Telemetry errors", "Sum", "",
		s.life(names.MetricTelemetryErrors, "", "Telemetry errors"))
	s.metric(names.WidgetSpansDropped, 8, 8, "Spans dropped", "Sum", "",
		s.life(names.MetricSpansDropped, "", "Spans dropped"))
	s.metric(names.WidgetTraceExport, 16, 8, "Span export after responses", "Sum", "ms",
		s.life(names.MetricTraceExportDuration, "", "total"),
		s.life(names.MetricTraceExportDuration, "Maximum", "longest"))
	s.y += rowHeight
}

// logRows draws the Logs Insights tables: the latest errors and the
// process inits.
func (s *section) logRows() {
	group := []string{s.logGroup}
	eq, cq := errorQuery(group), coldStartQuery(group)
	s.add(board.Widget{Name: names.WidgetErrorLog, Type: board.LogWidget, X: 0, Y: s.y, Width: gridWidth, Height: rowHeight,
		Title: eq.Title, Query: &eq})
	s.y += rowHeight
	s.add(board.Widget{Name: names.WidgetColdStartLog, Type: board.LogWidget, X: 0, Y: s.y, Width: gridWidth, Height: rowHeight,
		Title: cq.Title, Query: &cq})
	s.y += rowHeight
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
