package dashboard_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// cdkCase is one dashboard given to testdata/cdk/synth.js.
type cdkCase struct {
	Name                string               `json:"name"`
	Functions           []dashboard.Function `json:"functions"`
	PeriodSeconds       int                  `json:"periodSeconds"`
	Start               string               `json:"start"`
	ErrorRate           float64              `json:"errorRate"`
	DurationThresholdMS float64              `json:"durationThresholdMs"`
	DurationThreshold   string               `json:"durationThreshold"` // as the alarm's description writes it
	MemoryThreshold     float64              `json:"memoryThreshold"`   // percent
	AlarmTopics         []string             `json:"alarmTopics"`
	DashboardName       string               `json:"dashboardName,omitempty"`
	Body                bool                 `json:"body,omitempty"` // compared with Body, not Template
}

// TestMatchesCDK builds the same dashboards and alarms with aws-cdk-lib's
// aws-cloudwatch constructs, AWS's own generator (testdata/cdk/synth.js,
// written from the dashboard's description), synthesizes them, and compares
// them with Template's: the dashboard body widget for widget and property
// for property, and every alarm's properties. Where CDK writes the same
// thing differently, normalize says why.
func TestMatchesCDK(t *testing.T) {
	cases := cdkCases()
	var in struct {
		Cases []cdkCase `json:"cases"`
	}
	ours := map[string][]byte{}
	for _, c := range cases {
		d, err := dashboard.New(c.fns, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if c.body {
			ours[c.name], err = d.Body()
		} else {
			ours[c.name], err = d.Template()
		}
		if err != nil {
			t.Fatal(err)
		}
		in.Cases = append(in.Cases, cdkCase{Name: c.name, Functions: dashboard.FunctionsOf(d), PeriodSeconds: int(dashboard.PeriodOf(d) / time.Second),
			Start: dashboard.StartOf(d), ErrorRate: errorRate(c.opts), DurationThresholdMS: float64(durationThreshold(c.opts) / time.Millisecond),
			DurationThreshold: durationThreshold(c.opts).String(), MemoryThreshold: memoryThreshold(c.opts),
			AlarmTopics: dashboard.AlarmTopicsOf(d), DashboardName: dashboard.NameOf(d), Body: c.body})
	}
	input, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := testenv.RunCDK(t, filepath.Join("testdata", "cdk", "synth.js"), input)
	var theirs map[string]json.RawMessage
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatalf("synth.js printed no JSON: %v\n%.2000s", err, out)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(theirs[c.name]) == 0 {
				t.Fatalf("no template for %s from synth.js", c.name)
			}
			if c.body {
				compareBodyWithCDK(t, ours[c.name], theirs[c.name])
				return
			}
			compareWithCDK(t, ours[c.name], theirs[c.name])
		})
	}
}

type templateCase struct {
	name string
	fns  []dashboard.Function
	opts []dashboard.Option
	body bool // compared with Body: functions in their own regions, no alarms
}

// cdkCases are the dashboards compared with CDK's and validated: functions
// known by reference with every alarm, functions known by name (one using
// package params), one whose names need escaping, drawn every 10 seconds
// with a memory threshold of its own; and a body, whose functions are drawn
// in their own regions.
func cdkCases() []templateCase {
	escapes := dashboard.Function{Name: "report_builder", Namespace: "Back Office/Reports", Service: "reports (eu)",
		LogGroup: "/custom/reports", Async: true, DeadLetterQueue: "reports-dlq.fifo", Parameters: true,
		Metrics: []dashboard.Metric{
			{Name: "Pages", Unit: metrics.Count},
			{Name: "Render time", Unit: metrics.Seconds, Dimensions: []string{"format", "paper size"}},
			{Name: "Size", Unit: metrics.Kilobytes, Stat: "Maximum"},
			{Name: "Retries", Unit: metrics.Count, Stat: "SampleCount"},
		}}
	plain := []dashboard.Function{quickstart(), ordersAPI()}
	for i := range plain {
		plain[i].Region = ""
	}
	plain[1].Parameters = true
	return []templateCase{
		{"Refs", templateFunctions(), templateOptions(), false},
		{"Names", plain, []dashboard.Option{dashboard.WithPeriod(5 * time.Minute), dashboard.WithStart("-PT12H"),
			dashboard.WithErrorRateThreshold(2.5), dashboard.WithAlarmTopic("arn:aws:sns:eu-central-1:123456789012:oncall")}, false},
		{"Escapes", []dashboard.Function{escapes}, []dashboard.Option{dashboard.WithPeriod(10 * time.Second),
			dashboard.WithDurationThreshold(3 * time.Second), dashboard.WithName("reports"), dashboard.WithMemoryUtilizationThreshold(82.5)}, false},
		{"Body", []dashboard.Function{quickstart(), ordersAPI()}, nil, true},
	}
}

