// Package stdout exports spans as JSON, one object per span per line, for
// local runs and tests: the spans are printed beside the function's log
// lines and EMF documents. Attributes under secret keys and secret values
// are redacted as the lines are encoded (see package redact).
//
//	tracer := oteltracing.New(stdout.New())
//
// A line looks like this (trace_id is the OTel form, xray_trace_id the
// X-Ray form of the same id):
//
//	{"span":"charge-card","kind":"internal","trace_id":"5759e988bd862e3fe1be46a994272793","xray_trace_id":"1-5759e988-bd862e3fe1be46a994272793","span_id":"…","parent_span_id":"…","start":"…","end":"…","duration_ms":1.25,"status":"unset","service":"orders","attributes":{…}}
package stdout
