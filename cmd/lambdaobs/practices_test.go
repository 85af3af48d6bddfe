package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

// Lambda's limits on asynchronous invocation.
const (
	maxRetryAttempts = 2
	minEventAge      = 60
	maxEventAge      = 6 * 60 * 60
	defaultRetention = 4 * 24 * 60 * 60 // an SQS queue's default message retention
)

// Event sources whose invocations are synchronous: the caller gets the
// error, and Lambda retries nothing.
var syncSources = []string{"Api", "HttpApi"}

// bestPracticeProblems returns what a SAM template and the lambdaobs command
// of its generated block miss of the practices the examples follow:
//
//   - a function invoked directly or by an asynchronous source has its
//     retries and maximum event age set, and an on-failure destination (or
//     dead-letter queue) that is an SQS queue of the template, which the
//     command watches (--async, --dlq-ref);
//   - a function reading an SQS queue reports partial batch failures, the
//     queue has a redrive policy to a dead-letter queue that keeps messages
//     longer, and a visibility timeout of at least six times the function's
//     timeout; the command watches that dead-letter queue;
//   - a function behind API Gateway (synchronous) has neither: nothing is
//     retried;
//   - least privilege: no managed policy and no CRUD or full-access policy
//     template, no wildcard action, no Resource "*" but for X-Ray (which has
//     no resource-level permissions), and nothing active tracing already
//     grants;
//   - every queue sets its retention and encryption; the alarms notify an
//     SNS topic (or a parameter) of the template.
func bestPracticeProblems(tmpl map[string]any, cmdline []string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	flags := map[string][]string{}
	for i, a := range cmdline {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		if i+1 < len(cmdline) && !strings.HasPrefix(cmdline[i+1], "--") {
			flags[a] = append(flags[a], cmdline[i+1])
		} else {
			flags[a] = append(flags[a], "")
		}
	}
	resources, _ := tmpl["Resources"].(map[string]any)
	params, _ := tmpl["Parameters"].(map[string]any)
	typeOf := func(id string) string { s, _ := dig(resources, id, "Type").(string); return s }
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	for _, id := range ids {
		if typeOf(id) != "AWS::Serverless::Function" {
			continue
		}
		props, _ := dig(resources, id, "Properties").(map[string]any)
		timeout, ok := number(props["Timeout"])
		if !ok {
			timeout, ok = number(dig(tmpl, "Globals", "Function", "Timeout"))
		}
		if !ok {
			timeout = 3 // Lambda's default
		}
		var sqsQueues []string
		sync := false
		events, _ := props["Events"].(map[string]any)
		for name, e := range events {
			typ, _ := dig(e, "Type").(string)
			switch {
			case typ == "SQS":
				q := getAttTarget(dig(e, "Properties", "Queue"), "Arn")
				if typeOf(q) != "AWS::SQS::Queue" {
					bad("%s: event %s reads no queue of the template", id, name)
					continue
				}
				sqsQueues = append(sqsQueues, q)
				frt, _ := dig(e, "Properties", "FunctionResponseTypes").([]any)
				if !slices.Contains(frt, any("ReportBatchItemFailures")) {
					bad("%s: event %s does not report partial batch failures (FunctionResponseTypes: ReportBatchItemFailures)", id, name)
				}
			case slices.Contains(syncSources, typ):
				sync = true
			}
		}
		asyncCfg := props["EventInvokeConfig"]
		switch {
		case len(sqsQueues) > 0:
			for _, q := range sqsQueues {
				qp, _ := dig(resources, q, "Properties").(map[string]any)
				dlq := getAttTarget(dig(qp, "RedrivePolicy", "deadLetterTargetArn"), "Arn")
				if typeOf(dlq) != "AWS::SQS::Queue" {
					bad("%s: queue %s has no redrive policy to a dead-letter queue of the template", id, q)
					continue
				}
				if n, ok := number(dig(qp, "RedrivePolicy", "maxReceiveCount")); !ok || n < 1 || n > 1000 {
					bad("%s: queue %s: maxReceiveCount %v, not 1 to 1000", id, q, dig(qp, "RedrivePolicy", "maxReceiveCount"))
				}
				if vt, ok := number(qp["VisibilityTimeout"]); !ok || vt < 6*timeout {
					bad("%s: queue %s: visibility timeout %v, less than 6 × the function's timeout (%v s)", id, q, qp["VisibilityTimeout"], timeout)
				}
				src, ok := number(qp["MessageRetentionPeriod"])
				if !ok {
					src = defaultRetention
				}
				if kept, _ := number(dig(resources, dlq, "Properties", "MessageRetentionPeriod")); kept <= src {
					bad("%s: dead-letter queue %s keeps messages %v s, not longer than its source %s (%v s)", id, dlq, kept, q, src)
				}
				if !slices.Contains(flags["--dlq-ref"], dlq) {
					bad("%s: the command does not watch the dead-letter queue (--dlq-ref %s)", id, dlq)
				}
			}
			if asyncCfg != nil {
				bad("%s: EventInvokeConfig on a function an SQS queue invokes: its retries are the queue's maxReceiveCount", id)
			}
		case sync:
			if asyncCfg != nil || props["DeadLetterQueue"] != nil {
				bad("%s: invoked synchronously, it is never retried: no EventInvokeConfig or DeadLetterQueue applies", id)
			}
			if flags["--async"] != nil || flags["--dlq"] != nil || flags["--dlq-ref"] != nil {
				bad("%s: invoked synchronously: the command watches asynchronous events or a dead-letter queue", id)
			}
		default:
			if asyncCfg == nil {
				bad("%s: invoked directly or asynchronously, it has no EventInvokeConfig (retries, maximum event age, on-failure destination)", id)
				break
			}
			if n, ok := number(dig(asyncCfg, "MaximumRetryAttempts")); !ok || n < 0 || n > maxRetryAttempts {
				bad("%s: MaximumRetryAttempts %v, not 0 to %d", id, dig(asyncCfg, "MaximumRetryAttempts"), maxRetryAttempts)
			}
			if n, ok := number(dig(asyncCfg, "MaximumEventAgeInSeconds")); !ok || n < minEventAge || n > maxEventAge {
				bad("%s: MaximumEventAgeInSeconds %v, not %d to %d", id, dig(asyncCfg, "MaximumEventAgeInSeconds"), minEventAge, maxEventAge)
			}
			q := ""
			if dig(asyncCfg, "DestinationConfig", "OnFailure", "Type") == "SQS" {
				q = getAttTarget(dig(asyncCfg, "DestinationConfig", "OnFailure", "Destination"), "Arn")
			} else if dig(props, "DeadLetterQueue", "Type") == "SQS" {
				q = getAttTarget(dig(props, "DeadLetterQueue", "TargetArn"), "Arn")
			}
			if typeOf(q) != "AWS::SQS::Queue" {
				bad("%s: no on-failure destination or dead-letter queue that is an SQS queue of the template", id)
			} else if !slices.Contains(flags["--dlq-ref"], q) {
				bad("%s: the command does not watch the failed events' queue (--dlq-ref %s)", id, q)
			}
			if flags["--async"] == nil {
				bad("%s: the command does not watch dropped asynchronous events (--async)", id)
			}
		}
		problems = append(problems, policyProblems(id, props)...)
	}

	for _, id := range ids {
		if typeOf(id) != "AWS::SQS::Queue" {
			continue
		}
		qp, _ := dig(resources, id, "Properties").(map[string]any)
		if _, ok := number(qp["MessageRetentionPeriod"]); !ok {
			bad("queue %s: no MessageRetentionPeriod", id)
		}
		if qp["SqsManagedSseEnabled"] != true && qp["KmsMasterKeyId"] == nil {
			bad("queue %s: not encrypted (SqsManagedSseEnabled or KmsMasterKeyId)", id)
		}
	}

	topics := flags["--alarm-topic"]
	if len(topics) == 0 {
		bad("the command names no --alarm-topic: the alarms would notify nobody")
	}
	for _, topic := range topics {
		if _, ok := params[topic]; !ok && typeOf(topic) != "AWS::SNS::Topic" && !strings.HasPrefix(topic, "arn:") {
			bad("--alarm-topic %s is neither an SNS topic nor a parameter of the template", topic)
		}
	}
	for _, id := range ids {
		if typeOf(id) != "AWS::CloudWatch::Alarm" {
			continue
		}
		actions, _ := dig(resources, id, "Properties", "AlarmActions").([]any)
		if len(actions) == 0 {
			bad("alarm %s notifies nobody", id)
		}
	}
	return problems
}

