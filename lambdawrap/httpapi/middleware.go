package httpapi

import (
	"context"
	"errors"
)

// RequestHandler is the rest of a request's pipeline as a middleware sees
// it: the middlewares after it, then decoding, validation, the handler and
// the encoding of its result. It returns nil when the request succeeded,
// else the error it failed with, unchanged: the handler's own (errors.Is and
// errors.As see the domain error), an *Error of the adapter's for a body it
// refused (VALIDATION_FAILED, …), or what an inner middleware returned.
// Request.ResponseStatus then tells the status the request is answered with.
type RequestHandler func(ctx context.Context, r *Request) error

// Middleware wraps the rest of every request's pipeline (WithMiddleware):
// what a team writes once for all its handlers, such as authentication,
// tenant resolution or auditing. It runs after the body is read (so a
// signature over it can be checked) and before it is decoded and validated,
// so a caller refused here learns nothing about the body's shape.
//
// A middleware reads the request from r (method, route, headers, path
// parameters, the raw body), and then either:
//   - returns an error without calling next: the request is answered as any
//     error is (an *Error with its status, Unauthorized() → 401; any other
//     error through the error mappers, else 500 INTERNAL_ERROR) and the
//     handler never runs;
//   - or calls next, with a context of its own if it likes (a principal:
//     ContextWithPrincipal), and returns what next returned, after looking at
//     it if it likes: the error, and r.ResponseStatus().
//
// A Middleware is called once, when REST, HTTP or FunctionURL makes the
// handler; the RequestHandler it returns serves every request, several at
// once when Lambda runs concurrent invocations in one process. Pass next
// the r it was given. Returning another error after next
// returned answers the request with that error instead; returning nil after
// next failed does not make the request a success: it is answered with the
// failure. A panic, a middleware's or the handler's, unwinds through the
// middlewares and is answered 500.
//
//	func requireTenant(next httpapi.RequestHandler) httpapi.RequestHandler {
//		return func(ctx context.Context, r *httpapi.Request) error {
//			t := r.Header("X-Tenant")
//			if t == "" {
//				return httpapi.BadRequest("X-Tenant header is required")
//			}
//			return next(context.WithValue(ctx, tenantKey{}, t), r)
//		}
//	}
//
// Request middlewares are the place for what answers with a status;
// lambdawrap.Chain wraps the whole invocation, outside the adapter, where an
// error is an invocation error (API Gateway answers 502) and nothing is
// decoded yet.
type Middleware func(next RequestHandler) RequestHandler

// errNoResponse is the cause of the 500 answered when the middlewares
// returned nil and the handler never answered.
var errNoResponse = errors.New("httpapi: a middleware returned nil without a response: it did not call next, or passed next another *Request")

// buildChain returns the configured middlewares around end, the first
// outermost, each wrapped by settled, so that every middleware finds in
// r.ResponseStatus() the answer to what the next one returned. It returns
// nil when there are no middlewares.
func (a *adapter[In, Out]) buildChain(end RequestHandler) RequestHandler {
	mws := a.cfg.middlewares
	if len(mws) == 0 {
		return nil
	}
	h := end
	for i := len(mws) - 1; i >= 0; i-- {
		h = a.settled(mws[i](h))
	}
	return h
}

// request returns the context of a new request, with room for its outcome
// when there are middlewares: one allocation either way. The event sets its
// Request's fields in place (copying a whole Request costs more).
func (a *adapter[In, Out]) request() *requestCtx {
	if a.chain == nil {
		return &requestCtx{}
	}
	c := &chainCtx{}
	c.req.out = &c.out
	return &c.requestCtx
}

// chainCtx is a requestCtx with room for the outcome the middlewares see.
type chainCtx struct {
	requestCtx
	out outcome
}

// settled returns h recording, in r.out, the answer to an error h returns,
// unless it is the one recorded already.
func (a *adapter[In, Out]) settled(h RequestHandler) RequestHandler {
	return func(ctx context.Context, r *Request) error {
		err := h(ctx, r)
		if err != nil && r.out != nil && !r.out.same(err) {
			*r.out = a.failure(err)
		}
		return err
	}
}

// end is the last step of the chain: decoding, validation, the handler and
// encoding, recorded in r.out; it returns the error the request failed with.
func (a *adapter[In, Out]) end(ctx context.Context, r *Request) error {
	if r.out == nil {
		return errNoResponse // not a Request of the adapter's
	}
	*r.out = a.inner(ctx, r)
	return r.out.err
}

// same reports whether err is the error o failed with; an error whose
// dynamic type == cannot compare is never the same.
func (o *outcome) same(err error) (same bool) {
	if o.fail == nil || o.err == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return err == o.err
}
