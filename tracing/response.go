package tracing

// ResponseRecorder is implemented by spans that can keep the handler's
// response (X-Ray metadata when POWERTOOLS_TRACER_CAPTURE_RESPONSE is on).
// lambdawrap calls SetResponse on the invocation span after the handler
// returns without error; a byte-level handler's response is passed as its
// []byte.
type ResponseRecorder interface {
	SetResponse(v any)
}
