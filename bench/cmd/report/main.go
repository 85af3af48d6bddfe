// Command report turns one run of the benchmarks (go test -bench output), the
// cold-start measurements and the end-to-end latencies into RESULTS.md:
// medians of the rows measured side by side, the ratio of lambdaobs to each
// peer, and whether each target is met.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// sample is what the runs of one benchmark reported: ns/op, allocs/op and
// the metrics it reported itself (b.ReportMetric), by unit.
type sample struct {
	ns, allocs []float64
	extra      map[string][]float64
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

var lineRE = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

var allocsRE = regexp.MustCompile(`\s([0-9.]+) allocs/op`)

// metricRE matches a "value unit" pair of a benchmark line.
var metricRE = regexp.MustCompile(`\s([0-9.e+-]+) ([A-Za-z_][A-Za-z0-9_./-]*)`)

func parse(r io.Reader) map[string]*sample {
	out := map[string]*sample{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := lineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		s := out[m[1]]
		if s == nil {
			s = &sample{}
			out[m[1]] = s
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		s.ns = append(s.ns, ns)
		if a := allocsRE.FindStringSubmatch(sc.Text()); a != nil {
			v, _ := strconv.ParseFloat(a[1], 64)
			s.allocs = append(s.allocs, v)
		}
		for _, m := range metricRE.FindAllStringSubmatch(sc.Text(), -1) {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				if s.extra == nil {
					s.extra = map[string][]float64{}
				}
				s.extra[m[2]] = append(s.extra[m[2]], v)
			}
		}
	}
	return out
}

type coldstart struct {
	Name     string  `json:"name"`
	Bytes    int64   `json:"bytes"`
	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"`
	Runs     int     `json:"runs"`
}

type e2e struct {
	Mode  string  `json:"mode"`
	N     int     `json:"n"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
}

// comparison is one table: the rows of a benchmark measured side by side.
type comparison struct {
	title, bench, subject, note string
	overheadOver                string            // report overheads over this row instead of raw times
	pairs                       map[string]string // peer row → the lambdaobs row it is compared with
}

var comparisons = []comparison{
	{title: "Log line", bench: "LogLine", subject: "lambdaobs", note: `"order processed" with five attributes on a logger carrying the Lambda fields, to io.Discard (the lambdacontext rows write to /dev/null, the only writer aws-lambda-go's handler takes; lambdaobs_devnull is the like-for-like row).`},
	{title: "Disabled debug line", bench: "DisabledDebug", subject: "lambdaobs"},
	{title: "EMF document", bench: "EMF", subject: "lambdaobs", note: "One document, 2 dimensions, 5 metrics, to io.Discard."},
	{title: "Span", bench: "Span", subject: "lambdaobs", note: "Start and End of one span through the facade beside the backend's SDK used directly."},
	{title: "Whole invocation", bench: "Invoke", subject: "lambdaobs", overheadOver: "bare",
		pairs: map[string]string{"glued": "lambdaobs_full", "otellambda": "lambdaobs"},
		note:  "lambda.NewHandler(h).Invoke with a 1.5 KB API Gateway proxy event; overhead = row − bare. lambdaobs: the log line and five metrics, no tracer; otellambda: its InstrumentHandler with a no-op provider. lambdaobs_full: the same with the OpenTelemetry backend recording spans; glued: otellambda with a recording provider, slog.JSONHandler with the Lambda fields added by hand, and prozz for the five metrics."},
	{title: "AWS SDK call", bench: "SDKCall", subject: "lambdaobs", overheadOver: "bare", note: "One DynamoDB call against an in-process HTTP server; overhead = row − bare."},
	{title: "HTTP API adapter", bench: "HTTPAPI", subject: "httpapi", overheadOver: "handwritten",
		pairs: map[string]string{"handwritten_wrapped": "httpapi_wrapped"},
		note:  "Per request, called directly: a hand-written API Gateway handler doing the same decode and encode, and httpapi; the _wrapped rows inside lambdawrap. Overhead = row − handwritten."},
}

// counterpart returns the lambdaobs row a peer row compares with: for a row
// named peer_variant, subject_variant when it exists (slog_json_kv ↔
// lambdaobs_kv), else subject. Subject rows themselves have none.
func counterpart(row, subject string, data map[string]*sample, bench string) string {
	if subject == "" || row == subject || strings.HasPrefix(row, subject+"_") {
		return ""
	}
	for i := 0; i < len(row); i++ {
		if row[i] == '_' {
			if cand := subject + row[i:]; data[bench+"/"+cand] != nil {
				return cand
			}
			// backend_peer ↔ backend_lambdaobs (xray_sdk ↔ xray_lambdaobs)
			if cand := row[:i+1] + subject; cand != row && data[bench+"/"+cand] != nil {
				return cand
			}
		}
	}
	if data[bench+"/"+subject] == nil {
		return ""
	}
	return subject
}

func main() {
	raw := flag.String("raw", "RESULTS.raw.txt", "go test -bench output")
	csPath := flag.String("coldstart", "", "coldstart JSON")
	e2ePath := flag.String("e2e", "", "e2e JSON")
	stat := flag.String("benchstat", "", "benchstat output to append")
	flag.Parse()

	f, err := os.Open(*raw)
	check(err)
	data := parse(f)
	f.Close()

	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Results\n\nOne run of `make bench` on this machine, built with %s: medians of `-count %s` for the Go benchmarks (rows of a table were measured side by side in the same run). Ratios are lambdaobs / peer; lower is better.\n\n", runtime.Version(), os.Getenv("BENCHCOUNT"))

	med := func(name string) (ns, allocs float64, ok bool) {
		s := data[name]
		if s == nil {
			return 0, 0, false
		}
		return median(s.ns), median(s.allocs), true
	}
	for _, c := range comparisons {
		var names []string
		for n := range data {
			if strings.HasPrefix(n, c.bench+"/") {
				names = append(names, strings.TrimPrefix(n, c.bench+"/"))
			}
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		w("## %s\n\n", c.title)
		if c.note != "" {
			w("%s\n\n", c.note)
		}
		baseNS, baseAllocs, hasBase := med(c.bench + "/" + c.overheadOver)
		if c.overheadOver != "" && hasBase {
			w("| row | ns/op | allocs/op | overhead ns | overhead allocs | lambdaobs overhead / row overhead |\n|---|--:|--:|--:|--:|--:|\n")
			for _, n := range names {
				ns, al, _ := med(c.bench + "/" + n)
				ratio := ""
				subj := counterpart(n, c.subject, data, c.bench)
				if p, ok := c.pairs[n]; ok {
					subj = p
				}
				if subj != "" && n != c.overheadOver && ns-baseNS > 0 {
					sns, _, _ := med(c.bench + "/" + subj)
					ratio = fmt.Sprintf("%.3fx", (sns-baseNS)/(ns-baseNS))
				}
				over, overA := "", ""
				if n != c.overheadOver {
					over, overA = fmt.Sprintf("%.0f", ns-baseNS), fmt.Sprintf("%.0f", al-baseAllocs)
				}
				w("| %s | %.0f | %.0f | %s | %s | %s |\n", n, ns, al, over, overA, ratio)
			}
		} else {
			w("| row | ns/op | allocs/op | lambdaobs / row |\n|---|--:|--:|--:|\n")
			for _, n := range names {
				ns, al, _ := med(c.bench + "/" + n)
				ratio := ""
				if subj := counterpart(n, c.subject, data, c.bench); subj != "" && ns > 0 {
					sns, _, _ := med(c.bench + "/" + subj)
					ratio = fmt.Sprintf("%.2fx", sns/ns)
				}
				w("| %s | %.1f | %.0f | %s |\n", n, ns, al, ratio)
			}
		}
		w("\n")
	}

	partsTable(w, data["SDKCallParts"])

	var cs []coldstart
	if *csPath != "" {
		if b, err := os.ReadFile(*csPath); err == nil {
			check(json.Unmarshal(b, &cs))
		}
	}
	if len(cs) > 0 {
		w("## Cold start\n\nBootstrap binaries built with `-trimpath -ldflags='-s -w' -tags lambda.norpc`; process start to the end of init (each exits right after init), median of %d runs timed from exec to exit, the binaries taking turns.\n\n", cs[0].Runs)
		w("| binary | size MB | vs bare MB | init median ms | p90 ms | vs bare ms |\n|---|--:|--:|--:|--:|--:|\n")
		var bare coldstart
		for _, c := range cs {
			if c.Name == "bare" {
				bare = c
			}
		}
		for _, c := range cs {
			w("| %s | %.2f | %+.2f | %.2f | %.2f | %+.2f |\n", c.Name, float64(c.Bytes)/1e6, float64(c.Bytes-bare.Bytes)/1e6, c.MedianMS, c.P90MS, c.MedianMS-bare.MedianMS)
		}
		w("\n")
	}
	var out struct {
		Client []e2e `json:"client"`
		Traced []e2e `json:"traced"`
	}
	if *e2ePath != "" {
		if b, err := os.ReadFile(*e2ePath); err == nil {
			check(json.Unmarshal(b, &out))
		}
	}
	ee := out.Client
	if len(ee) == 2 {
		w("## End to end\n\n%d sequential invocations of the same handler body, bare and wrapped, each under its own Runtime Interface Emulator on 127.0.0.1, alternating between the two; client-side latency.\n\n", ee[0].N)
		w("| function | p50 ms | p99 ms |\n|---|--:|--:|\n")
		for _, e := range ee {
			w("| %s | %.3f | %.3f |\n", e.Mode, e.P50MS, e.P99MS)
		}
		w("| wrapped / bare | %.3f | %.3f |\n\n", ee[1].P50MS/ee[0].P50MS, ee[1].P99MS/ee[0].P99MS)
	}

	tracedTable(w, out.Traced)

	// Targets.
	w("## Targets\n\n| target | measured | met |\n|---|---|---|\n")
	target := func(name, measured string, ok bool) {
		mark := "yes"
		if !ok {
			mark = "**no**"
		}
		w("| %s | %s | %s |\n", name, measured, mark)
	}
	if a, aa, ok1 := med("LogLine/lambdaobs"); ok1 {
		if s, _, ok2 := med("LogLine/slog_json"); ok2 {
			target("log line ≤ 0.5x slog.JSONHandler, 0 allocs", fmt.Sprintf("%.2fx, %.0f allocs", a/s, aa), a/s <= 0.5 && aa == 0)
		}
	}
	tracedTargets(target, out.Traced)
	if a, aa, ok := med("ParamsCachedRead/SSM.Get/invocation"); ok {
		target("params: a cached read ≤ 100 ns, 0 allocs", fmt.Sprintf("%.1f ns, %.0f allocs", a, aa), a <= 100 && aa == 0)
	}
	if base, _, ok := med("HTTPAPIMiddleware/httpapi"); ok {
		if mw, _, ok := med("HTTPAPIMiddleware/middleware"); ok {
			target("httpapi: three request middlewares ≤ +0.5 µs per request", fmt.Sprintf("%+.2f µs", (mw-base)/1e3), mw-base <= 500)
		}
	}
	if a, aa, ok := med("UsageRead/lambdaobs"); ok {
		target("usage read ≤ 2 µs, ≤ 2 allocs", fmt.Sprintf("%.2f µs, %.0f allocs", a/1e3, aa), a <= 2000 && aa <= 2)
	}
	if a, aa, ok := med("DisabledDebug/lambdaobs"); ok {
		target("disabled debug line ≤ 35 ns, 0 allocs", fmt.Sprintf("%.1f ns, %.0f allocs", a, aa), a <= 35 && aa == 0)
	}
	if a, aa, ok1 := med("EMF/lambdaobs"); ok1 {
		if p, _, ok2 := med("EMF/prozz"); ok2 {
			target("EMF ≤ 0.12x prozz, 0 allocs", fmt.Sprintf("%.3fx, %.0f allocs", a/p, aa), a/p <= 0.12 && aa == 0)
		}
	}
	if bare, bareA, ok := med("Invoke/bare"); ok {
		if l, la, ok := med("Invoke/lambdaobs"); ok {
			target("invocation overhead ≤ 3 µs, ≤ 25 allocs", fmt.Sprintf("%.2f µs, %.0f allocs", (l-bare)/1e3, la-bareA), l-bare <= 3000 && la-bareA <= 25)
			if o, _, ok := med("Invoke/otellambda"); ok {
				r := (l - bare) / (o - bare)
				target("invocation overhead ≤ 0.1x otellambda's", fmt.Sprintf("%.3fx", r), r <= 0.1)
			}
		}
		if full, _, ok := med("Invoke/lambdaobs_full"); ok {
			if glued, _, ok := med("Invoke/glued"); ok {
				r := (full - bare) / (glued - bare)
				target("full stack overhead ≤ 0.2x the hand-glued stack's", fmt.Sprintf("%.3fx", r), r <= 0.2)
			}
		}
	}
	if s := data["InvokeInterleaved"]; s != nil {
		if v := s.extra["lambdaobs-overhead-ns"]; len(v) > 0 {
			o := median(v)
			target("invocation overhead ≤ 3 µs (interleaved)", fmt.Sprintf("%.2f µs", o/1e3), o <= 3000)
		}
		if v := s.extra["otellambda-overhead-ratio"]; len(v) > 0 {
			r := median(v)
			target("invocation overhead ≤ 0.1x otellambda's (interleaved)", fmt.Sprintf("%.3fx", r), r <= 0.1)
		}
		if v := s.extra["glued-overhead-ratio"]; len(v) > 0 {
			r := median(v)
			target("full stack overhead ≤ 0.2x the hand-glued stack's (interleaved)", fmt.Sprintf("%.3fx", r), r <= 0.2)
		}
	}
	if s := data["SDKCallInterleaved"]; s != nil {
		for _, c := range [][2]string{{"otel", "otelaws"}, {"xray", "the X-Ray SDK's AWSV2Instrumentor"}} {
			// Met when the ratio of the rows' medians and the one of the
			// overheads paired by iteration both are.
			if v := s.extra[c[0]+"-overhead-ratio"]; len(v) > 0 {
				r, met := median(v), median(v) <= 1
				measured := fmt.Sprintf("%.2fx", r)
				if p := s.extra[c[0]+"-paired-overhead-ratio"]; len(p) > 0 {
					measured += fmt.Sprintf(", paired %.2fx", median(p))
					met = met && median(p) <= 1
				}
				if t := s.extra[c[0]+"-tracing-overhead-ratio"]; len(t) > 0 {
					measured += fmt.Sprintf(" (without the call metrics %.2fx", median(t))
					if p := s.extra[c[0]+"-tracing-paired-overhead-ratio"]; len(p) > 0 {
						measured += fmt.Sprintf(", paired %.2fx", median(p))
					}
					measured += ")"
				}
				if t := s.extra[c[0]+"-samefeatures-overhead-ratio"]; len(t) > 0 {
					measured += fmt.Sprintf(" (against %s with the same call metrics by hand %.2fx", c[1], median(t))
					if p := s.extra[c[0]+"-samefeatures-paired-overhead-ratio"]; len(p) > 0 {
						measured += fmt.Sprintf(", paired %.2fx", median(p))
					}
					measured += ")"
				}
				target("SDK call overhead, "+c[0]+" backend ≤ "+c[1]+"'s (interleaved)", measured, met)
			}
		}
	}
	if hw, _, ok := med("HTTPAPI/handwritten"); ok {
		if h, _, ok := med("HTTPAPI/httpapi"); ok {
			target("httpapi overhead over a hand-written handler ≤ 1.5 µs", fmt.Sprintf("%.2f µs", (h-hw)/1e3), h-hw <= 1500)
		}
	}
	for _, c := range cs {
		if c.Name != "core" {
			continue
		}
		for _, b := range cs {
			if b.Name == "bare" {
				d := float64(c.Bytes-b.Bytes) / 1e6
				target("core binary ≤ bare + 1.5 MB", fmt.Sprintf("%+.2f MB", d), d <= 1.5)
				t := c.MedianMS - b.MedianMS
				target("core init ≤ bare + 0.3 ms", fmt.Sprintf("%+.2f ms", t), t <= 0.3)
			}
		}
	}
	if len(ee) == 2 {
		r := ee[1].P50MS / ee[0].P50MS
		target("end-to-end p50 wrapped/bare ≤ 1.05", fmt.Sprintf("%.3f", r), r <= 1.05)
	}
	w("\n")
	if *stat != "" {
		if s, err := os.ReadFile(*stat); err == nil {
			w("## benchstat\n\n```\n%s```\n", s)
		}
	}
	fmt.Print(b.String())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// sdkParts are the rows of BenchmarkSDKCallParts, each adding one layer to
// the one before it, and what each is.
var sdkParts = [][2]string{
	{"invocation", "the bare client in lambdaobs's OpenTelemetry invocation (recorder, tracer, invocation span, flush)"},
	{"span", "+ an OpenTelemetry SDK span around each call"},
	{"span_attrs", "+ the seven attributes of awssdk's span, given straight to the SDK"},
	{"facade_attrs", "the span and attributes through lambdaobs's tracing facade, which redacts them"},
	{"facade_attrs_header", "+ X-Amzn-Trace-Id, written as awssdk writes it"},
	{"otel_lambdaobs_nometrics", "`awssdk.Instrument` without its call metrics"},
	{"otel_lambdaobs", "`awssdk.Instrument`"},
	{"otel_otelaws", "otelaws"},
	{"otel_otelaws_metrics", "otelaws + the four call metrics written by hand"},
}

// partsTable writes the overhead per call of each row of
// BenchmarkSDKCallParts, the medians of its counts.
func partsTable(w func(string, ...any), s *sample) {
	if s == nil {
		return
	}
	w("## AWS SDK call, layer by layer\n\nThe OpenTelemetry rows of the SDK call, run interleaved, with rows that add one layer at a time: overhead per call over the bare client (the median of the differences paired by iteration).\n\n")
	w("| row | what it adds | overhead µs per call |\n|---|---|--:|\n")
	for _, p := range sdkParts {
		if v := s.extra[p[0]+"-overhead-ns"]; len(v) > 0 {
			w("| %s | %s | %.2f |\n", p[0], p[1], median(v)/1e3)
		}
	}
	w("\n")
}
