package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Kinds of alarm (alarm.kind): the logical id of an alarm in Template's
// output is the function's, the kind and "Alarm".
const (
	alarmErrorRate       = "ErrorRate"
	alarmDuration        = "DurationP99"
	alarmTimeouts        = "Timeouts"
	alarmThrottles       = "Throttles"
	alarmMemory          = "MemoryUtilization"
	alarmAsyncDropped    = "AsyncEventsDropped"
	alarmDeadLetterQueue = "DeadLetterQueue"
)

// Metrics and dimensions AWS publishes that only the alarms watch: the
// asynchronous events Lambda dropped, and the messages waiting in an SQS
// queue.
const (
	lambdaAsyncEventsDropped = "AsyncEventsDropped"
	sqsNamespace             = "AWS/SQS"
	sqsMessagesVisible       = "ApproximateNumberOfMessagesVisible"
	sqsQueueName             = "QueueName"
)

// alarm is a CloudWatch alarm on one function.
type alarm struct {
	// Kind is one of alarmErrorRate, alarmDuration, alarmTimeouts,
	// alarmThrottles, alarmMemory, alarmAsyncDropped and
	// alarmDeadLetterQueue.
	Kind string
	// Function is the name of the function watched.
	Function    string
	Description string // the alarm's description, naming the function
	// The metric watched; for alarmErrorRate, 100 × Errors / Invocations of
	// the AWS/Lambda namespace.
	Namespace  string            // the metric's namespace
	Metric     string            // the metric's name
	Dimensions []board.Dimension // the metric's complete dimension set
	Stat       string            // Sum, Maximum or a percentile
	// The alarm fires when the statistic is greater than Threshold in
	// DatapointsToAlarm of EvaluationPeriods periods. Missing data does not
	// breach.
	Threshold         float64 // in the metric's unit (milliseconds for durations, percent for the error rate and memory utilisation)
	EvaluationPeriods int     // periods looked at
	DatapointsToAlarm int     // of those, the periods that must breach
	Period            int     // seconds
	// Actions are the SNS topics notified when the alarm fires
	// (WithAlarmTopic): ARNs or logical ids of the template.
	Actions []string
}

// alarmsOf returns the alarms of every function.
func (d *Dashboard) alarmsOf(n naming) []alarm {
	var as []alarm
	period := int(d.period / time.Second)
	if period < 60 {
		period = 60 // Lambda's and SQS's metrics have a one-minute resolution
	}
	for i, f := range d.functions {
		name := n.name(i, f)
		lambdaDims := []board.Dimension{{Name: names.LambdaFunctionName, Value: name}}
		lifeDims := []board.Dimension{{Name: names.DimService, Value: f.Service}, {Name: names.DimFunctionName, Value: name}}
		fa := []alarm{
			{Kind: alarmErrorRate, Function: name,
				Description: fmt.Sprintf("More than %s%% of the invocations of %s failed (3 of 5 periods).", strconv.FormatFloat(d.errorRate, 'f', -1, 64), name),
				Namespace:   names.LambdaNamespace, Metric: names.LambdaErrors, Dimensions: lambdaDims, Stat: "Sum",
				Threshold: d.errorRate, EvaluationPeriods: 5, DatapointsToAlarm: 3, Period: period},
			{Kind: alarmDuration, Function: name,
				Description: fmt.Sprintf("The p99 duration of %s is above %v (3 of 5 periods).", name, d.durationThreshold),
				Namespace:   names.LambdaNamespace, Metric: names.LambdaDuration, Dimensions: lambdaDims, Stat: "p99",
				Threshold: float64(d.durationThreshold) / float64(time.Millisecond), EvaluationPeriods: 5, DatapointsToAlarm: 3, Period: period},
			{Kind: alarmTimeouts, Function: name,
				Description: fmt.Sprintf("An invocation of %s was about to time out (lambdaobs timeout guard).", name),
				Namespace:   f.Namespace, Metric: names.MetricTimeouts, Dimensions: lifeDims, Stat: "Sum",
				Threshold: 0, EvaluationPeriods: 1, DatapointsToAlarm: 1, Period: period},
			{Kind: alarmThrottles, Function: name,
				Description: fmt.Sprintf("Invocations of %s were throttled.", name),
				Namespace:   names.LambdaNamespace, Metric: names.LambdaThrottles, Dimensions: lambdaDims, Stat: "Sum",
				Threshold: 0, EvaluationPeriods: 1, DatapointsToAlarm: 1, Period: period},
			// The peak is the sandbox's high-water mark, measured on the
			// invocations lambdawrap samples: one above the threshold says
			// the function runs close to being stopped out of memory.
			{Kind: alarmMemory, Function: name,
				Description: fmt.Sprintf("A sampled invocation of %s peaked above %s%% of its memory (lambdaobs usage metrics).", name, strconv.FormatFloat(d.memory, 'f', -1, 64)),
				Namespace:   f.Namespace, Metric: names.MetricMemoryUtilization, Dimensions: lifeDims, Stat: "Maximum",
				Threshold: d.memory, EvaluationPeriods: 1, DatapointsToAlarm: 1, Period: period},
		}
		if f.Async {
			fa = append(fa, alarm{Kind: alarmAsyncDropped, Function: name,
				Description: fmt.Sprintf("Lambda dropped asynchronous events of %s: they failed every retry or outlived their maximum age.", name),
				Namespace:   names.LambdaNamespace, Metric: lambdaAsyncEventsDropped, Dimensions: lambdaDims, Stat: "Sum",
				Threshold: 0, EvaluationPeriods: 1, DatapointsToAlarm: 1, Period: period})
		}
		if q := n.queue(i, f); q != "" {
			fa = append(fa, alarm{Kind: alarmDeadLetterQueue, Function: name,
				Description: fmt.Sprintf("Failed events of %s wait in its dead-letter queue %s.", name, q),
				Namespace:   sqsNamespace, Metric: sqsMessagesVisible, Dimensions: []board.Dimension{{Name: sqsQueueName, Value: q}}, Stat: "Maximum",
				Threshold: 0, EvaluationPeriods: 1, DatapointsToAlarm: 1, Period: period})
		}
		for j := range fa {
			fa[j].Actions = slices.Clone(d.alarmTopics)
		}
		as = append(as, fa...)
	}
	return as
}

