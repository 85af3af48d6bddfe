package awssdk

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

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
		var room [1]string
		a, ok := resource(tt.service, tt.params, &room)
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

// withTraceHeader sets the header on a copy and leaves the caller's input,
// its entries and their maps as they were; what it cannot handle it
// returns as it is.
func TestWithTraceHeader(t *testing.T) {
	const h = "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1"
	mine := map[string]sqstypes.MessageSystemAttributeValue{names.SQSAttributeTraceHeader: {DataType: aws.String("String"), StringValue: aws.String("Root=mine")}}
	other := map[string]sqstypes.MessageSystemAttributeValue{"Other": {DataType: aws.String("String"), StringValue: aws.String("x")}}
	header := func(m map[string]sqstypes.MessageSystemAttributeValue) string {
		return aws.ToString(m[names.SQSAttributeTraceHeader].StringValue)
	}
	t.Run("SendMessage", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			attrs map[string]sqstypes.MessageSystemAttributeValue
			want  string
			n     int // attributes in the copy
		}{
			{"no map", nil, h, 1},
			{"another attribute", other, h, 2},
			{"the caller's header", mine, "Root=mine", 1},
		} {
			t.Run(tt.name, func(t *testing.T) {
				in := &sqs.SendMessageInput{QueueUrl: aws.String("q"), MessageSystemAttributes: tt.attrs}
				before := len(in.MessageSystemAttributes)
				out, ok := withTraceHeader(in, h).(*sqs.SendMessageInput)
				if !ok || out == in || aws.ToString(out.QueueUrl) != "q" {
					t.Fatalf("got %#v", out)
				}
				if header(out.MessageSystemAttributes) != tt.want || len(out.MessageSystemAttributes) != tt.n {
					t.Errorf("copy's attributes %v, want AWSTraceHeader %q", out.MessageSystemAttributes, tt.want)
				}
				if len(in.MessageSystemAttributes) != before || (tt.want == h && header(in.MessageSystemAttributes) != "") {
					t.Errorf("the caller's attributes changed: %v", in.MessageSystemAttributes)
				}
			})
		}
	})
	t.Run("SendMessageBatch", func(t *testing.T) {
		in := &sqs.SendMessageBatchInput{Entries: []sqstypes.SendMessageBatchRequestEntry{{Id: aws.String("a")}, {Id: aws.String("b"), MessageSystemAttributes: other}, {Id: aws.String("c"), MessageSystemAttributes: mine}}}
		out, ok := withTraceHeader(in, h).(*sqs.SendMessageBatchInput)
		if !ok || out == in || len(out.Entries) != 3 || &out.Entries[0] == &in.Entries[0] {
			t.Fatalf("got %#v", out)
		}
		for i, want := range []string{h, h, "Root=mine"} {
			if got := header(out.Entries[i].MessageSystemAttributes); got != want || aws.ToString(out.Entries[i].Id) != aws.ToString(in.Entries[i].Id) {
				t.Errorf("entry %d: AWSTraceHeader %q, want %q", i, got, want)
			}
		}
		if in.Entries[0].MessageSystemAttributes != nil || len(other) != 1 || header(in.Entries[2].MessageSystemAttributes) != "Root=mine" {
			t.Errorf("the caller's entries changed: %v", in.Entries)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		type badEntries struct{ Entries []int }
		type badMap struct{ MessageSystemAttributes map[int]string }
		type badValue struct{ MessageSystemAttributes map[string]int }
		noEntries := &sqs.SendMessageBatchInput{}
		if out := withTraceHeader(noEntries, h); out != any(noEntries) || noEntries.Entries != nil {
			t.Errorf("a batch without entries: %#v", out)
		}
		for _, in := range []any{nil, "x", sqs.SendMessageInput{}, (*sqs.SendMessageInput)(nil), &badEntries{Entries: []int{1}}, &badMap{}, &badValue{}} {
			out := withTraceHeader(in, h) // no panic
			if bm, ok := out.(*badMap); ok && bm.MessageSystemAttributes != nil {
				t.Errorf("%T: %v", out, bm.MessageSystemAttributes)
			}
			if bv, ok := out.(*badValue); ok && bv.MessageSystemAttributes != nil {
				t.Errorf("%T: %v", out, bv.MessageSystemAttributes)
			}
		}
	})
}

// escape agrees, for every byte, with the list of bytes the SDK's
// recursion detection leaves as they are.
func TestEscape(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		plain := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte(`-=;:+&[]{}"',`, b) >= 0
		if escape(b) == plain {
			t.Errorf("escape(%q) = %v", b, escape(b))
		}
	}
}
