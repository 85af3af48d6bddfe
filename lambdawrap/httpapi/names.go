package httpapi

import "github.com/lambdaobs/lambdaobs/lambdawrap"

// Metric names the adapter records, in a document of its own per request
// whose dimensions are the invocation's default ones (service) plus DimRoute,
// DimMethod and DimStatusClass. The dashboard package and the docs use these
// same constants.
const (
	MetricRequests = "Requests" // Count, 1 per request
	MetricLatency  = "Latency"  // Milliseconds, from the event's arrival in the adapter to the response
)

// Dimensions of the per-request document.
const (
	DimRoute       = "Route"       // "/orders/{id}" (REST resource, HTTP API route key without the method), "$default"
	DimMethod      = "Method"      // "GET", "POST", …, "_OTHER" for a method outside RFC 9110 and PATCH
	DimStatusClass = "StatusClass" // "2xx", "3xx", "4xx", "5xx"
)

// Messages of the lines the adapter logs: one line per request, with
// KeyMethod, KeyRoute, KeyPath, KeyStatus and KeyDuration.
const (
	MsgCompleted = "request completed"        // a 2xx, at WithRequestLogLevel (default INFO); WithoutRequestLog stops it
	MsgRejected  = "request rejected"         // a 4xx, at WithClientErrorLevel (default WARN)
	MsgFailed    = "request failed"           // a 5xx from an error, at ERROR
	MsgPanic     = "request handler panicked" // a 5xx from a panic, at ERROR with the stack
)

// Log keys the adapter adds to its own lines. The correlation id is on every
// line logged with the request's context, under logger.KeyCorrelationID
// ("correlation_id"); the error under logger.KeyError and logger.KeyErrorType;
// a panic's stack under logger.KeyStackTrace. The query, the headers and
// the body are not logged.
const (
	KeyMethod   = "http_method" // as the client sent it
	KeyRoute    = "http_route"
	KeyPath     = "http_path" // the request path, without the query
	KeyStatus   = "http_status"
	KeyDuration = "duration_ms" // from the event's arrival in the adapter to the response, to the microsecond
	KeyCode     = "error_code"
	KeyPanic    = lambdawrap.KeyPanic // the panic value, as lambdawrap logs it
)

// Span attributes set on the invocation span (OpenTelemetry HTTP semantic
// conventions).
const (
	AttrRoute          = "http.route"
	AttrMethod         = "http.request.method"
	AttrMethodOriginal = "http.request.method_original"
	AttrStatusCode     = "http.response.status_code"
	AttrURLPath        = "url.path"
)

// Header names the adapter reads or writes.
const (
	// HeaderCorrelationID carries the correlation id in both directions: an
	// incoming value (1 to 128 visible ASCII characters) wins over API
	// Gateway's request id, and every response carries the id in use. HTTP
	// API and function URL events have lower-case header names; in REST API
	// events, which keep the client's spelling, it is recognised as
	// X-Correlation-Id, X-Correlation-ID, x-correlation-id or
	// X-CORRELATION-ID.
	HeaderCorrelationID = "X-Correlation-Id"
	HeaderContentType   = "Content-Type"
	HeaderAuthorization = "Authorization"
	HeaderOrigin        = "Origin"
)

// ContentTypeJSON is the Content-Type of every response with a body.
const ContentTypeJSON = "application/json"

// DefaultMaxBodySize is the largest request body accepted, after base64
// decoding, unless WithMaxBodySize says otherwise: 1 MiB. API Gateway accepts
// up to 10 MB and Lambda 6 MB, but a JSON API rarely needs more than a few
// kilobytes, and decoding is what costs.
const DefaultMaxBodySize = 1 << 20
