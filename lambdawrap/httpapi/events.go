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
		q := a.request()
		r := &q.req
		r.Method, r.Route, r.Path = method, route, e.Path
		r.PathParams, r.Query, r.Headers = e.PathParameters, e.QueryStringParameters, headers
		r.RequestID, r.SourceIP = rc.RequestID, rc.Identity.SourceIP
		r.StageVariables = e.StageVariables
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
		q := a.request()
		r := &q.req
		r.Method, r.Route, r.Path = rc.HTTP.Method, routeOf(routeKey), e.RawPath
		r.PathParams, r.Query, r.Headers = e.PathParameters, e.QueryStringParameters, e.Headers
		r.RequestID, r.SourceIP = rc.RequestID, rc.HTTP.SourceIP
		r.Cookies, r.StageVariables, r.lowerHeaders = e.Cookies, e.StageVariables, true
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
		q := a.request()
		r := &q.req
		r.Method, r.Route, r.Path = rc.HTTP.Method, "$default", e.RawPath
		r.Query, r.Headers = e.QueryStringParameters, e.Headers
		r.RequestID, r.SourceIP = rc.RequestID, rc.HTTP.SourceIP
		r.Cookies, r.lowerHeaders = e.Cookies, true
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
