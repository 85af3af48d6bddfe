package board

import (
	"strconv"
	"strings"
)

// Query is a CloudWatch Logs Insights query over a function's log group: the
// query of a log widget, and a saved query (AWS::Logs::QueryDefinition).
// Its parts are kept apart so the local view can run it on captured lines.
type Query struct {
	// Name is the query's name: its short name ("errors", …) in a log
	// widget, lambdaobs/<function>/<short name> as a saved query.
	Name      string
	Title     string   // the log widget's title
	LogGroups []string // the log groups queried
	// Fields are the fields shown, in order.
	Fields []string
	// Filter selects the lines.
	Filter Filter
	// Limit is the number of lines shown, the latest first.
	Limit int
}

// Filter selects log lines: those whose Field equals one of Values, or,
// when Values is nil, those that have Field at all.
type Filter struct {
	Field  string   // a log key
	Values []string // the values selected; nil selects the lines that have Field
}

// Match reports whether a log line, decoded from JSON, passes f.
func (f Filter) Match(fields map[string]any) bool {
	v, ok := fields[f.Field]
	if !ok || v == nil {
		return false
	}
	if f.Values == nil {
		return true
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	for _, want := range f.Values {
		if s == want {
			return true
		}
	}
	return false
}

// String returns the query as Logs Insights runs it over log groups chosen
// apart (a saved query's QueryString).
func (q Query) String() string {
	var b strings.Builder
	b.WriteString("fields ")
	b.WriteString(strings.Join(q.Fields, ", "))
	b.WriteString("\n| filter ")
	switch len(q.Filter.Values) {
	case 0:
		if q.Filter.Values == nil {
			b.WriteString("ispresent(" + q.Filter.Field + ")")
		} else {
			b.WriteString("false")
		}
	case 1:
		b.WriteString(q.Filter.Field + " = " + strconv.Quote(q.Filter.Values[0]))
	default:
		b.WriteString(q.Filter.Field + " in [")
		for i, v := range q.Filter.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(v))
		}
		b.WriteString("]")
	}
	b.WriteString("\n| sort @timestamp desc")
	if q.Limit > 0 {
		b.WriteString("\n| limit " + strconv.Itoa(q.Limit))
	}
	return b.String()
}

// WidgetString returns the query as a log widget holds it: the log groups
// named by SOURCE commands, then String.
func (q Query) WidgetString() string {
	var b strings.Builder
	for _, g := range q.LogGroups {
		b.WriteString("SOURCE '" + g + "' | ")
	}
	b.WriteString(q.String())
	return b.String()
}