// broadPolicyTemplates are SAM policy templates wider than a function needs.
var broadPolicyTemplates = []string{"CrudPolicy", "FullAccessPolicy", "WritePolicy"}

// policyProblems returns what a function's Policies grant beyond least
// privilege.
func policyProblems(id string, props map[string]any) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var policies []any
	switch p := props["Policies"].(type) {
	case nil:
	case []any:
		policies = p
	default:
		policies = []any{p}
	}
	tracing := props["Tracing"] == "Active"
	for _, p := range policies {
		switch x := p.(type) {
		case string:
			if tracing && (strings.Contains(x, "AWSXRayDaemonWriteAccess") || strings.Contains(x, "AWSXrayWriteOnlyAccess")) {
				bad("%s: %s is what active tracing already grants", id, x)
				continue
			}
			bad("%s: managed policy %s: grant the actions the function calls on its resources instead", id, x)
		case map[string]any:
			for name, v := range x {
				if name != "Statement" {
					for _, broad := range broadPolicyTemplates {
						if strings.HasSuffix(name, broad) {
							bad("%s: policy template %s grants more than the calls the function makes", id, name)
						}
					}
					continue
				}
				stmts, ok := v.([]any)
				if !ok {
					stmts = []any{v}
				}
				for _, s := range stmts {
					problems = append(problems, statementProblems(id, s)...)
				}
			}
		}
	}
	return problems
}

