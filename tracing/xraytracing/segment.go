package xraytracing

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
)

// segment holds the fields of an X-Ray segment or subsegment document that
// the tracer writes, named and encoded (by encoding/json) as the X-Ray API
// defines them. Subsegments are added by the encoder.
type segment struct {
	TraceID     string                    `json:"trace_id,omitempty"`
	ID          string                    `json:"id"`
	Name        string                    `json:"name"`
	StartTime   float64                   `json:"start_time"`
	EndTime     float64                   `json:"end_time,omitempty"`
	InProgress  bool                      `json:"in_progress,omitempty"`
	ParentID    string                    `json:"parent_id,omitempty"`
	Fault       bool                      `json:"fault,omitempty"`
	Error       bool                      `json:"error,omitempty"`
	Throttle    bool                      `json:"throttle,omitempty"`
	Cause       *causeData                `json:"cause,omitempty"`
	Type        string                    `json:"type,omitempty"`
	Namespace   string                    `json:"namespace,omitempty"`
	HTTP        *httpData                 `json:"http,omitempty"`
	AWS         *awsData                  `json:"aws,omitempty"`
	Annotations map[string]any            `json:"annotations,omitempty"`
	Metadata    map[string]map[string]any `json:"metadata,omitempty"`
}

// cause returns the segment's cause, made when missing.
func (s *segment) cause() *causeData {
	if s.Cause == nil {
		s.Cause = &causeData{}
	}
	return s.Cause
}

type causeData struct {
	Exceptions []exception `json:"exceptions,omitempty"`
}

// exception is one entry of a cause, as the X-Ray API describes errors.
type exception struct {
	ID      string       `json:"id,omitempty"`
	Type    string       `json:"type,omitempty"`
	Message string       `json:"message,omitempty"`
	Stack   []stackFrame `json:"stack,omitempty"`
	Remote  bool         `json:"remote,omitempty"`
}

type stackFrame struct {
	Path  string `json:"path,omitempty"`
	Line  int    `json:"line,omitempty"`
	Label string `json:"label,omitempty"`
}

// awsData is the "aws" object of an AWS call's subsegment: the fields
// X-Ray's service map reads.
type awsData struct {
	Operation       string   `json:"operation,omitempty"`
	Region          string   `json:"region,omitempty"`
	RequestID       string   `json:"request_id,omitempty"`
	TableName       string   `json:"table_name,omitempty"`
	TableNames      []string `json:"table_names,omitempty"`
	QueueURL        string   `json:"queue_url,omitempty"`
	FunctionName    string   `json:"function_name,omitempty"`
	TopicARN        string   `json:"topic_arn,omitempty"`
	StateMachineARN string   `json:"state_machine_arn,omitempty"`
}

// fields calls f with each field's name and a pointer to its value.
func (a *awsData) fields(f func(name string, v *string)) {
	f("operation", &a.Operation)
	f("region", &a.Region)
	f("request_id", &a.RequestID)
	f("table_name", &a.TableName)
	f("queue_url", &a.QueueURL)
	f("function_name", &a.FunctionName)
	f("topic_arn", &a.TopicARN)
	f("state_machine_arn", &a.StateMachineARN)
}

type httpData struct {
	Response httpResponse `json:"response"`
}

type httpResponse struct {
	Status int `json:"status,omitempty"`
}

// maxFrames bounds the stack of an exception.
const maxFrames = 32

// newException describes err, whose message is msg: its type (what an
// ErrorType method names, for an error describing another), its stack (the
// one err or an error it wraps carries; otherwise the current one, skip
// frames left out as runtime.Callers counts them here: 1 starts at
// newException, 2 at its caller), and whether it came from an AWS service (an
// error with a ServiceRequestID, as the AWS SDK's response errors have).
func newException(err error, msg string, skip int) exception {
	ex := exception{ID: newID(), Type: strings.ReplaceAll(fmt.Sprintf("%T", err), "*", ""), Message: msg}
	if et, ok := err.(interface{ ErrorType() string }); ok {
		if typ := et.ErrorType(); typ != "" {
			ex.Type = strings.ReplaceAll(typ, "*", "")
		}
	}
	var svc interface{ ServiceRequestID() string }
	if errors.As(err, &svc) && svc.ServiceRequestID() != "" {
		ex.Remote = true
	}
	pcs := pcsOf(err)
	if pcs == nil {
		pcs = make([]uintptr, maxFrames)
		pcs = pcs[:runtime.Callers(skip, pcs)]
	}
	ex.Stack = frames(pcs)
	return ex
}

