package httpapi

// contentTypeJSON is the Content-Type of every response with a body.
const contentTypeJSON = "application/json"

// defaultMaxBodySize is the largest request body accepted, after base64
// decoding, unless WithMaxBodySize says otherwise: 1 MiB. API Gateway accepts
// up to 10 MB and Lambda 6 MB, but a JSON API rarely needs more than a few
// kilobytes, and decoding is what costs.
const defaultMaxBodySize = 1 << 20

// Standard header names the adapter reads or writes.
const (
	headerContentType   = "Content-Type"
	headerAuthorization = "Authorization"
)
