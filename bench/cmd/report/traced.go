package main

import "fmt"

// tracedTable writes the end-to-end table of traced invocations: what a
// caller waits for, timed at the Runtime API.
func tracedTable(w func(string, ...any), rows []e2e) {
	if len(rows) < 4 {
		return
	}
	bare, idle := rows[0], rows[1]
	w("## End to end, traced\n\n%d sequential invocations of each row, alternating, each under its own Runtime Interface Emulator on 127.0.0.1; "+
		"the response path (what a caller waits for, less the network) timed at the Runtime API by a pass-through proxy: from the runtime "+
		"receiving the invocation to the post of its result being answered. The traced rows use lambdawrap.Start with the OpenTelemetry "+
		"backend and one child span, exporting over OTLP/HTTP after the response.\n\n", bare.N)
	w("| function | p50 ms | p99 ms | p50 over bare | p50 over the idle extension |\n|---|--:|--:|--:|--:|\n")
	for _, r := range rows {
		w("| %s | %.3f | %.3f | %+.3f | %+.3f |\n", r.Mode, r.P50MS, r.P99MS, r.P50MS-bare.P50MS, r.P50MS-idle.P50MS)
	}
	w("\n")
}

// tracedTargets checks the traced rows: at most 0.1 ms over the idle
// extension and 0.35 ms over bare, at both distances of the endpoint.
func tracedTargets(target func(string, string, bool), rows []e2e) {
	if len(rows) < 4 {
		return
	}
	bare, idle := rows[0], rows[1]
	for _, r := range rows[2:] {
		over, overBare := r.P50MS-idle.P50MS, r.P50MS-bare.P50MS
		target("response path p50, "+r.Mode+": ≤ +0.1 ms over the idle extension, ≤ +0.35 ms over bare",
			fmtMS(over)+", "+fmtMS(overBare), over <= 0.1 && overBare <= 0.35)
	}
}

func fmtMS(v float64) string { return fmt.Sprintf("%+.3f ms", v) }
