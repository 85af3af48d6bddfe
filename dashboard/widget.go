package dashboard

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
)

// searchExpression returns the SEARCH expression of s.
func searchExpression(s board.Series, stat string, period int) string {
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
	Type       board.WidgetType `json:"type"`
	X          int              `json:"x"`
	Y          int              `json:"y"`
	Width      int              `json:"width"`
	Height     int              `json:"height"`
	Properties any              `json:"properties"`
}

type metricProps struct {
	Metrics [][]any `json:"metrics"`
	View    string  `json:"view"`
	Stacked bool    `json:"stacked"` // false: areas are never stacked
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

// encodeWidget returns w as the dashboard body writes it.
func encodeWidget(w *board.Widget) widgetJSON {
	out := widgetJSON{Type: w.Type, X: w.X, Y: w.Y, Width: w.Width, Height: w.Height}
	switch w.Type {
	case board.MetricWidget:
		p := metricProps{Metrics: [][]any{}, View: w.View, Region: w.Region,
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
			stat := w.StatOf(s)
			if s.Search {
				n++
				p.Metrics = append(p.Metrics, []any{renderOptions{
					Expression: searchExpression(s, stat, w.Period),
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
	case board.LogWidget:
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
