package xrayotlp

// WithLookupEnv is withLookupEnv, for the tests: an environment of their
// own.
var WithLookupEnv = withLookupEnv

// Region returns the region x signs requests for ("" for a nil x).
func Region(x *Exporter) string {
	if x == nil {
		return ""
	}
	return x.region
}
