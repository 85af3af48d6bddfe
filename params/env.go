package params

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// LoadEnv fills the struct dst points to from environment variables, as its
// field tags say:
//
//	type Config struct {
//		Table   string        `env:"TABLE_NAME,required"`
//		Timeout time.Duration `env:"TIMEOUT" default:"2s"`
//		Origins []string      `env:"ALLOWED_ORIGINS" default:"https://example.com"`
//		APIKey  string        `env:"API_KEY,required,secret"`
//	}
//
// The env tag names the variable, then options: required (unset is an
// error) and secret (the value is registered as a secret, so no output of
// the toolkit writes it, and an error never shows it). The default tag
// gives the value of an unset variable; a variable set to blank counts as
// unset, and values are trimmed. Fields without an env tag are left as they
// are, except structs, whose fields are read the same way.
//
// Field types: string, bool (true/false, 1/0, t/f in any case), the int,
// uint and float types, time.Duration ("300ms", "1.5s", "2m"), any type
// whose pointer implements encoding.TextUnmarshaler (slog.Level, for
// instance), and slices of those, from comma-separated items (blank items
// are dropped).
//
// When variables are missing or do not parse, LoadEnv returns an *EnvError
// naming every one of them, and sets the fields that did load. A dst that
// is not a pointer to a struct, or a tag or field type it cannot read, is
// an error that says so.
func LoadEnv(dst any) error { return loadEnv(dst, nil) }

// loadEnv is LoadEnv reading the environment through opts' lookup.
func loadEnv(dst any, opts []Option) error {
	c := newBaseConfig(opts)
	v := reflect.ValueOf(dst)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("params: LoadEnv needs a non-nil pointer to a struct, got %T", dst)
	}
	var e EnvError
	var secrets []string
	err := loadStruct(c, v.Elem(), &e, &secrets)
	// The fields loaded before a field LoadEnv cannot read keep their
	// values: their secrets are registered all the same.
	redact.AddSecrets(secrets...)
	if err != nil {
		return err
	}
	if len(e.Missing) > 0 || len(e.Invalid) > 0 {
		return &e
	}
	return nil
}

// EnvError reports the environment variables LoadEnv could not use: all of
// them, not only the first.
type EnvError struct {
	// Missing names the required variables that are unset or blank, in the
	// order of the fields.
	Missing []string
	// Invalid lists the variables whose values do not parse.
	Invalid []InvalidEnv
}

// InvalidEnv is a variable whose value does not parse as its field's type.
type InvalidEnv struct {
	Name  string // the variable
	Value string // its value; empty for a secret, which is never shown
	Type  string // what it should be: "int", "duration", "comma-separated list of float64"
	// Default is true when the bad value is the field's default tag.
	Default bool
	Err     error // why it does not parse
}

// Error names every missing variable, and every invalid one with the type
// it should have.
func (e *EnvError) Error() string {
	var b strings.Builder
	b.WriteString("params: environment:")
	if len(e.Missing) > 0 {
		b.WriteString(" missing required ")
		b.WriteString(strings.Join(e.Missing, ", "))
	}
	for i, inv := range e.Invalid {
		if i > 0 || len(e.Missing) > 0 {
			b.WriteByte(';')
		}
		b.WriteByte(' ')
		b.WriteString(inv.Name)
		if inv.Default {
			b.WriteString(" (its default)")
		}
		if inv.Value != "" {
			fmt.Fprintf(&b, " = %q", inv.Value)
		}
		b.WriteString(" is not ")
		b.WriteString(article(inv.Type))
		b.WriteString(inv.Type)
		if inv.Err != nil {
			b.WriteString(": ")
			b.WriteString(inv.Err.Error())
		}
	}
	return b.String()
}

// article returns "a " or "an " for the type name t ("an int", "a uint8").
func article(t string) string {
	if t != "" && strings.ContainsRune("aeio", rune(t[0])) {
		return "an "
	}
	return "a "
}

// Unwrap returns the parse errors of the invalid variables.
func (e *EnvError) Unwrap() []error {
	var errs []error
	for _, inv := range e.Invalid {
		if inv.Err != nil {
			errs = append(errs, inv.Err)
		}
	}
	return errs
}

var (
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// maxShownValue is the longest value an EnvError quotes.
const maxShownValue = 64

func loadStruct(c config, v reflect.Value, e *EnvError, secrets *[]string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, tagged := f.Tag.Lookup("env")
		if !tagged || tag == "-" {
			if _, hasDefault := f.Tag.Lookup("default"); hasDefault && !tagged {
				return fmt.Errorf("params: LoadEnv: field %s.%s has a default tag but no env tag", t, f.Name)
			}
			if f.Type.Kind() == reflect.Struct && f.IsExported() && !tagged && !isScalar(f.Type) {
				if err := loadStruct(c, v.Field(i), e, secrets); err != nil {
					return err
				}
			}
			continue
		}
		spec, err := fieldSpec(t, f, tag)
		if err != nil {
			return err
		}
		spec.load(c, v.Field(i), e, secrets)
	}
	return nil
}

