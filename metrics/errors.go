package metrics

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNoMetrics is reported through the error handler when a recorder created
// WithWarnOnEmpty is flushed with nothing to write.
var ErrNoMetrics = errors.New("metrics: flush with no metrics recorded")

// ErrNoRecorder is reported, once per recorder, when a value is recorded on the
// recorder FromContext returns for a context that carries none. Such values are
// dropped: wrap the handler (package lambdawrap does it) or attach a recorder
// with ContextWithRecorder.
var ErrNoRecorder = errors.New("metrics: no Recorder in the context; values are dropped (attach one with metrics.ContextWithRecorder)")

// Kind names what a Rejection is about.
type Kind string

// Kinds of rejected items.
const (
	KindMetric    Kind = "metric"
	KindDimension Kind = "dimension"
	KindProperty  Kind = "property"
	KindNamespace Kind = "namespace"
)

// Rejection is one item that could not be written as given.
type Rejection struct {
	Kind   Kind   // what was rejected
	Name   string // the metric name, dimension name, property key or namespace, as given
	Reason string // why, in a few words
	Count  int    // how many values or calls were dropped for this Kind, Name and Reason
}

// maxRejections bounds the distinct rejections kept per flush.
const maxRejections = 100

// RejectedError is what the error handler receives when values, dimensions or
// properties were dropped (or, at New, corrected). It names every item, once
// per distinct kind, name and reason, up to 100 items; Omitted counts what was
// dropped beyond them. Everything valid was still written.
type RejectedError struct {
	Items   []Rejection
	Omitted int
}

// merge adds the items of o to e, counting an item e names already, and
// returns the result; either may be nil.
func (e *RejectedError) merge(o *RejectedError) *RejectedError {
	if e == nil {
		return o
	}
	if o == nil {
		return e
	}
next:
	for _, it := range o.Items {
		for i := range e.Items {
			if x := &e.Items[i]; x.Kind == it.Kind && x.Name == it.Name && x.Reason == it.Reason {
				x.Count += it.Count
				continue next
			}
		}
		if len(e.Items) == maxRejections {
			e.Omitted += it.Count
			continue
		}
		e.Items = append(e.Items, it)
	}
	e.Omitted += o.Omitted
	return e
}

// Error lists the rejected items, at most 20 of them, with long names
// shortened.
func (e *RejectedError) Error() string {
	n := 0
	for _, it := range e.Items {
		n += it.Count
	}
	n += e.Omitted
	var b strings.Builder
	b.WriteString("metrics: dropped ")
	b.WriteString(strconv.Itoa(n))
	if n == 1 {
		b.WriteString(" item: ")
	} else {
		b.WriteString(" items: ")
	}
	const show = 20
	for i, it := range e.Items {
		if i == show {
			b.WriteString("; and ")
			b.WriteString(strconv.Itoa(len(e.Items) - show))
			b.WriteString(" more")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(string(it.Kind))
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(shorten(it.Name)))
		b.WriteString(": ")
		b.WriteString(it.Reason)
		if it.Count > 1 {
			b.WriteString(" (×")
			b.WriteString(strconv.Itoa(it.Count))
			b.WriteByte(')')
		}
	}
	if e.Omitted > 0 {
		b.WriteString("; ")
		b.WriteString(strconv.Itoa(e.Omitted))
		b.WriteString(" more not listed")
	}
	return b.String()
}

// shorten cuts s to at most 64 bytes on a rune boundary.
func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// Reasons. Constant strings keep the rejection path free of formatting.
const (
	reasonNaN           = "value is NaN"
	reasonInf           = "value is infinite"
	reasonEmptyName     = "name is empty"
	reasonBlankName     = "name has no non-whitespace character"
	reasonMetricLong    = "name is longer than 1024 characters"
	reasonDimNameLong   = "name is longer than 250 characters"
	reasonDimValueLong  = "value is longer than 1024 characters"
	reasonDimValueEmpty = "value is empty"
	reasonDimValueBlank = "value has no non-whitespace character"
	reasonDimValueASCII = "value has non-ASCII or control characters"
	reasonDimNameASCII  = "name has non-ASCII or control characters"
	reasonColon         = "name starts with a colon"
	reasonUTF8          = "name is not valid UTF-8"
	reasonControl       = "name has control characters"
	reasonReserved      = `name "_aws" is reserved`
	reasonUnit          = "unit is not a CloudWatch unit"
	reasonResolution    = "storage resolution is neither 1 nor 60"
	reasonUnitConflict  = "unit differs from the unit this metric was first recorded with"
	reasonResConflict   = "storage resolution differs from the one this metric was first recorded with"
	reasonDimCollision  = "name is also a dimension"
	reasonPropDim       = "key is also a dimension"
	reasonPropMetric    = "key is also a metric name"
	reasonPropValue     = "value is NaN or infinite"
	reasonPropTooLarge  = "dropped to keep the document under the size limit"
	reasonTooLarge      = "does not fit in one document under the size limit"
	reasonSetTooMany    = "dimension set has more than 30 keys; set dropped"
	reasonSingleTooMany = "single metric has more than 30 dimensions"
	reasonDefaultFull   = "default dimension set already has 30 keys"
	reasonDimConflict   = "dimension already recorded with a different value; set dropped"
	reasonDimConflict1  = "dimension already recorded with a different value"
	reasonSetInvalid    = "invalid; dimension set dropped: "
	reasonNamespace     = "namespace must be 1 to 256 characters of [a-zA-Z0-9._#:/ -]; using "
)
