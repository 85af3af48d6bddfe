package board

// WidgetType is the type of a dashboard widget, as the dashboard body names
// it.
type WidgetType string

// The widget types a dashboard uses.
const (
	MetricWidget WidgetType = "metric"
	LogWidget    WidgetType = "log"
	TextWidget   WidgetType = "text"
)

// Widget is one widget of a dashboard: what it draws, and where.
type Widget struct {
	// Name says what the widget shows (names.WidgetInvocations, …, or
	// names.WidgetCustomPrefix and the metric's name); with Function it
	// identifies the widget.
	Name string
	// Function is the name of the function whose section holds the widget.
	Function string
	Type     WidgetType // metric, log or text
	// Position and size on the 24-column grid.
	X, Y, Width, Height int
	Title               string // the title shown on the widget
	Region              string // the region of the widget's metrics or log group

	// Metric widgets.
	Series []Series
	Stat   string // default statistic of the series
	Period int    // seconds
	View   string // "timeSeries"
	YLabel string // label of the left axis

	// Annotations are the horizontal lines drawn across a metric widget,
	// on its left axis: a threshold, such as the one of an alarm.
	Annotations []Annotation

	// Log widgets.
	Query *Query

	// Text widgets.
	Markdown string
}

// StatOf returns the statistic series s is drawn with in w.
func (w *Widget) StatOf(s Series) string {
	if s.Stat != "" {
		return s.Stat
	}
	return w.Stat
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