func statementProblems(id string, s any) []string {
	var problems []string
	list := func(v any) []any {
		if l, ok := v.([]any); ok {
			return l
		}
		return []any{v}
	}
	actions := list(dig(s, "Action"))
	onlyXRay := len(actions) > 0
	for _, a := range actions {
		as, _ := a.(string)
		if as == "*" || strings.HasSuffix(as, ":*") || as == "" {
			problems = append(problems, fmt.Sprintf("%s: action %v: name the actions the function calls", id, a))
		}
		if !strings.HasPrefix(as, "xray:") {
			onlyXRay = false
		}
	}
	for _, r := range list(dig(s, "Resource")) {
		if r == "*" && !onlyXRay {
			problems = append(problems, fmt.Sprintf("%s: Resource \"*\" for %v: name the function's resources", id, actions))
		}
	}
	return problems
}

// TestBestPracticesCatch checks that bestPracticeProblems finds what each
// practice forbids, on the quickstart's and the sqs example's templates
// broken one way at a time.
func TestBestPracticesCatch(t *testing.T) {
	load := func(name string) (map[string]any, []string) {
		src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "examples", name, "template.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := decodeCFN(src)
		if err != nil {
			t.Fatal(err)
		}
		return tmpl, commandLine(string(src))
	}
	set := func(m map[string]any, value any, path ...string) {
		for _, k := range path[:len(path)-1] {
			m = m[k].(map[string]any)
		}
		if value == nil {
			delete(m, path[len(path)-1])
		} else {
			m[path[len(path)-1]] = value
		}
	}
	drop := func(cmd []string, flag string) []string {
		var out []string
		for i := 0; i < len(cmd); i++ {
			if cmd[i] == flag {
				if i+1 < len(cmd) && !strings.HasPrefix(cmd[i+1], "--") {
					i++
				}
				continue
			}
			out = append(out, cmd[i])
		}
		return out
	}
	fn := []string{"Resources", "QuickstartFunction", "Properties"}
	sqsFn := []string{"Resources", "OrderProcessorFunction", "Properties"}
	tests := []struct {
		example string
		breakIt func(tmpl map[string]any, cmd []string) []string
		want    string
	}{
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, nil, append(fn, "EventInvokeConfig")...)
			return c
		}, "no EventInvokeConfig"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, 3, append(fn, "EventInvokeConfig", "MaximumRetryAttempts")...)
			return c
		}, "MaximumRetryAttempts 3"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, 30, append(fn, "EventInvokeConfig", "MaximumEventAgeInSeconds")...)
			return c
		}, "MaximumEventAgeInSeconds 30"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, nil, append(fn, "EventInvokeConfig", "DestinationConfig")...)
			return c
		}, "no on-failure destination"},
		{"quickstart", func(tm map[string]any, c []string) []string { return drop(c, "--dlq-ref") }, "--dlq-ref FailedEventsQueue"},
		{"quickstart", func(tm map[string]any, c []string) []string { return drop(c, "--async") }, "(--async)"},
		{"quickstart", func(tm map[string]any, c []string) []string { return drop(c, "--alarm-topic") }, "no --alarm-topic"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, []any{"AmazonDynamoDBFullAccess"}, append(fn, "Policies")...)
			return c
		}, "managed policy AmazonDynamoDBFullAccess"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, []any{map[string]any{"DynamoDBCrudPolicy": map[string]any{"TableName": "t"}}}, append(fn, "Policies")...)
			return c
		}, "policy template DynamoDBCrudPolicy"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, []any{map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}}}}, append(fn, "Policies")...)
			return c
		}, "action dynamodb:*"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, "Active", append(fn, "Tracing")...)
			set(tm, []any{"AWSXRayDaemonWriteAccess"}, append(fn, "Policies")...)
			return c
		}, "active tracing already grants"},
		{"quickstart", func(tm map[string]any, c []string) []string {
			set(tm, nil, "Resources", "FailedEventsQueue", "Properties", "SqsManagedSseEnabled")
			return c
		}, "not encrypted"},
		{"sqs", func(tm map[string]any, c []string) []string {
			set(tm, nil, "Resources", "OrdersQueue", "Properties", "RedrivePolicy")
			return c
		}, "no redrive policy"},
		{"sqs", func(tm map[string]any, c []string) []string {
			set(tm, 30, "Resources", "OrdersQueue", "Properties", "VisibilityTimeout")
			return c
		}, "less than 6 ×"},
		{"sqs", func(tm map[string]any, c []string) []string {
			set(tm, 345600, "Resources", "OrdersDeadLetterQueue", "Properties", "MessageRetentionPeriod")
			return c
		}, "not longer than its source"},
		{"sqs", func(tm map[string]any, c []string) []string {
			set(tm, []any{}, append(sqsFn, "Events", "Orders", "Properties", "FunctionResponseTypes")...)
			return c
		}, "partial batch failures"},
		{"sqs", func(tm map[string]any, c []string) []string { return drop(c, "--dlq-ref") }, "--dlq-ref OrdersDeadLetterQueue"},
		{"apigw", func(tm map[string]any, c []string) []string { return append(c, "--async") }, "invoked synchronously"},
	}
	for _, tt := range tests {
		t.Run(tt.example+"/"+tt.want, func(t *testing.T) {
			tmpl, cmd := load(tt.example)
			if p := bestPracticeProblems(tmpl, cmd); len(p) != 0 {
				t.Fatalf("the example itself: %v", p)
			}
			cmd = tt.breakIt(tmpl, cmd)
			p := bestPracticeProblems(tmpl, cmd)
			if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, tt.want) }) {
				t.Errorf("problems %q; want one mentioning %q", p, tt.want)
			}
		})
	}
}

