package params_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/params"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout"
)

// TestFetchedSecretsAreNeverWritten fetches secrets from moto inside a
// wrapped handler that then writes them under plain keys: in a log line, as
// an EMF property and as span attributes. None may appear in any output:
// not in the log lines, not in the EMF documents, not in the spans (those
// lambdaobstest records, and those OpenTelemetry's backend exports).
func TestFetchedSecretsAreNeverWritten(t *testing.T) {
	m := startMoto(t)
	ctx := context.Background()
	const (
		apiKey   = "sk_live_4f8a2b9c7d1e3f5a"  // a Secrets Manager string
		dbPass   = "json-leaf-pa55w0rd-77"     // a string inside a JSON secret
		token    = "securestring-t0ken-991"    // a SecureString read with decryption
		binValue = "binary-secret-bytes-0042"  // a binary secret
		plainCfg = "orders-table-not-a-secret" // a String parameter: written as is
	)
	secrets := []string{apiKey, dbPass, binValue, token}
	for _, in := range []*secretsmanager.CreateSecretInput{
		{Name: aws.String("redact/api-key"), SecretString: aws.String(apiKey)},
		{Name: aws.String("redact/db"), SecretString: aws.String(`{"username":"orders_app","password":"` + dbPass + `"}`)},
		{Name: aws.String("redact/bin"), SecretBinary: []byte(binValue)},
	} {
		if _, err := m.Secrets.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	m.putParameter(t, "/redact/token", token, ssmtypes.ParameterTypeSecureString)
	m.putParameter(t, "/redact/table", plainCfg, ssmtypes.ParameterTypeString)
	sec := params.NewSecrets(m.Secrets, params.WithLookupEnv(noEnv))
	ps := params.NewSSM(m.SSM, params.WithLookupEnv(noEnv))

	handle := func(ctx context.Context, _ struct{}) (string, error) {
		key, err := sec.Get(ctx, "redact/api-key")
		if err != nil {
			return "", err
		}
		var db struct{ Password string }
		if err := sec.GetJSON(ctx, "redact/db", &db); err != nil {
			return "", err
		}
		bin, err := sec.GetBinary(ctx, "redact/bin")
		if err != nil {
			return "", err
		}
		tok, err := ps.Get(ctx, "/redact/token", params.WithDecryption())
		if err != nil {
			return "", err
		}
		table, err := ps.Get(ctx, "/redact/table")
		if err != nil {
			return "", err
		}
		got := []string{key, db.Password, string(bin), tok}
		if fmt.Sprint(got) != fmt.Sprint(secrets) {
			return "", fmt.Errorf("read %q, want %q", got, secrets)
		}
		slog.InfoContext(ctx, "configured", "value", key, "db", db.Password, "blob", string(bin),
			"note", "token is "+tok, "table", table)
		rec := metrics.FromContext(ctx)
		rec.Count("Configured", 1)
		rec.SetProperty("value", key)
		rec.SetProperty("note", "db password "+db.Password+" and token "+tok)
		rec.SetProperty("table", table)
		_, span := tracing.Start(ctx, "configure")
		span.SetAttributes(slog.String("value", key), slog.String("db", db.Password),
			slog.String("note", "token is "+tok), slog.String("blob", string(bin)), slog.String("table", table))
		span.End()
		return "ok", nil
	}

	check := func(t *testing.T, where, out string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s: holds the secret %q:\n%s", where, s, out)
			}
		}
		if !strings.Contains(out, plainCfg) {
			t.Errorf("%s: the plain parameter is missing, so the check proves nothing:\n%s", where, out)
		}
	}

	t.Run("lambdaobstest tracer", func(t *testing.T) {
		f := lambdaobstest.New(t, handle, lambdawrap.WithService("orders"))
		r := f.Invoke(struct{}{}, lambdaobstest.Request{})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		logs, docs := lines(r.Logs), lines(r.Metrics)
		check(t, "log lines", logs)
		check(t, "EMF documents", docs)
		var spans bytes.Buffer
		for _, s := range r.Spans {
			fmt.Fprintf(&spans, "%s %v %v %v\n", s.Name, s.Attributes, s.Metadata, s.Errors)
		}
		check(t, "spans", spans.String())
		check(t, "all output", r.Raw)
	})

	t.Run("OpenTelemetry backend", func(t *testing.T) {
		var exported bytes.Buffer
		tracer := oteltracing.New(stdout.New(stdout.WithWriter(&exported)),
			oteltracing.WithSampler(sdktrace.AlwaysSample()), hook.OTelLookupEnv(noEnv).(oteltracing.Option))
		t.Cleanup(func() { _ = tracer.Shutdown(context.Background()) })
		f := lambdaobstest.New(t, handle, lambdawrap.WithService("orders"), lambdawrap.WithTracer(tracer))
		r := f.Invoke(struct{}{}, lambdaobstest.Request{})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		check(t, "log lines and EMF documents", r.Raw)
		check(t, "exported spans", exported.String())
	})
}

// lines encodes records one per line, for searching.
func lines(records []map[string]any) string {
	var b strings.Builder
	for _, r := range records {
		fmt.Fprintf(&b, "%v\n", r)
	}
	return b.String()
}
