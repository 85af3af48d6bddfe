package dashboard

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// Capture is what one or more functions printed, read back by ReadCapture:
// their log lines and EMF documents, and the invocations the platform's own
// lines and the request ids tell of. Functions describes the functions in
// it; package dashboard/view draws it.
type Capture struct {
	// Lines counts the lines that were not blank; Platform the lines of the
	// Lambda runtime or its emulator (START, END, REPORT, "(rapid)" lines);
	// Ignored the lines that were none of these nor a log line or an EMF
	// document.
	Lines, Platform, Ignored int

	records board.Capture // the log lines, documents and invocations read
}

// How a request's start time was learnt, best first.
const (
	rankStartLine = 1 + iota // a START line with a timestamp (aws logs tail)
	rankLogLine              // its first log line
	rankRapid                // the emulator's INVOKE START line
	rankDocument             // its EMF document
	rankOther                // a REPORT line, or the last time seen before
)

// ReadCapture reads captured output: JSON log lines and EMF documents, one
// per line, mixed with anything else (the Runtime Interface Emulator's and
// sam local's own lines; the "<timestamp> <stream> " prefixes of aws logs
// tail). Lines it cannot use are counted, never an error: only a read error
// is returned.
func ReadCapture(r io.Reader) (*Capture, error) {
	p := &parser{c: &Capture{}, byID: map[string]int{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			p.line(line)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p.c, fmt.Errorf("dashboard: read capture: %w", err)
		}
	}
	return p.c, nil
}

type parser struct {
	c     *Capture
	last  time.Time      // the latest time a line told
	byID  map[string]int // request id → index in c.records.Invocations
	ranks []int          // how good the time of each invocation is
}

var (
	rapidRE  = lazyRE(`^([0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}) \[[A-Z]+\] \(rapid\) (.*)$`)
	invokeRE = lazyRE(`^INVOKE START\(requestId: ([^)\s]+)\)`)
	// Lines the Lambda runtime itself writes to a function's log.
	platformWords = []string{"START RequestId:", "END RequestId:", "REPORT RequestId:", "INIT_START", "INIT_REPORT",
		"INIT_RUNTIME_DONE", "EXTENSION", "TELEMETRY", "RESTORE_START", "RESTORE_REPORT", "XRAY TraceId:"}
)

func (p *parser) line(raw string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return
	}
	p.c.Lines++
	at, s := stripPrefix(s)
	if !at.IsZero() {
		p.last = at
	}
	switch {
	case strings.HasPrefix(s, "{"):
		if !p.json(s, at) {
			p.c.Ignored++
		}
	case isPlatform(s):
		p.c.Platform++
		p.platform(s, at)
	default:
		if m := rapidRE().FindStringSubmatch(s); m != nil {
			p.c.Platform++
			t, err := time.Parse("02 Jan 2006 15:04:05,000", m[1])
			if err == nil {
				p.last = t
				if im := invokeRE().FindStringSubmatch(m[2]); im != nil {
					p.invocation(im[1]).at(t, rankRapid)
				}
			}
			return
		}
		p.c.Ignored++
	}
}

func isPlatform(s string) bool {
	for _, w := range platformWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// stripPrefix removes the "<timestamp> <log stream> " prefix aws logs tail
// writes (the stream is absent with --format short) and returns the time.
func stripPrefix(s string) (time.Time, string) {
	if len(s) < 19 || s[0] < '0' || s[0] > '9' || s[4] != '-' {
		return time.Time{}, s
	}
	tok, rest, ok := cut(s)
	if !ok {
		return time.Time{}, s
	}
	t, err := time.Parse(time.RFC3339Nano, tok)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999999", tok)
		if err != nil {
			return time.Time{}, s
		}
	}
	if strings.HasPrefix(rest, "{") || isPlatform(rest) {
		return t, rest
	}
	if stream, after, ok := cut(rest); ok && strings.ContainsAny(stream, "/[") {
		return t, after
	}
	return t, rest
}

// cut splits s at its first run of blanks.
func cut(s string) (first, rest string, ok bool) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, "", false
	}
	return s[:i], strings.TrimLeft(s[i:], " \t"), true
}

