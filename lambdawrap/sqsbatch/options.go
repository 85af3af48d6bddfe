package sqsbatch

import "log/slog"

// defaultConcurrency is how many records of a standard queue's batch are
// processed at once unless WithConcurrency says otherwise: 10, the default
// batch size of an SQS event source mapping.
const defaultConcurrency = 10

// Option configures a batch handler.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	concurrency int
	ordered     bool
	log         *slog.Logger
}

func newConfig(opts []Option) *config {
	c := &config{concurrency: defaultConcurrency}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.concurrency < 1 {
		c.concurrency = 1
	}
	return c
}

func (c *config) logger() *slog.Logger {
	if c.log != nil {
		return c.log
	}
	return slog.Default()
}

// WithConcurrency sets how many records of a standard queue's batch are
// processed at once (10 by default, the default batch size of an SQS event
// source mapping; 1 processes them one after the other, still reporting
// each failure). Ordered batches ignore it.
func WithConcurrency(n int) Option {
	return optionFunc(func(c *config) { c.concurrency = n })
}

// WithOrdered processes records strictly in order and stops at the first
// failure, reporting that record and every later one as failed: what a FIFO
// queue requires. FIFO queues (an event source ARN ending in ".fifo") and
// streams are always processed so; this option does it for any queue.
func WithOrdered() Option {
	return optionFunc(func(c *config) { c.ordered = true })
}

// WithLogger sets the logger of the batch handler's own lines. By default
// they go to slog.Default() as it is at each batch, which is lambdawrap's
// handler unless it was told otherwise.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.log = l })
}