// pcsOf returns the program counters of the first error in err's chain
// that carries a stack: logger.Stack's (Callers() []uintptr), the X-Ray
// SDK's convention (StackTrace() []uintptr), github.com/pkg/errors' and its
// forks' (StackTrace() returning a slice of program counters).
func pcsOf(err error) []uintptr {
	for i := 0; err != nil && i < 32; i++ {
		switch s := err.(type) {
		case interface{ Callers() []uintptr }:
			return s.Callers()
		case interface{ StackTrace() []uintptr }:
			return s.StackTrace()
		}
		if m := reflect.ValueOf(err).MethodByName("StackTrace"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
			if t := m.Type().Out(0); t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uintptr {
				v := m.Call(nil)[0]
				pcs := make([]uintptr, v.Len())
				for j := range pcs {
					pcs[j] = uintptr(v.Index(j).Uint())
				}
				return pcs
			}
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return nil
		}
		err = u.Unwrap()
	}
	return nil
}

// frames describes pcs as X-Ray stack frames: the file from the module or
// package path on, the line, and the function without its package path.
func frames(pcs []uintptr) []stackFrame {
	if len(pcs) == 0 {
		return nil
	}
	pcs = pcs[:min(len(pcs), maxFrames)]
	out := make([]stackFrame, 0, len(pcs))
	fs := runtime.CallersFrames(pcs)
	for {
		f, more := fs.Next()
		if f.Function != "" || f.File != "" {
			out = append(out, stackFrame{Path: framePath(f.File, f.Function), Line: f.Line, Label: frameLabel(f.Function)})
		}
		if !more {
			break
		}
	}
	return out
}

// framePath keeps of file as many trailing directories as the function's
// package path has elements: /home/u/src/example.com/orders/charge.go of
// example.com/orders.Charge is example.com/orders/charge.go.
func framePath(file, function string) string {
	i := len(file)
	for n := strings.Count(function, "/") + 2; n > 0; n-- {
		i = strings.LastIndexByte(file[:i], '/')
		if i < 0 {
			return file
		}
	}
	return file[i+1:]
}

// frameLabel is the function without its package path and name:
// example.com/orders.(*Card).Charge is (*Card).Charge.
func frameLabel(function string) string {
	label := function[strings.LastIndexByte(function, '/')+1:]
	if i := strings.IndexByte(label, '.'); i >= 0 {
		return label[i+1:]
	}
	return label
}

