// Package env reads configuration from the environment through a lookup
// function that callers pass in, so nothing reads os.Getenv in init and tests
// inject a map instead of mutating the process environment.
package env

import (
	"os"
	"strconv"
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Lookup returns the value of an environment variable and whether it is set.
type Lookup func(key string) (string, bool)

// OS is the process environment.
func OS(key string) (string, bool) { return os.LookupEnv(key) }

// Map returns a Lookup that reads from m.
func Map(m map[string]string) Lookup {
	return func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}
}

// Or returns l, or OS when l is nil.
func Or(l Lookup) Lookup {
	if l == nil {
		return OS
	}
	return l
}

// String returns the trimmed value of key, or "" when it is unset or blank.
func (l Lookup) String(key string) string {
	v, _ := l(key)
	return strings.TrimSpace(v)
}

// Bool reports the boolean value of key and whether it was set to a value
// strconv.ParseBool accepts (true/false, 1/0, t/f in any case).
func (l Lookup) Bool(key string) (value, ok bool) {
	v := l.String(key)
	if v == "" {
		return false, false
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return false, false
	}
	return b, true
}

// Float returns the float value of key and whether it parsed.
func (l Lookup) Float(key string) (float64, bool) {
	v := l.String(key)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// Service returns the service name as Powertools for AWS Lambda reads it:
// POWERTOOLS_SERVICE_NAME, trimmed, or "" when it is unset or blank. A name
// given in code wins over it; each caller keeps its own default for ""
// (names.DefaultService in log lines, no service dimension in metrics).
// Every package that needs the service name from the environment reads it
// here.
func (l Lookup) Service() string { return l.String(names.EnvPowertoolsServiceName) }
