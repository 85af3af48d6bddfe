// Package lambdawrap wraps an aws-lambda-go handler so every invocation is
// observed: its context carries the log fields (logger), a metrics.Recorder
// (metrics) and a span (tracing); cold starts and the init duration are
// recorded; a returned error, a panic and an imminent timeout are logged,
// counted and traced; and log lines and metrics are flushed once before
// the wrapper returns, because Lambda may freeze the process right after.
// Spans are flushed then too, except with Start in Lambda and a backend
// whose export can wait (tracing.Deferred): the wrapper's internal
// extension exports them after the response is posted, before the
// sandbox is frozen.
//
// The flow of one invocation:
//
//	begin:  cold start? (first invocation of an on-demand process)
//	        ctx ← log fields, metrics.Recorder, span; timeout guard armed
//	        user middlewares → handler
//	end:    error or panic recorded; EMF documents written; buffered debug
//	        lines written (on failure) or dropped; span ended; tracer flushed
//	        (or, with a deferred backend, exported after the response)
//	        a recovered panic is re-raised after the flush
//
// If the deadline is about to pass with the handler still running, the
// timeout guard logs it, counts it and flushes what was recorded; what the
// handler records afterwards is flushed when it returns, nothing twice.
//
// Invocations running at once in one process (AWS_LAMBDA_MAX_CONCURRENCY > 1)
// never share fields, metrics or spans: all of it lives in the context.
// What the process shares: the cold-start flag and the init timestamps,
// the set of secrets every output redacts (redact.AddSecrets), and, unless
// WithoutDefaultLogger, slog's default logger and the log package's
// output, which the wrapper replaces.
package lambdawrap
