// Command coldstart builds each function of bench/coldstart as a Lambda
// bootstrap (-trimpath -ldflags='-s -w' -tags lambda.norpc) and measures its
// size and the time from process start to the end of its init: each binary
// exits right after init when BENCH_EXIT_AFTER_INIT=1, and is timed from
// exec to exit over many runs, the variants taking turns. It writes the
// results as JSON.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

// Result is one variant's measurements.
type Result struct {
	Name     string  `json:"name"`
	Bytes    int64   `json:"bytes"`
	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"`
	Runs     int     `json:"runs"`
}

func main() {
	runs := flag.Int("runs", 40, "runs per variant")
	out := flag.String("o", "", "write JSON here (default stdout)")
	flag.Parse()
	variants := flag.Args()
	dir, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	type variant struct {
		name, bin string
		bytes     int64
		times     []float64
	}
	vs := make([]*variant, 0, len(variants))
	for _, v := range variants {
		bin := filepath.Join(dir, v)
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-tags", "lambda.norpc", "-o", bin, "./coldstart/"+v)
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if b, err := build.CombinedOutput(); err != nil {
			fail(fmt.Errorf("build %s: %v\n%s", v, err, b))
		}
		st, err := os.Stat(bin)
		if err != nil {
			fail(err)
		}
		vs = append(vs, &variant{name: v, bin: bin, bytes: st.Size(), times: make([]float64, 0, *runs)})
	}
	// The variants take turns, run by run, so a slow spell of the shared
	// machine weighs on all of them alike; the first three turns warm the
	// page cache and are not counted.
	for i := 0; i < *runs+3; i++ {
		for _, v := range vs {
			cmd := exec.Command(v.bin)
			cmd.Env = []string{"BENCH_EXIT_AFTER_INIT=1", "AWS_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=bench"}
			start := time.Now()
			if err := cmd.Run(); err != nil {
				fail(fmt.Errorf("run %s: %v", v.name, err))
			}
			if i >= 3 {
				v.times = append(v.times, float64(time.Since(start).Microseconds())/1e3)
			}
		}
	}
	var results []Result
	for _, v := range vs {
		sort.Float64s(v.times)
		med := v.times[len(v.times)/2]
		results = append(results, Result{Name: v.name, Bytes: v.bytes, MedianMS: med, P90MS: v.times[len(v.times)*9/10], Runs: len(v.times)})
		fmt.Fprintf(os.Stderr, "coldstart %-12s %6.2f MB  median %.2f ms\n", v.name, float64(v.bytes)/1e6, med)
	}
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(results); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "coldstart:", err)
	os.Exit(1)
}
