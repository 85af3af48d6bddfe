// Command lambdaobs prints the CloudWatch dashboard of functions observed
// by lambdaobs, and draws it locally from their captured output.
//
//	lambdaobs dashboard --function F [--namespace N --service S --region R] [--format body|cfn|cfn-yaml]
//	lambdaobs view [FILE|-] [-o out.html]
//
// dashboard prints the dashboard body (the JSON PutDashboard and
// AWS::CloudWatch::Dashboard take) or, with --format cfn (JSON) or cfn-yaml,
// a CloudFormation template with the dashboard, alarms on the error rate, the
// p99 duration, timeouts, throttles and memory utilisation (and, with --async
// and --dlq, on dropped asynchronous events and on the dead-letter queue),
// notifying the
// SNS topics of --alarm-topic, and the Logs Insights queries as saved
// queries. A function given with --ref is named through that resource of the
// template the output goes into, a SAM template for instance. A template
// watches the stack's region, where CloudFormation creates the alarms:
// --region is for the body only. Custom metrics are declared with --metric,
// or found in captured output with --from.
//
// view reads captured output — JSON log lines and EMF documents mixed with
// anything else, as the Runtime Interface Emulator, sam local invoke or aws
// logs tail print them — and writes one self-contained HTML page drawing
// the same widgets from it. Lines that are not JSON are counted and
// ignored.
//
// Run lambdaobs help COMMAND for every flag.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/dashboard/view"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

const usage = `lambdaobs: the CloudWatch dashboard of functions observed by lambdaobs.

Usage:
  lambdaobs dashboard --function F [--namespace N --service S --region R] [--format body|cfn|cfn-yaml]
  lambdaobs view [FILE|-] [-o out.html]
  lambdaobs help [COMMAND]
`

// The defaults of package dashboard, which its options' docs state, shown in
// the help; TestDashboardDefaults checks that they are the package's.
const (
	defaultRegion            = "us-east-1"
	defaultPeriod            = time.Minute
	defaultDurationThreshold = time.Second
	defaultErrorRate         = 1.0  // percent
	defaultMemoryUtilization = 90.0 // percent
)

// errUsage marks an error in the command line.
var errUsage = errors.New("usage")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "dashboard":
		err = runDashboard(args[1:], stdin, stdout, stderr)
	case "view":
		err = runView(args[1:], stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			switch args[1] {
			case "dashboard":
				dashboardFlags(&dashboardOptions{}, stdout).Usage()
				return exitOK
			case "view":
				viewFlags(&viewOptions{}, stdout).Usage()
				return exitOK
			}
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "lambdaobs: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "lambdaobs %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "lambdaobs %s: %v\n", args[0], err)
		return exitError
	}
}

// parse parses flags and positional arguments in any order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

type dashboardOptions struct {
	functions, refs, metrics  list
	services, topics          list
	dlqs, dlqRefs             list
	namespace                 string
	region, logGroup, from    string
	format, name, out         string
	http, params, async       bool
	period, durationThreshold time.Duration
	errorRate, memory         float64
}

