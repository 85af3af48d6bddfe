package xraytracing

import "time"

// What the tests reach that users do not: an environment and a clock of
// their own, the limits and the default name.
var (
	WithLookupEnv = withLookupEnv
	WithClock     = withClock
)

const (
	MaxDatagramSize    = maxDatagramSize
	DefaultHandlerName = defaultHandlerName
)

// WithMaxDatagram lowers the datagram limit, so tests can fill documents
// with little data.
func WithMaxDatagram(n int) Option {
	return optionFunc(func(c *config) { c.maxDatagram = n })
}

func testNow() time.Time { return time.Unix(0x6745a0b1, 0) }
