package httpapi

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Option configures an adapter made by REST, HTTP or FunctionURL.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	status       int
	maxBody      int64
	cors         *corsConfig
	middlewares  []Middleware // WithMiddleware, in the order given
	mappers      []func(error) *Error
	validate     *validator.Validate
	validateSet  bool
	strict       bool
	optionalBody bool
	route        string
	log          *slog.Logger
	clientLevel  slog.Level
	requestLog   bool       // the line of a successful request
	requestLevel slog.Level // its level
	minLevel     slog.Level // the lowest level of any line the adapter may write
	errorMetric  bool
}

func newConfig(opts []Option) *config {
	c := &config{status: http.StatusOK, maxBody: defaultMaxBodySize, clientLevel: slog.LevelWarn,
		requestLog: true, requestLevel: slog.LevelInfo, errorMetric: true}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.status < 200 || c.status > 299 {
		c.status = http.StatusOK
	}
	if c.maxBody <= 0 {
		c.maxBody = defaultMaxBodySize
	}
	c.minLevel = min(c.clientLevel, slog.LevelError)
	if c.requestLog {
		c.minLevel = min(c.minLevel, c.requestLevel)
	}
	return c
}

// logger returns the logger of the adapter's own lines: WithLogger's, else
// slog's default at the time of the request (which lambdawrap sets up).
func (c *config) logger() *slog.Logger {
	if c.log != nil {
		return c.log
	}
	return slog.Default()
}

// WithStatus sets the status of a successful response: 200 by default, 201
// for a create, 202 for accepted work, 204 for no body (Out is then not
// encoded). A status outside 200..299 is ignored. SetStatus changes it for
// one request.
func WithStatus(code int) Option {
	return optionFunc(func(c *config) { c.status = code })
}

// WithMaxBodySize sets the largest request body accepted, in bytes after
// base64 decoding (1 MiB by default, and when n <= 0). A larger body is
// answered 413 PAYLOAD_TOO_LARGE without being decoded.
func WithMaxBodySize(n int64) Option {
	return optionFunc(func(c *config) { c.maxBody = n })
}

// WithMiddleware runs mws around the rest of every request's pipeline, the
// first outermost (WithMiddleware(a, b) runs a, then b, then decoding,
// validation and the handler), after the middlewares of earlier
// WithMiddleware options. See Middleware, and Bearer for authentication.
// Nil ones are skipped.
func WithMiddleware(mws ...Middleware) Option {
	return optionFunc(func(c *config) {
		for _, m := range mws {
			if m != nil {
				c.middlewares = append(c.middlewares, m)
			}
		}
	})
}

// WithErrorMapper adds m to the error mappers, which answer the errors the
// adapter does not know: an error a handler or a middleware returned that
// neither is nor wraps an *Error is given to each mapper in the order they
// were added, and the first *Error one returns is the answer; a mapper
// returns nil for an error that is not one of its own. An error no mapper
// knows is answered 500 INTERNAL_ERROR, with nothing internal said. A nil m
// is ignored.
//
// Mappers keep HTTP out of domain packages: they return their own errors,
// unaware of HTTP, and main decides their status:
//
//	httpapi.WithErrorMapper(func(err error) *httpapi.Error {
//		switch {
//		case errors.Is(err, orders.ErrNotFound):
//			return httpapi.NotFound("order not found")
//		case errors.Is(err, orders.ErrAlreadyPaid):
//			return httpapi.Conflict("order already paid")
//		}
//		return nil
//	})
//
// The *Error a mapper returns may be shared between calls: the adapter
// never changes it, and answers with a copy whose Cause is err when it has
// none. A 4xx is a client error (logged at WARN, span status ClientError),
// a 5xx a server error, as an *Error returned by the handler is. An *Error
// with a status outside 400..599 or without a code is answered 500.
func WithErrorMapper(m func(err error) *Error) Option {
	return optionFunc(func(c *config) {
		if m != nil {
			c.mappers = append(c.mappers, m)
		}
	})
}

// WithValidator validates request bodies with v instead of the shared
// default instance (which names fields by their json tags and has
// WithRequiredStructEnabled), say to register your own rules. Register a
// TagNameFunc reading json tags on it, or the details name Go fields. A nil v
// turns struct-tag validation off; a Validate method is still called.
func WithValidator(v *validator.Validate) Option {
	return optionFunc(func(c *config) { c.validate, c.validateSet = v, true })
}

// WithDisallowUnknownFields answers a body with a member In does not have
// with 400 VALIDATION_FAILED, instead of ignoring the member.
func WithDisallowUnknownFields() Option {
	return optionFunc(func(c *config) { c.strict = true })
}

// WithOptionalBody accepts POST, PUT and PATCH requests without a body: In
// is then its zero value (and still validated). Without it they are answered
// 400 BODY_REQUIRED. Requests with other methods never need a body, and an
// In of size zero (struct{}) never reads one.
func WithOptionalBody() Option {
	return optionFunc(func(c *config) { c.optionalBody = true })
}

// WithRoute names the route for the metrics and the span, instead of the
// one the event carries (REST: the resource, "/orders/{id}"; HTTP API: the
// route key without its method; Function URL: "$default", as a function URL
// has no routes). Never use a raw path: every distinct value is a metric.
func WithRoute(route string) Option {
	return optionFunc(func(c *config) { c.route = route })
}

