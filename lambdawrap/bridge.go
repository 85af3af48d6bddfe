package lambdawrap

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"sync"

	"github.com/lambdaobs/lambdaobs/logger"
)

// logBridge is the standard log package's output once the wrapper made its
// handler slog's default. Lines are written through the wrapper's handler,
// so they are redacted like every line, and they carry an invocation's
// fields when one can be told:
//
//   - the error report aws-lambda-go logs after a failed invocation (its
//     error or panic response as JSON), with the fields and the redaction
//     scope of the invocation that failed;
//   - any other line (a handler still using log.Printf), with those of the
//     invocation running, when exactly one is (always, unless one process
//     serves several invocations at once).
type logBridge struct {
	w       *wrapper
	mu      sync.Mutex
	pending []pendingReport // oldest first, at most maxPending
}

// pendingReport is a failed invocation whose error aws-lambda-go is about
// to log.
type pendingReport struct {
	message string
	s       *scope
}

const maxPending = 64

func installLogBridge(w *wrapper) *logBridge {
	b := &logBridge{w: w}
	log.SetOutput(b)
	log.SetFlags(0)
	return b
}

// expect records that aws-lambda-go will report message for the failed
// invocation s.
func (b *logBridge) expect(message string, s *scope) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == maxPending {
		b.pending = append(b.pending[:0], b.pending[1:]...)
	}
	b.pending = append(b.pending, pendingReport{message: message, s: s})
}

// take returns the invocation whose report carries message, if expected.
func (b *logBridge) take(message string) *scope {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, p := range b.pending {
		if p.message == message {
			b.pending = append(b.pending[:i], b.pending[i+1:]...)
			return p.s
		}
	}
	return nil
}

// Write logs one line the log package wrote, at INFO as slog's own bridge
// does.
func (b *logBridge) Write(p []byte) (int, error) {
	line := string(bytes.TrimSuffix(p, []byte{'\n'}))
	ctx := context.Background()
	if s := b.reportedBy(p); s != nil {
		// The invocation has ended: a log invocation of its own carries
		// its fields, and the redaction scope it learnt.
		var inv *logger.Invocation
		ctx, inv = s.reopen()
		defer func() { _ = inv.End(false) }()
	} else if s := b.w.onlyRunning(); s != nil {
		ctx = s.ctx
	}
	b.w.self.LogAttrs(ctx, slog.LevelInfo, line)
	return len(p), nil
}

// reportedBy returns the failed invocation whose error report p is.
func (b *logBridge) reportedBy(p []byte) *scope {
	if !bytes.HasPrefix(p, []byte(`{"errorMessage":`)) {
		return nil
	}
	var r struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(p, &r) != nil {
		return nil
	}
	return b.take(r.Message)
}

// onlyRunning returns the invocation in flight when there is exactly one.
func (w *wrapper) onlyRunning() *scope {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.inflight; s != nil && s.next == nil {
		return s
	}
	return nil
}