// appendSegment appends the JSON of seg, as encoding/json encodes the
// struct (omitted empty fields included), without reflection: an AWS call's
// subsegment is encoded in a fraction of encoding/json's time. Values of
// its maps that are not the tracer's own (strings, numbers, booleans,
// []string, *metaValue) go through scrub.MarshalJSON.
func appendSegment(dst []byte, seg *segment) []byte {
	dst = append(dst, '{')
	if seg.TraceID != "" {
		dst = appendKey(dst, "trace_id", false)
		dst = jsonenc.AppendString(dst, seg.TraceID)
	}
	dst = appendKey(dst, "id", seg.TraceID != "")
	dst = jsonenc.AppendString(dst, seg.ID)
	dst = appendKey(dst, "name", true)
	dst = jsonenc.AppendString(dst, seg.Name)
	dst = appendKey(dst, "start_time", true)
	dst = appendNumber(dst, seg.StartTime)
	if seg.EndTime != 0 {
		dst = appendKey(dst, "end_time", true)
		dst = appendNumber(dst, seg.EndTime)
	}
	if seg.InProgress {
		dst = append(appendKey(dst, "in_progress", true), "true"...)
	}
	if seg.ParentID != "" {
		dst = appendKey(dst, "parent_id", true)
		dst = jsonenc.AppendString(dst, seg.ParentID)
	}
	if seg.Fault {
		dst = append(appendKey(dst, "fault", true), "true"...)
	}
	if seg.Error {
		dst = append(appendKey(dst, "error", true), "true"...)
	}
	if seg.Throttle {
		dst = append(appendKey(dst, "throttle", true), "true"...)
	}
	if seg.Cause != nil {
		dst = appendCause(appendKey(dst, "cause", true), seg.Cause)
	}
	if seg.Type != "" {
		dst = appendKey(dst, "type", true)
		dst = jsonenc.AppendString(dst, seg.Type)
	}
	if seg.Namespace != "" {
		dst = appendKey(dst, "namespace", true)
		dst = jsonenc.AppendString(dst, seg.Namespace)
	}
	if seg.HTTP != nil {
		dst = append(appendKey(dst, "http", true), `{"response":{`...)
		if seg.HTTP.Response.Status != 0 {
			dst = strconv.AppendInt(append(dst, `"status":`...), int64(seg.HTTP.Response.Status), 10)
		}
		dst = append(dst, "}}"...)
	}
	if a := seg.AWS; a != nil {
		dst = append(appendKey(dst, "aws", true), '{')
		comma := false
		a.fields(func(name string, v *string) {
			if *v != "" {
				dst = jsonenc.AppendString(appendKey(dst, name, comma), *v)
				comma = true
			}
		})
		if len(a.TableNames) > 0 {
			dst = appendValue(appendKey(dst, "table_names", comma), a.TableNames)
		}
		dst = append(dst, '}')
	}
	if len(seg.Annotations) > 0 {
		dst = appendMap(appendKey(dst, "annotations", true), seg.Annotations)
	}
	if len(seg.Metadata) > 0 {
		dst = append(appendKey(dst, "metadata", true), '{')
		first := true
		for ns, m := range seg.Metadata {
			dst = appendKey(dst, ns, !first)
			first = false
			dst = appendMap(dst, m)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

func appendKey(dst []byte, key string, comma bool) []byte {
	if comma {
		dst = append(dst, ',')
	}
	return append(jsonenc.AppendString(dst, key), ':')
}

// appendNumber appends f as encoding/json does; NaN and ±Inf, which JSON
// cannot hold, as 0.
func appendNumber(dst []byte, f float64) []byte {
	if out, ok := jsonenc.AppendFloat(dst, f); ok {
		return out
	}
	return append(dst, '0')
}

func appendCause(dst []byte, c *causeData) []byte {
	dst = append(dst, '{')
	if len(c.Exceptions) > 0 {
		dst = append(dst, `"exceptions":[`...)
		for i := range c.Exceptions {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendException(dst, &c.Exceptions[i])
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func appendException(dst []byte, ex *exception) []byte {
	dst = append(dst, '{')
	comma := false
	field := func(key, v string) {
		if v != "" {
			dst = appendKey(dst, key, comma)
			dst = jsonenc.AppendString(dst, v)
			comma = true
		}
	}
	field("id", ex.ID)
	field("type", ex.Type)
	field("message", ex.Message)
	if len(ex.Stack) > 0 {
		dst = append(appendKey(dst, "stack", comma), '[')
		comma = true
		for i, f := range ex.Stack {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '{')
			c := false
			if f.Path != "" {
				dst = jsonenc.AppendString(appendKey(dst, "path", c), f.Path)
				c = true
			}
			if f.Line != 0 {
				dst = strconv.AppendInt(appendKey(dst, "line", c), int64(f.Line), 10)
				c = true
			}
			if f.Label != "" {
				dst = jsonenc.AppendString(appendKey(dst, "label", c), f.Label)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if ex.Remote {
		dst = append(appendKey(dst, "remote", comma), "true"...)
	}
	return append(dst, '}')
}

// appendMap appends m as a JSON object, its keys in the map's order.
func appendMap(dst []byte, m map[string]any) []byte {
	dst = append(dst, '{')
	first := true
	for k, v := range m {
		dst = appendKey(dst, k, !first)
		first = false
		dst = appendValue(dst, v)
	}
	return append(dst, '}')
}

func appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return jsonenc.AppendString(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case uint64:
		return strconv.AppendUint(dst, x, 10)
	case float64:
		if out, ok := jsonenc.AppendFloat(dst, x); ok {
			return out
		}
	case []string:
		dst = append(dst, '[')
		for i, s := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonenc.AppendString(dst, s)
		}
		return append(dst, ']')
	case *metaValue:
		b, _ := x.MarshalJSON()
		return append(dst, b...)
	}
	return append(dst, scrub.MarshalJSON(v)...)
}
