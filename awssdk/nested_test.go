package awssdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithytracing "github.com/aws/smithy-go/tracing"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// callSpan is what a test reads of a call's span, whatever the backend.
type callSpan struct {
	name, id, parent, requestID string
	status                      int  // HTTP status
	failed                      bool // the span's status is an error
}

// tableServer answers DynamoDB's JSON protocol for two tables: GetItem on
// "outer" fails with ResourceNotFoundException (400, request id
// req-outer), PutItem on "inner" succeeds (request id req-inner). It keeps
// the X-Amzn-Trace-Id each table's request carried.
type tableServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers map[string]string
}

func startTableServer(t *testing.T) *tableServer {
	s := &tableServer{headers: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ TableName string }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &in)
		s.mu.Lock()
		s.headers[in.TableName] = r.Header.Get(tracing.HeaderName)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-RequestId", "req-"+in.TableName)
		if in.TableName != "inner" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *tableServer) header(table string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers[table]
}

// innerCall is a Finalize middleware of the outer call that makes another
// instrumented client's call with the context it is given, as a
// credentials provider that calls STS does from the signing step.
type innerCall struct{ db *dynamodb.Client }

func (innerCall) ID() string { return "test.InnerCall" }

func (m innerCall) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	if _, err := m.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("inner"), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}}); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("inner call: %w", err)
	}
	return next.HandleFinalize(ctx, in)
}

// TestCallInsideCall makes an SDK call inside another (in a Finalize
// middleware of the outer one): each gets a span of its own, the inner
// one the child of the outer one, each ended with its own request id,
// status and outcome, and each request carries its own span as Parent.
// An inner client whose own TracerProvider records nothing makes no span
// and leaves the outer one's alone; its request carries the outer span.
func TestCallInsideCall(t *testing.T) {
	for _, backend := range []string{"recording", "oteltracing", "xraytracing"} {
		for _, innerSpan := range []bool{true, false} {
			name := backend
			if !innerSpan {
				name += "/inner call without a span"
			}
			t.Run(name, func(t *testing.T) { testCallInsideCall(t, backend, innerSpan) })
		}
	}
}

func testCallInsideCall(t *testing.T, backend string, innerSpan bool) {
	srv := startTableServer(t)
	cfg := baseConfig()
	awssdk.Instrument(&cfg)
	client := func(fns ...func(*dynamodb.Options)) *dynamodb.Client {
		return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) }}, fns...)...)
	}
	inner := client()
	if !innerSpan {
		inner = client(func(o *dynamodb.Options) { o.TracerProvider = smithytracing.NopTracerProvider{} })
	}
	outer := client(func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error { return s.Finalize.Add(innerCall{inner}, middleware.After) })
	})
	h := func(ctx context.Context, _ string) (string, error) {
		_, err := outer.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("outer"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}})
		var nf *ddbtypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			return "", fmt.Errorf("want ResourceNotFoundException, got %v", err)
		}
		return "ok", nil
	}

	var opts []lambdawrap.Option
	var spans func() (invocation string, calls []callSpan)
	switch backend {
	case "recording":
		f := lambdaobstest.New(t, h)
		run(t, f)
		spans = func() (string, []callSpan) { return recordedSpans(f.Tracer()) }
	case "oteltracing":
		exp := tracetest.NewInMemoryExporter()
		tr := oteltracing.New(exp, hook.OTelLookupEnv(func(string) (string, bool) { return "", false }).(oteltracing.Option))
		t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
		opts = append(opts, lambdawrap.WithTracer(tr))
		run(t, lambdaobstest.New(t, h, opts...))
		spans = func() (string, []callSpan) { return otelSpans(exp) }
	case "xraytracing":
		daemon := testenv.StartXRayDaemon(t)
		opts = append(opts, lambdawrap.WithTracer(xrayTracer(t, daemon)))
		run(t, lambdaobstest.New(t, h, opts...))
		want := 2
		if !innerSpan {
			want = 1
		}
		spans = func() (string, []callSpan) { return xraySpans(t, daemon, want) }
	}

	inv, calls := spans()
	var out, in *callSpan
	for i := range calls {
		switch calls[i].name {
		case "DynamoDB.GetItem":
			out = &calls[i]
		case "DynamoDB.PutItem":
			in = &calls[i]
		}
	}
	if !innerSpan {
		if out == nil || len(calls) != 1 {
			t.Fatalf("want the ended span of GetItem alone, got %+v", calls)
		}
		// What the inner call's span would be: its request carries the
		// outer span.
		in = &callSpan{name: "DynamoDB.PutItem", id: out.id, parent: out.id, requestID: "req-inner", status: 200}
	}
	if out == nil || in == nil || len(calls) != 2 && innerSpan {
		t.Fatalf("want the ended spans of GetItem and PutItem, got %+v", calls)
	}
	if out.parent != inv || in.parent != out.id {
		t.Errorf("GetItem %s (parent %s, invocation %s), PutItem's parent %s", out.id, out.parent, inv, in.parent)
	}
	if out.requestID != "req-outer" || out.status != 400 || !out.failed {
		t.Errorf("GetItem span: %+v", *out)
	}
	if in.requestID != "req-inner" || in.status != 200 || in.failed {
		t.Errorf("PutItem span: %+v", *in)
	}
	for table, id := range map[string]string{"outer": out.id, "inner": in.id} {
		h, err := tracing.ParseHeader(srv.header(table))
		if err != nil || h.Parent != id {
			t.Errorf("%s's request: X-Amzn-Trace-Id %q (%v), want Parent %s", table, srv.header(table), err, id)
		}
	}
}