// Substitution tokens: control characters never pass validation, so in the
// encoded body they can only come from here.
const (
	tokenStart  = "\x01fn"
	queueStart  = "\x01q"
	tokenEnd    = "\x01"
	regionToken = "\x01region\x01"
)

func fnToken(i int) string    { return tokenStart + strconv.Itoa(i) + tokenEnd }
func queueToken(i int) string { return queueStart + strconv.Itoa(i) + tokenEnd }

// jsonToken returns how encoding/json writes a token.
func jsonToken(tok string) string {
	b, _ := json.Marshal(tok)
	return string(b[1 : len(b)-1])
}

// ID is the logical id of the dashboard in Template's output.
const ID = "LambdaobsDashboard"

// Template returns a CloudFormation template (JSON, which is also YAML) with
// the dashboard, the alarms and the saved queries. A function with a Ref is
// named through that resource, which must then be in the same template, and
// so is a dead-letter queue with a DeadLetterQueueRef. Everything is drawn
// and watched in the stack's region, where CloudFormation creates the alarms
// and the saved queries: a dashboard given a region (WithRegion or
// Function.Region) has no template.
func (d *Dashboard) Template() ([]byte, error) {
	for _, f := range d.functions {
		if f.explicitRegion {
			return nil, fmt.Errorf("dashboard: function %s: region %s: CloudFormation creates the alarms and saved queries in the stack's region, where they would watch nothing of a function in another; give no region for a template and deploy the stack in %s",
				f.label(), f.Region, f.Region)
		}
	}
	sub := templateNames()
	raw, err := marshalBody(d.start, d.build(sub), "")
	if err != nil {
		return nil, err
	}
	bodyStr := d.substitute(strings.TrimSuffix(string(raw), "\n"), true)

	resources := map[string]any{}
	dashName := any(map[string]any{"Fn::Sub": "${AWS::StackName}-lambdaobs"})
	if d.name != "" {
		dashName = d.name
	}
	resources[ID] = resource{Type: "AWS::CloudWatch::Dashboard", Properties: map[string]any{
		"DashboardName": dashName,
		"DashboardBody": map[string]any{"Fn::Sub": bodyStr},
	}}
	d.addAlarmsAndQueries(resources, sub)
	tmpl := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "CloudWatch dashboard, alarms and Logs Insights queries for functions observed by lambdaobs.",
		"Resources":                resources,
		"Outputs": map[string]any{
			"DashboardURL": map[string]any{
				"Description": "The lambdaobs dashboard in the CloudWatch console",
				"Value":       map[string]any{"Fn::Sub": "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=${" + ID + "}"},
			},
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tmpl); err != nil {
		return nil, fmt.Errorf("dashboard: encode template: %w", err)
	}
	return buf.Bytes(), nil
}

// templateNames is how a template writes functions, their regions and
// queues: a function or queue with a reference as a token that substitute
// turns into one, the region as the stack's.
func templateNames() naming {
	sub := naming{
		name: func(i int, f Function) string {
			if f.Ref != "" {
				return fnToken(i)
			}
			return f.Name
		},
		region: func(Function) string { return regionToken },
		queue: func(i int, f Function) string {
			if f.DeadLetterQueueRef != "" {
				return queueToken(i)
			}
			return f.DeadLetterQueue
		},
	}
	sub.logGroup = func(i int, f Function) string {
		if f.LogGroup != "" {
			return f.LogGroup
		}
		return "/aws/lambda/" + sub.name(i, f)
	}
	return sub
}

