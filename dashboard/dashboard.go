package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
)

// Defaults of New, stated in the docs of the options that change them.
const (
	defaultRegion            = "us-east-1"
	defaultPeriod            = time.Minute
	defaultStart             = "-PT3H"
	defaultDurationThreshold = time.Second
	defaultErrorRate         = 1.0  // percent
	defaultMemoryUtilization = 90.0 // percent
	// logLimit is the number of lines a log widget shows.
	logLimit = 50
)

// Option configures New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	region    string
	regionSet bool
	period    time.Duration
	start     string
	name      string
	duration  time.Duration
	errorRate float64
	memory    float64
	topics    []string
}

// WithRegion sets the region of the functions that do not name their own;
// the default is us-east-1. It is for Body: Template refuses it, since
// CloudFormation creates the alarms and saved queries in the stack's region.
func WithRegion(region string) Option {
	return optionFunc(func(c *config) { c.region, c.regionSet = region, true })
}

// WithPeriod sets the period of every metric widget and alarm: 1, 5, 10 or
// 30 seconds (high-resolution metrics) or a multiple of a minute up to a
// day. The default is a minute.
func WithPeriod(d time.Duration) Option {
	return optionFunc(func(c *config) { c.period = d })
}

// WithStart sets the time range the dashboard opens on, as the body's start
// property: an ISO 8601 duration before now such as -PT3H (the default).
func WithStart(start string) Option {
	return optionFunc(func(c *config) { c.start = start })
}

// WithName sets the dashboard's name in Template's output; the default
// there is "<stack name>-lambdaobs".
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}

// WithDurationThreshold sets the p99 duration above which Template's
// duration alarm fires, up to 15 minutes; the default is a second.
func WithDurationThreshold(d time.Duration) Option {
	return optionFunc(func(c *config) { c.duration = d })
}

// WithErrorRateThreshold sets the error rate, in percent of invocations
// (above 0, at most 100), above which Template's error rate alarm fires;
// the default is 1.
func WithErrorRateThreshold(percent float64) Option {
	return optionFunc(func(c *config) { c.errorRate = percent })
}

// WithMemoryUtilizationThreshold sets the share of the function's memory,
// in percent (above 0, at most 100), above which Template's memory alarm
// fires and where the memory utilisation widget draws its line; the
// default is 90.
func WithMemoryUtilizationThreshold(percent float64) Option {
	return optionFunc(func(c *config) { c.memory = percent })
}

// WithAlarmTopic makes every alarm notify these SNS topics when it fires
// (its AlarmActions), at most five. Each is a topic's ARN, or the logical
// id of an AWS::SNS::Topic resource or a parameter of the template
// Template's output goes into, written as a Ref. A topic must be in the
// stack's region, since the alarms are. Without one, the alarms change
// state and notify nobody.
func WithAlarmTopic(topics ...string) Option {
	return optionFunc(func(c *config) { c.topics = append(c.topics, topics...) })
}

// maxAlarmActions is the number of actions CloudWatch takes per alarm state.
const maxAlarmActions = 5

// checkTopic returns an error unless s is an SNS topic ARN or a logical id.
func checkTopic(s string) error {
	if validLogicalID(s) {
		return nil
	}
	if topicARNRE().MatchString(s) {
		if name := s[strings.LastIndexByte(s, ':')+1:]; len(name) > 256 {
			return fmt.Errorf("dashboard: alarm topic %q: a topic name is at most 256 characters", shorten(s))
		}
		if strings.HasSuffix(s, ".fifo") {
			return fmt.Errorf("dashboard: alarm topic %q is a FIFO topic, which CloudWatch alarms cannot notify", shorten(s))
		}
		return nil
	}
	return fmt.Errorf("dashboard: alarm topic %q is neither an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME) nor a CloudFormation logical id (letters and digits)", shorten(s))
}

// Dashboard is the dashboard of one or more functions: its widgets, and the
// alarms and saved queries that go with it. New makes one; it does not
// change afterwards.
type Dashboard struct {
	functions   []Function     // with their defaults filled in
	widgets     []board.Widget // the widgets of the body, in order
	period      time.Duration
	start       string
	name        string   // the name in Template's output; empty for the default
	alarmTopics []string // the SNS topics every alarm notifies

	durationThreshold time.Duration
	errorRate         float64
	memory            float64
}

func init() {
	board.DashboardOf = func(d any) board.Dashboard { return d.(*Dashboard).board() }
	board.CaptureOf = func(c any) board.Capture { return c.(*Capture).records }
}

// board returns what the local view draws of d.
func (d *Dashboard) board() board.Dashboard {
	b := board.Dashboard{Widgets: d.widgets, Period: d.period}
	for _, f := range d.functions {
		b.Functions = append(b.Functions, board.FunctionNames{Name: f.Name, Service: f.Service})
	}
	return b
}

