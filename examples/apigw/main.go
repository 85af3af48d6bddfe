// Command apigw is an HTTP API (API Gateway, payload format 2.0) function
// observed by lambdaobs: POST /orders creates an order, GET /orders/{id}
// reads one. It is built the way a production function is:
//
//   - configuration: typed, from the environment (params.LoadEnv), refused
//     at init with every missing variable named; a Parameter Store
//     parameter (the currencies orders may use) and a Secrets Manager
//     secret (the key bearer tokens are signed with, JSON) read through
//     params' cache, so a warm function does not fetch them again; the
//     order store made on first use (params.Lazy);
//   - a handler factory (newApp) taking its dependencies, so tests give it
//     fakes;
//   - the request pipeline of httpapi, in order: error handling (domain
//     errors mapped to statuses by WithErrorMapper, anything else a 500
//     that says nothing internal), one log line per request with its
//     status and duration (built in), authentication (the Bearer
//     middleware: a caller without a valid token gets 401 before the body is
//     even decoded), validation (struct tags, then a Validate method;
//     400 with the fields at fault);
//   - errors: the domain package orders returns its own (ErrNotFound →
//     404, ErrExists → 409); an unexpected one is wrapped with
//     logger.Stack where it happens, so its stack is logged while the
//     client sees only "Internal server error";
//   - custom metrics (OrdersCreated, OrderValue) beside lambdaobs's own;
//   - every AWS SDK call measured and logged (awssdk.Instrument), and traced
//     with X-Ray when the function's active tracing is on.
//
// Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it invokes itself on the
// sample events in events/ and prints what it would emit in Lambda (log
// lines and EMF documents on stdout, the responses on stderr). It needs no
// AWS account and no network: Parameter Store and Secrets Manager are then
// maps in memory (local.go).
//
//	go run ./examples/apigw
//
// Built as bootstrap, it is a real function behind the HTTP API routes
// "POST /orders" and "GET /orders/{id}" (template.yaml deploys it):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/apigw
//
// Its SDK clients then come from config.LoadDefaultConfig, which also reads
// AWS_ENDPOINT_URL (the tests point it at moto). A token for the deployed
// function is signed with the key in its secret:
//
//	SIGNING_KEY=… go run ./examples/apigw token alice "orders:read orders:write"
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/examples/apigw/orders"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/params"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// Config is the function's configuration, read from its environment once,
// at init.
type Config struct {
	// Table names the order store.
	Table string `env:"ORDERS_TABLE" default:"orders"`
	// CurrenciesParameter names the Parameter Store parameter listing the
	// currencies an order may use, comma-separated ("EUR,USD").
	CurrenciesParameter string `env:"CURRENCIES_PARAMETER,required"`
	// SigningKeySecret names the Secrets Manager secret holding the key
	// bearer tokens are signed with: {"signing_key": "…"}.
	SigningKeySecret string `env:"SIGNING_KEY_SECRET,required"`
	// PricingTimeout bounds each call to the pricing service.
	PricingTimeout time.Duration `env:"PRICING_TIMEOUT" default:"800ms"`
}

// loadConfig reads Config from the environment.
func loadConfig() (Config, error) {
	var c Config
	if err := params.LoadEnv(&c); err != nil {
		return Config{}, err
	}
	return c, nil
}

// NewOrder is the body of POST /orders.
type NewOrder struct {
	OrderID  string `json:"order_id" validate:"required,max=64"`
	Customer string `json:"customer" validate:"required"`
	Currency string `json:"currency" validate:"required,len=3"`
	Items    []Item `json:"items" validate:"required,min=1,max=50,dive"`
}

// Item is one line of a NewOrder.
type Item struct {
	SKU string `json:"sku" validate:"required"`
	Qty int    `json:"qty" validate:"min=1,max=100"`
}

// Validate checks what the struct tags cannot say; it runs after them.
func (o NewOrder) Validate() error {
	for _, r := range o.OrderID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return httpapi.FieldError{Field: "order_id", Message: "may hold only letters, digits, - and _", Rule: "charset"}
		}
	}
	return nil
}

