// Package board holds what package dashboard builds and reads and package
// dashboard/view draws: the widgets of a dashboard with their series and
// queries, and the records of captured function output. They are not part of
// the dashboard's public API, which is its body and template.
package board

import "time"

// Dashboard is what the local view draws of a *dashboard.Dashboard.
type Dashboard struct {
	Widgets   []Widget        // the widgets of the body, in order
	Period    time.Duration   // the period of the metric widgets
	Functions []FunctionNames // the functions drawn, in order
}

// FunctionNames names a function drawn, with its defaults filled in.
type FunctionNames struct {
	Name    string // the function's name in Lambda; empty when known by reference only
	Service string // its service dimension and log field
}

// Capture is what a *dashboard.Capture read of the lines it was given.
type Capture struct {
	Logs        []LogRecord  // JSON log lines, in order
	Documents   []Document   // EMF documents, in order
	Invocations []Invocation // one per request id, in the order first seen
}

// Package dashboard sets these at init, giving package dashboard/view what
// it draws without widening dashboard's API. This package cannot name
// dashboard's types (dashboard imports it), so they take them as any.
var (
	// DashboardOf returns what a non-nil *dashboard.Dashboard draws.
	DashboardOf func(d any) Dashboard
	// CaptureOf returns the records of a non-nil *dashboard.Capture.
	CaptureOf func(c any) Capture
)
