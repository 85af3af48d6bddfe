package logger

import "runtime"

// Stack returns err carrying the stack of its caller: where the error is
// made or first seen. The handler writes that stack beside the error,
// under "<key>_stack" ("stack_trace" for the key "error"), wherever the
// error is logged, also wrapped in other errors; errors.Is, errors.As and
// the message see err unchanged. It costs one runtime.Callers (about a
// microsecond) when called and nothing otherwise; errors that already
// carry a stack (github.com/pkg/errors and its forks) need not be wrapped.
// Stack(nil) is nil.
//
//	if err := db.Put(ctx, o); err != nil {
//		return logger.Stack(fmt.Errorf("save order %s: %w", o.ID, err))
//	}
func Stack(err error) error {
	if err == nil {
		return nil
	}
	var pcs [32]uintptr
	n := runtime.Callers(2, pcs[:])
	return &stackError{err: err, pcs: append([]uintptr(nil), pcs[:n]...)}
}

type stackError struct {
	err error
	pcs []uintptr
}

func (e *stackError) Error() string { return e.err.Error() }
func (e *stackError) Unwrap() error { return e.err }

// StackOnly returns the error the stack was added to: the type written
// for the error is that error's (errinfo.StackOnly).
func (e *stackError) StackOnly() error { return e.err }

// Callers returns the program counters of the stack Stack recorded.
func (e *stackError) Callers() []uintptr { return e.pcs }
