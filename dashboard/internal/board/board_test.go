package board_test

import (
	"slices"
	"testing"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
)

func TestQueryString(t *testing.T) {
	q := board.Query{Name: "q", LogGroups: []string{"/aws/lambda/a", "/aws/lambda/b"}, Fields: []string{"timestamp", "message"}, Limit: 10}
	tests := []struct {
		name   string
		filter board.Filter
		want   string
	}{
		{"present", board.Filter{Field: "init_duration_ms"}, "fields timestamp, message\n| filter ispresent(init_duration_ms)\n| sort @timestamp desc\n| limit 10"},
		{"none", board.Filter{Field: "level", Values: []string{}}, "fields timestamp, message\n| filter false\n| sort @timestamp desc\n| limit 10"},
		{"one", board.Filter{Field: "level", Values: []string{"ERROR"}}, "fields timestamp, message\n| filter level = \"ERROR\"\n| sort @timestamp desc\n| limit 10"},
		{"several", board.Filter{Field: "level", Values: []string{"ERROR", "CRITICAL"}}, "fields timestamp, message\n| filter level in [\"ERROR\", \"CRITICAL\"]\n| sort @timestamp desc\n| limit 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := q
			q.Filter = tt.filter
			if got := q.String(); got != tt.want {
				t.Errorf("String:\n%s\nwant:\n%s", got, tt.want)
			}
			if got, want := q.WidgetString(), "SOURCE '/aws/lambda/a' | SOURCE '/aws/lambda/b' | "+tt.want; got != want {
				t.Errorf("WidgetString:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestFilterMatch(t *testing.T) {
	tests := []struct {
		name   string
		filter board.Filter
		fields map[string]any
		want   bool
	}{
		{"present", board.Filter{Field: "k"}, map[string]any{"k": 1.0}, true},
		{"absent", board.Filter{Field: "k"}, map[string]any{"j": 1.0}, false},
		{"null", board.Filter{Field: "k"}, map[string]any{"k": nil}, false},
		{"value", board.Filter{Field: "k", Values: []string{"a", "b"}}, map[string]any{"k": "b"}, true},
		{"other value", board.Filter{Field: "k", Values: []string{"a"}}, map[string]any{"k": "b"}, false},
		{"not a string", board.Filter{Field: "k", Values: []string{"1"}}, map[string]any{"k": 1.0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.filter.Match(tt.fields); got != tt.want {
				t.Errorf("Match(%v) = %v, want %v", tt.fields, got, tt.want)
			}
		})
	}
}

func TestDocumentValues(t *testing.T) {
	d := board.Document{
		Directives: []board.Directive{{Namespace: "NS", Dimensions: [][]string{{"service"}},
			Metrics: []board.MetricDefinition{{Name: "One"}, {Name: "Many"}, {Name: "Text"}}}},
		Fields: map[string]any{"service": "orders", "One": 2.5, "Many": []any{1.0, "x", 3.0}, "Text": "7", "Undefined": 1.0},
	}
	tests := []struct {
		metric string
		want   []float64
	}{
		{"One", []float64{2.5}},
		{"Many", []float64{1, 3}},
		{"Text", nil},
		{"Undefined", nil}, // a root field no directive defines
		{"service", nil},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			if got := d.Values(tt.metric); !slices.Equal(got, tt.want) {
				t.Errorf("Values = %v, want %v", got, tt.want)
			}
		})
	}
	if d.String("service") != "orders" || d.String("One") != "" {
		t.Errorf("String: %q %q", d.String("service"), d.String("One"))
	}
}

func TestStatOf(t *testing.T) {
	w := board.Widget{Stat: "Sum"}
	if got := w.StatOf(board.Series{}); got != "Sum" {
		t.Errorf("the widget's statistic: %q", got)
	}
	if got := w.StatOf(board.Series{Stat: "p99"}); got != "p99" {
		t.Errorf("the series' statistic: %q", got)
	}
}
