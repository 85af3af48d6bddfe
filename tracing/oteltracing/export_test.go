package oteltracing

// WithLookupEnv is withLookupEnv, for the tests: an environment of their
// own.
var WithLookupEnv = withLookupEnv

// Enabled reports whether t records spans, for the tests.
func (t *Tracer) Enabled() bool { return t.enabled() }
