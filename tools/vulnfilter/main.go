// Command vulnfilter reads govulncheck -format json on stdin, lists every
// vulnerability reachable from the project's code with the release that
// fixes it, and fails when there is one: in a module the project requires,
// or in the standard library of the Go release it is built with (the
// Makefile's GO_RELEASE).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
}

type message struct {
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

func main() {
	dec := json.NewDecoder(os.Stdin)
	modules := map[string]string{}
	stdlib := map[string]string{}
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulnfilter:", err)
			os.Exit(2)
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // not reachable from the project's code
		}
		v := f.Trace[0]
		desc := fmt.Sprintf("%s in %s@%s (%s.%s), fixed in %s", f.OSV, v.Module, v.Version, v.Package, v.Function, f.FixedVersion)
		if v.Module == "stdlib" || v.Module == "toolchain" {
			stdlib[f.OSV] = desc
		} else {
			modules[f.OSV] = desc
		}
	}
	print := func(title string, m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Printf("%s: %s\n", title, m[k])
		}
	}
	print("STANDARD LIBRARY (build with a Go release that fixes it)", stdlib)
	print("MODULE", modules)
	fmt.Printf("govulncheck: %d reachable vulnerabilities in required modules, %d in the standard library of this Go release\n", len(modules), len(stdlib))
	if len(modules) > 0 || len(stdlib) > 0 {
		os.Exit(1)
	}
}
