package awssdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"), goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreAnyFunction("internal/poll.runtime_pollWait"))
}

const header = "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1"

func baseConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret-key", ""),
	}
}

func xrayTracer(t *testing.T, d *testenv.XRayDaemon) *xraytracing.Tracer {
	tr := xraytracing.New(xraytracing.WithDaemonAddress(d.Addr), hook.XRayLookupEnv(func(string) (string, bool) { return "", false }).(xraytracing.Option))
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// callDocs returns the metric values of the documents with the given
// aws_service and aws_operation dimensions.
func callDocs(docs []map[string]any, service, op string) []map[string]any {
	var out []map[string]any
	for _, d := range docs {
		if d[names.DimAWSService] == service && d[names.DimAWSOperation] == op {
			out = append(out, d)
		}
	}
	return out
}

func TestDynamoDBWithXRay(t *testing.T) {
	endpoint := testenv.StartDynalite(t)
	daemon := testenv.StartXRayDaemon(t)
	tr := xrayTracer(t, daemon)
	cfg := baseConfig()
	awssdk.Instrument(&cfg, awssdk.WithTracer(tr)) // the tracer of calls made outside an invocation
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })

	ctx := context.Background()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{ // outside an invocation: traced, metrics dropped
		TableName:            aws.String("orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}

	h := func(ctx context.Context, id string) (string, error) {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}, "secret_note": &ddbtypes.AttributeValueMemberS{Value: "payload-never-logged"}}}); err != nil {
			return "", err
		}
		if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}}); err != nil {
			return "", err
		}
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("missing"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}})
		var nf *ddbtypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			return "", fmt.Errorf("want ResourceNotFoundException, got %v", err)
		}
		return "ok", nil
	}
	f := lambdaobstest.New(t, h, lambdaobstest.WithEnv(map[string]string{"POWERTOOLS_LOG_LEVEL": "DEBUG"}), lambdawrap.WithTracer(tr))
	r := f.Invoke("o-1", lambdaobstest.Request{TraceHeader: header, RequestID: "ddb-1"})
	if r.Err != nil {
		t.Fatal(r.Err)
	}

	// Metrics, per AWS service and operation, in documents of their own.
	put := callDocs(r.Metrics, "DynamoDB", "PutItem")
	get := callDocs(r.Metrics, "DynamoDB", "GetItem")
	if len(put) != 1 || len(get) != 1 {
		t.Fatalf("want one PutItem and one GetItem document, got %d, %d: %v", len(put), len(get), r.Metrics)
	}
	if got := lambdaobstest.MetricValues(get, names.MetricAWSCallLatency); len(got) != 2 {
		t.Errorf("GetItem latencies = %v", got)
	}
	if got := lambdaobstest.MetricValues(get, names.MetricAWSCallErrors); fmt.Sprint(got) != "[0 1]" {
		t.Errorf("GetItem errors = %v, want [0 1]", got)
	}
	if got := lambdaobstest.MetricValues(put, names.MetricAWSCallAttempts); fmt.Sprint(got) != "[1]" {
		t.Errorf("PutItem attempts = %v", got)
	}
	if put[0][names.PropRequestID] != "ddb-1" || fmt.Sprint(lambdaobstest.Dimensions(put[0], names.MetricAWSCallLatency)) != "[[service aws_service aws_operation]]" {
		t.Errorf("PutItem document: %v", put[0])
	}
	for _, d := range r.Metrics {
		if d[names.DimAWSOperation] == "CreateTable" {
			t.Error("the call made outside the invocation was recorded")
		}
	}

	// One DEBUG line per call, no payload.
	var calls []map[string]any
	for _, l := range r.Logs {
		if l["message"] == names.MsgAWSCall {
			calls = append(calls, l)
		}
	}
	if len(calls) != 3 {
		t.Fatalf("want 3 call lines, got %d", len(calls))
	}
	if c := calls[2]; c["aws_operation"] != "GetItem" || c["status_code"] != 400.0 || c["error_code"] != "ResourceNotFoundException" || c["aws_request_id"] == "" || c["function_request_id"] != "ddb-1" {
		t.Errorf("failed call line: %v", c)
	}
	if strings.Contains(r.Raw, "payload-never-logged") {
		t.Error("a request payload was logged")
	}

	// Spans: an "aws" subsegment for each call, in the invocation's trace,
	// with the fields X-Ray's service map reads.
	docs := daemon.Wait(t, "the DynamoDB subsegments", func(docs []map[string]any) bool {
		n := 0
		testenv.Walk(docs, func(s map[string]any) {
			if s["name"] == "DynamoDB" {
				n++
			}
		})
		return n >= 4
	})
	var ops, tables []string
	var failed int
	testenv.Walk(docs, func(s map[string]any) {
		if s["name"] != "DynamoDB" {
			return
		}
		a, _ := s["aws"].(map[string]any)
		ops = append(ops, fmt.Sprint(a["operation"]))
		tables = append(tables, fmt.Sprint(a["table_name"]))
		if s["namespace"] != "aws" || a["request_id"] == nil || a["region"] != "us-east-1" {
			t.Errorf("subsegment without namespace aws, request id or region: %v", s)
		}
		status := -1.0
		if h, ok := s["http"].(map[string]any); ok {
			r, _ := h["response"].(map[string]any)
			status, _ = r["status"].(float64)
		}
		if s["error"] == true || s["fault"] == true {
			failed++
			if a["operation"] != "GetItem" || a["table_name"] != "missing" || s["error"] != true || s["fault"] == true || status != 400 {
				t.Errorf("unexpected failed subsegment %v", s)
			}
		} else if status != 200 {
			t.Errorf("subsegment status %v: %v", status, s)
		}
	})
	if strings.Join(ops, ",") != "CreateTable,PutItem,GetItem,GetItem" || strings.Join(tables, ",") != "orders,orders,orders,missing" || failed != 1 {
		t.Errorf("DynamoDB subsegments %v on %v, failed %d", ops, tables, failed)
	}
	var invocationDocs, initDocs int
	for _, d := range docs {
		if d["trace_id"] == "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b" {
			invocationDocs++
			continue
		}
		// The call made during init: a segment of its own trace.
		if a, _ := d["aws"].(map[string]any); d["name"] != "DynamoDB" || a["operation"] != "CreateTable" || d["type"] != nil || d["parent_id"] != nil {
			t.Errorf("document in another trace: %v", d)
		}
		initDocs++
	}
	if invocationDocs != 1 || initDocs != 1 {
		t.Errorf("%d documents of the invocation, %d of init; want one each", invocationDocs, initDocs)
	}
}

