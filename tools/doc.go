// Package tools pins the developer tools make test installs (the tool
// directives of go.mod: go install tool) and holds small helpers the
// Makefile's scripts run.
package tools
