package lambdawrap

import (
	"context"
	"encoding/json"
)

// HandlerFunc is the handler shape lambdawrap wraps: aws-lambda-go's
// func(context.Context, In) (Out, error).
type HandlerFunc[In, Out any] func(context.Context, In) (Out, error)

// Middleware wraps a handler with behaviour of its own: authentication,
// request validation, anything a team already has.
type Middleware[In, Out any] func(next HandlerFunc[In, Out]) HandlerFunc[In, Out]

// Chain returns h wrapped by mws, the first outermost: Chain(h, a, b) runs
// a, then b, then h.
//
// Wrap the chain, so the observability layer is outermost and sees what
// every middleware does (an auth middleware's rejection is logged, counted
// and traced like any other error):
//
//	lambdawrap.Wrap(lambdawrap.Chain(handle, auth, validate), opts...)
//
// Middlewares receive the context Wrap made, so they log with the
// invocation's fields and record on its metrics and span.
func Chain[In, Out any](h HandlerFunc[In, Out], mws ...Middleware[In, Out]) HandlerFunc[In, Out] {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// NoContext adapts a handler without a context argument.
func NoContext[In, Out any](h func(In) (Out, error)) HandlerFunc[In, Out] {
	return func(_ context.Context, in In) (Out, error) { return h(in) }
}

// NoResult adapts a handler that returns only an error; the response is
// JSON null, as aws-lambda-go writes for such handlers.
func NoResult[In any](h func(context.Context, In) error) HandlerFunc[In, any] {
	return func(ctx context.Context, in In) (any, error) { return nil, h(ctx, in) }
}

// NoInput adapts a handler that takes no event; the event is accepted
// whatever it is and ignored.
func NoInput[Out any](h func(context.Context) (Out, error)) HandlerFunc[json.RawMessage, Out] {
	return func(ctx context.Context, _ json.RawMessage) (Out, error) { return h(ctx) }
}
