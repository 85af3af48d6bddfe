package awssdk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/awssdk/otelaws"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// TestDynamoDBWithOpenTelemetry sends the spans through a real collector.
func TestDynamoDBWithOpenTelemetry(t *testing.T) {
	endpoint := testenv.StartDynalite(t)
	col := testenv.StartCollector(t)
	env := func(string) (string, bool) { return "", false }
	exp, err := otlp.New(otlp.WithEndpointURL(col.TracesURL), otlp.WithLookupEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	tr := oteltracing.New(exp, oteltracing.WithLookupEnv(env))
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })

	cfg := baseConfig()
	awssdk.Instrument(&cfg, otelaws.Tracing(tr))
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

	spans := col.WaitSpans(t, 3, 10*time.Second)
	var inv *testenv.Span
	for i := range spans {
		if spans[i].Kind == 2 {
			inv = &spans[i]
		}
	}
	if inv == nil {
		t.Fatalf("no invocation span among %d", len(spans))
	}
	var put, get *testenv.Span
	for i := range spans {
		s := &spans[i]
		// otelaws v0.72.0 writes the current RPC conventions:
		// rpc.system.name and rpc.method "Service/Operation".
		switch s.Attributes["rpc.method"] {
		case "DynamoDB/PutItem":
			put = s
		case "DynamoDB/GetItem":
			get = s
		}
	}
	if put == nil || get == nil {
		t.Fatalf("no PutItem/GetItem spans among %+v", spans)
	}
	for _, s := range []*testenv.Span{put, get} {
		if s.ParentSpanID != inv.SpanID || s.TraceID != "6745a0b13c9d2e8f1a4b5c6d7e8f9a0b" || s.Attributes["rpc.system.name"] != "aws-api" || s.Attributes["db.system.name"] != "aws.dynamodb" {
			t.Errorf("span %s: parent %s (invocation %s), trace %s, attributes %v", s.Name, s.ParentSpanID, inv.SpanID, s.TraceID, s.Attributes)
		}
	}
	if tables := fmt.Sprint(put.Attributes["aws.dynamodb.table_names"]); !strings.Contains(tables, "orders") {
		t.Errorf("aws.dynamodb.table_names = %v", tables)
	}
	if put.Attributes["aws.request_id"] == nil || get.StatusCode != 2 || put.StatusCode == 2 {
		t.Errorf("request id %v, statuses put %d get %d", put.Attributes["aws.request_id"], put.StatusCode, get.StatusCode)
	}
}