// addAlarmsAndQueries adds the alarms and the saved queries of every
// function to resources, by logical id.
func (d *Dashboard) addAlarmsAndQueries(resources map[string]any, sub naming) {
	ids := uniqueIDs(d.functions)
	byFunction := map[string]string{}
	for i, f := range d.functions {
		byFunction[sub.name(i, f)] = ids[i]
	}
	for _, a := range d.alarmsOf(sub) {
		id := byFunction[a.Function] + a.Kind + "Alarm"
		resources[id] = resource{Type: "AWS::CloudWatch::Alarm", Properties: alarmProperties(a, d.dimValue, d.value)}
	}
	for _, q := range d.queriesOf(sub) {
		groups := make([]any, len(q.LogGroups))
		for i, g := range q.LogGroups {
			groups[i] = d.value(g)
		}
		var fnID, short string
		for i, f := range d.functions {
			if p := "lambdaobs/" + sub.name(i, f) + "/"; strings.HasPrefix(q.Name, p) {
				fnID, short = ids[i], strings.TrimPrefix(q.Name, p)
			}
		}
		resources[fnID+camel(short)+"Query"] = resource{Type: "AWS::Logs::QueryDefinition", Properties: map[string]any{
			"Name":          d.value(q.Name),
			"LogGroupNames": groups,
			"QueryString":   q.String(),
		}}
	}
}

// value returns s as a template value: a string, or an Fn::Sub when it
// names a function or a queue by reference.
func (d *Dashboard) value(s string) any {
	if !strings.Contains(s, tokenStart) && !strings.Contains(s, queueStart) {
		return s
	}
	return map[string]any{"Fn::Sub": d.substitute(s, false)}
}

// dimValue is like value, but a lone reference is a Ref (or, for a queue,
// its QueueName attribute).
func (d *Dashboard) dimValue(s string) any {
	for i, f := range d.functions {
		if s == fnToken(i) {
			return map[string]any{"Ref": f.Ref}
		}
		if s == queueToken(i) {
			return map[string]any{"Fn::GetAtt": []any{f.DeadLetterQueueRef, "QueueName"}}
		}
	}
	return d.value(s)
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

// substitute turns tokens into Fn::Sub references, escaping every other
// "${". In encoded JSON (encoded true) tokens are written escaped.
func (d *Dashboard) substitute(s string, encoded bool) string {
	s = strings.ReplaceAll(s, "${", "${!")
	tok := func(t string) string {
		if encoded {
			return jsonToken(t)
		}
		return t
	}
	for i, f := range d.functions {
		if f.Ref != "" {
			s = strings.ReplaceAll(s, tok(fnToken(i)), "${"+f.Ref+"}")
		}
		if f.DeadLetterQueueRef != "" {
			s = strings.ReplaceAll(s, tok(queueToken(i)), "${"+f.DeadLetterQueueRef+".QueueName}")
		}
	}
	return strings.ReplaceAll(s, tok(regionToken), "${AWS::Region}")
}

func alarmProperties(a alarm, dimValue, value func(string) any) map[string]any {
	dims := make([]any, len(a.Dimensions))
	for i, dm := range a.Dimensions {
		dims[i] = map[string]any{"Name": dm.Name, "Value": dimValue(dm.Value)}
	}
	p := map[string]any{
		"AlarmDescription":   value(a.Description),
		"ComparisonOperator": "GreaterThanThreshold",
		"Threshold":          a.Threshold,
		"EvaluationPeriods":  a.EvaluationPeriods,
		"DatapointsToAlarm":  a.DatapointsToAlarm,
		"TreatMissingData":   "notBreaching",
	}
	if len(a.Actions) > 0 {
		actions := make([]any, len(a.Actions))
		for i, t := range a.Actions {
			if strings.HasPrefix(t, "arn:") {
				actions[i] = t
			} else {
				actions[i] = map[string]any{"Ref": t}
			}
		}
		p["AlarmActions"] = actions
	}
	if a.Kind == alarmErrorRate {
		stat := func(id, metric string) map[string]any {
			return map[string]any{"Id": id, "ReturnData": false, "MetricStat": map[string]any{
				"Metric": map[string]any{"Namespace": a.Namespace, "MetricName": metric, "Dimensions": dims},
				"Period": a.Period, "Stat": "Sum",
			}}
		}
		p["Metrics"] = []any{
			stat("errors", names.LambdaErrors),
			stat("invocations", names.LambdaInvocations),
			map[string]any{"Id": "rate", "Label": "Error rate (%)", "ReturnData": true,
				"Expression": "IF(invocations > 0, 100 * errors / invocations, 0)"},
		}
		return p
	}
	p["Namespace"] = a.Namespace
	p["MetricName"] = a.Metric
	p["Dimensions"] = dims
	p["Period"] = a.Period
	if strings.HasPrefix(a.Stat, "p") {
		p["ExtendedStatistic"] = a.Stat
	} else {
		p["Statistic"] = a.Stat
	}
	return p
}

// camel turns "cold-starts" into "ColdStarts".
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' || r == '_' || r == '/' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}
