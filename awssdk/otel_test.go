package awssdk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// TestDynamoDBWithOpenTelemetry sends the SDK's operation spans through a
// real collector: children of the invocation's span, with the SDK's
// attributes (rpc.system, rpc.service, rpc.method, aws.request_id), the
// region and the table.
func TestDynamoDBWithOpenTelemetry(t *testing.T) {
	endpoint := testenv.StartDynalite(t)
	col := testenv.StartCollector(t)
	env := func(string) (string, bool) { return "", false }
	exp, err := otlp.New(otlp.WithEndpointURL(col.TracesURL), hook.OTLPLookupEnv(env).(otlp.Option))
	if err != nil {
		t.Fatal(err)
	}
	tr := oteltracing.New(exp, hook.OTelLookupEnv(env).(oteltracing.Option))
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })

	cfg := baseConfig()
	awssdk.Instrument(&cfg, awssdk.WithTracer(tr))
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	if _, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	h := func(ctx context.Context, id string) (string, error) {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}}); err != nil {
			return "", err
		}
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("missing"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}})
		var nf *ddbtypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			return "", fmt.Errorf("want ResourceNotFoundException, got %v", err)
		}
		return "ok", nil
	}
	f := lambdaobstest.New(t, h, lambdawrap.WithTracer(tr))
	r := f.Invoke("o-1", lambdaobstest.Request{TraceHeader: header, RequestID: "otel-1"})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if len(callDocs(r.Metrics, "DynamoDB", "PutItem")) != 1 || len(callDocs(r.Metrics, "DynamoDB", "GetItem")) != 1 {
		t.Errorf("call metrics: %v", r.Metrics)
	}

	spans := col.WaitSpans(t, 4, 10*time.Second)
	var inv *testenv.Span
	for i := range spans {
		if spans[i].Kind == 2 {
			inv = &spans[i]
		}
	}
	if inv == nil {
		t.Fatalf("no invocation span among %d", len(spans))
	}
	var put, get, create *testenv.Span
	for i := range spans {
		s := &spans[i]
		switch s.Attributes[names.AttrRPCMethod] {
		case "PutItem":
			put = s
		case "GetItem":
			get = s
		case "CreateTable":
			create = s
		}
	}
	if put == nil || get == nil || create == nil {
		t.Fatalf("no PutItem/GetItem/CreateTable spans among %+v", spans)
	}
	for _, s := range []*testenv.Span{put, get} {
		if s.ParentSpanID != inv.SpanID || s.TraceID != "6745a0b13c9d2e8f1a4b5c6d7e8f9a0b" || s.Kind != 3 || s.Name != "DynamoDB."+fmt.Sprint(s.Attributes[names.AttrRPCMethod]) ||
			s.Attributes[names.AttrRPCSystem] != "aws-api" || s.Attributes[names.AttrRPCService] != "DynamoDB" || s.Attributes[names.AttrCloudRegion] != "us-east-1" ||
			s.Attributes[names.AttrAWSRequestID] == nil || s.Attributes[names.AttrAWSRequestID] == "" {
			t.Errorf("span %s: kind %d, parent %s (invocation %s), trace %s, attributes %v", s.Name, s.Kind, s.ParentSpanID, inv.SpanID, s.TraceID, s.Attributes)
		}
	}
	if tables := fmt.Sprint(put.Attributes[names.AttrDynamoDBTableNames]); tables != "[orders]" {
		t.Errorf("%s = %v", names.AttrDynamoDBTableNames, tables)
	}
	if put.StatusCode != 0 || get.StatusCode != 2 || get.Attributes[names.AttrHTTPStatusCode] != int64(400) || get.Attributes["api.error_code"] != "ResourceNotFoundException" {
		t.Errorf("statuses put %d get %d, get attributes %v", put.StatusCode, get.StatusCode, get.Attributes)
	}
	if len(get.Events) != 1 || get.Events[0].Name != "exception" {
		t.Errorf("get events %v", get.Events)
	}
	// The call made before the invocation: a root span of its own trace.
	if create.ParentSpanID != "" || create.TraceID == inv.TraceID {
		t.Errorf("CreateTable span: parent %q trace %s", create.ParentSpanID, create.TraceID)
	}
}
