package logger

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

// pkgFrame and pkgStackTrace have the shape of github.com/pkg/errors'
// Frame and StackTrace.
type pkgFrame uintptr
type pkgStackTrace []pkgFrame

type pkgError struct{ st pkgStackTrace }

func (e *pkgError) Error() string { return "pkg error" }
func (e *pkgError) StackTrace() pkgStackTrace {
	return e.st
}

func newPkgError() error {
	pcs := make([]uintptr, 8)
	n := runtime.Callers(1, pcs)
	st := make(pkgStackTrace, n)
	for i := range st {
		st[i] = pkgFrame(pcs[i])
	}
	return &pkgError{st: st}
}

func saveOrder() error {
	return Stack(fmt.Errorf("save order: %w", errors.New("table missing")))
}

func TestErrorsAreLoggedWithTheirChainAndStack(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, withLookupEnv(noEnv)))
	joined := errors.Join(errors.New("first"), fmt.Errorf("second: %w", newPkgError()))
	l.Error("failed", "error", saveOrder(), "other", joined, "plain", errors.New("plain"))
	m := lines(t, buf.String())[0]
	// The stack's wrapper is not a type of its own: the error's type and
	// chain are those of the error it wraps.
	if m["error"] != "save order: table missing" || m["error_type"] != "*fmt.wrapError" {
		t.Errorf("error: %v %v", m["error"], m["error_type"])
	}
	if fmt.Sprint(m["error_chain"]) != "[*fmt.wrapError *errors.errorString]" {
		t.Errorf("error_chain = %v", m["error_chain"])
	}
	if st, _ := m[names.KeyStackTrace].(string); !strings.Contains(st, "logger.saveOrder") || !strings.Contains(st, "stack_test.go:") {
		t.Errorf("stack_trace = %q", m[names.KeyStackTrace])
	}
	if fmt.Sprint(m["other_chain"]) != "[*errors.joinError *errors.errorString *fmt.wrapError *logger.pkgError]" {
		t.Errorf("other_chain = %v", m["other_chain"])
	}
	if st, _ := m["other_stack"].(string); !strings.Contains(st, "logger.newPkgError") {
		t.Errorf("a pkg/errors stack is not found: %q", m["other_stack"])
	}
	if m["plain_chain"] != nil || m["plain_stack"] != nil {
		t.Errorf("an error that wraps nothing has no chain and no stack: %v", m)
	}
	if Stack(nil) != nil {
		t.Error("Stack(nil) != nil")
	}
}
