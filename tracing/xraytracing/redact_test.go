package xraytracing_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/names"
	iredact "github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// procSecret is registered for the whole test process, as a function
// registers the secrets it reads at start-up.
const procSecret = "xray-proc-5ecret-Qp3"

var registerOnce sync.Once

func registerSecrets() { registerOnce.Do(func() { redact.AddSecrets(procSecret) }) }

// Values that are secret only because of the key they are recorded under.
var keySecrets = []string{"hunter2-pw-Kx7", "cvv-998877", "tok-abcdef123", "meta-pw-4455", "meta-secret-9911", "err-pw-6677", "qs-tok-777", "97531864", "resp-tok-8642"}

// recordSecrets records, on s, everything the facade lets user code
// record, each holding a secret.
func recordSecrets(s tracing.Span) {
	s.SetAttributes(
		slog.String("password", "hunter2-pw-Kx7"),
		slog.Int("pin_token", 97531864),
		slog.Group("card", slog.String("secret", "cvv-998877"), slog.String("brand", "visa")),
		slog.Any("headers", map[string]string{"Authorization": "Bearer tok-abcdef123", "Accept": "application/json"}),
		slog.String("url", "https://shop.example/pay?token=qs-tok-777&page=2"),
		slog.String("note", "signed with "+procSecret),
	)
	s.SetMetadata("request", map[string]any{"user": "ann", "credentials": map[string]string{"password": "meta-pw-4455"}, "echo": procSecret})
	s.SetMetadata("client_secret", "meta-secret-9911")
	s.RecordError(errors.New("login failed: password=err-pw-6677 for ann"))
	s.SetStatus(tracing.Error, "rejected hunter2-pw-Kx7 and "+procSecret)
}

// noSecret fails t when any key or string of v holds a secret.
func noSecret(t *testing.T, path string, v any, secrets []string) {
	t.Helper()
	switch v := v.(type) {
	case string:
		for _, s := range secrets {
			if strings.Contains(v, s) {
				t.Errorf("%s = %q holds the secret %q", path, v, s)
			}
		}
	case []any:
		for i, x := range v {
			noSecret(t, fmt.Sprintf("%s[%d]", path, i), x, secrets)
		}
	case map[string]any:
		for k, x := range v {
			noSecret(t, path+"."+k, k, secrets)
			noSecret(t, path+"."+k, x, secrets)
		}
	}
}

// TestDocumentsAreRedacted checks the documents the daemon receives for an
// invocation: what the facade records, the error the handler returns (the
// wrapper copies it into the status and the cause), the captured response,
// and the fields of an AWS call's subsegment.
func TestDocumentsAreRedacted(t *testing.T) {
	registerSecrets()
	d := startDaemon(t)
	tr := newTracer(t, d, map[string]string{names.EnvPowertoolsTracerCaptureResponse: "true"})
	h := wrap(tr, func(ctx context.Context, _ string) (map[string]string, error) {
		_, s := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("api_key", "start-key-3141")))
		recordSecrets(s)
		s.End()
		_, c := tracing.Start(ctx, "SQS.SendMessage", tracing.WithKind(tracing.KindClient), tracing.WithAttributes(awsCall("SQS", "SendMessage")...))
		c.SetAttributes(slog.String(names.AttrSQSQueueURL, "https://sqs.eu-west-1.amazonaws.com/"+procSecret), slog.String("session_token", "sdk-tok-1122"))
		c.End()
		tracing.SpanFromContext(ctx).SetStatus(tracing.Error, "upstream said token=ret-tok-5566")
		return map[string]string{"order": "o-1", "access_token": "resp-tok-8642"}, nil
	})
	_, _ = h(invocation(t, header1, "r-1"), "")
	nodes := d.wait(t, "three nodes", func(n map[string]node) bool { return len(n) >= 3 })
	secrets := append(keySecrets, procSecret, "start-key-3141", "sdk-tok-1122", "ret-tok-5566")
	d.mu.Lock()
	for i, doc := range d.docs {
		noSecret(t, fmt.Sprintf("document %d", i), doc, secrets)
	}
	d.mu.Unlock()

	c := one(t, nodes, "charge-card")
	for key, want := range map[string]any{"password": redact.Redacted, "pin_token": redact.Redacted, "api_key": redact.Redacted,
		"url": "https://shop.example/pay?token=[REDACTED]&page=2", "note": "signed with [REDACTED]"} {
		if got := c.annotation(key); got != want {
			t.Errorf("annotation %s = %v, want %v", key, got, want)
		}
	}
	if got := fmt.Sprint(c.metadata("orders", "card")); got != "map[brand:visa secret:[REDACTED]]" {
		t.Errorf("card metadata = %s", got)
	}
	if got := fmt.Sprint(c.metadata("orders", "headers")); got != "map[Accept:application/json Authorization:[REDACTED]]" {
		t.Errorf("headers metadata = %s", got)
	}
	if got := c.metadata("orders", "client_secret"); got != redact.Redacted {
		t.Errorf("client_secret metadata = %v", got)
	}
	if ex := exceptions(c); len(ex) != 1 || !strings.HasPrefix(ex[0]["message"].(string), "login failed: ") {
		t.Errorf("charge-card cause = %v", c.Doc["cause"])
	}
	hn := handlerNode(t, nodes, root1)
	if resp, _ := hn.metadata("orders", "response").(map[string]any); resp["access_token"] != redact.Redacted || resp["order"] != "o-1" {
		t.Errorf("response metadata = %v", hn.metadata("orders", "response"))
	}
	call := one(t, nodes, "SQS")
	if got := sub(call.Doc, "aws")["queue_url"]; got != "https://sqs.eu-west-1.amazonaws.com/[REDACTED]" {
		t.Errorf("the call's queue_url = %v", got)
	}
	if got := call.annotation("session_token"); got != redact.Redacted {
		t.Errorf("the call's session_token = %v", got)
	}
}

