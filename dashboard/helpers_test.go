package dashboard_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// quickstart is the function of examples/quickstart.
func quickstart() dashboard.Function {
	return dashboard.Function{
		Name:      "orders-quickstart",
		Namespace: "Quickstart",
		Service:   "orders",
		Region:    "eu-west-1",
		Metrics: []dashboard.Metric{
			{Name: "OrdersPlaced", Unit: metrics.Count},
			{Name: "OrderValue", Unit: metrics.None},
			{Name: "ChargeLatency", Unit: metrics.Milliseconds},
			{Name: "PaymentsDeclined", Unit: metrics.Count},
		},
	}
}

// ordersAPI is a second function: behind the HTTP adapter, in another
// namespace and region, with a metric that has a dimension of its own.
func ordersAPI() dashboard.Function {
	return dashboard.Function{
		Name:      "orders-api",
		Namespace: "Shop",
		Service:   "orders-api",
		Region:    "us-west-2",
		HTTP:      true,
		Metrics: []dashboard.Metric{
			{Name: "CartSize", Unit: metrics.Count, Stat: "Average", Dimensions: []string{"channel"}},
		},
	}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was built (go test -update rewrites it); got:\n%s", path, got)
	}
}

var (
	schemaOnce sync.Once
	bodySchema *jsonschema.Schema
	widgetSch  *jsonschema.Schema
	schemaErr  error
)

// schemas compiles testdata/dashboard-body.schema.json: the whole body, and
// one widget.
func schemas(t testing.TB) (body, widget *jsonschema.Schema) {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "dashboard-body.schema.json"))
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		const url = "https://lambdaobs.test/dashboard-body.schema.json"
		if schemaErr = c.AddResource(url, doc); schemaErr != nil {
			return
		}
		if bodySchema, schemaErr = c.Compile(url); schemaErr != nil {
			return
		}
		widgetSch, schemaErr = c.Compile(url + "#/$defs/widget")
	})
	if schemaErr != nil {
		t.Fatalf("compile the dashboard body schema: %v", schemaErr)
	}
	return bodySchema, widgetSch
}

// validateBody checks body against the schema, as a whole and widget by
// widget, and checks that the widgets stay on the grid without
// overlapping.
func validateBody(t testing.TB, body []byte) {
	t.Helper()
	bs, ws := schemas(t)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	if err := bs.Validate(inst); err != nil {
		t.Errorf("body does not match the schema: %v", err)
	}
	var b struct {
		Widgets []json.RawMessage `json:"widgets"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	type rect struct{ x, y, w, h int }
	var placed []rect
	for i, raw := range b.Widgets {
		w, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.Validate(w); err != nil {
			t.Errorf("widget %d does not match the schema: %v\n%s", i, err, raw)
		}
		var pos struct{ X, Y, Width, Height int }
		if err := json.Unmarshal(raw, &pos); err != nil {
			t.Fatal(err)
		}
		r := rect{pos.X, pos.Y, pos.Width, pos.Height}
		if r.x+r.w > 24 {
			t.Errorf("widget %d runs off the 24-column grid: %+v", i, r)
		}
		for j, o := range placed {
			if r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h {
				t.Errorf("widgets %d and %d overlap: %+v %+v", j, i, o, r)
			}
		}
		placed = append(placed, r)
	}
}

// bodyOfTemplate returns the dashboard body in a template, its Fn::Sub
// references replaced as CloudFormation would: each reference by subs, and
// "${!" by "${".
func bodyOfTemplate(t testing.TB, tmpl []byte, subs map[string]string) []byte {
	t.Helper()
	var tp struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(tmpl, &tp); err != nil {
		t.Fatalf("template is not JSON: %v", err)
	}
	r, ok := tp.Resources[dashboard.ID]
	if !ok || r.Type != "AWS::CloudWatch::Dashboard" {
		t.Fatalf("no dashboard resource in the template")
	}
	sub, _ := r.Properties["DashboardBody"].(map[string]any)
	s, _ := sub["Fn::Sub"].(string)
	if s == "" {
		t.Fatalf("DashboardBody is not an Fn::Sub string: %v", r.Properties["DashboardBody"])
	}
	for k, v := range subs {
		s = strings.ReplaceAll(s, "${"+k+"}", v)
	}
	if i := strings.Index(strings.ReplaceAll(s, "${!", ""), "${"); i >= 0 {
		t.Fatalf("unresolved reference in the body: %q", s[i:min(len(s), i+40)])
	}
	return []byte(strings.ReplaceAll(s, "${!", "${"))
}

func readFile(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }
