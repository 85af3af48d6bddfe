package lambdawrap

import (
	"reflect"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
)

// outcome is how the handler ended.
type outcome struct {
	err      error // returned
	panicked any   // recovered
	stack    []byte
	aborted  bool // runtime.Goexit: stopped without returning
}

// described is an outcome made safe to write: texts read through guarded
// calls and redacted with the invocation's scope.
type described struct {
	err                       error // the returned error, logged by the handler with its chain and stack
	failed, panicked, aborted bool
	text                      string // the error's or the panic's text, redacted
	typ                       string // its Go type
	stack                     string // a panic's stack
	reported                  string // the message aws-lambda-go reports for it
	handBack                  any    // what the caller gets instead, nil for unchanged
}

// describe reads the outcome's texts. It runs user code (Error and String
// methods): the caller holds no lock.
func (s *scope) describe(o outcome) described {
	var d described
	sc := s.scrubber()
	switch {
	case o.panicked != nil:
		d.failed, d.panicked = true, true
		raw := errinfo.Sprint(o.panicked)
		d.text, d.typ, d.stack = raw, errinfo.Type(o.panicked), string(o.stack)
		if t, changed := sc.Text(raw); changed {
			d.text = t
			d.stack, _ = sc.Text(d.stack)
			// aws-lambda-go reports the value as it gets it: hand it the
			// redacted text instead.
			d.handBack = messages.InvokeResponse_Error{Message: t, Type: lambdaErrorType(o.panicked), ShouldExit: true}
		} else {
			d.handBack = o.panicked
		}
		d.reported = d.text
	case o.aborted:
		d.failed, d.aborted = true, true
		d.text = "handler exited without returning"
	case o.err != nil:
		d.failed, d.err = true, o.err
		raw, ok := errinfo.Text(o.err)
		d.text, d.typ = raw, errinfo.Type(o.err)
		t, changed := sc.Text(raw)
		if changed {
			d.text = t
		}
		if !ok || changed {
			// Its Error method panics (a nil *T returned as an error), or
			// its text carries a secret: aws-lambda-go would crash on the
			// one and send the other to the caller and the logs.
			d.handBack = messages.InvokeResponse_Error{Message: d.text, Type: lambdaErrorType(o.err)}
		} else {
			d.handBack = o.err
		}
		d.reported = d.text
	}
	return d
}

// lambdaErrorType is the errorType aws-lambda-go reports for v: the name of
// its type, or of the type it points to.
func lambdaErrorType(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// describedError is what the span records of a returned error: its
// redacted text, and its type for the backends that name it.
type describedError struct{ text, typ string }

func (e *describedError) Error() string { return e.text }

// ErrorType returns the Go type of the error it describes.
func (e *describedError) ErrorType() string { return e.typ }
