// Package view draws a dashboard from captured function output as one
// self-contained HTML page: the widgets of dashboard.New, at their places
// on the grid, each metric widget a time series with its statistic and
// period drawn by gonum/plot as inline SVG, each log widget a table of the
// lines its Logs Insights query would return. The page loads nothing from
// the network: no script, no stylesheet, no font.
//
// Every widget carries data attributes saying what it drew, for tests and
// scripts: data-widget (what it shows: Invocations, ColdStart, …,
// Custom:<metric> for a custom metric), data-function, data-type,
// and for metric widgets data-stat, data-period, data-series, data-points
// (points drawn), data-values (values aggregated) and data-annotations (the
// values of its horizontal lines, such as an alarm's threshold), for log
// widgets data-rows and data-matched. Elements with ids cold-start-count,
// invocation-count, init-duration-p50, init-duration-p99, error-count,
// lines-read, lines-platform and lines-ignored hold the page's totals.
package view

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gonum.org/v1/plot/vg"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Option configures Render.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	period time.Duration
	title  string
	source string
}

// WithPeriod draws every metric widget with period d instead of its own,
// as the dashboard's period override does. Invocations a few seconds apart
// need a period of a second or so to show as separate points.
func WithPeriod(d time.Duration) Option {
	return optionFunc(func(c *config) { c.period = d })
}

// WithTitle sets the page's title; the default is "lambdaobs — local view".
func WithTitle(title string) Option {
	return optionFunc(func(c *config) { c.title = title })
}

// WithSource names where the capture came from (a file name), shown on the
// page.
func WithSource(name string) Option {
	return optionFunc(func(c *config) { c.source = name })
}

// Summary is what Render drew.
type Summary struct {
	Widgets    int // widgets drawn
	Points     int // points over all metric widgets
	ColdStarts int // the sum of the ColdStart metric in the capture
	Errors     int // ERROR and CRITICAL log lines
}

// Render writes the HTML page of d drawn from c to w. d may be nil (the
// capture named no function): the page then holds the totals alone. Only
// w's errors are returned; a widget that cannot be drawn says so on the page.
func Render(w io.Writer, d *dashboard.Dashboard, c *dashboard.Capture, opts ...Option) (Summary, error) {
	cfg := config{title: "lambdaobs — local view"}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if c == nil {
		c = &dashboard.Capture{}
	}
	records := board.CaptureOf(c)
	var b *board.Dashboard
	if d != nil {
		bd := board.DashboardOf(d)
		b = &bd
	}
	pg := page{Title: clean(cfg.title), Source: clean(cfg.source)}
	r := newResolver(records, b)
	pg.totals(records, c)
	var sum Summary
	if b != nil {
		for i := range b.Widgets {
			wd := r.widget(b, &b.Widgets[i], cfg.period)
			sum.Points += wd.Points
			pg.Widgets = append(pg.Widgets, wd)
		}
		for _, f := range b.Functions {
			pg.Functions = append(pg.Functions, clean(f.Name))
		}
	}
	sum.Widgets = len(pg.Widgets)
	sum.ColdStarts = pg.ColdStarts
	sum.Errors = pg.ErrorLines
	if err := pageTemplate().Execute(w, pg); err != nil {
		return sum, fmt.Errorf("view: write page: %w", err)
	}
	return sum, nil
}

// page is what the template draws.
type page struct {
	Title, Source string
	Functions     []string
	Widgets       []widgetData

	ColdStarts           int
	Invocations          int
	InitP50, InitP99     string
	ErrorLines           int
	LogLines, Documents  int
	Lines, Platform, Ign int
}

// totals counts what the page sums up: the records of capture c, and its
// lines.
func (pg *page) totals(records board.Capture, c *dashboard.Capture) {
	var inits []float64
	cold := 0.0
	for i := range records.Documents {
		d := &records.Documents[i]
		for _, v := range d.Values(names.MetricColdStart) {
			cold += v
		}
		inits = append(inits, d.Values(names.MetricInitDuration)...)
	}
	pg.ColdStarts = int(cold)
	pg.Invocations = len(records.Invocations)
	pg.InitP50, pg.InitP99 = "–", "–"
	if len(inits) > 0 {
		pg.InitP50 = formatMS(statistic("p50", inits))
		pg.InitP99 = formatMS(statistic("p99", inits))
	}
	for _, l := range records.Logs {
		if lv, _ := l.Fields[names.KeyLevel].(string); lv == "ERROR" || lv == "CRITICAL" {
			pg.ErrorLines++
		}
	}
	pg.LogLines, pg.Documents = len(records.Logs), len(records.Documents)
	pg.Lines, pg.Platform, pg.Ign = c.Lines, c.Platform, c.Ignored
}

func formatMS(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + " ms" }

// widgetData is one widget as the template draws it.
type widgetData struct {
	Name, Function, Type, Title string
	Style                       template.CSS
	// Metric widgets.
	Stat    string
	Period  int
	Points  int
	Values  int
	SVG     template.HTML
	Legend  []legendItem
	Marks   []markItem
	Problem string
	// Log widgets.
	Query   string
	Columns []string
	Rows    [][]string
	Matched int
	// Text widgets.
	Heading, Text string
}