// WithLogger sets the logger of the adapter's own lines. By default they go
// to slog.Default() as it is at each request, which is lambdawrap's handler
// unless it was told otherwise.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.log = l })
}

// WithClientErrorLevel sets the level of the line logged for a 4xx response
// ("request rejected"); the default is WARN. 5xx responses are always logged at
// ERROR.
func WithClientErrorLevel(l slog.Level) Option {
	return optionFunc(func(c *config) { c.clientLevel = l })
}

// WithRequestLogLevel sets the level of the line logged for each successful
// request ("request completed"); the default is INFO. At DEBUG, the logger's debug
// sampling (POWERTOOLS_LOGGER_SAMPLE_RATE) keeps the lines of a share of
// the invocations.
func WithRequestLogLevel(l slog.Level) Option {
	return optionFunc(func(c *config) { c.requestLevel = l })
}

// WithoutRequestLog stops the line logged for each successful request
// ("request completed"). Failed requests are still logged, one line each.
func WithoutRequestLog() Option {
	return optionFunc(func(c *config) { c.requestLog = false })
}

// WithoutErrorMetric stops counting 5xx responses in lambdawrap's Errors
// metric (use it with lambdawrap.WithoutErrorMetric). Panics are still
// counted in Panics, and every response in Requests.
func WithoutErrorMetric() Option {
	return optionFunc(func(c *config) { c.errorMetric = false })
}

// CORS configures the Cross-Origin Resource Sharing headers (WithCORS).
// Nothing is sent unless the request's Origin is one of AllowOrigins.
type CORS struct {
	// AllowOrigins lists the origins allowed, exactly as browsers send them
	// ("https://app.example.com"). The response echoes the request's origin
	// with Vary: Origin. "*" allows any origin and is sent as "*"; it is never
	// implied, and never sent with credentials.
	AllowOrigins []string
	// AllowMethods answers preflight requests; default GET, POST, PUT, PATCH,
	// DELETE.
	AllowMethods []string
	// AllowHeaders answers preflight requests; default Content-Type,
	// Authorization, X-Correlation-Id.
	AllowHeaders []string
	// ExposeHeaders lists the response headers scripts may read; default
	// X-Correlation-Id.
	ExposeHeaders []string
	// AllowCredentials sends Access-Control-Allow-Credentials: true (not with "*").
	AllowCredentials bool
	// MaxAge lets browsers cache a preflight answer (Access-Control-Max-Age).
	MaxAge time.Duration
}

// WithCORS turns CORS on (it is off by default). A preflight request (OPTIONS
// with Origin and Access-Control-Request-Method) is answered 204 by the
// adapter without calling the handler; every other response to an allowed
// origin, errors included, carries the CORS headers.
func WithCORS(cors CORS) Option {
	return optionFunc(func(c *config) { c.cors = newCORS(cors) })
}

type corsConfig struct {
	origins     map[string]bool
	any         bool
	credentials bool
	methods     string
	headers     string
	expose      string
	maxAge      string
}

func newCORS(in CORS) *corsConfig {
	c := &corsConfig{origins: make(map[string]bool, len(in.AllowOrigins))}
	for _, o := range in.AllowOrigins {
		o = strings.TrimSpace(o)
		if o == "*" {
			c.any = true
		} else if o != "" {
			c.origins[strings.TrimRight(o, "/")] = true
		}
	}
	c.credentials = in.AllowCredentials && !c.any
	join := func(list []string, def string) string {
		if len(list) == 0 {
			return def
		}
		return strings.Join(list, ", ")
	}
	c.methods = join(in.AllowMethods, "GET, POST, PUT, PATCH, DELETE")
	c.headers = join(in.AllowHeaders, "Content-Type, Authorization, "+names.HeaderCorrelationID)
	c.expose = join(in.ExposeHeaders, names.HeaderCorrelationID)
	if in.MaxAge > 0 {
		c.maxAge = strconv.FormatInt(int64(in.MaxAge/time.Second), 10)
	}
	return c
}

// allowed returns the Access-Control-Allow-Origin value for origin, or "".
func (c *corsConfig) allowed(origin string) string {
	switch {
	case origin == "":
		return ""
	case c.origins[origin]:
		return origin
	case c.any:
		return "*"
	}
	return ""
}

// apply adds the CORS headers of a response to origin; preflight adds the
// preflight ones.
func (c *corsConfig) apply(h map[string]string, origin string, preflight bool) {
	allow := c.allowed(origin)
	if allow == "" {
		return
	}
	h["Access-Control-Allow-Origin"] = allow
	if allow != "*" {
		h["Vary"] = "Origin"
	}
	if c.credentials {
		h["Access-Control-Allow-Credentials"] = "true"
	}
	if preflight {
		h["Access-Control-Allow-Methods"] = c.methods
		h["Access-Control-Allow-Headers"] = c.headers
		if c.maxAge != "" {
			h["Access-Control-Max-Age"] = c.maxAge
		}
	} else if c.expose != "" {
		h["Access-Control-Expose-Headers"] = c.expose
	}
}
