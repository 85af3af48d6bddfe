package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
)

//go:embed events/*.json
var sampleEvents embed.FS

// Names of the local run's parameter and secret.
const (
	localCurrenciesParameter = "/orders/allowed-currencies"
	localSigningKeySecret    = "orders/token-signing-key"
	// localSigningKey signs the local run's tokens. It is registered as a
	// secret when read, as any Secrets Manager value is: no output shows it.
	localSigningKey = "local-signing-key-3f9a1c7e5b2d"
)

// localEnv is the environment Lambda would give the function, under the
// process's own (which wins, so POWERTOOLS_LOG_LEVEL=DEBUG works).
func localEnv(key string) (string, bool) {
	if v, ok := os.LookupEnv(key); ok {
		return v, true
	}
	v, ok := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "orders-api",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      "eu-west-1",
		"CURRENCIES_PARAMETER":            localCurrenciesParameter,
		"SIGNING_KEY_SECRET":              localSigningKeySecret,
	}[key]
	return v, ok
}

// memorySSM is Parameter Store as the local run and the tests see it: the
// parameters of a map, read one at a time.
type memorySSM map[string]string

func (m memorySSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v, ok := m[aws.ToString(in.Name)]
	if !ok {
		return nil, &ssmtypes.ParameterNotFound{Message: aws.String("Parameter " + aws.ToString(in.Name) + " not found.")}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{
		Name: in.Name, Value: aws.String(v), Type: ssmtypes.ParameterTypeString}}, nil
}

var errNotServed = errors.New("not served by the in-memory Parameter Store")

func (memorySSM) GetParameters(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	return nil, errNotServed
}

func (memorySSM) GetParametersByPath(context.Context, *ssm.GetParametersByPathInput, ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	return nil, errNotServed
}

// memorySecrets is Secrets Manager as the local run and the tests see it:
// the string secrets of a map.
type memorySecrets map[string]string

func (m memorySecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v, ok := m[aws.ToString(in.SecretId)]
	if !ok {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: aws.String(v)}, nil
}

// localApp is the function with in-memory Parameter Store and Secrets
// Manager holding what the deployed function reads.
func localApp() (*app, error) {
	// The configuration is read from the process's environment, as in
	// Lambda: it gets the function's variables the shell did not set.
	for _, k := range []string{"CURRENCIES_PARAMETER", "SIGNING_KEY_SECRET"} {
		if v, ok := localEnv(k); ok {
			if err := os.Setenv(k, v); err != nil {
				return nil, err
			}
		}
	}
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	ps := memorySSM{cfg.CurrenciesParameter: "EUR,USD,GBP"}
	sec := memorySecrets{cfg.SigningKeySecret: `{"signing_key":"` + localSigningKey + `"}`}
	return newApp(cfg, ps, sec), nil
}

// localCall is one sample request: an event file and what to change in it.
type localCall struct {
	file   string // in events/
	user   string // whose token is sent; "" sends none
	scopes string
	body   string // replaces the event's body when set
	id     string // the order read by GET /orders/{id}
}

const (
	alice = "orders:read orders:write"
	bob   = "orders:read"
)

// localCalls are the sample requests, each with the status it gets.
var localCalls = []localCall{
	{file: "create-order.json", user: "alice", scopes: alice}, // 201
	{file: "create-order.json", user: "alice", scopes: alice}, // 409: the same order again
	{file: "create-order.json", body: `{"order_id":`},         // 401: no token, before the body is read as JSON
	{file: "create-order.json", user: "bob", scopes: bob},     // 403: no write scope
	{file: "create-order.json", user: "alice", scopes: alice, // 400: fields at fault
		body: `{"order_id":"ord 2","customer":"","currency":"EUR","items":[{"sku":"A-1"}]}`},
	{file: "create-order.json", user: "alice", scopes: alice, // 400: a currency the parameter does not list
		body: `{"order_id":"ord-3","customer":"c-42","currency":"JPY","items":[{"sku":"A-1","qty":1}]}`},
	{file: "get-order.json", user: "bob", scopes: bob, id: "ord-1"},   // 200
	{file: "get-order.json", user: "bob", scopes: bob, id: "ord-404"}, // 404: orders.ErrNotFound
	{file: "create-order.json", user: "alice", scopes: alice, // 500: the pricing service fails
		body: `{"order_id":"ord-4","customer":"c-crash","currency":"EUR","items":[{"sku":"A-1","qty":1}]}`},
}

// event returns the event of c, numbered n.
func (c localCall) event(n int) (events.APIGatewayV2HTTPRequest, error) {
	var e events.APIGatewayV2HTTPRequest
	raw, err := sampleEvents.ReadFile("events/" + c.file)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, fmt.Errorf("events/%s: %w", c.file, err)
	}
	if c.user != "" {
		e.Headers["authorization"] = "Bearer " + signToken([]byte(localSigningKey), c.user, c.scopes)
	}
	if c.body != "" {
		e.Body = c.body
	}
	if c.id != "" {
		e.RawPath = "/orders/" + c.id
		e.RequestContext.HTTP.Path = e.RawPath
		e.PathParameters = map[string]string{"id": c.id}
	}
	e.RequestContext.RequestID = fmt.Sprintf("Lx%02dYhT8vHcEJmw=", n)
	return e, nil
}

// runLocally invokes the wrapped handler in-process, as Lambda would, on
// each sample request: what the function emits goes to stdout, the
// responses to stderr.
func runLocally(stdout, stderr io.Writer) error {
	a, err := localApp()
	if err != nil {
		return err
	}
	h := lambdawrap.Wrap(a.handler(), append(options(), lambdawrap.WithLookupEnv(localEnv), lambdawrap.WithWriter(stdout))...)
	for i, c := range localCalls {
		e, err := c.event(i + 1)
		if err != nil {
			return err
		}
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			AwsRequestID:       fmt.Sprintf("5b1c7d2e-%04d-4c3b-9a8d-7e6f5a4b3c2d", i+1),
			InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders-api",
		})
		ctx = tracing.ContextWithHeader(ctx, fmt.Sprintf("Root=1-6745b0%02d-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1", i+1))
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		resp, err := h(ctx, e)
		cancel()
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "# %s %s → %d %s\n", e.RouteKey, e.RawPath, resp.StatusCode, resp.Body)
	}
	return nil
}