// invocation is an invocation being read, with how good its time is.
type invocation struct {
	*board.Invocation
	rank *int // lower is better, 0 unset
}

// invocation returns the invocation of request id, added when first seen;
// it is valid until the next is added.
func (p *parser) invocation(id string) invocation {
	i, ok := p.byID[id]
	if !ok {
		i = len(p.c.records.Invocations)
		p.byID[id] = i
		p.c.records.Invocations = append(p.c.records.Invocations, board.Invocation{RequestID: id})
		p.ranks = append(p.ranks, 0)
	}
	return invocation{&p.c.records.Invocations[i], &p.ranks[i]}
}

// at sets the invocation's time, unless a better source gave it.
func (inv invocation) at(t time.Time, rank int) {
	if t.IsZero() {
		return
	}
	if *inv.rank == 0 || rank < *inv.rank {
		inv.Time, *inv.rank = t, rank
	}
}

// about sets the invocation's function, unless known.
func (inv invocation) about(function string) {
	if inv.Function == "" {
		inv.Function = function
	}
}

// platform reads a START or REPORT line.
func (p *parser) platform(s string, at time.Time) {
	switch {
	case strings.HasPrefix(s, "START RequestId: "):
		id, _, _ := cut(strings.TrimPrefix(s, "START RequestId: "))
		if id != "" {
			p.invocation(id).at(at, rankStartLine)
		}
	case strings.HasPrefix(s, "REPORT RequestId: "):
		fields := strings.Split(strings.TrimPrefix(s, "REPORT RequestId: "), "\t")
		id := strings.TrimSpace(fields[0])
		if i := strings.IndexAny(id, " \t"); i >= 0 {
			id = id[:i]
		}
		if id == "" {
			return
		}
		inv := p.invocation(id)
		t := at
		if t.IsZero() {
			t = p.last
		}
		inv.at(t, rankOther)
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(strings.TrimSpace(f), ": ")
			if !ok {
				continue
			}
			switch k {
			case "Duration":
				if ms, err := strconv.ParseFloat(strings.TrimSuffix(v, " ms"), 64); err == nil && finite(ms) {
					inv.Duration, inv.Reported = ms, true
				}
			case "Status":
				if v != "success" {
					inv.Failed = true
				}
			}
		}
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// json reads a JSON line; it returns false when the line is not one
// lambdaobs or the platform writes.
func (p *parser) json(s string, at time.Time) bool {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return false
	}
	if _, ok := m["_aws"]; ok {
		return p.emf(m)
	}
	if typ, ok := m["type"].(string); ok && strings.HasPrefix(typ, "platform.") {
		return p.platformEvent(typ, m)
	}
	_, hasMsg := m[names.KeyMessage]
	_, hasLevel := m[names.KeyLevel]
	if !hasMsg && !hasLevel {
		return false
	}
	rec := board.LogRecord{Fields: m}
	if ts, ok := m[names.KeyTimestamp].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			rec.Time = t
		}
	}
	if rec.Time.IsZero() {
		rec.Time = at
	}
	if rec.Time.IsZero() {
		rec.Time = p.last
	} else {
		p.last = rec.Time
	}
	p.c.records.Logs = append(p.c.records.Logs, rec)
	id, _ := m[names.KeyRequestID].(string)
	if id == "" {
		id, _ = m[names.KeyLambdaRequestID].(string)
	}
	if id != "" {
		inv := p.invocation(id)
		inv.at(rec.Time, rankLogLine)
		fn, _ := m[names.KeyFunctionName].(string)
		inv.about(fn)
	}
	return true
}

