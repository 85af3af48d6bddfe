package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
)

// runLocally creates the table if needed and invokes the handler in-process
// on a put and a get, as Lambda would.
func runLocally(ctx context.Context) error {
	if os.Getenv("DYNAMODB_ENDPOINT") == "" {
		return errors.New("set DYNAMODB_ENDPOINT to a DynamoDB server (see the package doc)")
	}
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_LAMBDA_FUNCTION_NAME": "orders-dynamodb"} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	a, opts, err := newApp(ctx)
	if err != nil {
		return err
	}
	_, err = a.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(a.table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table: %w", err)
	}
	h := lambdawrap.Wrap(a.handle, opts...)
	for i, r := range []Request{{Action: "put", OrderID: "ord-1", Total: 42.5}, {Action: "get", OrderID: "ord-1"}, {Action: "get", OrderID: "ord-404"}} {
		ictx := lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
			AwsRequestID:       fmt.Sprintf("local-%d", i+1),
			InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:orders-dynamodb",
		})
		ictx, cancel := context.WithTimeout(ictx, timeout)
		out, err := h(ictx, r)
		cancel()
		fmt.Fprintf(os.Stderr, "# %s %s → %+v %v\n", r.Action, r.OrderID, out, err)
	}
	return nil
}
