package awssdk

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a87bd80c:1|68fd508a:5":     "Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a87bd80c:1%7C68fd508a:5",
		"a b/é": "a%20b%2F%C3%A9",
	} {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResource(t *testing.T) {
	for _, tt := range []struct {
		service string
		params  any
		want    string
	}{
		{"DynamoDB", &dynamodb.PutItemInput{TableName: aws.String("orders")}, names.AttrDynamoDBTableNames + "=[orders]"},
		{"DynamoDB", &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{"users": {}, "orders": {}}}, names.AttrDynamoDBTableNames + "=[orders users]"},
		{"DynamoDB", &dynamodb.ListTablesInput{}, ""},
		{"DynamoDB", &dynamodb.PutItemInput{}, ""},
		{"SQS", &sqs.SendMessageInput{QueueUrl: aws.String("http://q/1/orders")}, names.AttrSQSQueueURL + "=http://q/1/orders"},
		{"SQS", &sqs.CreateQueueInput{QueueName: aws.String("orders")}, ""},
		{"S3", &sqs.SendMessageInput{QueueUrl: aws.String("x")}, ""}, // not a service it names resources of
		{"SQS", (*sqs.SendMessageInput)(nil), ""},
		{"SQS", nil, ""},
		{"SQS", "not a struct", ""},
	} {
		a, ok := resource(tt.service, tt.params)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want {
			t.Errorf("resource(%s, %T) = %q, want %q", tt.service, tt.params, got, tt.want)
		}
	}
}

// setTracerProvider finds the field by name in any client's Options.
func TestSetTracerProvider(t *testing.T) {
	p := &provider{c: &config{}}
	var o dynamodb.Options
	setTracerProvider(&o, p)
	if o.TracerProvider != p {
		t.Errorf("TracerProvider = %v", o.TracerProvider)
	}
	for _, bad := range []any{nil, o, &struct{ TracerProvider int }{}, (*dynamodb.Options)(nil)} {
		setTracerProvider(bad, p) // ignored, no panic
	}
	if o.TracerProvider.Tracer("x") != p {
		t.Error("the provider is not its own tracer")
	}
}

// panicContext fails a test that reads it: a step's span must be told from
// its name alone.
type panicContext struct{ context.Context }

func (panicContext) Value(any) any { panic("the context was read") }

func TestStepSpansReadNoContext(t *testing.T) {
	p := &provider{c: &config{}}
	for _, name := range []string{"ResolveEndpoint", "Attempt", "SignRequest", "DoHTTPRequest", "RetryLoop"} {
		if _, s := p.StartSpan(panicContext{context.Background()}, name); s != (nopSpan{}) {
			t.Errorf("%s: %T, want nopSpan", name, s)
		}
	}
	// An operation's span reads the context for the tracer: none here.
	if _, s := p.StartSpan(context.Background(), "DynamoDB.GetItem"); s != (nopSpan{}) {
		t.Errorf("DynamoDB.GetItem without a tracer: %T, want nopSpan", s)
	}
}
