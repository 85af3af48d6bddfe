// Package errinfo turns errors and panic values into text without ever
// panicking: the one way every package of lambdaobs reads an error. User
// code runs inside Error, String and MarshalJSON methods, so each call is
// guarded; a typed nil pointer (`var e *MyErr; return e`) whose method
// dereferences its receiver is the common case.
package errinfo

import (
	"fmt"
	"reflect"
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

// Type returns the dynamic type of v as Go writes it ("*fs.PathError"),
// "<nil>" for nil.
func Type(v any) string {
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