// envField is what the tags of one field ask for.
type envField struct {
	name, def                    string
	required, secret, hasDefault bool
	typ                          reflect.Type
}

// fieldSpec reads the tags of field f of struct t, refusing what LoadEnv
// cannot honour.
func fieldSpec(t reflect.Type, f reflect.StructField, tag string) (envField, error) {
	name, optsTag, _ := strings.Cut(tag, ",")
	spec := envField{name: strings.TrimSpace(name), typ: f.Type}
	if spec.name == "" {
		return spec, fmt.Errorf("params: LoadEnv: field %s.%s: the env tag names no variable", t, f.Name)
	}
	if !f.IsExported() {
		return spec, fmt.Errorf("params: LoadEnv: field %s.%s (%s) is not exported", t, f.Name, spec.name)
	}
	for o := range strings.SplitSeq(optsTag, ",") {
		switch strings.TrimSpace(o) {
		case "":
		case "required":
			spec.required = true
		case "secret":
			spec.secret = true
		default:
			return spec, fmt.Errorf("params: LoadEnv: field %s.%s (%s): unknown env tag option %q", t, f.Name, spec.name, o)
		}
	}
	spec.def, spec.hasDefault = f.Tag.Lookup("default")
	if spec.required && spec.hasDefault {
		return spec, fmt.Errorf("params: LoadEnv: field %s.%s (%s) is required and has a default", t, f.Name, spec.name)
	}
	if !isScalar(f.Type) && !(f.Type.Kind() == reflect.Slice && isScalar(f.Type.Elem())) {
		return spec, fmt.Errorf("params: LoadEnv: field %s.%s (%s) has type %s, which LoadEnv cannot read", t, f.Name, spec.name, f.Type)
	}
	return spec, nil
}

// load sets field from the variable (or the default), or records in e why
// it cannot; a secret's values join secrets.
func (spec *envField) load(c config, field reflect.Value, e *EnvError, secrets *[]string) {
	raw := c.lookup.String(spec.name)
	fromDefault := false
	if raw == "" {
		switch {
		case spec.required:
			e.Missing = append(e.Missing, spec.name)
			return
		case !spec.hasDefault:
			return
		}
		raw, fromDefault = strings.TrimSpace(spec.def), true
	}
	parsed := reflect.New(spec.typ).Elem()
	if err := parse(parsed, raw); err != nil {
		inv := InvalidEnv{Name: spec.name, Type: typeName(spec.typ), Default: fromDefault, Err: err}
		if spec.secret {
			// A TextUnmarshaler's error may quote the value.
			inv.Err = errors.New("it does not parse (the value is secret: not shown)")
		} else {
			inv.Value = raw
			if len(inv.Value) > maxShownValue {
				inv.Value = inv.Value[:maxShownValue] + "…"
			}
		}
		e.Invalid = append(e.Invalid, inv)
		return
	}
	field.Set(parsed)
	if spec.secret {
		*secrets = append(*secrets, raw)
		if parsed.Kind() == reflect.Slice {
			for j := 0; j < parsed.Len(); j++ {
				*secrets = append(*secrets, fmt.Sprint(parsed.Index(j).Interface()))
			}
		}
	}
}

// isScalar reports whether LoadEnv reads one value of t from a variable.
func isScalar(t reflect.Type) bool {
	if t == durationType || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// parse sets v, of a type isScalar accepts or a slice of one, from s.
func parse(v reflect.Value, s string) error {
	t := v.Type()
	if t.Kind() == reflect.Slice && !isScalar(t) {
		var items []reflect.Value
		n := 0
		for item := range strings.SplitSeq(s, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			n++
			x := reflect.New(t.Elem()).Elem()
			if err := parse(x, item); err != nil {
				return fmt.Errorf("item %d: %w", n, err)
			}
			items = append(items, x)
		}
		out := reflect.MakeSlice(t, 0, len(items))
		v.Set(reflect.Append(out, items...))
		return nil
	}
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	if t == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("want a number and a unit, such as 300ms, 1.5s or 2m")
		}
		v.SetInt(int64(d))
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return errors.New("want true or false (or 1/0, t/f)")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return numErr(err)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return numErr(err)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return numErr(err)
		}
		v.SetFloat(f)
	}
	return nil
}

// numErr returns the reason of a strconv error without the value, which
// the caller shows (or hides) itself.
func numErr(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

// typeName describes t for an error message.
func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Slice && !isScalar(t):
		return "comma-separated list of " + typeName(t.Elem())
	}
	return t.String()
}