// emf reads an EMF document; it returns false when m is not one.
func (p *parser) emf(m map[string]any) bool {
	meta, ok := m["_aws"].(map[string]any)
	if !ok {
		return false
	}
	doc := board.Document{Fields: m}
	if ms, ok := meta["Timestamp"].(float64); ok && ms >= 0 && ms < 253402300800000 { // before year 10000
		doc.Time = time.UnixMilli(int64(ms)).UTC()
		p.last = doc.Time
	}
	dirs, ok := meta["CloudWatchMetrics"].([]any)
	if !ok {
		return false
	}
	for _, d := range dirs {
		dm, ok := d.(map[string]any)
		if !ok {
			continue
		}
		dir := board.Directive{}
		dir.Namespace, _ = dm["Namespace"].(string)
		sets, _ := dm["Dimensions"].([]any)
		for _, set := range sets {
			keys, _ := set.([]any)
			names := []string{}
			for _, k := range keys {
				if s, ok := k.(string); ok {
					names = append(names, s)
				}
			}
			dir.Dimensions = append(dir.Dimensions, names)
		}
		defs, _ := dm["Metrics"].([]any)
		for _, def := range defs {
			dd, _ := def.(map[string]any)
			name, _ := dd["Name"].(string)
			if name == "" {
				continue
			}
			unit, _ := dd["Unit"].(string)
			dir.Metrics = append(dir.Metrics, board.MetricDefinition{Name: name, Unit: metrics.Unit(unit)})
		}
		doc.Directives = append(doc.Directives, dir)
	}
	p.c.records.Documents = append(p.c.records.Documents, doc)
	if id := doc.String(names.PropRequestID); id != "" {
		inv := p.invocation(id)
		inv.at(doc.Time, rankDocument)
		inv.about(doc.String(names.DimFunctionName))
		for _, name := range []string{names.MetricErrors, names.MetricPanics, names.MetricTimeouts} {
			for _, v := range doc.Values(name) {
				if v > 0 {
					inv.Failed = true
				}
			}
		}
	}
	return true
}

// platformEvent reads the platform.start and platform.report events of
// Lambda's JSON log format.
func (p *parser) platformEvent(typ string, m map[string]any) bool {
	rec, _ := m["record"].(map[string]any)
	id, _ := rec["requestId"].(string)
	p.c.Platform++
	var at time.Time
	if ts, ok := m["time"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			at = t
			p.last = t
		}
	}
	if id == "" {
		return true
	}
	switch typ {
	case "platform.start":
		p.invocation(id).at(at, rankStartLine)
	case "platform.report":
		inv := p.invocation(id)
		inv.at(at, rankOther)
		if mm, ok := rec["metrics"].(map[string]any); ok {
			if d, ok := mm["durationMs"].(float64); ok {
				inv.Duration, inv.Reported = d, true
			}
		}
		if st, ok := rec["status"].(string); ok && st != "success" {
			inv.Failed = true
		}
	}
	return true
}

// Limits of Functions, which keep any capture's dashboard within
// CloudWatch's 500 widgets.
const (
	maxFunctions     = 10
	maxCustomMetrics = 24
)

// Functions describes the functions found in c: those named by the
// function_name of a log line or of a lifecycle document, with their
// namespace, service and custom metrics, whether they answer through
// lambdawrap/httpapi (HTTP) and use package params (Parameters), sorted by
// name. Names that a dashboard cannot draw are left out, and so are
// functions past the first 10 and custom metrics past a function's first
// 24, which keeps any capture's dashboard within CloudWatch's 500 widgets.
func (c *Capture) Functions() []Function {
	fd := finder{byName: map[string]*found{}}
	for _, d := range c.records.Documents {
		for _, dir := range d.Directives {
			if !lifecycleDirective(dir) {
				continue
			}
			if f := fd.get(d.String(names.DimFunctionName)); f != nil {
				f.setService(d.String(names.DimService))
				f.setNamespace(dir.Namespace)
			}
		}
	}
	for _, l := range c.records.Logs {
		name, _ := l.Fields[names.KeyFunctionName].(string)
		if name == "" {
			continue
		}
		if f := fd.get(name); f != nil {
			svc, _ := l.Fields[names.KeyService].(string)
			f.setService(svc)
		}
	}
	// A function is drawn with the custom metrics of the documents of its
	// service (and namespace, once known).
	for _, name := range fd.order {
		f := fd.byName[name]
		if f.f.Service == "" {
			f.f.Service = names.DefaultService
		}
		for _, d := range c.records.Documents {
			if d.String(names.DimService) == f.f.Service {
				f.addMetrics(d)
			}
		}
	}
	slices.Sort(fd.order)
	var out []Function
	for _, name := range fd.order {
		if len(out) == maxFunctions {
			break
		}
		// What CloudWatch would refuse (a SEARCH expression past its
		// length, with a very long service or dimension names) is left out.
		f := fd.byName[name].f
		ms := f.Metrics
		f.Metrics = nil
		if !drawable(f) {
			continue
		}
		for _, m := range ms {
			if drawable(Function{Name: f.Name, Namespace: f.Namespace, Service: f.Service, Metrics: []Metric{m}}) {
				f.Metrics = append(f.Metrics, m)
			}
		}
		out = append(out, f)
	}
	return out
}