// Order is the body of a response.
type Order struct {
	OrderID    string    `json:"order_id"`
	Customer   string    `json:"customer"`
	Currency   string    `json:"currency"`
	Items      int       `json:"items"`
	TotalCents int64     `json:"total_cents"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

func orderOf(o orders.Order, total int64) Order {
	return Order{OrderID: o.ID, Customer: o.Customer, Currency: o.Currency, Items: len(o.Items),
		TotalCents: total, CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt}
}

// app is the function: its configuration and its dependencies.
type app struct {
	cfg     Config
	ps      *params.SSM
	secrets *params.Secrets
	store   *params.Lazy[orders.Store]
	pricing pricing
}

// newApp is the handler factory: it takes the clients of Parameter Store
// and Secrets Manager (the SDK's in Lambda, fakes in tests and in the local
// run) and params options for their providers.
func newApp(cfg Config, ssmClient params.SSMClient, secretsClient params.SecretsClient, opts ...params.Option) *app {
	return &app{
		cfg:     cfg,
		ps:      params.NewSSM(ssmClient, opts...),
		secrets: params.NewSecrets(secretsClient, opts...),
		// Made on the first request that needs it, not at init: a function
		// opens its table or database connection here.
		store: params.NewLazy("orders-store", func(context.Context) (orders.Store, error) {
			return orders.NewMemory(cfg.Table), nil
		}),
		pricing: pricing{timeout: cfg.PricingTimeout},
	}
}

// Routes of the function, as API Gateway names them in routeKey.
const (
	routeCreate = "POST /orders"
	routeGet    = "GET /orders/{id}"
)

// handler returns the function's handler: one httpapi adapter per route,
// each with the same pipeline.
func (a *app) handler() func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	create := httpapi.HTTP(a.createOrder, slices.Concat(a.httpOptions(), []httpapi.Option{httpapi.WithStatus(http.StatusCreated)})...)
	get := httpapi.HTTP(a.getOrder, a.httpOptions()...)
	other := httpapi.HTTP(noRoute, a.httpOptions()...)
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		switch e.RouteKey {
		case routeCreate:
			return create(ctx, e)
		case routeGet:
			return get(ctx, e)
		}
		return other(ctx, e)
	}
}

// httpOptions is the pipeline of every route: errors no *httpapi.Error
// answers go to domainErrors (500 when it does not know them);
// authentication runs before the body is decoded and validated; the line
// of each request is the adapter's own, and a 5xx's carries the error with
// the stack logger.Stack recorded.
func (a *app) httpOptions() []httpapi.Option {
	return []httpapi.Option{
		httpapi.WithErrorMapper(domainErrors),
		httpapi.WithMiddleware(httpapi.Bearer(a.verifyToken)),
		httpapi.WithMaxBodySize(64 << 10),
		httpapi.WithCORS(httpapi.CORS{AllowOrigins: []string{"https://shop.example.com"}}),
	}
}

// domainErrors answers the errors of package orders; any other error that
// is not an *httpapi.Error is answered 500 with nothing internal said.
func domainErrors(err error) *httpapi.Error {
	switch {
	case errors.Is(err, orders.ErrNotFound):
		return httpapi.NotFound("order not found")
	case errors.Is(err, orders.ErrExists):
		return httpapi.Conflict("order already exists")
	}
	return nil
}

// signingKey is the JSON of the token signing key's secret.
type signingKey struct {
	Key string `json:"signing_key"`
}

// verifyToken is the Bearer check: the token must be signed with the key
// in the secret, read through the cache. A bad token is answered 401 (the
// reason is logged, never sent); a key that cannot be read, 500.
func (a *app) verifyToken(ctx context.Context, token string) (Principal, error) {
	var key signingKey
	if err := a.secrets.GetJSON(ctx, a.cfg.SigningKeySecret, &key); err != nil {
		return Principal{}, httpapi.Internal(logger.Stack(fmt.Errorf("read the token signing key: %w", err)))
	}
	if key.Key == "" {
		return Principal{}, httpapi.Internal(logger.Stack(fmt.Errorf("secret %s has no signing_key", a.cfg.SigningKeySecret)))
	}
	return parseToken([]byte(key.Key), token)
}

// currencies returns the currencies orders may use, from Parameter Store
// through the cache.
func (a *app) currencies(ctx context.Context) ([]string, error) {
	v, err := a.ps.Get(ctx, a.cfg.CurrenciesParameter)
	if err != nil {
		return nil, logger.Stack(fmt.Errorf("read the allowed currencies: %w", err))
	}
	var out []string
	for c := range strings.SplitSeq(v, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// createOrder handles POST /orders: the body is decoded and valid, the
// caller authenticated.
func (a *app) createOrder(ctx context.Context, in NewOrder) (Order, error) {
	p, _ := httpapi.PrincipalFromContext[Principal](ctx)
	if !p.can("orders:write") {
		return Order{}, httpapi.Forbidden("missing scope orders:write")
	}
	allowed, err := a.currencies(ctx)
	if err != nil {
		return Order{}, err
	}
	if !slices.Contains(allowed, in.Currency) {
		return Order{}, httpapi.Validation(httpapi.FieldError{Field: "currency",
			Message: "must be one of " + strings.Join(allowed, ", "), Rule: "oneof"})
	}
	o := orders.Order{ID: in.OrderID, Customer: in.Customer, Currency: in.Currency,
		CreatedBy: p.User, CreatedAt: time.Now().UTC()}
	for _, it := range in.Items {
		o.Items = append(o.Items, orders.Item{SKU: it.SKU, Qty: it.Qty})
	}
	total, err := a.pricing.quote(ctx, o)
	if err != nil {
		return Order{}, logger.Stack(fmt.Errorf("price order %s: %w", o.ID, err))
	}
	store, err := a.store.Get(ctx)
	if err != nil {
		return Order{}, logger.Stack(err)
	}
	if err := store.Create(ctx, o); err != nil {
		return Order{}, err // orders.ErrExists: domainErrors answers 409
	}
	slog.InfoContext(ctx, "order created", "order_id", o.ID, "items", len(o.Items), "user", p.User)
	m := metrics.FromContext(ctx)
	m.Count("OrdersCreated", 1)
	m.Add("OrderValue", float64(total)/100, metrics.None)
	httpapi.SetHeader(ctx, "Location", "/orders/"+o.ID)
	return orderOf(o, total), nil
}

// getOrder handles GET /orders/{id}.
func (a *app) getOrder(ctx context.Context, _ struct{}) (Order, error) {
	p, _ := httpapi.PrincipalFromContext[Principal](ctx)
	if !p.can("orders:read") {
		return Order{}, httpapi.Forbidden("missing scope orders:read")
	}
	r, _ := httpapi.RequestFromContext(ctx)
	store, err := a.store.Get(ctx)
	if err != nil {
		return Order{}, logger.Stack(err)
	}
	o, err := store.Get(ctx, r.PathParams["id"])
	if err != nil {
		return Order{}, err // orders.ErrNotFound: domainErrors answers 404
	}
	total, err := a.pricing.quote(ctx, o)
	if err != nil {
		return Order{}, logger.Stack(fmt.Errorf("price order %s: %w", o.ID, err))
	}
	return orderOf(o, total), nil
}

// noRoute answers a route the function does not serve (API Gateway sends
// only the routes it is given, so this is a deployment mistake).
func noRoute(context.Context, struct{}) (struct{}, error) {
	return struct{}{}, httpapi.NotFound("no such route")
}

// pricing stands for the service that prices orders; its errors are
// internal and never reach the client.
type pricing struct{ timeout time.Duration }

// errPricing is the failure of the pricing service, which this stand-in
// returns for the customer "c-crash".
var errPricing = errors.New("pricing service 10.0.3.7:8443: TLS handshake timeout")

// quote returns the total of o in cents.
func (p pricing) quote(ctx context.Context, o orders.Order) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	return p.call(ctx, o)
}

func (pricing) call(ctx context.Context, o orders.Order) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if o.Customer == "c-crash" {
		return 0, errPricing
	}
	var total int64
	for _, it := range o.Items {
		price := int64(1000)
		switch it.SKU {
		case "A-1":
			price = 1250
		case "B-7":
			price = 499
		}
		total += price * int64(it.Qty)
	}
	return total, nil
}

func options() []lambdawrap.Option {
	return []lambdawrap.Option{
		lambdawrap.WithService("orders"),
		lambdawrap.WithNamespace("ApigwExample"),
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "token" {
		os.Exit(printToken(os.Stdout, os.Stderr, os.Args[2:], os.LookupEnv))
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		if err := runLocally(os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "apigw example:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := loadConfig()
	if err != nil {
		slog.Error("init failed", "error", err)
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		slog.Error("init failed", "error", err)
		os.Exit(1)
	}
	opts := options()
	if os.Getenv("AWS_XRAY_DAEMON_ADDRESS") != "" { // set by Lambda when active tracing is on
		opts = append(opts, lambdawrap.WithTracer(xraytracing.New()))
	}
	awssdk.Instrument(&awsCfg) // each fetch of a parameter or secret measured, logged and traced
	a := newApp(cfg, ssm.NewFromConfig(awsCfg), secretsmanager.NewFromConfig(awsCfg))
	lambdawrap.Start(a.handler(), opts...)
}
