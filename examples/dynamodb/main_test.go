package main

import (
	"os/exec"
	"testing"

	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunsAgainstDynalite runs the example locally against dynalite, as the
// package doc shows, and checks what it printed.
func TestRunsAgainstDynalite(t *testing.T) {
	endpoint := testenv.StartDynalite(t)
	bin := testenv.BuildBootstrap(t, "./examples/dynamodb")
	cmd := exec.Command(bin)
	cmd.Env = []string{"DYNAMODB_ENDPOINT=" + endpoint, "POWERTOOLS_LOG_LEVEL=DEBUG", "AWS_EC2_METADATA_DISABLED=true"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("example: %v\n%s", err, out)
	}
	logs, docs, other := lambdaobstest.Parse(string(out))
	if len(other) != 0 {
		t.Errorf("non-JSON output: %q", other)
	}
	var stored, calls int
	for _, l := range logs {
		switch l["message"] {
		case "order stored":
			stored++
		case names.MsgAWSCall:
			calls++
		}
	}
	if stored != 1 || calls != 3 {
		t.Errorf("stored %d, calls logged %d:\n%s", stored, calls, out)
	}
	var latencies int
	for _, d := range docs {
		if d[names.DimAWSService] == "DynamoDB" {
			latencies += len(lambdaobstest.MetricValues([]map[string]any{d}, names.MetricAWSCallLatency))
		}
	}
	if latencies != 3 {
		t.Errorf("AWSCallLatency values = %d, want 3", latencies)
	}
}