// TestExampleTemplatesValidate runs AWS CloudFormation Validate, the
// offline validator aws-cdk-lib bundles (dashboard/testdata/cdk), on every
// example's template: no error and no warning. It checks the template's
// CloudFormation resources (queues, topics, the dashboard and alarms) and
// every reference; SAM's own resources are not expanded.
func TestExampleTemplatesValidate(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "examples", "*", "template.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples/*/template.yaml: %v", err)
	}
	in := struct {
		Templates map[string]string `json:"templates"`
	}{Templates: map[string]string{}}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in.Templates[filepath.Base(filepath.Dir(p))] = string(src)
	}
	input, _ := json.Marshal(in)
	out := testenv.RunCDK(t, filepath.Join(testenv.RepoRoot(), "dashboard", "testdata", "cdk", "validate.js"), input)
	var reports map[string][]struct{ Severity, Rule, Message string }
	if err := json.Unmarshal(out, &reports); err != nil {
		t.Fatalf("validate.js printed no JSON: %v\n%.2000s", err, out)
	}
	for name := range in.Templates {
		if _, ok := reports[name]; !ok {
			t.Errorf("%s: no report", name)
		}
		for _, d := range reports[name] {
			if d.Severity != "INFO" {
				t.Errorf("examples/%s/template.yaml: %s %s: %s", name, d.Severity, d.Rule, d.Message)
			}
		}
	}
}
