package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

// defaultValidator is the one validator instance every adapter shares unless
// WithValidator gives another. It caches what it learns of each type, so it
// is made once, on first use.
var defaultValidator = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(jsonName)
	return v
})

// jsonName names a field as its json tag does, so validation details name
// the members the client sent.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return f.Name
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}

// selfValidator is what an In implements to check itself after decoding
// (see the package documentation).
type selfValidator interface {
	Validate() error
}

// hasValidateTags reports whether t, or a type reachable from it through
// fields, pointers, slices, arrays and maps, has a validate struct tag:
// without one the validator has nothing to do and is skipped.
func hasValidateTags(t reflect.Type) bool {
	return hasTags(t, map[reflect.Type]bool{})
}

func hasTags(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return hasTags(t.Elem(), seen)
	case reflect.Map:
		return hasTags(t.Key(), seen) || hasTags(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if tag := f.Tag.Get("validate"); tag != "" && tag != "-" {
				return true
			}
			if hasTags(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// isStruct reports whether t is a struct or a pointer to one: what
// validator.Struct accepts.
func isStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// tagErrors turns the validator's errors into a 400 VALIDATION_FAILED, or
// returns nil when err is not a validation failure.
func tagErrors(err error) *Error {
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return nil
	}
	details := make([]FieldError, 0, len(verrs))
	for _, fe := range verrs {
		details = append(details, FieldError{Field: fieldPath(fe.Namespace()), Message: ruleMessage(fe), Rule: fe.Tag()})
	}
	return Validation(details...)
}

// fieldPath drops the root type's name from a validator namespace:
// "Order.items[0].qty" → "items[0].qty".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// ruleMessage words a failed rule for the client, without echoing the value.
func ruleMessage(fe validator.FieldError) string {
	p := fe.Param()
	k := fe.Kind()
	switch fe.Tag() {
	case "required", "required_if", "required_unless", "required_with", "required_with_all", "required_without", "required_without_all":
		return "is required"
	case "excluded_if", "excluded_unless", "excluded_with", "excluded_with_all", "excluded_without", "excluded_without_all":
		return "is not allowed here"
	case "min", "gte":
		return sizeMessage(k, "at least", p)
	case "max", "lte":
		return sizeMessage(k, "at most", p)
	case "gt":
		return sizeMessage(k, "more than", p)
	case "lt":
		return sizeMessage(k, "less than", p)
	case "len":
		return sizeMessage(k, "exactly", p)
	case "eq":
		return "must equal " + p
	case "ne":
		return "must not equal " + p
	case "oneof":
		return "must be one of: " + p
	case "email":
		return "must be a valid email address"
	case "url", "http_url", "uri":
		return "must be a valid URL"
	case "uuid", "uuid4", "uuid_rfc4122", "uuid4_rfc4122":
		return "must be a valid UUID"
	case "datetime":
		return "must be a date-time in the layout " + p
	case "alpha":
		return "must contain letters only"
	case "alphanum":
		return "must contain letters and digits only"
	case "numeric", "number":
		return "must be numeric"
	case "boolean":
		return "must be a boolean"
	case "unique":
		return "must not contain duplicates"
	case "e164":
		return "must be a phone number in E.164 format"
	case "iso3166_1_alpha2":
		return "must be a two-letter country code"
	case "iso4217":
		return "must be a currency code"
	case "ip", "ipv4", "ipv6":
		return "must be a valid IP address"
	case "eqfield":
		return "must equal " + p
	case "nefield":
		return "must differ from " + p
	case "gtfield", "gtefield", "ltfield", "ltefield":
		return fmt.Sprintf("fails the %s rule against %s", fe.Tag(), p)
	}
	if p != "" {
		return fmt.Sprintf("fails the %s=%s rule", fe.Tag(), p)
	}
	return "fails the " + fe.Tag() + " rule"
}

func sizeMessage(k reflect.Kind, rel, n string) string {
	switch k {
	case reflect.String:
		return "must be " + rel + " " + n + " characters long"
	case reflect.Slice, reflect.Array, reflect.Map:
		return "must contain " + rel + " " + n + " items"
	}
	return "must be " + rel + " " + n
}

// validateErrors turns what a Validate method returned into the response:
// an *Error as it is, FieldErrors as details, any other error's message as
// one detail; a typed nil, or an error that cannot print itself, is a bug of
// the method's: 500.
func validateErrors(err error) *Error {
	if _, _, ok := describe(err); !ok {
		return Internal(unprintable(err))
	}
	var e *Error
	if errors.As(err, &e) && e != nil {
		return checked(e, err)
	}
	var details []FieldError
	var bad error // an error that cannot be told to the client
	var collect func(error)
	collect = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				if e != nil {
					collect(e)
				}
			}
			return
		}
		var fe FieldError
		if errors.As(err, &fe) {
			details = append(details, fe)
			return
		}
		var pfe *FieldError
		if errors.As(err, &pfe) && pfe != nil {
			details = append(details, *pfe)
			return
		}
		msg, _, ok := describe(err)
		if !ok && bad == nil {
			bad = unprintable(err)
		}
		details = append(details, FieldError{Message: msg})
	}
	collect(err)
	if bad != nil {
		return Internal(bad)
	}
	return Validation(details...).WithCause(err)
}

// decodeError turns a json.Unmarshal error into the response. Messages name
// JSON kinds and paths, never Go types.
func decodeError(err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return (&Error{Status: 400, Code: codeInvalidJSON,
			Message: fmt.Sprintf("Request body is not valid JSON (syntax error at byte %d)", syn.Offset)}).WithCause(err)
	case errors.As(err, &typ):
		want := jsonKind(typ.Type)
		if typ.Field == "" {
			return Validation(FieldError{Message: "request body must be " + want, Rule: "type"}).WithCause(err)
		}
		return Validation(FieldError{Field: typePath(typ.Field), Message: "must be " + want, Rule: "type"}).WithCause(err)
	}
	msg, _, ok := describe(err)
	if !ok {
		// An UnmarshalJSON method of In's returned a typed nil, or an
		// error that cannot say what it is: a bug of In's, not the client's.
		return Internal(unprintable(err))
	}
	if name, found := strings.CutPrefix(msg, "json: unknown field "); found {
		return Validation(FieldError{Field: strings.Trim(name, `"`), Message: "is not allowed", Rule: "unknown"}).WithCause(err)
	}
	// An UnmarshalJSON or UnmarshalText method of In's failed: its message
	// may say anything, so the client hears only that the body is invalid.
	return (&Error{Status: 400, Code: codeInvalidJSON, Message: "Request body could not be decoded"}).WithCause(err)
}

// typePath writes an UnmarshalTypeError's field path the way validation
// details name fields: encoding/json's "items.0.qty" (Go 1.27 and later
// name the element; earlier releases say "items.qty") becomes
// "items[0].qty", and "1.qty", in a body that is an array, "[1].qty". An
// all-digit segment is taken for an array index, so a map keyed by
// numerals reads as one.
func typePath(field string) string {
	var b strings.Builder
	b.Grow(len(field) + 4)
	for i, seg := range strings.Split(field, ".") {
		switch {
		case seg != "" && strings.Trim(seg, "0123456789") == "":
			b.WriteString("[" + seg + "]")
		case i > 0:
			b.WriteString("." + seg)
		default:
			b.WriteString(seg)
		}
	}
	return b.String()
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a valid value"
}
