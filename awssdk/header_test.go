package awssdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// fakeDynamoDB answers every request with an empty item, failing the first
// `throttle` ones with a ThrottlingException, and keeps the X-Amzn-Trace-Id
// of each.
type fakeDynamoDB struct {
	*httptest.Server
	mu       sync.Mutex
	headers  []string
	throttle int
}

func startFakeDynamoDB(t *testing.T, throttle int) *fakeDynamoDB {
	f := &fakeDynamoDB{throttle: throttle}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		f.mu.Lock()
		f.headers = append(f.headers, r.Header.Get(tracing.HeaderName))
		n := len(f.headers)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("req-%d", n))
		if n <= f.throttle {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeDynamoDB) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.headers...)
}

func (f *fakeDynamoDB) client(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(f.URL)
		o.RetryMaxAttempts = 5
	})
}

var putItem = &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "o-1"}}}

// Every request carries the invocation's trace in X-Amzn-Trace-Id, each
// retry too, whatever _X_AMZN_TRACE_ID says (Lambda does not set it when a
// process serves several invocations at once; when it does, it is the
// function's segment, not the call's): the call's span as Parent with a
// backend, the invocation's own header without one, Lambda's Lineage kept
// (percent-encoded, as the SDK sends it).
func TestEveryRequestCarriesTheTraceHeader(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-00000000-000000000000000000000000;Parent=0000000000000001;Sampled=1")
	const lambdaHeader = header + ";Lineage=a87bd80c:1|68fd508a:5"
	otel := oteltracing.New(nil, hook.OTelLookupEnv(func(string) (string, bool) { return "", false }).(oteltracing.Option))
	t.Cleanup(func() { _ = otel.Shutdown(context.Background()) })
	daemon := testenv.StartXRayDaemon(t)
	for _, tt := range []struct {
		name   string
		tracer func(t *testing.T) tracing.Tracer
	}{
		{"no backend", func(*testing.T) tracing.Tracer { return nil }},
		{"recording", func(*testing.T) tracing.Tracer { return lambdaobstest.NewTracer() }},
		{"xraytracing", func(t *testing.T) tracing.Tracer { return xrayTracer(t, daemon) }},
		{"oteltracing", func(*testing.T) tracing.Tracer { return otel }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFakeDynamoDB(t, 1)
			cfg := baseConfig()
			awssdk.Instrument(&cfg)
			db := srv.client(cfg)
			tr := tt.tracer(t)
			h := func(ctx context.Context, _ string) (string, error) {
				_, err := db.PutItem(ctx, putItem)
				return "", err
			}
			f := lambdaobstest.New(t, h, lambdawrap.WithTracer(tr))
			if r := f.Invoke("o-1", lambdaobstest.Request{TraceHeader: lambdaHeader}); r.Err != nil {
				t.Fatal(r.Err)
			}
			got := srv.received()
			if len(got) != 2 || got[0] != got[1] {
				t.Fatalf("headers of the two attempts: %q", got)
			}
			callHeader, err := tracing.ParseHeader(got[0])
			if err != nil {
				t.Fatalf("X-Amzn-Trace-Id %q: %v", got[0], err)
			}
			if callHeader.Root != "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b" || callHeader.Sampled != tracing.SampledYes || strings.Join(callHeader.Other, ";") != "Lineage=a87bd80c:1%7C68fd508a:5" {
				t.Errorf("X-Amzn-Trace-Id = %q", got[0])
			}
			if tt.name == "no backend" {
				if callHeader.Parent != "53995c3f42cd8ad8" {
					t.Errorf("Parent %s, want the function's segment", callHeader.Parent)
				}
				return
			}
			if callHeader.Parent == "53995c3f42cd8ad8" {
				t.Errorf("Parent is the function's segment, want the call's span")
			}
			if rec, ok := tr.(*lambdaobstest.Tracer); ok {
				for _, s := range rec.Spans() {
					if s.Attributes[names.AttrRPCMethod] == "PutItem" && s.ID != callHeader.Parent {
						t.Errorf("Parent %s, the call's span is %s", callHeader.Parent, s.ID)
					}
				}
			}
		})
	}
}

// A call made during init, outside any invocation, is traced with
// WithTracer's tracer and logged; it has no recorder to write metrics to.
func TestCallAtInitIsTracedAndLogged(t *testing.T) {
	srv := startFakeDynamoDB(t, 0)
	tr := lambdaobstest.NewTracer()
	var logs bytes.Buffer
	cfg := baseConfig()
	awssdk.Instrument(&cfg, awssdk.WithTracer(tr), awssdk.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		awssdk.WithTracer(nil)) // nil is no tracer: the first one stays
	if _, err := srv.client(cfg).PutItem(context.Background(), putItem); err != nil {
		t.Fatal(err)
	}
	spans := tr.Spans()
	if len(spans) != 1 || spans[0].Name != "DynamoDB.PutItem" || spans[0].Kind != tracing.KindClient || spans[0].ParentID != "" ||
		spans[0].Attributes[names.AttrAWSRequestID] != "req-1" || spans[0].Status != tracing.Unset {
		t.Fatalf("spans at init: %+v", spans)
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line["msg"] != names.MsgAWSCall || line[names.KeyAWSOperation] != "PutItem" || line[names.KeyAWSRequestID] != "req-1" {
		t.Errorf("log at init: %s (%v)", logs.Bytes(), err)
	}
	// Nil options and a nil config are refused without a panic.
	awssdk.Instrument(nil)
	cfg2 := baseConfig()
	awssdk.Instrument(&cfg2, nil)
	if _, err := srv.client(cfg2).PutItem(context.Background(), putItem); err != nil {
		t.Fatal(err)
	}
}
