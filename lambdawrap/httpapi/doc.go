// Package httpapi turns a typed function into an API Gateway or Lambda
// function URL handler: the JSON body is decoded into In and validated, the
// function is called, and what it returns is encoded as the JSON response.
// Errors become responses with a status, a stable code and a message meant
// for the client, and nothing internal ever reaches the client.
//
//	type NewOrder struct {
//		Customer string `json:"customer" validate:"required"`
//		Items    []Item `json:"items" validate:"required,min=1,dive"`
//	}
//
//	func createOrder(ctx context.Context, in NewOrder) (Order, error) { … }
//
//	func main() {
//		lambdawrap.Start(httpapi.HTTP(createOrder, httpapi.WithStatus(201)),
//			lambdawrap.WithService("orders"))
//	}
//
// REST handles API Gateway REST APIs (and HTTP APIs sending payload format
// 1.0), HTTP handles HTTP APIs (payload format 2.0), FunctionURL handles
// function URLs. Each returns a plain aws-lambda-go handler: wrap it with
// lambdawrap.Wrap or start it with lambdawrap.Start, which give it its
// logger, metrics and span. The handler reaches the request's path
// parameters, query and headers with RequestFromContext, and may set the
// success status and headers with SetStatus and SetHeader.
//
// # The pipeline
//
//  1. A CORS preflight (WithCORS) is answered 204 at once.
//  2. The body is read: base64-decoded when the event says so (invalid → 400
//     BAD_REQUEST), at most WithMaxBodySize bytes (1 MiB by default;
//     more → 413 PAYLOAD_TOO_LARGE).
//  3. The middlewares run (WithMiddleware; Bearer authenticates), the first
//     outermost, before the body is decoded: each may
//     answer with an error (Unauthorized() → 401 UNAUTHORIZED, with no reason
//     given to the client) or call the rest of the pipeline, and sees its
//     outcome.
//  4. The body is decoded: it must be application/json or a +json type (→
//     415 UNSUPPORTED_MEDIA_TYPE, even when Content-Type is missing, which
//     also keeps cross-site "simple" requests out), and valid JSON (→ 400
//     INVALID_JSON); a member of the wrong type → 400 VALIDATION_FAILED. An
//     empty or null body is an error for POST, PUT and PATCH (400
//     BODY_REQUIRED, unless WithOptionalBody) and the zero In otherwise. An In
//     of size zero (struct{}) never reads the body.
//  5. In is validated: its validate struct tags (go-playground/validator, one
//     shared instance; skipped when In has none), then its Validate() error
//     method if In or *In has one. Failures → 400 VALIDATION_FAILED with
//     details. What Validate returns is sent to the client, so write it for
//     them: FieldError values (joined with errors.Join for several) name the
//     fields, and an *Error chooses another status.
//  6. The handler runs. An *Error it returns (or wraps) is answered with its
//     status, code and message; another error with what the first error
//     mapper that knows it returns (WithErrorMapper); any other error, a
//     typed nil, an error whose Error method panics, and a panic, are
//     answered 500 {"error":"Internal server error","code":"INTERNAL_ERROR"}.
//     A middleware's errors are answered the same way.
//  7. Out is encoded with WithStatus's status (200 by default; 204 sends no
//     body). Every response has Content-Type: application/json (when it has a
//     body) and X-Correlation-Id.
//
// Error bodies are {"error": message, "code": code}, with "details": [{"field":
// …, "message": …, "rule": …}] for validation failures.
//
// # Middlewares and error mappers
//
// A Middleware is for what every handler of a team needs and may answer with
// a status: authentication, tenant resolution, quotas, auditing. It sees the
// Request before the body is decoded, so a caller it refuses learns nothing
// of the body's shape. lambdawrap.Chain wraps the whole invocation instead,
// outside the adapter: an error there is an invocation error, which API
// Gateway answers 502, and the event is not yet decoded; keep it for what
// concerns the invocation, not the request.
//
// An error mapper (WithErrorMapper) keeps HTTP out of domain packages: they
// return their own errors (ErrOrderNotFound), and main maps them to *Error
// values with errors.Is and errors.As.
//
// # What is recorded
//
// The correlation id is the client's X-Correlation-Id header when it is 1 to
// 128 visible ASCII characters, else API Gateway's request id; every line
// logged with the handler's context carries it as correlation_id, and the
// response returns it.
//
// The invocation span (tracing.SpanFromContext) gets http.route,
// http.request.method, url.path and http.response.status_code. A 4xx sets
// its status to tracing.ClientError (an X-Ray error; OpenTelemetry leaves a
// server span unset), a 5xx to tracing.Error (an X-Ray fault, OpenTelemetry
// Error) with the real error or panic recorded.
//
// Every request records Requests (Count) and Latency (Milliseconds),
// dimensioned by the invocation's default dimensions (service) plus Route,
// Method and StatusClass ("2xx", "4xx", …), in a document of their own
// (metrics.Recorder.With) written with the invocation's flush and carrying
// its request and trace ids and the correlation id. Outside an invocation
// lambdawrap observes, nothing is recorded.
//
// Every request is logged once, with its method (http_method), route,
// path, status and duration in milliseconds (duration_ms), never its query,
// headers or body. A success is logged at INFO ("request completed";
// WithRequestLogLevel, WithoutRequestLog): about 110 bytes of its own on a
// line of some 450 with the Lambda fields, so about $0.25 per million
// requests at $0.50 per GB ingested (the first tier in us-east-1), and no
// allocation with lambdaobs's logger.
//
// Because the handler answers errors instead of returning them, lambdawrap
// never sees them, so the adapter reports them itself, on the request's one
// line: a 4xx is logged at WARN ("request rejected"; WithClientErrorLevel),
// a 5xx at ERROR ("request failed", or "request handler panicked" with the
// stack trace) with the real error (an error that cannot print itself is
// described: "typed nil error: …", "… Error method panicked: …"), and each
// 5xx is counted in lambdawrap's Errors metric (and a panic in Panics), with
// the wrapper's own dimensions (service and function_name), so an alarm on
// Errors covers HTTP functions too (WithoutErrorMetric stops it).
package httpapi
