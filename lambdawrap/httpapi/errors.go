package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
)

// The codes of the errors the adapter answers with itself, and of the
// constructors' errors (see Error).
const (
	codeBadRequest           = "BAD_REQUEST"
	codeInvalidJSON          = "INVALID_JSON"
	codeBodyRequired         = "BODY_REQUIRED"
	codeValidation           = "VALIDATION_FAILED"
	codeUnauthorized         = "UNAUTHORIZED"
	codeForbidden            = "FORBIDDEN"
	codeNotFound             = "NOT_FOUND"
	codeConflict             = "CONFLICT"
	codePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	codeInternal             = "INTERNAL_ERROR"
)

// internalMessage is the only message a client sees for an error that is
// not an *Error, and for a panic.
const internalMessage = "Internal server error"

// Error is an error with an HTTP meaning: a status, a stable code and a
// message meant for the client. A handler returns one (or an error wrapping
// one: errors.As finds it) to answer with that status; the response body is
//
//	{"error": Message, "code": Code}             // + "details": [...] for validation
//
// The cause, if any, is logged and recorded on the span, never sent.
// Every other error a handler returns is answered 500 INTERNAL_ERROR with
// the message "Internal server error".
//
// The codes are stable: clients may switch on them, and they never change
// meaning. The adapter and this package's constructors use BAD_REQUEST,
// INVALID_JSON (the body is not JSON), BODY_REQUIRED (POST, PUT or PATCH
// without a body), VALIDATION_FAILED (the body is JSON but not a valid In;
// see "details"), UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT,
// PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE (a body that is not JSON) and
// INTERNAL_ERROR (anything else; nothing more is said). An Error of your
// own, with a status and a code of your own, is a composite literal:
//
//	&httpapi.Error{Status: http.StatusServiceUnavailable, Code: "MAINTENANCE", Message: "Back in five minutes"}
type Error struct {
	Status  int          // HTTP status, 400 to 599
	Code    string       // stable, machine-readable: "NOT_FOUND", or your own
	Message string       // for the client; http.StatusText(Status) when empty
	Details []FieldError // for validation failures, sent as "details"
	Cause   error        // for the logs and the span only
}

// Error describes e for the logs: status, code, message and cause.
func (e *Error) Error() string {
	if e == nil {
		return "<nil *httpapi.Error>"
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(e.Status))
	b.WriteByte(' ')
	b.WriteString(e.Code)
	if m := e.publicMessage(); m != "" {
		b.WriteString(": ")
		b.WriteString(m)
	}
	for i, d := range e.Details {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(d.Error())
		if i == len(e.Details)-1 {
			b.WriteByte(')')
		}
	}
	if e.Cause != nil {
		b.WriteString(": ")
		text, _, _ := describe(e.Cause)
		b.WriteString(text)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Cause
}

// WithCause returns a copy of e with cause attached: logged, never sent.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

func (e *Error) publicMessage() string {
	if e.Message != "" {
		return e.Message
	}
	return http.StatusText(e.Status)
}

// FieldError is one validation failure of the request body: which field
// (its JSON path, "items[0].qty"; empty for the body as a whole), what is
// wrong, in words for the client, and the rule that failed ("required",
// "min", … for struct tags; empty otherwise). It is also an error, so a
// Validate method may return one, or several joined with errors.Join.
type FieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Rule    string `json:"rule,omitempty"`
}

// Error returns "field: message".
func (f FieldError) Error() string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// Validation returns a 400 VALIDATION_FAILED error listing what is wrong.
func Validation(details ...FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Code: codeValidation, Message: "Request validation failed", Details: details}
}

// BadRequest returns a 400 BAD_REQUEST error with message.
func BadRequest(message string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: codeBadRequest, Message: message}
}

// Unauthorized returns a 401 UNAUTHORIZED error. Its message is always
// "Unauthorized": the client is not told why (missing token, expired, bad
// signature); attach the reason with WithCause for the logs.
func Unauthorized() *Error {
	return &Error{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "Unauthorized"}
}

// Forbidden returns a 403 FORBIDDEN error; an empty message is "Forbidden".
func Forbidden(message string) *Error {
	return &Error{Status: http.StatusForbidden, Code: codeForbidden, Message: message}
}

// NotFound returns a 404 NOT_FOUND error; an empty message is "Not Found".
func NotFound(message string) *Error {
	return &Error{Status: http.StatusNotFound, Code: codeNotFound, Message: message}
}

// Conflict returns a 409 CONFLICT error; an empty message is "Conflict".
func Conflict(message string) *Error {
	return &Error{Status: http.StatusConflict, Code: codeConflict, Message: message}
}

// payloadTooLarge returns the 413 PAYLOAD_TOO_LARGE error of a body over
// limit.
func payloadTooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: codePayloadTooLarge,
		Message: "Request body exceeds " + strconv.FormatInt(limit, 10) + " bytes"}
}

// unsupportedMediaType returns the 415 UNSUPPORTED_MEDIA_TYPE error of a
// body that is not JSON.
func unsupportedMediaType() *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedMediaType,
		Message: "Content-Type must be application/json"}
}

// Internal returns the 500 INTERNAL_ERROR answer to cause, which is logged
// and never sent: the client sees only "Internal server error". Every error
// no *Error or error mapper answers becomes one; return it yourself where a
// failure of your own would otherwise be taken for the client's, as from a
// Bearer verify function that could not read its signing key (any other
// error it returns is answered 401).
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: codeInternal, Message: internalMessage, Cause: cause}
}

// checked returns e, the answer to err, when it can be sent: an *Error with
// a status outside 400..599, or without a code, is a programming error,
// answered as a 500 INTERNAL_ERROR whose cause is err.
func checked(e *Error, err error) *Error {
	if e.Status >= 400 && e.Status <= 599 && e.Code != "" {
		return e
	}
	return Internal(err)
}

// errorBody is the JSON of an error response.
type errorBody struct {
	Error   string       `json:"error"`
	Code    string       `json:"code"`
	Details []FieldError `json:"details,omitempty"`
}

// describe returns the text and the type of err for the logs and the span,
// and false when err must not be handed to anything that calls its Error
// method: a typed nil (a nil *T returned as an error, whose Error method
// usually dereferences it) or an error whose Error method panics. The text
// then says so.
func describe(err error) (text, typ string, ok bool) {
	typ = errinfo.Type(err)
	if errinfo.IsNilPointer(err) {
		return "typed nil error: a nil " + typ + " was returned as an error", typ, false
	}
	text, ok = errinfo.Text(err)
	return text, typ, ok
}

// unprintable returns an error that says what describe says of err, for an
// err that cannot say it itself.
func unprintable(err error) error {
	text, _, _ := describe(err)
	return errors.New(text)
}
