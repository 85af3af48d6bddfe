package main

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// TestRunsLocally runs the quickstart as `go run` does and checks that it
// prints only JSON lines: the logs and EMF documents of a cold start, a warm
// call and a declined card.
func TestRunsLocally(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/quickstart")
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("quickstart: %v", err)
	}
	logs, docs, other := lambdaobstest.Parse(string(out))
	if len(other) != 0 {
		t.Errorf("lines that are not JSON: %q", other)
	}
	if len(logs) < 5 || logs[0]["cold_start"] != true || logs[len(logs)-1]["level"] != "ERROR" {
		t.Errorf("unexpected log lines: %v", logs)
	}
	if got := lambdaobstest.MetricValues(docs, "OrdersPlaced"); len(got) != 2 {
		t.Errorf("OrdersPlaced = %v", got)
	}
	if got := lambdaobstest.MetricValues(docs, names.MetricColdStart); len(got) != 1 {
		t.Errorf("ColdStart = %v", got)
	}
}

// TestUnderEmulator runs the quickstart as a real function.
func TestUnderEmulator(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/quickstart")
	emu := testenv.StartEmulator(t, bin, "AWS_LAMBDA_FUNCTION_TIMEOUT=3", "LAMBDAOBS_DISABLE_SIGTERM=true")
	code, body := emu.Invoke(t, "qs-1", []byte(`{"id":"ord-1","customer":"c-1","items":2,"total":20.5,"card":"4242"}`))
	var r Receipt
	if code != 200 || json.Unmarshal(body, &r) != nil || r.OrderID != "ord-1" || r.Charged != 20.5 {
		t.Fatalf("status %d body %s", code, body)
	}
	emu.WaitOutput(t, regexpFor("qs-1"), 5*time.Second)
	logs, docs, _ := lambdaobstest.Parse(emu.Proc.Output.String())
	var found bool
	for _, l := range logs {
		if l["message"] == "order processed" && l["function_request_id"] == "qs-1" && l["cold_start"] == true {
			found = true
		}
	}
	if !found {
		t.Errorf("no 'order processed' line for qs-1 in:\n%s", emu.Proc.Output.String())
	}
	if got := lambdaobstest.MetricValues(docs, "OrderValue"); len(got) != 1 || got[0] != 20.5 {
		t.Errorf("OrderValue = %v", got)
	}
	for _, l := range logs {
		if _, ok := l["card"]; ok && l["level"] != "DEBUG" {
			t.Errorf("the card was logged above DEBUG: %v", l)
		}
	}
}

func regexpFor(id string) *regexp.Regexp {
	return regexp.MustCompile(`END RequestId: ` + regexp.QuoteMeta(id))
}

// TestCardNumberIsNeverLogged: with DEBUG on, the charge details show the
// last four digits of the card at most, never the number.
func TestCardNumberIsNeverLogged(t *testing.T) {
	for _, tc := range []struct {
		name, card, last4 string
	}{
		{"full number", "4242-4242-4242-1234", "1234"},
		{"short", "123", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := lambdaobstest.New(t, handle, append(options(), lambdaobstest.WithEnv(map[string]string{names.EnvPowertoolsLogLevel: "DEBUG"}))...)
			r := f.Invoke(Order{ID: "ord-1", Customer: "c-1", Items: 1, Total: 1, Card: tc.card}, lambdaobstest.Request{})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			var details map[string]any
			for _, l := range r.Logs {
				if l["message"] == "charge details" {
					details = l
				}
			}
			if details == nil {
				t.Fatalf("no charge details line in %v", r.Logs)
			}
			if _, ok := details["card"]; ok {
				t.Errorf("the card number was logged: %v", details)
			}
			if got, _ := details["card_last4"].(string); got != tc.last4 {
				t.Errorf("card_last4 = %q, want %q", got, tc.last4)
			}
			if tc.card != "" && strings.Contains(f.Output(), tc.card) && len(tc.card) > 4 {
				t.Errorf("the output holds the card number:\n%s", f.Output())
			}
		})
	}
}