func dashboardFlags(o *dashboardOptions, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Var(&o.functions, "function", "function `name` (repeat for several functions)")
	fs.Var(&o.refs, "ref", "CloudFormation logical `id` of the function, in --format cfn (repeat in the order of --function)")
	fs.StringVar(&o.namespace, "namespace", "", "EMF `namespace` of the functions (default "+names.DefaultNamespace+", or as found with --from)")
	fs.Var(&o.services, "service", "`service` dimension of the functions (default service_undefined, or as found with --from); once for all, or repeat in the order of the functions")
	fs.StringVar(&o.region, "region", "", "AWS `region` of the body (default $"+names.EnvAWSRegion+", else "+defaultRegion+"); a template always watches the stack's region")
	fs.StringVar(&o.logGroup, "log-group", "", "log `group` of the function (default /aws/lambda/NAME; one function only)")
	fs.Var(&o.metrics, "metric", "custom metric `NAME[:UNIT[:STAT[:DIM,...]]]`, e.g. OrdersPlaced:Count (repeat)")
	fs.StringVar(&o.from, "from", "", "discover functions and custom metrics from captured output `FILE` (- for stdin)")
	fs.BoolVar(&o.http, "http", false, "add the lambdawrap/httpapi request widgets")
	fs.BoolVar(&o.params, "params", false, "add the widgets of package params: cache hits and misses, lazy inits")
	fs.BoolVar(&o.async, "async", false, "the functions are invoked asynchronously: alarm on the events Lambda drops (AsyncEventsDropped)")
	fs.Var(&o.dlqs, "dlq", "`name` of the SQS queue failed events end in (dead-letter queue or on-failure destination): alarm on any message in it; once for all, or repeat in the order of the functions")
	fs.Var(&o.dlqRefs, "dlq-ref", "CloudFormation logical `id` of that queue, in --format cfn (instead of --dlq)")
	fs.Var(&o.topics, "alarm-topic", "SNS `topic` the alarms notify: its ARN, or in --format cfn the logical id of a topic or parameter of the template (repeat for several, at most 5)")
	fs.StringVar(&o.format, "format", "body", "output `format`: body (dashboard body JSON), cfn (CloudFormation template with alarms and saved queries, JSON) or cfn-yaml (the same as YAML)")
	fs.StringVar(&o.name, "name", "", "dashboard `name` in --format cfn (default STACK-lambdaobs)")
	fs.DurationVar(&o.period, "period", defaultPeriod, "`period` of the widgets and alarms")
	fs.DurationVar(&o.durationThreshold, "p99-threshold", defaultDurationThreshold, "p99 `duration` above which the duration alarm fires")
	fs.Float64Var(&o.errorRate, "error-rate", defaultErrorRate, "error rate in `percent` above which the error rate alarm fires")
	fs.Float64Var(&o.memory, "memory-threshold", defaultMemoryUtilization, "memory utilisation in `percent` above which the memory alarm fires")
	fs.StringVar(&o.out, "o", "-", "write to `file` instead of stdout")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: lambdaobs dashboard --function F [--namespace N --service S --region R] [--format body|cfn|cfn-yaml]

Prints the CloudWatch dashboard of the functions: the dashboard body, or with
--format cfn a CloudFormation template with the dashboard, alarms (error rate,
p99 duration, timeouts, throttles, memory utilisation; dropped asynchronous
events with --async; the dead-letter queue with --dlq) notifying
--alarm-topic, and saved Logs Insights queries. A template watches the stack's region, where CloudFormation
creates the alarms and queries: --region is for the body only.

`)
		fs.PrintDefaults()
	}
	return fs
}

func runDashboard(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o dashboardOptions
	fs := dashboardFlags(&o, stderr)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	switch o.format {
	case "body", "cfn", "cfn-yaml":
	default:
		return fmt.Errorf("%w: --format %q: body, cfn or cfn-yaml", errUsage, o.format)
	}
	template := o.format != "body"
	if o.region != "" && template {
		return fmt.Errorf("%w: --region %s with --format %s: CloudFormation creates the alarms and saved queries in the stack's region, where they would watch nothing of a function in another; the template watches the stack's region: deploy it in %s",
			errUsage, o.region, o.format, o.region)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !template {
		for _, name := range []string{"alarm-topic", "async", "dlq", "dlq-ref"} {
			if set[name] {
				return fmt.Errorf("%w: --%s sets alarms, which only --format cfn and cfn-yaml write", errUsage, name)
			}
		}
	}
	fns, err := o.functionsFrom(set, stdin)
	if err != nil {
		return err
	}
	opts := []dashboard.Option{dashboard.WithPeriod(o.period), dashboard.WithDurationThreshold(o.durationThreshold),
		dashboard.WithErrorRateThreshold(o.errorRate), dashboard.WithMemoryUtilizationThreshold(o.memory),
		dashboard.WithAlarmTopic(o.topics...)}
	if o.region != "" {
		opts = append(opts, dashboard.WithRegion(o.region))
	} else if r := os.Getenv(names.EnvAWSRegion); r != "" && !template {
		opts = append(opts, dashboard.WithRegion(r))
	}
	if o.name != "" {
		opts = append(opts, dashboard.WithName(o.name))
	}
	d, err := dashboard.New(fns, opts...)
	if err != nil {
		return err
	}
	var b []byte
	if template {
		b, err = d.Template()
		if err == nil && o.format == "cfn-yaml" {
			b, err = toYAML(b)
		}
	} else {
		b, err = d.Body()
	}
	if err != nil {
		return err
	}
	return writeOut(o.out, b, stdout)
}

// functionsFrom returns the functions the flags describe.
func (o *dashboardOptions) functionsFrom(set map[string]bool, stdin io.Reader) ([]dashboard.Function, error) {
	var found []dashboard.Function
	if o.from != "" {
		c, err := readCapture(o.from, stdin)
		if err != nil {
			return nil, err
		}
		found = c.Functions()
		if len(found) == 0 && len(o.functions) == 0 && len(o.refs) == 0 {
			return nil, fmt.Errorf("no lambdaobs function found in %s", o.from)
		}
	}
	if len(o.functions) == 0 && len(o.refs) == 0 && o.from == "" {
		return nil, fmt.Errorf("%w: give --function NAME (or --from FILE)", errUsage)
	}
	if len(o.refs) > 0 && len(o.functions) > 0 && len(o.refs) != len(o.functions) {
		return nil, fmt.Errorf("%w: %d --ref for %d --function: give one per function", errUsage, len(o.refs), len(o.functions))
	}
	if len(o.dlqs) > 0 && len(o.dlqRefs) > 0 {
		return nil, fmt.Errorf("%w: --dlq and --dlq-ref: name the dead-letter queues one way", errUsage)
	}
	var ms []dashboard.Metric
	for _, spec := range o.metrics {
		m, err := parseMetric(spec)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	var fns []dashboard.Function
	switch {
	case len(o.functions) > 0:
		for i, name := range o.functions {
			f := dashboard.Function{Name: name}
			for _, d := range found {
				if d.Name == name {
					f = d
				}
			}
			if len(o.refs) > 0 {
				f.Ref = o.refs[i]
			}
			fns = append(fns, f)
		}
	case len(o.refs) > 0 && len(found) > 0:
		// The function the capture tells of, known in the template by
		// its reference: what was found is kept, its local name is not.
		if len(found) != 1 || len(o.refs) != 1 {
			return nil, fmt.Errorf("%w: %d --ref for %d functions found in %s: give --function NAME --ref ID for each", errUsage, len(o.refs), len(found), o.from)
		}
		f := found[0]
		f.Name, f.Ref = "", o.refs[0]
		fns = append(fns, f)
	case len(o.refs) > 0:
		for _, ref := range o.refs {
			fns = append(fns, dashboard.Function{Ref: ref})
		}
	default:
		fns = found
	}
	if set["log-group"] && len(fns) != 1 {
		return nil, fmt.Errorf("%w: --log-group needs exactly one function", errUsage)
	}
	services, err := perFunction("service", o.services, len(fns))
	if err != nil {
		return nil, err
	}
	dlqs, err := perFunction("dlq", o.dlqs, len(fns))
	if err != nil {
		return nil, err
	}
	dlqRefs, err := perFunction("dlq-ref", o.dlqRefs, len(fns))
	if err != nil {
		return nil, err
	}
	for i := range fns {
		f := &fns[i]
		if set["namespace"] {
			f.Namespace = o.namespace
		}
		if services != nil {
			f.Service = services[i]
		}
		if dlqs != nil {
			f.DeadLetterQueue = dlqs[i]
		}
		if dlqRefs != nil {
			f.DeadLetterQueueRef = dlqRefs[i]
		}
		if set["log-group"] {
			f.LogGroup = o.logGroup
		}
		if o.http {
			f.HTTP = true
		}
		if o.params {
			f.Parameters = true
		}
		if o.async {
			f.Async = true
		}
		for _, m := range ms {
			replaced := false
			for j := range f.Metrics {
				if f.Metrics[j].Name == m.Name {
					f.Metrics[j], replaced = m, true
				}
			}
			if !replaced {
				f.Metrics = append(f.Metrics, m)
			}
		}
	}
	return fns, nil
}

// perFunction returns the values of a flag given once for every function, or
// once per function in their order; nil when it was not given.
func perFunction(name string, vals []string, n int) ([]string, error) {
	switch len(vals) {
	case 0:
		return nil, nil
	case 1:
		out := make([]string, n)
		for i := range out {
			out[i] = vals[0]
		}
		return out, nil
	case n:
		return vals, nil
	}
	return nil, fmt.Errorf("%w: %d --%s for %d functions: give it once for all, or once per function in their order", errUsage, len(vals), name, n)
}

// parseMetric reads NAME[:UNIT[:STAT[:DIM,...]]].
func parseMetric(spec string) (dashboard.Metric, error) {
	parts := strings.Split(spec, ":")
	if len(parts) > 4 || parts[0] == "" {
		return dashboard.Metric{}, fmt.Errorf("%w: --metric %q: NAME[:UNIT[:STAT[:DIM,...]]]", errUsage, spec)
	}
	m := dashboard.Metric{Name: parts[0]}
	if len(parts) > 1 {
		m.Unit = metrics.Unit(parts[1])
	}
	if len(parts) > 2 {
		m.Stat = parts[2]
	}
	if len(parts) > 3 && parts[3] != "" {
		m.Dimensions = strings.Split(parts[3], ",")
	}
	return m, nil
}

type viewOptions struct {
	out, title string
	period     time.Duration
}

func viewFlags(o *viewOptions, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("view", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.out, "o", "lambdaobs-view.html", "write the page to `file` (- for stdout)")
	fs.DurationVar(&o.period, "period", 0, "draw every metric widget with this `period` (default: each widget's own, a minute)")
	fs.StringVar(&o.title, "title", "", "page `title`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: lambdaobs view [FILE|-] [-o out.html]

Reads captured function output (default: stdin) — JSON log lines and EMF
documents mixed with anything else, as the Runtime Interface Emulator,
sam local invoke or aws logs tail print them — and writes one self-contained
HTML page drawing the dashboard's widgets from it.

`)
		fs.PrintDefaults()
	}
	return fs
}