// TestTemplateValidates runs AWS CloudFormation Validate, the offline
// validator aws-cdk-lib runs on what it synthesizes, on Template's output
// (with stand-ins for the function, queue and topic it refers to): no
// error and no warning.
func TestTemplateValidates(t *testing.T) {
	in := struct {
		Templates map[string]string `json:"templates"`
	}{Templates: map[string]string{}}
	for _, c := range cdkCases() {
		if c.body {
			continue
		}
		d, err := dashboard.New(c.fns, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := d.Template()
		if err != nil {
			t.Fatal(err)
		}
		var tmpl map[string]any
		if err := json.Unmarshal(raw, &tmpl); err != nil {
			t.Fatal(err)
		}
		params := map[string]any{}
		res := tmpl["Resources"].(map[string]any)
		for _, f := range dashboard.FunctionsOf(d) {
			if f.Ref != "" {
				params[f.Ref] = map[string]any{"Type": "String"}
			}
			if f.DeadLetterQueueRef != "" {
				res[f.DeadLetterQueueRef] = map[string]any{"Type": "AWS::SQS::Queue",
					"Properties": map[string]any{"MessageRetentionPeriod": 1209600}}
			}
		}
		for _, topic := range dashboard.AlarmTopicsOf(d) {
			if !strings.HasPrefix(topic, "arn:") {
				params[topic] = map[string]any{"Type": "String"}
			}
		}
		if len(params) > 0 {
			tmpl["Parameters"] = params
		}
		b, _ := json.Marshal(tmpl)
		in.Templates[c.name] = string(b)
	}
	input, _ := json.Marshal(in)
	out := testenv.RunCDK(t, filepath.Join("testdata", "cdk", "validate.js"), input)
	var reports map[string][]struct{ Severity, Rule, Message string }
	if err := json.Unmarshal(out, &reports); err != nil {
		t.Fatalf("validate.js printed no JSON: %v\n%.2000s", err, out)
	}
	for name := range in.Templates {
		if _, ok := reports[name]; !ok {
			t.Errorf("%s: no report", name)
		}
		for _, d := range reports[name] {
			if d.Severity != "INFO" {
				t.Errorf("%s: %s %s: %s", name, d.Severity, d.Rule, d.Message)
			}
		}
	}
}

// errorRate and durationThreshold return what the options of a case set, as
// the dashboard's defaults otherwise.
func errorRate(opts []dashboard.Option) float64 {
	d, _ := dashboard.New([]dashboard.Function{{Name: "probe"}}, opts...)
	for _, a := range dashboard.AlarmsOf(d) {
		if a.Kind == dashboard.AlarmErrorRate {
			return a.Threshold
		}
	}
	return dashboard.DefaultErrorRate
}

func memoryThreshold(opts []dashboard.Option) float64 {
	d, _ := dashboard.New([]dashboard.Function{{Name: "probe"}}, opts...)
	for _, a := range dashboard.AlarmsOf(d) {
		if a.Kind == dashboard.AlarmMemory {
			return a.Threshold
		}
	}
	return dashboard.DefaultMemoryUtilization
}

func durationThreshold(opts []dashboard.Option) time.Duration {
	d, _ := dashboard.New([]dashboard.Function{{Name: "probe"}}, opts...)
	for _, a := range dashboard.AlarmsOf(d) {
		if a.Kind == dashboard.AlarmDuration {
			return time.Duration(a.Threshold * float64(time.Millisecond))
		}
	}
	return dashboard.DefaultDurationThreshold
}

type cfnTemplate struct {
	Resources map[string]struct {
		Type       string
		Properties map[string]any
	}
}

// compareWithCDK compares the dashboard and alarms of two templates, their
// intrinsic functions resolved the same way.
func compareWithCDK(t *testing.T, oursRaw, theirsRaw []byte) {
	t.Helper()
	var ours, theirs cfnTemplate
	if err := json.Unmarshal(oursRaw, &ours); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(theirsRaw, &theirs); err != nil {
		t.Fatal(err)
	}
	byType := func(tp cfnTemplate, typ string) []string {
		var ids []string
		for id, r := range tp.Resources {
			if r.Type == typ {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		return ids
	}

	// The dashboard: its name, then the body widget by widget.
	od, td := ours.Resources[dashboard.ID].Properties, theirs.Resources[dashboard.ID].Properties
	if od == nil || td == nil {
		t.Fatalf("no %s: ours %v, CDK's %v", dashboard.ID, byType(ours, "AWS::CloudWatch::Dashboard"), byType(theirs, "AWS::CloudWatch::Dashboard"))
	}
	if o, c := resolve(t, od["DashboardName"]), resolve(t, td["DashboardName"]); o != c {
		t.Errorf("DashboardName: ours %v, CDK's %v", o, c)
	}
	var bodies [2]string
	for i, raw := range []any{od["DashboardBody"], td["DashboardBody"]} {
		s, ok := resolve(t, raw).(string)
		if !ok {
			t.Fatalf("DashboardBody does not resolve to a string: %v", raw)
		}
		bodies[i] = s
	}
	compareBodies(t, bodies[0], bodies[1])
	compareAlarms(t, ours, theirs, byType)
}

// compareBodies compares two dashboard bodies widget by widget, property by
// property, once normalized.
func compareBodies(t *testing.T, oursBody, theirsBody string) {
	t.Helper()
	var ob, tb map[string]any
	if err := json.Unmarshal([]byte(oursBody), &ob); err != nil {
		t.Fatalf("our body is not JSON: %v\n%s", err, oursBody)
	}
	if err := json.Unmarshal([]byte(theirsBody), &tb); err != nil {
		t.Fatalf("CDK's body is not JSON: %v\n%s", err, theirsBody)
	}
	normalizeBody(ob, true)
	normalizeBody(tb, false)
	ow, _ := ob["widgets"].([]any)
	tw, _ := tb["widgets"].([]any)
	if len(ow) != len(tw) || len(ow) == 0 {
		t.Errorf("%d widgets, CDK %d", len(ow), len(tw))
	}
	for i := range min(len(ow), len(tw)) {
		title := fmt.Sprint(dig(ow[i], "properties", "title"))
		for _, d := range diff(fmt.Sprintf("widget %d (%s)", i, title), ow[i], tw[i]) {
			t.Error(d)
		}
	}
	delete(ob, "widgets")
	delete(tb, "widgets")
	for _, d := range diff("body", ob, tb) {
		t.Error(d)
	}
}

// compareBodyWithCDK compares a dashboard body with the one of CDK's
// template.
func compareBodyWithCDK(t *testing.T, body, theirsRaw []byte) {
	t.Helper()
	var theirs cfnTemplate
	if err := json.Unmarshal(theirsRaw, &theirs); err != nil {
		t.Fatal(err)
	}
	s, ok := resolve(t, theirs.Resources[dashboard.ID].Properties["DashboardBody"]).(string)
	if !ok {
		t.Fatalf("CDK's DashboardBody does not resolve to a string")
	}
	compareBodies(t, string(body), s)
}

// compareAlarms compares the alarms of two templates, by logical id, their
// intrinsic functions resolved.
func compareAlarms(t *testing.T, ours, theirs cfnTemplate, byType func(cfnTemplate, string) []string) {
	t.Helper()
	oa, ta := byType(ours, "AWS::CloudWatch::Alarm"), byType(theirs, "AWS::CloudWatch::Alarm")
	if !slices.Equal(oa, ta) || len(oa) == 0 {
		t.Errorf("alarms: ours %v, CDK's %v", oa, ta)
	}
	for _, id := range oa {
		tr, ok := theirs.Resources[id]
		if !ok {
			continue
		}
		o := normalizeAlarm(resolve(t, ours.Resources[id].Properties).(map[string]any))
		c := normalizeAlarm(resolve(t, tr.Properties).(map[string]any))
		for _, d := range diff(id, o, c) {
			t.Error(d)
		}
	}
}

// Values the references resolve to, as CloudFormation would in a stack.
const (
	testRegion    = "eu-central-1"
	testStackName = "orders-stack"
)

var subRE = regexp.MustCompile(`\$\{(!?)([A-Za-z0-9:.]+)\}`)

// resolve evaluates the intrinsic functions of a template value: Ref and
// Fn::GetAtt of what the template refers to, Fn::Sub and Fn::Join.
func resolve(t *testing.T, v any) any {
	t.Helper()
	ref := func(name string) string {
		switch name {
		case "AWS::Region":
			return testRegion
		case "AWS::StackName":
			return testStackName
		}
		if attr, ok := strings.CutSuffix(name, ".QueueName"); ok {
			return testStackName + "-" + attr + "-Q1W2E3"
		}
		if strings.Contains(name, "::") || strings.Contains(name, ".") {
			t.Fatalf("no value for %s", name)
		}
		return testStackName + "-" + name + "-AbC123"
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					return ref(arg.(string))
				case "Fn::GetAtt":
					parts := arg.([]any)
					return ref(parts[0].(string) + "." + parts[1].(string))
				case "Fn::Sub":
					s, ok := arg.(string)
					if !ok {
						t.Fatalf("Fn::Sub with variables: %v", arg)
					}
					return subRE.ReplaceAllStringFunc(s, func(m string) string {
						sm := subRE.FindStringSubmatch(m)
						if sm[1] == "!" {
							return "${" + sm[2] + "}"
						}
						return ref(sm[2])
					})
				case "Fn::Join":
					parts := arg.([]any)
					var b strings.Builder
					for i, p := range parts[1].([]any) {
						if i > 0 {
							b.WriteString(parts[0].(string))
						}
						b.WriteString(resolve(t, p).(string))
					}
					return b.String()
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = resolve(t, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolve(t, e)
		}
		return out
	}
	return v
}

// normalizeBody writes what CDK and lambdaobs write differently, and mean
// alike, one way.
func normalizeBody(body map[string]any, ours bool) {
	widgets, _ := body["widgets"].([]any)
	for _, w := range widgets {
		wm, _ := w.(map[string]any)
		props, _ := wm["properties"].(map[string]any)
		if props == nil {
			continue
		}
		// CDK writes a text widget's background always; "solid" is
		// CloudWatch's default, which lambdaobs leaves out.
		if wm["type"] == "text" && props["background"] == "solid" {
			delete(props, "background")
		}
		ms, _ := props["metrics"].([]any)
		for _, m := range ms {
			arr, _ := m.([]any)
			if len(arr) == 0 {
				continue
			}
			opts, _ := arr[len(arr)-1].(map[string]any)
			if opts != nil {
				// CDK repeats the widget's period and statistic on each
				// metric (unless they are its own defaults, 300 s and
				// Average); a metric without them takes the widget's.
				if opts["period"] != nil && opts["period"] == props["period"] {
					delete(opts, "period")
				}
				if opts["stat"] != nil && opts["stat"] == props["stat"] {
					delete(opts, "stat")
				}
				// The body reference asks for an id on every expression,
				// which lambdaobs writes (e1, e2…); CDK names only the
				// metrics another expression uses. Nothing refers to these.
				if ours && opts["expression"] != nil {
					delete(opts, "id")
				}
				if len(opts) == 0 {
					arr = arr[:len(arr)-1]
				}
			}
			// A metric's dimensions are a set: CDK writes them sorted by
			// name, lambdaobs in the order the wrapper writes them.
			sortPairs(arr)
		}
		for i, m := range ms {
			if arr, ok := m.([]any); ok && len(arr) > 0 {
				if opts, ok := arr[len(arr)-1].(map[string]any); ok && len(opts) == 0 {
					ms[i] = arr[:len(arr)-1]
				}
			}
		}
	}
}

// sortPairs sorts the dimension name and value pairs of a metric array
// [namespace, name, dim, value, ..., options?] by name.
func sortPairs(arr []any) {
	end := len(arr)
	if end > 0 {
		if _, ok := arr[end-1].(map[string]any); ok {
			end--
		}
	}
	if end < 4 {
		return
	}
	type pair struct{ name, value any }
	var pairs []pair
	for i := 2; i+1 < end; i += 2 {
		pairs = append(pairs, pair{arr[i], arr[i+1]})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return fmt.Sprint(pairs[i].name) < fmt.Sprint(pairs[j].name) })
	for i, p := range pairs {
		arr[2+2*i], arr[3+2*i] = p.name, p.value
	}
}

// normalizeAlarm writes an alarm's properties that CDK and lambdaobs write
// differently, and mean alike, one way.
func normalizeAlarm(p map[string]any) map[string]any {
	sortDims := func(v any) {
		dims, _ := v.([]any)
		sort.SliceStable(dims, func(i, j int) bool {
			return fmt.Sprint(dig(dims[i], "Name")) < fmt.Sprint(dig(dims[j], "Name"))
		})
	}
	// Dimensions are a set: CDK sorts them by name.
	sortDims(p["Dimensions"])
	if ms, ok := p["Metrics"].([]any); ok {
		for _, m := range ms {
			mm, _ := m.(map[string]any)
			sortDims(dig(mm, "MetricStat", "Metric", "Dimensions"))
			// The id of the expression the alarm watches is free: CDK
			// numbers it (expr_1), lambdaobs names it for what it computes.
			// Nothing else refers to it.
			if mm["ReturnData"] == true && mm["Expression"] != nil {
				mm["Id"] = "returned"
			}
		}
		// The order of the queries means nothing; CDK puts the expression
		// first.
		sort.SliceStable(ms, func(i, j int) bool { return fmt.Sprint(dig(ms[i], "Id")) < fmt.Sprint(dig(ms[j], "Id")) })
	}
	return p
}

// dig returns v[keys[0]][keys[1]]…, or nil.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// diff returns one line per difference between a (ours) and b (CDK's),
// naming where it is.
func diff(path string, a, b any) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		var out []string
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			av, aok := x[k]
			bv, bok := y[k]
			switch {
			case !aok:
				out = append(out, fmt.Sprintf("%s.%s: CDK writes %s, lambdaobs nothing", path, k, short(bv)))
			case !bok:
				out = append(out, fmt.Sprintf("%s.%s: lambdaobs writes %s, CDK nothing", path, k, short(av)))
			default:
				out = append(out, diff(path+"."+k, av, bv)...)
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		var out []string
		for i := range x {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("%s: lambdaobs writes %s, CDK %s", path, short(a), short(b))}
}

func short(v any) string {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	s := strings.TrimSuffix(buf.String(), "\n")
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
