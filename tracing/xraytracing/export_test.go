package xraytracing

import "time"

// WithMaxDatagram lowers the datagram limit, so tests can fill documents
// with little data.
func WithMaxDatagram(n int) Option {
	return optionFunc(func(c *config) { c.maxDatagram = n })
}

func testNow() time.Time { return time.Unix(0x6745a0b1, 0) }
