package httpapi

import (
	"context"
	"errors"
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
)

// Authenticator checks a request before its body is decoded (WithAuth). It
// returns the context the handler receives, typically carrying the
// principal (ContextWithPrincipal). An *Error it returns is answered as it
// is (Forbidden, say); any other error is answered 401 UNAUTHORIZED, the
// client never learning why, while the log line and the span say it (a
// typed nil is a bug, answered 500).
type Authenticator func(ctx context.Context, r *Request) (context.Context, error)

// middleware is a as a Middleware (WithAuth): an error that is not an
// *Error becomes 401 UNAUTHORIZED with the error as its cause.
func (a Authenticator) middleware(next RequestHandler) RequestHandler {
	return func(ctx context.Context, r *Request) error {
		actx, err := a(ctx, r)
		if err != nil {
			var e *Error
			if errinfo.IsNilPointer(err) || errors.As(err, &e) {
				return err // a typed nil is a bug: answered 500
			}
			u := Unauthorized()
			u.Cause = err
			return u
		}
		if actx != nil {
			ctx = actx
		}
		return next(ctx, r)
	}
}

var (
	errNoToken     = errors.New("no Authorization header")
	errNotBearer   = errors.New("authorization scheme is not Bearer")
	errEmptyBearer = errors.New("empty bearer token")
)

// Bearer returns an Authenticator for "Authorization: Bearer <token>": it
// passes the token to verify, and puts the principal verify returns into
// the context (PrincipalFromContext[P] reads it back). A missing or
// malformed header, or an error from verify, is answered 401 UNAUTHORIZED
// with nothing more said; verify may return an *Error (Forbidden, say) to
// answer otherwise.
func Bearer[P any](verify func(ctx context.Context, token string) (P, error)) Authenticator {
	return func(ctx context.Context, r *Request) (context.Context, error) {
		h := strings.TrimSpace(r.Header(headerAuthorization))
		if h == "" {
			return ctx, Unauthorized().WithCause(errNoToken)
		}
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return ctx, Unauthorized().WithCause(errNotBearer)
		}
		token = strings.TrimSpace(token)
		if token == "" {
			return ctx, Unauthorized().WithCause(errEmptyBearer)
		}
		p, err := verify(ctx, token)
		if err != nil {
			var e *Error
			if errinfo.IsNilPointer(err) || errors.As(err, &e) {
				return ctx, err // a typed nil is a bug: answered 500
			}
			return ctx, Unauthorized().WithCause(err)
		}
		return ContextWithPrincipal(ctx, p), nil
	}
}

type principalKey struct{}

// ContextWithPrincipal returns ctx carrying p, the authenticated caller.
func ContextWithPrincipal[P any](ctx context.Context, p P) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal in ctx and true, or the zero P
// and false when there is none or it is not a P.
func PrincipalFromContext[P any](ctx context.Context) (P, bool) {
	p, ok := ctx.Value(principalKey{}).(P)
	return p, ok
}