// New returns the dashboard of fns, or an error naming what is wrong with
// them.
func New(fns []Function, opts ...Option) (*Dashboard, error) {
	c := config{region: defaultRegion, period: defaultPeriod, start: defaultStart,
		duration: defaultDurationThreshold, errorRate: defaultErrorRate, memory: defaultMemoryUtilization}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(fns) == 0 {
		return nil, errors.New("dashboard: no function to draw")
	}
	d := &Dashboard{period: c.period, start: c.start, name: c.name,
		alarmTopics: slices.Clone(c.topics), durationThreshold: c.duration, errorRate: c.errorRate, memory: c.memory}
	names := map[string]bool{}
	for _, f := range fns {
		nf, err := f.normalize(c.region, c.regionSet)
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		key := nf.label()
		if names[key] {
			return nil, fmt.Errorf("dashboard: function %q is listed twice", key)
		}
		names[key] = true
		d.functions = append(d.functions, nf)
	}
	d.widgets = d.build(plainNames)
	if len(d.widgets) > maxWidgets {
		return nil, fmt.Errorf("dashboard: %d widgets, more than the %d CloudWatch allows on one dashboard: draw fewer functions or metrics", len(d.widgets), maxWidgets)
	}
	for _, w := range d.widgets {
		for _, s := range w.Series {
			if !s.Search {
				continue
			}
			if n := len(searchExpression(s, w.StatOf(s), w.Period)); n > maxSearchLength {
				return nil, fmt.Errorf("dashboard: function %q: the search expression of %s is %d characters, more than the %d CloudWatch takes: shorten the service, the namespace or the dimension names",
					shorten(w.Function), s.Metric, n, maxSearchLength)
			}
		}
	}
	return d, nil
}

// check returns an error naming the first setting of c that is wrong.
func (c *config) check() error {
	if !regionRE().MatchString(c.region) {
		return fmt.Errorf("dashboard: region %q is not an AWS region name such as us-east-1", shorten(c.region))
	}
	if err := checkPeriod(c.period); err != nil {
		return err
	}
	if !startRE().MatchString(c.start) || !strings.ContainsAny(c.start, "0123456789") || strings.HasSuffix(c.start, "T") {
		return fmt.Errorf("dashboard: start %q is not an ISO 8601 duration before now such as -PT3H", shorten(c.start))
	}
	if c.name != "" && !validDashboardName(c.name) {
		return fmt.Errorf("dashboard: name %q: 1 to 255 characters of [a-zA-Z0-9_-]", shorten(c.name))
	}
	if c.duration <= 0 || c.duration > 15*time.Minute {
		return fmt.Errorf("dashboard: duration threshold %v: between 0 and 15 minutes, Lambda's longest timeout", c.duration)
	}
	if !(c.errorRate > 0 && c.errorRate <= 100) {
		return fmt.Errorf("dashboard: error rate threshold %v: a percentage above 0 and at most 100", c.errorRate)
	}
	if !(c.memory > 0 && c.memory <= 100) {
		return fmt.Errorf("dashboard: memory utilisation threshold %v: a percentage above 0 and at most 100", c.memory)
	}
	if len(c.topics) > maxAlarmActions {
		return fmt.Errorf("dashboard: %d alarm topics: CloudWatch takes at most %d actions per alarm", len(c.topics), maxAlarmActions)
	}
	for i, t := range c.topics {
		if err := checkTopic(t); err != nil {
			return err
		}
		if slices.Contains(c.topics[:i], t) {
			return fmt.Errorf("dashboard: alarm topic %q is listed twice", shorten(t))
		}
	}
	return nil
}

func checkPeriod(p time.Duration) error {
	switch {
	case p == time.Second || p == 5*time.Second || p == 10*time.Second || p == 30*time.Second:
		return nil
	case p >= time.Minute && p%time.Minute == 0 && p <= 24*time.Hour:
		return nil
	}
	return fmt.Errorf("dashboard: period %v: 1, 5, 10 or 30 seconds or whole minutes up to a day", p)
}

// naming says how a function and its region are written: plainly in a
// body, or as CloudFormation substitutions in a template.
type naming struct {
	name     func(i int, f Function) string
	region   func(f Function) string
	logGroup func(i int, f Function) string
	queue    func(i int, f Function) string // the dead-letter queue, "" for none
}

var plainNames = naming{
	name:     func(_ int, f Function) string { return f.label() },
	region:   func(f Function) string { return f.Region },
	logGroup: func(_ int, f Function) string { return f.logGroup() },
	queue: func(_ int, f Function) string {
		if f.DeadLetterQueue == "" {
			return f.DeadLetterQueueRef
		}
		return f.DeadLetterQueue
	},
}

// Body returns the dashboard body: the JSON PutDashboard and
// AWS::CloudWatch::Dashboard take, indented.
func (d *Dashboard) Body() ([]byte, error) {
	for _, f := range d.functions {
		if f.Name == "" {
			return nil, fmt.Errorf("dashboard: function %s is known only by its CloudFormation reference: use Template, or give its name", f.Ref)
		}
	}
	return marshalBody(d.start, d.widgets, "  ")
}

func marshalBody(start string, widgets []board.Widget, indent string) ([]byte, error) {
	b := body{Start: start, PeriodOverride: "inherit", Widgets: make([]widgetJSON, len(widgets))}
	for i := range widgets {
		b.Widgets[i] = encodeWidget(&widgets[i])
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("dashboard: encode body: %w", err)
	}
	return buf.Bytes(), nil
}
