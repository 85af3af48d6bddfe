package oteltracing

// WithLookupEnv is withLookupEnv, for the tests: an environment of their
// own.
var WithLookupEnv = withLookupEnv

// Reasons for dropping spans, for the tests.
const (
	DropBufferFull   = dropBufferFull
	DropExportFailed = dropExportFailed
)

// Enabled reports whether t records spans, for the tests.
func (t *Tracer) Enabled() bool { return t.enabled() }
