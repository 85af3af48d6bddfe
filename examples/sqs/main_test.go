package main

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// wantFailed are the messages of the sample batch that fail: a declined
// card, a body that is not JSON, a message without an order id.
var wantFailed = []string{
	"c80e8021-a70a-42c7-a470-796e1186f701",
	"c80e8021-a70a-42c7-a470-796e1186f702",
	"c80e8021-a70a-42c7-a470-796e1186f704",
}

// TestRunsLocally runs the example as `go run` does.
func TestRunsLocally(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/sqs")
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sqs: %v\n%s", err, stderr.String())
	}
	logs, docs, other := lambdaobstest.Parse(string(out))
	if len(other) != 0 {
		t.Errorf("lines that are not JSON: %q", other)
	}
	for _, id := range wantFailed {
		if !strings.Contains(stderr.String(), id) {
			t.Errorf("%s not reported failed: %s", id, stderr.String())
		}
	}
	for _, l := range logs {
		if l["message"] == "processing order" && l[names.KeyMessageID] == nil {
			t.Errorf("line without message_id: %v", l)
		}
	}
	if got := lambdaobstest.MetricValues(docs, names.MetricRecordsFailed); !slices.Equal(got, []float64{3}) {
		t.Errorf("RecordsFailed = %v", got)
	}
}

// TestUnderEmulator processes the sample batch in the example built as a
// real bootstrap.
func TestUnderEmulator(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/sqs")
	emu := testenv.StartEmulator(t, bin, "AWS_LAMBDA_FUNCTION_TIMEOUT=3", "LAMBDAOBS_DISABLE_SIGTERM=true")
	code, body := emu.Invoke(t, "sqs-1", sampleBatch)
	var resp events.SQSEventResponse
	if code != 200 || json.Unmarshal(body, &resp) != nil {
		t.Fatalf("status %d body %s", code, body)
	}
	var got []string
	for _, f := range resp.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	slices.Sort(got)
	if !slices.Equal(got, wantFailed) {
		t.Errorf("failures %v, want %v", got, wantFailed)
	}
	emu.WaitOutput(t, regexp.MustCompile(`END RequestId: sqs-1`), 5*time.Second)
	logs, _, _ := lambdaobstest.Parse(emu.Proc.Output.String())
	var undecodable int
	for _, l := range logs {
		if l["message"] == names.MsgRecordUndecodable && l[names.KeyMessageID] == wantFailed[1] {
			undecodable++
		}
	}
	if undecodable != 1 {
		t.Errorf("no undecodable line for %s in %v", wantFailed[1], logs)
	}
}