type legendItem struct {
	Label  string
	Color  template.CSS
	Points int
	Values int
}

// markItem is a horizontal line of a widget, as its legend names it.
type markItem struct {
	Label, Value string
	Color        template.CSS
}

// Annotations returns the values of the widget's horizontal lines,
// space-separated, for its data-annotations attribute.
func (wd widgetData) Annotations() string {
	vs := make([]string, len(wd.Marks))
	for i, m := range wd.Marks {
		vs[i] = m.Value
	}
	return strings.Join(vs, " ")
}

// Size of a grid unit on the page, in points: the SVG is drawn to the size
// of its widget.
const (
	unitWidth  = 48
	unitHeight = 36
)

func (r *resolver) widget(d *board.Dashboard, w *board.Widget, override time.Duration) widgetData {
	wd := widgetData{Name: clean(w.Name), Function: clean(w.Function), Type: string(w.Type), Title: clean(w.Title),
		Style: template.CSS(fmt.Sprintf("grid-column:%d / span %d;grid-row:%d / span %d", w.X+1, max(w.Width, 1), w.Y+1, max(w.Height, 1)))}
	switch w.Type {
	case board.MetricWidget:
		period := time.Duration(w.Period) * time.Second
		if override > 0 {
			period = override
		}
		if period <= 0 {
			period = d.Period
		}
		wd.Stat, wd.Period = clean(w.Stat), int(period/time.Second)
		var lines []*line
		for _, s := range w.Series {
			lines = append(lines, r.lines(w, s)...)
		}
		for i, l := range lines {
			l.aggregate(period)
			wd.Points += len(l.points)
			wd.Values += len(l.samples)
			wd.Legend = append(wd.Legend, legendItem{Label: clean(l.label), Color: template.CSS(cssColor(colorOf(i))),
				Points: len(l.points), Values: len(l.samples)})
		}
		var marks []mark
		for _, a := range w.Annotations {
			if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) {
				continue
			}
			c := hexColor(a.Color)
			marks = append(marks, mark{value: a.Value, color: c})
			wd.Marks = append(wd.Marks, markItem{Label: clean(a.Label), Value: strconv.FormatFloat(a.Value, 'g', -1, 64),
				Color: template.CSS(cssColor(c))})
		}
		svg, err := chart(lines, marks, period, w.YLabel, vg.Length(max(w.Width, 1)*unitWidth), vg.Length(max(w.Height-1, 1)*unitHeight))
		if err != nil {
			wd.Problem = clean(err.Error())
			wd.Points = 0
		}
		wd.SVG = template.HTML(svg)
	case board.LogWidget:
		if w.Query == nil {
			break
		}
		q := *w.Query
		wd.Query = clean(q.WidgetString())
		wd.Columns = q.Fields
		var recs []board.LogRecord
		for _, l := range r.c.Logs {
			if r.belongs(d, l, w.Function) && q.Filter.Match(l.Fields) {
				recs = append(recs, l)
			}
		}
		wd.Matched = len(recs)
		// Latest first, as sort @timestamp desc.
		slices.SortStableFunc(recs, func(a, b board.LogRecord) int { return b.Time.Compare(a.Time) })
		if q.Limit > 0 && len(recs) > q.Limit {
			recs = recs[:q.Limit]
		}
		for _, rec := range recs {
			row := make([]string, len(q.Fields))
			for i, f := range q.Fields {
				row[i] = cell(rec.Fields[f])
			}
			wd.Rows = append(wd.Rows, row)
		}
	default:
		head, rest, _ := strings.Cut(w.Markdown, "\n")
		wd.Heading = clean(strings.TrimLeft(head, "# "))
		wd.Text = clean(strings.ReplaceAll(rest, "`", ""))
	}
	return wd
}

// belongs reports whether log line l is one of function fn's: its
// function_name says so, or it has none and the dashboard draws one
// function.
func (r *resolver) belongs(d *board.Dashboard, l board.LogRecord, fn string) bool {
	name, _ := l.Fields[names.KeyFunctionName].(string)
	if name != "" {
		return name == fn
	}
	if len(d.Functions) == 1 {
		return true
	}
	svc, _ := l.Fields[names.KeyService].(string)
	for _, f := range d.Functions {
		if f.Name == fn {
			return svc != "" && svc == f.Service
		}
	}
	return false
}

// cell formats a log field for a table cell.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return clean(truncate(x, 300))
	case bool:
		if x {
			return "1" // as Logs Insights shows a JSON true
		}
		return "0"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return clean(truncate(string(b), 300))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// clean makes s safe to write in any HTML or XML text: valid UTF-8, no
// control characters but tab and newline.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, badRune) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if badRune(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func badRune(r rune) bool {
	if r == '\t' || r == '\n' {
		return false
	}
	// Control characters, and the non-characters XML 1.0 forbids.
	return unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF)
}
