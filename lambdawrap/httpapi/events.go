package httpapi

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// REST returns an API Gateway REST API (proxy integration) handler that
// decodes the body into In, validates it, calls h and encodes what h
// returns as JSON. It never returns an error: every failure is a response
// (see the package documentation). Wrap it with lambdawrap:
//
//	lambdawrap.Start(httpapi.REST(getOrder), lambdawrap.WithService("orders"))
//
// HTTP APIs sending the 1.0 payload format send this event too.
func REST[In, Out any](h func(context.Context, In) (Out, error), opts ...Option) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	a := newAdapter(h, opts)
	return func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		rc := &e.RequestContext
		method := e.HTTPMethod
		if method == "" {
			method = rc.HTTPMethod
		}
		route := e.Resource
		if route == "" {
			route = rc.ResourcePath
		}
		headers := e.Headers
		if len(headers) == 0 && len(e.MultiValueHeaders) > 0 {
			headers = joinMulti(e.MultiValueHeaders)
		}
		q := &requestCtx{req: Request{
			Method:     method,
			Route:      route,
			Path:       e.Path,
			PathParams: e.PathParameters,
			Query:      e.QueryStringParameters,
			Headers:    headers,
			RequestID:  rc.RequestID,
			SourceIP:   rc.Identity.SourceIP,

			StageVariables: e.StageVariables,
		}}
		r := &q.req
		if rc.Authorizer != nil {
			r.Authorizer = rc.Authorizer
		}
		resp := a.serve(ctx, q, e.Body, e.IsBase64Encoded)
		return events.APIGatewayProxyResponse{StatusCode: resp.status, Headers: resp.headers, Body: resp.body}, nil
	}
}

// HTTP returns an API Gateway HTTP API (payload format 2.0) handler; see
// REST for what it does.
//
//	lambdawrap.Start(httpapi.HTTP(createOrder, httpapi.WithStatus(201)), lambdawrap.WithService("orders"))
func HTTP[In, Out any](h func(context.Context, In) (Out, error), opts ...Option) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	a := newAdapter(h, opts)
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		rc := &e.RequestContext
		routeKey := e.RouteKey
		if routeKey == "" {
			routeKey = rc.RouteKey
		}
		q := &requestCtx{req: Request{
			Method:     rc.HTTP.Method,
			Route:      routeOf(routeKey),
			Path:       e.RawPath,
			PathParams: e.PathParameters,
			Query:      e.QueryStringParameters,
			Headers:    e.Headers,
			RequestID:  rc.RequestID,
			SourceIP:   rc.HTTP.SourceIP,

			Cookies:        e.Cookies,
			StageVariables: e.StageVariables,
			lowerHeaders:   true,
		}}
		r := &q.req
		if rc.Authorizer != nil {
			r.Authorizer = rc.Authorizer
		}
		resp := a.serve(ctx, q, e.Body, e.IsBase64Encoded)
		return events.APIGatewayV2HTTPResponse{StatusCode: resp.status, Headers: resp.headers, Body: resp.body}, nil
	}
}

// FunctionURL returns a Lambda function URL handler (buffered invoke mode);
// see REST for what it does. A function URL has no routes: the metrics and
// span name the route "$default" unless WithRoute names it.
func FunctionURL[In, Out any](h func(context.Context, In) (Out, error), opts ...Option) func(context.Context, events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	a := newAdapter(h, opts)
	return func(ctx context.Context, e events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		rc := &e.RequestContext
		q := &requestCtx{req: Request{
			Method:    rc.HTTP.Method,
			Route:     "$default",
			Path:      e.RawPath,
			Query:     e.QueryStringParameters,
			Headers:   e.Headers,
			RequestID: rc.RequestID,
			SourceIP:  rc.HTTP.SourceIP,

			Cookies:      e.Cookies,
			lowerHeaders: true,
		}}
		r := &q.req
		if rc.Authorizer != nil {
			r.Authorizer = rc.Authorizer
		}
		resp := a.serve(ctx, q, e.Body, e.IsBase64Encoded)
		return events.LambdaFunctionURLResponse{StatusCode: resp.status, Headers: resp.headers, Body: resp.body}, nil
	}
}

// routeOf returns the path part of an HTTP API route key: "POST
// /orders/{id}" → "/orders/{id}"; "$default" stays.
func routeOf(routeKey string) string {
	if _, path, ok := strings.Cut(routeKey, " "); ok {
		return path
	}
	return routeKey
}

// joinMulti flattens multi-value headers as API Gateway does for Headers.
func joinMulti(m map[string][]string) map[string]string {
	h := make(map[string]string, len(m))
	for k, vs := range m {
		h[k] = strings.Join(vs, ",")
	}
	return h
}
