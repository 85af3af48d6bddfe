package tracing

// Deferred is implemented by backends whose ended spans can wait in memory
// until Flush exports them. lambdawrap.Start, in Lambda, defers the export
// until the runtime has posted the invocation's response, so a caller never
// waits for it; the sandbox is frozen only once it is done.
type Deferred interface {
	// DeferExport makes Flush the only time spans are exported: nothing is
	// exported by the goroutine that ends a span. At most maxSpans ended
	// spans wait; the ones beyond are dropped and counted.
	DeferExport(maxSpans int)
	// Pending returns how many ended spans wait for Flush, and about how
	// many bytes their export will take.
	Pending() (spans, bytes int)
	// TakeDropped returns the spans dropped since the last call, by reason,
	// and forgets them.
	TakeDropped() []Dropped
}

// Dropped counts spans a backend dropped for one reason.
type Dropped struct {
	// Reason says why, in a few words, as the wrapper logs it: "buffer
	// full" when more spans waited than DeferExport allows, "export failed"
	// when the exporter failed or stalled (the spans are not tried again).
	Reason string
	Spans  int
}