// finder gathers the functions a capture tells of.
type finder struct {
	order  []string // names, in the order first seen
	byName map[string]*found
}

// found is a function found, with the names of its custom metrics.
type found struct {
	f       Function
	metrics map[string]bool
}

// get returns the function of that name, added when first seen, or nil
// when a dashboard cannot draw a function of that name.
func (fd *finder) get(name string) *found {
	if f, ok := fd.byName[name]; ok {
		return f
	}
	if _, err := (Function{Name: name}).normalize(defaultRegion, false); err != nil {
		return nil
	}
	f := &found{f: Function{Name: name}, metrics: map[string]bool{}}
	fd.byName[name] = f
	fd.order = append(fd.order, name)
	return f
}

// setService sets the function's service, unless known or one a dashboard
// cannot draw.
func (f *found) setService(svc string) {
	if f.f.Service == "" && checkPrintable("service", svc, 1024) == nil {
		f.f.Service = svc
	}
}

// setNamespace sets the function's namespace, unless known or one a
// dashboard cannot draw.
func (f *found) setNamespace(ns string) {
	if f.f.Namespace == "" && validNamespace(ns) && !strings.HasPrefix(ns, "AWS/") {
		f.f.Namespace = ns
	}
}

// addMetrics adds the custom metrics of a document of the function's
// service, noting whether they tell of lambdawrap/httpapi or package params.
func (f *found) addMetrics(d board.Document) {
	for _, dir := range d.Directives {
		if !slices.ContainsFunc(dir.Dimensions, func(set []string) bool { return slices.Contains(set, names.DimService) }) {
			continue
		}
		f.setNamespace(dir.Namespace)
		if dir.Namespace != f.f.Namespace {
			continue
		}
		for _, def := range dir.Metrics {
			switch def.Name {
			case names.MetricHTTPRequests, names.MetricHTTPLatency:
				f.f.HTTP = true
			case names.MetricParametersCacheHits, names.MetricParametersCacheMisses, names.MetricLazyInitDuration:
				f.f.Parameters = true
			}
			if f.metrics[def.Name] || len(f.f.Metrics) >= maxCustomMetrics {
				continue
			}
			m := Metric{Name: def.Name, Unit: def.Unit, Dimensions: extraDimensions(dir.Dimensions)}
			if _, err := m.normalize(); err != nil {
				continue
			}
			f.metrics[def.Name] = true
			f.f.Metrics = append(f.f.Metrics, m)
		}
	}
}

// drawable reports whether New draws f.
func drawable(f Function) bool {
	_, err := New([]Function{f})
	return err == nil
}

// lifecycleDirective reports whether dir is the wrapper's lifecycle
// directive: dimensions service and function_name.
func lifecycleDirective(dir board.Directive) bool {
	return slices.ContainsFunc(dir.Dimensions, func(set []string) bool {
		return len(set) == 2 && slices.Contains(set, names.DimService) && slices.Contains(set, names.DimFunctionName)
	})
}

// extraDimensions returns the dimension names beside service of the first
// dimension set that has service, or nil when that set is service alone.
func extraDimensions(sets [][]string) []string {
	for _, set := range sets {
		if !slices.Contains(set, names.DimService) {
			continue
		}
		var extra []string
		for _, n := range set {
			if n != names.DimService {
				extra = append(extra, n)
			}
		}
		return extra
	}
	return nil
}