// A value redacted by key is remembered by the invocation's scope: the
// invocation's later log lines and metrics scrub it wherever it appears.
func TestRedactedValuesAreRemembered(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	scope := iredact.NewScope(nil)
	ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), scope)
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{TraceHeader: header1, Service: "orders"})
	_, s := tracing.Start(ctx, "child")
	recordSecrets(s)
	s.End()
	inv.SetMetadata("response", map[string]string{"access_token": "resp-tok-8642"})
	inv.End()
	later := scope.Scrubber()
	process := (*iredact.Scope)(nil).Scrubber()
	for _, secret := range keySecrets {
		if got, _ := later.Values("a later line quoting " + secret); strings.Contains(got, secret) {
			t.Errorf("%q was not remembered by the invocation's scope", secret)
		}
		if _, changed := process.Values("quoting " + secret); changed {
			t.Errorf("%q leaked into the process's secrets", secret)
		}
	}
	c := one(t, d.wait(t, "child", func(n map[string]node) bool { return len(n) == 2 }), "child")
	// hunter2-pw-Kx7 was redacted by key first, then found by value in the
	// status.
	if got := c.metadata("orders", "status"); got != "rejected [REDACTED] and [REDACTED]" {
		t.Errorf("status metadata = %v", got)
	}
}

// stackPanics is an error whose StackTrace method panics: RecordError
// reads the stack an error carries.
type stackPanics struct{}

func (stackPanics) Error() string         { return "with a bad stack" }
func (stackPanics) StackTrace() []uintptr { panic("stack bug") }

// A panic inside the tracer never reaches the caller: the next Flush
// returns it as an error, once.
func TestPanicBecomesFlushError(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	ctx, inv := tr.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: header1})
	var nilErr *errorT
	inv.RecordError(nilErr) // a nil pointer's Error method: described, no panic
	inv.RecordError(stackPanics{})
	_, s := tr.Start(ctx, "x", tracing.StartConfig{})
	s.End()
	inv.End()
	err := tr.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "record error: panic: stack bug") {
		t.Errorf("Flush = %v, want the recovered panic", err)
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Errorf("second Flush = %v, want nil", err)
	}
	hn := handlerNode(t, d.wait(t, "handler", func(n map[string]node) bool { return len(n) == 2 }), root1)
	if ex := exceptions(hn); len(ex) != 1 || !strings.Contains(ex[0]["message"].(string), "Error method panicked") {
		t.Errorf("cause = %v", hn.Doc["cause"])
	}
}

type errorT struct{ msg string }

func (e *errorT) Error() string { return e.msg }

// Nil options, and nil pointers given as options, are ignored.
func TestNilOptions(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil, nil, xraytracing.WithClock(nil))
	_, s := tr.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: header1})
	s.End()
	d.wait(t, "handler", func(n map[string]node) bool { return len(n) == 1 })
}