func runView(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o viewOptions
	fs := viewFlags(&o, stderr)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("%w: one input file at most, got %d", errUsage, len(pos))
	}
	in := "-"
	if len(pos) == 1 {
		in = pos[0]
	}
	c, err := readCapture(in, stdin)
	if err != nil {
		return err
	}
	var d *dashboard.Dashboard
	if fns := c.Functions(); len(fns) > 0 {
		if d, err = dashboard.New(fns); err != nil {
			return err
		}
	}
	source := in
	if in == "-" {
		source = "standard input"
	}
	vopts := []view.Option{view.WithSource(source), view.WithPeriod(o.period)}
	if o.title != "" {
		vopts = append(vopts, view.WithTitle(o.title))
	}
	var page strings.Builder
	sum, err := view.Render(&page, d, c, vopts...)
	if err != nil {
		return err
	}
	if err := writeOut(o.out, []byte(page.String()), stdout); err != nil {
		return err
	}
	where := o.out
	if where == "-" {
		where = "stdout"
	}
	fmt.Fprintf(stderr, "lambdaobs view: wrote %s: %d widgets, %d points, %d cold starts, %d ERROR lines (%d lines read, %d ignored)\n",
		where, sum.Widgets, sum.Points, sum.ColdStarts, sum.Errors, c.Lines, c.Ignored)
	return nil
}

func readCapture(name string, stdin io.Reader) (*dashboard.Capture, error) {
	if name == "-" {
		return dashboard.ReadCapture(stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return dashboard.ReadCapture(f)
}

func writeOut(name string, b []byte, stdout io.Writer) error {
	if name == "-" || name == "" {
		_, err := stdout.Write(b)
		return err
	}
	return os.WriteFile(name, b, 0o644)
}