// Messages sent to SQS carry the trace in AWSTraceHeader: the SendMessage
// call's span as Parent with a backend, the invocation's own header
// without one.
func TestSQSCarriesTheTraceHeader(t *testing.T) {
	endpoint := testenv.StartSQS(t)
	cfg := baseConfig()
	awssdk.Instrument(&cfg)
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	for _, backend := range []string{"recording tracer", "none"} {
		t.Run(backend, func(t *testing.T) {
			testSQSTraceHeader(t, q, backend == "none")
		})
	}
}

func testSQSTraceHeader(t *testing.T, q *sqs.Client, noBackend bool) {
	ctx := context.Background()
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders-" + strings.ReplaceAll(t.Name(), "/", "-"))})
	if err != nil {
		t.Fatal(err)
	}
	h := func(ctx context.Context, body string) (string, error) {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			return "", err
		}
		_, err := q.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: created.QueueUrl, Entries: []sqstypes.SendMessageBatchRequestEntry{
			{Id: aws.String("a"), MessageBody: aws.String(body + "-a")}, {Id: aws.String("b"), MessageBody: aws.String(body + "-b")},
		}})
		return "sent", err
	}
	var opts []lambdawrap.Option
	if noBackend {
		opts = append(opts, lambdawrap.WithTracer(nil))
	}
	f := lambdaobstest.New(t, h, opts...)
	r := f.Invoke("order-1", lambdaobstest.Request{TraceHeader: header})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	var sends []string
	for _, s := range f.Tracer().Spans() {
		if s.Attributes[names.AttrRPCService] == "SQS" {
			sends = append(sends, s.ID)
		}
	}
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10,
		//lint:ignore SA1019 local-aws-sqs returns AWSTraceHeader only for AttributeNames ["All"].
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 3 {
		t.Fatalf("received %d messages", len(got.Messages))
	}
	for _, m := range got.Messages {
		th, err := tracing.ParseHeader(m.Attributes[names.SQSAttributeTraceHeader])
		want := "53995c3f42cd8ad8" // the function's segment, as Lambda passed it
		if !noBackend {
			want = strings.Join(sends, " or ") // the send's span
		}
		if err != nil || th.Root != "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b" || th.Parent == "" || !strings.Contains(want, th.Parent) {
			t.Errorf("message %s: AWSTraceHeader %q (%v), want Parent %s", aws.ToString(m.Body), m.Attributes[names.SQSAttributeTraceHeader], err, want)
		}
	}
	if noBackend == (len(sends) > 0) || (!noBackend && len(sends) != 2) {
		t.Errorf("SQS spans %v", sends)
	}
	if send := callDocs(r.Metrics, "SQS", "SendMessage"); len(send) != 1 {
		t.Errorf("SendMessage metrics: %v", r.Metrics)
	}
}

// TestThrottledCallIsRetried answers ThrottlingException twice, then succeeds.
func TestThrottledCallIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("req-%d", calls.Load()))
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	daemon := testenv.StartXRayDaemon(t)
	cfg := baseConfig()
	awssdk.Instrument(&cfg)
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.RetryMaxAttempts = 5
	})
	h := func(ctx context.Context, id string) (string, error) {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}})
		return "ok", err
	}
	f := lambdaobstest.New(t, h, lambdawrap.WithTracer(xrayTracer(t, daemon)))
	r := f.Invoke("o-1", lambdaobstest.Request{TraceHeader: header})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	put := callDocs(r.Metrics, "DynamoDB", "PutItem")
	attempts := lambdaobstest.MetricValues(put, names.MetricAWSCallAttempts)
	throttles := lambdaobstest.MetricValues(put, names.MetricAWSThrottles)
	errs := lambdaobstest.MetricValues(put, names.MetricAWSCallErrors)
	if fmt.Sprint(attempts, throttles, errs) != "[3] [2] [0]" {
		t.Errorf("attempts %v throttles %v errors %v, want [3] [2] [0]", attempts, throttles, errs)
	}
	docs := daemon.Wait(t, "the PutItem subsegment", func(docs []map[string]any) bool {
		found := false
		testenv.Walk(docs, func(s map[string]any) { found = found || s["name"] == "DynamoDB" })
		return found
	})
	testenv.Walk(docs, func(s map[string]any) {
		if s["name"] == "DynamoDB" && (s["error"] == true || s["fault"] == true || s["throttle"] == true || s["cause"] != nil) {
			t.Errorf("the call succeeded in the end, but its subsegment is marked failed: %v", s)
		}
		if a, _ := s["aws"].(map[string]any); s["name"] == "DynamoDB" && a["request_id"] != "req-2" {
			t.Errorf("request id %v, want the last attempt's", a["request_id"])
		}
	})
}