func run(t *testing.T, f *lambdaobstest.Function[string, string]) {
	t.Helper()
	if r := f.Invoke("x", lambdaobstest.Request{TraceHeader: header}); r.Err != nil {
		t.Fatal(r.Err)
	}
}

func recordedSpans(tr *lambdaobstest.Tracer) (string, []callSpan) {
	var inv string
	var calls []callSpan
	for _, s := range tr.Spans() {
		if s.Invocation != nil {
			inv = s.ID
			continue
		}
		rid, _ := s.Attributes[names.AttrAWSRequestID].(string)
		status, _ := s.Attributes[names.AttrHTTPStatusCode].(int64)
		if st, ok := s.Attributes[names.AttrHTTPStatusCode].(int); ok {
			status = int64(st)
		}
		calls = append(calls, callSpan{name: s.Name, id: s.ID, parent: s.ParentID, requestID: rid, status: int(status),
			failed: s.Status == tracing.Error || s.Status == tracing.ClientError})
	}
	return inv, calls
}

func otelSpans(exp *tracetest.InMemoryExporter) (string, []callSpan) {
	var inv string
	var calls []callSpan
	for _, s := range exp.GetSpans() {
		if s.Parent.IsRemote() || !s.Parent.IsValid() {
			inv = s.SpanContext.SpanID().String()
			continue
		}
		c := callSpan{name: s.Name, id: s.SpanContext.SpanID().String(), parent: s.Parent.SpanID().String(), failed: s.Status.Code == codes.Error}
		for _, a := range s.Attributes {
			switch string(a.Key) {
			case names.AttrAWSRequestID:
				c.requestID = a.Value.AsString()
			case names.AttrHTTPStatusCode:
				c.status = int(a.Value.AsInt64())
			}
		}
		calls = append(calls, c)
	}
	return inv, calls
}

// xraySpans reads the invocation's "## handler" subsegment and the
// DynamoDB subsegments, with their parents, from the daemon's documents,
// once want of those have arrived. A subsegment that is not ended
// (in_progress) is left out.
func xraySpans(t *testing.T, daemon *testenv.XRayDaemon, want int) (string, []callSpan) {
	var inv string
	var calls []callSpan
	collect := func(docs []map[string]any) {
		inv, calls = "", nil
		var walk func(m map[string]any, parent string)
		walk = func(m map[string]any, parent string) {
			if p, ok := m["parent_id"].(string); ok {
				parent = p
			}
			id, _ := m["id"].(string)
			if m["name"] == "## handler" {
				inv = id
			}
			if a, ok := m["aws"].(map[string]any); ok && m["name"] == "DynamoDB" && m["in_progress"] != true {
				c := callSpan{name: fmt.Sprint("DynamoDB.", a["operation"]), id: id, parent: parent, failed: m["error"] == true || m["fault"] == true}
				c.requestID, _ = a["request_id"].(string)
				if h, ok := m["http"].(map[string]any); ok {
					r, _ := h["response"].(map[string]any)
					s, _ := r["status"].(float64)
					c.status = int(s)
				}
				calls = append(calls, c)
			}
			subs, _ := m["subsegments"].([]any)
			for _, s := range subs {
				if sm, ok := s.(map[string]any); ok {
					walk(sm, id)
				}
			}
		}
		for _, d := range docs {
			walk(d, "")
		}
	}
	daemon.Wait(t, "the handler's and the calls' subsegments", func(docs []map[string]any) bool {
		collect(docs)
		return inv != "" && len(calls) >= want
	})
	return inv, calls
}
