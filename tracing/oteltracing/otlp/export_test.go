package otlp

// WithLookupEnv is withLookupEnv, for the tests: an environment of their
// own.
var WithLookupEnv = withLookupEnv
