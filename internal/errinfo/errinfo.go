// Package errinfo turns errors and panic values into text without ever
// panicking: the one way every package of lambdaobs reads an error. User
// code runs inside Error, String and MarshalJSON methods, so each call is
// guarded; a typed nil pointer (`var e *MyErr; return e`) whose method
// dereferences its receiver is the common case.
package errinfo

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
)

// Text returns err.Error(), or, when that panics, a description of what
// went wrong, and false. A nil err is "<nil>".
func Text(err error) (msg string, ok bool) {
	if err == nil {
		return "<nil>", true
	}
	defer func() {
		if r := recover(); r != nil {
			msg, ok = fmt.Sprintf("%s: Error method panicked: %s", Type(err), Sprint(r)), false
		}
	}()
	return err.Error(), true
}

// Message returns the text of err as Text does, without the flag.
func Message(err error) string {
	msg, _ := Text(err)
	return msg
}

// StackOnly is implemented by errors that only add a stack to the error
// they wrap (logger.Stack's): Type and Chain look through them.
type StackOnly interface {
	StackOnly() error
}

// Type returns the dynamic type of v as Go writes it ("*fs.PathError"),
// "<nil>" for nil; for an error that only adds a stack, its error's.
func Type(v any) string {
	for depth := 0; depth < maxChain; depth++ {
		s, ok := v.(StackOnly)
		if !ok {
			break
		}
		inner := stackOnlyInner(s)
		if inner == nil {
			break
		}
		v = inner
	}
	t := reflect.TypeOf(v)
	if t == nil {
		return "<nil>"
	}
	return t.String()
}

// Sprint formats v as fmt.Sprint does, guarded: a panic value, or any value
// whose String or Error method may panic.
func Sprint(v any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("%s (its String or Error method panicked)", Type(v))
		}
	}()
	return fmt.Sprint(v)
}

// IsNilPointer reports whether v is a nil pointer (or nil map, slice,
// func, chan) inside a non-nil interface: what a function typed to return
// an interface hands back when it returns a nil *T.
func IsNilPointer(v any) bool {
	if v == nil {
		return false
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// stackOnlyInner returns what s wraps, guarded.
func stackOnlyInner(s StackOnly) (err error) {
	defer func() {
		if recover() != nil {
			err = nil
		}
	}()
	return s.StackOnly()
}

// maxChain bounds how many errors Chain and Stack visit.
const maxChain = 16

// Chain returns the types of the errors in err's tree, err first, depth
// first through Unwrap() error and Unwrap() []error (errors.Join), at most
// 16. Each Unwrap is guarded: one that panics ends its branch.
func Chain(err error) []string {
	var out []string
	walk(err, 0, func(e error) bool {
		if _, ok := e.(StackOnly); !ok {
			out = append(out, Type(e))
		}
		return len(out) < maxChain
	})
	return out
}

// Stack returns the stack trace of the first error in err's tree that
// carries one, formatted as "function\n\tfile:line\n" per frame, or "".
// It knows the errors of logger.Stack (Callers() []uintptr), of
// github.com/pkg/errors and its forks (StackTrace() returning program
// counters), and those with StackTrace() string or Stack() []byte.
func Stack(err error) string {
	var out string
	n := 0
	walk(err, 0, func(e error) bool {
		out = stackOf(e)
		n++
		return out == "" && n < maxChain
	})
	return out
}

// walk calls f on err and the errors it wraps, depth first, until f
// returns false.
func walk(err error, depth int, f func(error) bool) bool {
	if err == nil || depth > 2*maxChain {
		return true
	}
	if !f(err) {
		return false
	}
	switch u := unwrap(err).(type) {
	case error:
		return walk(u, depth+1, f)
	case []error:
		for _, e := range u {
			if !walk(e, depth+1, f) {
				return false
			}
		}
	}
	return true
}

// unwrap returns what err wraps (error, []error or nil), guarded.
func unwrap(err error) (out any) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if e := u.Unwrap(); e != nil {
			return e
		}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}

// stackOf returns the stack err itself carries, guarded.
func stackOf(err error) (out string) {
	defer func() {
		if recover() != nil {
			out = ""
		}
	}()
	switch s := err.(type) {
	case interface{ Callers() []uintptr }:
		return formatFrames(s.Callers())
	case interface{ StackTrace() string }:
		return s.StackTrace()
	case interface{ Stack() []byte }:
		return string(s.Stack())
	}
	// github.com/pkg/errors: StackTrace() StackTrace, a []Frame of uintptr.
	m := reflect.ValueOf(err).MethodByName("StackTrace")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return ""
	}
	t := m.Type().Out(0)
	if t.Kind() != reflect.Slice || t.Elem().Kind() != reflect.Uintptr {
		return ""
	}
	v := m.Call(nil)[0]
	pcs := make([]uintptr, v.Len())
	for i := range pcs {
		// pkg/errors' Frame is the program counter plus one.
		pcs[i] = uintptr(v.Index(i).Uint())
	}
	return formatFrames(pcs)
}

// formatFrames formats program counters as runtime/debug.Stack does, one
// frame per two lines.
func formatFrames(pcs []uintptr) string {
	if len(pcs) == 0 {
		return ""
	}
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" {
			fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		}
		if !more {
			break
		}
	}
	return b.String()
}
