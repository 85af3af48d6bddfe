package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// TestRunsLocally runs the example as `go run` does: stdout carries only the
// JSON lines Lambda would ship to CloudWatch, stderr what the X-Ray daemon
// received, one handler document per invocation, in its trace.
func TestRunsLocally(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/xray")
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("example: %v\n%s", err, stderr.String())
	}
	logs, _, other := lambdaobstest.Parse(string(out))
	if len(other) != 0 || len(logs) < 5 {
		t.Errorf("stdout: %d log lines, lines that are not JSON: %q", len(logs), other)
	}

	docs := datagrams(t, stderr.String())
	if len(docs) != 3 {
		t.Fatalf("%d datagrams, want 3:\n%s", len(docs), stderr.String())
	}
	traces := []string{"1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", "1-6745a0b2-4d0e3f9a2b5c6d7e8f9a0b1c", "1-6745a0b3-5e1f4a0b3c6d7e8f9a0b1c2d"}
	for i, d := range docs {
		ann, _ := d["annotations"].(map[string]any)
		if d["name"] != "## handler" || d["type"] != "subsegment" || d["trace_id"] != traces[i] || d["parent_id"] != "53995c3f42cd8ad8" || ann["Service"] != "orders" || ann["ColdStart"] != (i == 0) {
			t.Errorf("document %d: %v", i, d)
		}
		subs, _ := d["subsegments"].([]any)
		if len(subs) != 2 {
			t.Errorf("document %d has %d subsegments, want reserve-stock and charge-card", i, len(subs))
			continue
		}
		charge := subs[1].(map[string]any)
		if charge["name"] != "charge-card" || charge["namespace"] != "remote" || (charge["error"] == true) != (i == 2) {
			t.Errorf("document %d charge-card: %v", i, charge)
		}
	}
	if docs[2]["fault"] != true {
		t.Errorf("the declined order's handler is not a fault: %v", docs[2])
	}
}

// datagrams parses what runLocally printed for each datagram: the header
// line, then the indented document.
func datagrams(t *testing.T, stderr string) []map[string]any {
	var docs []map[string]any
	blocks := strings.Split(stderr, "# X-Ray daemon received ")
	for _, b := range blocks[1:] {
		lines := strings.Split(b, "\n")
		if len(lines) < 3 || lines[1] != `{"format": "json", "version": 1}` {
			t.Fatalf("datagram without the daemon's header line: %q", b)
		}
		var body []string
		for _, l := range lines[2:] {
			if strings.HasPrefix(l, "# ") {
				break
			}
			body = append(body, l)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(strings.Join(body, "\n")), &m); err != nil {
			t.Fatalf("document: %v\n%s", err, strings.Join(body, "\n"))
		}
		docs = append(docs, m)
	}
	return docs
}
