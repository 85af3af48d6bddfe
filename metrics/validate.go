package metrics

import (
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Limits CloudWatch places on an EMF document.
const (
	maxMetricsPerDirective = 100  // metric definitions per directive
	maxValuesPerMetric     = 100  // values of one metric in one document
	maxDimensionsPerSet    = 30   // keys per dimension set
	maxMetricName          = 1024 // characters
	maxDimensionName       = 250  // characters
	maxDimensionValue      = 1024 // characters
	maxNamespace           = 256  // characters
)

// maxDocumentSize is the largest document, in bytes including the final
// newline, that a Recorder writes. CloudWatch Logs accepts events of up to
// 256 KiB including 26 bytes of overhead; this leaves a margin. Larger
// documents are split, and properties that alone would exceed it are dropped
// and reported.
const maxDocumentSize = 256_000

// checkValue returns why v cannot be written, or "".
func checkValue(v float64) string {
	if math.IsNaN(v) {
		return reasonNaN
	}
	if math.IsInf(v, 0) {
		return reasonInf
	}
	return ""
}

// checkMetricName returns why name cannot be a metric name, or "", and
// whether name needs no escaping in a JSON string (printable ASCII without
// '"' or '\\'). CloudWatch takes 1 to 1024 characters; control characters and
// blank names are refused, and "_aws" is the metadata key.
func checkMetricName(name string) (reason string, plain bool) {
	switch name {
	case "":
		return reasonEmptyName, false
	case "_aws":
		return reasonReserved, false
	}
	blank, plain := true, true
	n := 0
	for i := 0; i < len(name); n++ {
		if c := name[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return reasonControl, false
			}
			blank = blank && c == ' '
			plain = plain && c != '"' && c != '\\'
			i++
			continue
		}
		plain = false
		r, size := utf8.DecodeRuneInString(name[i:])
		if r == utf8.RuneError && size == 1 {
			return reasonUTF8, false
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return reasonControl, false
		}
		blank = blank && unicode.IsSpace(r)
		i += size
	}
	if n > maxMetricName {
		return reasonMetricLong, false
	}
	if blank {
		return reasonBlankName, false
	}
	return "", plain
}

// checkDimension returns why CloudWatch would reject the dimension
// name=value, or "".
func checkDimension(name, value string) string {
	if reason := checkDimensionName(name); reason != "" {
		return reason
	}
	return checkDimensionValue(value)
}

// checkDimensionName returns why name cannot be a dimension name, or "".
// CloudWatch takes 1 to 250 printable ASCII characters, not all spaces, not
// starting with a colon.
func checkDimensionName(name string) string {
	switch {
	case name == "":
		return reasonEmptyName
	case name == "_aws":
		return reasonReserved
	case len(name) > maxDimensionName:
		return reasonDimNameLong
	case name[0] == ':':
		return reasonColon
	}
	if r := checkPrintable(name); r != 0 {
		if r == 1 {
			return reasonDimNameASCII
		}
		return reasonBlankName
	}
	return ""
}

// checkDimensionValue returns why value cannot be a dimension value, or "".
// CloudWatch takes 1 to 1024 printable ASCII characters, not all spaces.
func checkDimensionValue(value string) string {
	switch {
	case value == "":
		return reasonDimValueEmpty
	case len(value) > maxDimensionValue:
		return reasonDimValueLong
	}
	if r := checkPrintable(value); r != 0 {
		if r == 1 {
			return reasonDimValueASCII
		}
		return reasonDimValueBlank
	}
	return ""
}

// checkPrintable returns 1 when s has a byte outside printable ASCII, 2 when
// s is all spaces, 0 otherwise.
func checkPrintable(s string) int {
	blank := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return 1
		}
		if c != ' ' {
			blank = false
		}
	}
	if blank {
		return 2
	}
	return 0
}

// checkPropertyKey returns why key cannot be a property key, or "".
func checkPropertyKey(key string) string {
	switch {
	case key == "":
		return reasonEmptyName
	case key == "_aws":
		return reasonReserved
	case !utf8.ValidString(key):
		return reasonUTF8
	}
	return ""
}

// validNamespaceByte reports the bytes CloudWatch allows in a namespace.
func validNamespaceByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '#' || c == ':' || c == '/' || c == ' ' || c == '-'
}

// sanitizeNamespace returns ns with every disallowed character replaced by
// '_' and cut to 256 characters, and whether it had to change anything.
// A namespace of only spaces, or an empty one, becomes the default one.
func sanitizeNamespace(ns string) (string, bool) {
	ok := len(ns) <= maxNamespace
	blank := true
	for i := 0; i < len(ns) && ok; i++ {
		ok = validNamespaceByte(ns[i])
		blank = blank && ns[i] == ' '
	}
	if ok && !blank {
		return ns, false
	}
	b := make([]byte, 0, min(len(ns), maxNamespace))
	blank = true
	for _, r := range ns {
		if len(b) == maxNamespace {
			break
		}
		c := byte('_')
		if r < utf8.RuneSelf && validNamespaceByte(byte(r)) {
			c = byte(r)
		}
		blank = blank && c == ' '
		b = append(b, c)
	}
	if blank {
		return names.DefaultNamespace, true
	}
	return string(b), true
}
