package httpapi

import (
	"context"
	"errors"
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
)

var (
	errNoToken     = errors.New("no Authorization header")
	errNotBearer   = errors.New("authorization scheme is not Bearer")
	errEmptyBearer = errors.New("empty bearer token")
)

// Bearer returns a Middleware (WithMiddleware) that authenticates requests
// by "Authorization: Bearer <token>" before their body is decoded: it
// passes the token to verify, and puts the principal verify returns into
// the handler's context (PrincipalFromContext[P] reads it back). A missing
// or malformed header, or an error from verify, is answered 401
// UNAUTHORIZED with nothing more said (the log line and the span say why);
// verify may return an *Error to answer otherwise (Forbidden, or Internal
// for a failure of its own).
//
//	httpapi.HTTP(createOrder, httpapi.WithMiddleware(httpapi.Bearer(verifyToken)))
func Bearer[P any](verify func(ctx context.Context, token string) (P, error)) Middleware {
	return func(next RequestHandler) RequestHandler {
		return func(ctx context.Context, r *Request) error {
			p, err := bearer(ctx, r, verify)
			if err != nil {
				return err
			}
			return next(ContextWithPrincipal(ctx, p), r)
		}
	}
}

// bearer returns the principal verify makes of r's bearer token, or the
// error r is answered with.
func bearer[P any](ctx context.Context, r *Request, verify func(ctx context.Context, token string) (P, error)) (P, error) {
	var zero P
	h := strings.TrimSpace(r.Header(headerAuthorization))
	if h == "" {
		return zero, Unauthorized().WithCause(errNoToken)
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return zero, Unauthorized().WithCause(errNotBearer)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return zero, Unauthorized().WithCause(errEmptyBearer)
	}
	p, err := verify(ctx, token)
	if err != nil {
		var e *Error
		if errinfo.IsNilPointer(err) || errors.As(err, &e) {
			return zero, err // a typed nil is a bug: answered 500
		}
		return zero, Unauthorized().WithCause(err)
	}
	return p, nil
}

type principalKey struct{}

// ContextWithPrincipal returns ctx carrying p, the authenticated caller: a
// Middleware that authenticates its own way (an API key, a signature) passes
// it to next, and the handler reads p back with PrincipalFromContext[P], as
// it does Bearer's.
func ContextWithPrincipal[P any](ctx context.Context, p P) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal in ctx and true, or the zero P
// and false when there is none or it is not a P.
func PrincipalFromContext[P any](ctx context.Context) (P, bool) {
	p, ok := ctx.Value(principalKey{}).(P)
	return p, ok
}
