// Command dynamodb stores and reads orders in DynamoDB through an AWS SDK
// client instrumented by lambdaobs: every call is measured (AWSCallLatency,
// AWSCallErrors, AWSCallAttempts, AWSThrottles per aws_service and
// aws_operation), logged at DEBUG, carries the invocation's trace header
// and, with X-Ray active tracing on, is traced: an "aws" subsegment for
// X-Ray's service map, with the table's name.
//
// In Lambda it uses the function's region and credentials. Locally, point it
// at a DynamoDB server, e.g. dynalite as make test installs it:
//
//	node .tools/node/node_modules/dynalite/cli.js --host 127.0.0.1 --port 8000 &
//	DYNAMODB_ENDPOINT=http://127.0.0.1:8000 go run ./examples/dynamodb
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// Request is the event: store an order, or fetch one.
type Request struct {
	Action  string  `json:"action"` // "put" or "get"
	OrderID string  `json:"order_id"`
	Total   float64 `json:"total"`
}

// Response is what the function returns.
type Response struct {
	OrderID string  `json:"order_id"`
	Total   float64 `json:"total"`
	Found   bool    `json:"found"`
}

type app struct {
	db    *dynamodb.Client
	table string
}

func (a *app) handle(ctx context.Context, r Request) (Response, error) {
	switch r.Action {
	case "put":
		_, err := a.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(a.table),
			Item: map[string]types.AttributeValue{
				"id":    &types.AttributeValueMemberS{Value: r.OrderID},
				"total": &types.AttributeValueMemberN{Value: fmt.Sprint(r.Total)},
			},
		})
		if err != nil {
			return Response{}, fmt.Errorf("store order %s: %w", r.OrderID, err)
		}
		metrics.FromContext(ctx).Count("OrdersStored", 1)
		slog.InfoContext(ctx, "order stored", "order_id", r.OrderID)
		return Response{OrderID: r.OrderID, Total: r.Total, Found: true}, nil
	case "get":
		out, err := a.db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(a.table),
			Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: r.OrderID}},
		})
		if err != nil {
			return Response{}, fmt.Errorf("read order %s: %w", r.OrderID, err)
		}
		resp := Response{OrderID: r.OrderID, Found: out.Item != nil}
		if n, ok := out.Item["total"].(*types.AttributeValueMemberN); ok {
			_, _ = fmt.Sscan(n.Value, &resp.Total)
		}
		slog.InfoContext(ctx, "order read", "order_id", r.OrderID, "found", resp.Found)
		return resp, nil
	}
	return Response{}, errors.New("action must be put or get")
}

func newApp(ctx context.Context) (*app, []lambdawrap.Option, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	opts := []lambdawrap.Option{lambdawrap.WithService("orders"), lambdawrap.WithNamespace("DynamoDBExample")}
	var tr tracing.Tracer
	if os.Getenv("AWS_XRAY_DAEMON_ADDRESS") != "" { // set by Lambda when active tracing is on
		tr = xraytracing.New()
		opts = append(opts, lambdawrap.WithTracer(tr))
	}
	// Calls in a handler are traced by the invocation's tracer; WithTracer
	// traces those made before, during init.
	awssdk.Instrument(&cfg, awssdk.WithTracer(tr))
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	table := os.Getenv("ORDERS_TABLE")
	if table == "" {
		table = "orders"
	}
	return &app{db: db, table: table}, opts, nil
}

func main() {
	ctx := context.Background()
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		if err := runLocally(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "dynamodb example:", err)
			os.Exit(1)
		}
		return
	}
	a, opts, err := newApp(ctx)
	if err != nil {
		slog.Error("init failed", "error", err)
		os.Exit(1)
	}
	lambdawrap.Start(a.handle, opts...)
}

// timeout is the time a local invocation gets.
const timeout = 10 * time.Second
