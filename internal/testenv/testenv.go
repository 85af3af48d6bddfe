// Package testenv starts the real components integration tests run against
// (the Lambda Runtime Interface Emulator first; later a DynamoDB and an SQS
// server, a collector, a browser) on 127.0.0.1, waits until each answers and
// stops it by PID when the test ends.
//
// Under plain `go test` a missing component skips the test with a message
// naming `make test`; under `make test` (LAMBDAOBS_INTEGRATION=1) it fails.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Integration reports whether the tests run under make test, where every
// component must be present.
func Integration() bool { return os.Getenv(names.EnvLambdaobsIntegration) == "1" }

// Missing skips t, or fails it under make test, because what is absent.
func Missing(t testing.TB, what string) {
	t.Helper()
	if Integration() {
		t.Fatalf("%s is missing; make test installs it", what)
	}
	t.Skipf("%s is missing: run `make test` to install and start it", what)
}

// RepoRoot returns the root of the lambdaobs module.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// ToolsDir is where make test installs tools: $LAMBDAOBS_TOOLS or .tools.
func ToolsDir() string {
	if d := os.Getenv(names.EnvLambdaobsTools); d != "" {
		return d
	}
	return filepath.Join(RepoRoot(), ".tools")
}

// Tool returns the path of an installed tool binary, or reports it missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(ToolsDir(), "bin", name)
	if _, err := os.Stat(p); err != nil {
		if lp, err := exec.LookPath(name); err == nil {
			return lp
		}
		Missing(t, name)
	}
	return p
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Output collects what a process writes, safe for concurrent use.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// Since returns what was written from byte off on.
func (o *Output) Since(off int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.buf.Bytes()[min(off, o.buf.Len()):])
}

// Len returns how many bytes were written so far.
func (o *Output) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Len()
}

// Process is a started component.
type Process struct {
	Cmd    *exec.Cmd
	Output *Output // stdout and stderr, interleaved
	done   chan struct{}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Start runs name with args in its own process group and stops it (and
// anything it started) when the test ends.
func Start(t testing.TB, env []string, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &Output{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &Process{Cmd: cmd, Output: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		pid := cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", filepath.Base(name), tail(out.String(), 8000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// WaitTCP waits until something accepts connections on addr.
func WaitTCP(t testing.TB, p *Process, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p != nil && p.Exited() {
			t.Fatalf("process exited before listening on %s:\n%s", addr, p.Output.String())
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listening on %s after %v", addr, timeout)
}

var buildMu sync.Mutex

// BuildBootstrap builds the main package pkg (a directory relative to the
// repository root, such as "./examples/quickstart") as a Lambda bootstrap for
// this machine, with the lambda.norpc tag, and returns its path. The package
// is built in the Go module that holds it, under that module's own go.mod,
// as its users build it.
func BuildBootstrap(t testing.TB, pkg string, extraArgs ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	modDir, rel, err := moduleOf(filepath.Join(RepoRoot(), pkg))
	if err != nil {
		t.Fatalf("build %s: %v", pkg, err)
	}
	out := filepath.Join(t.TempDir(), "bootstrap")
	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", out}, extraArgs...)
	args = append(args, rel)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = modDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// moduleOf returns the directory of the Go module holding dir and dir's
// path relative to it, in the "./x/y" form go build takes.
func moduleOf(dir string) (modDir, rel string, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			r, err := filepath.Rel(d, dir)
			if err != nil {
				return "", "", err
			}
			return d, "./" + filepath.ToSlash(r), nil
		}
		if filepath.Dir(d) == d {
			return "", "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// Addr formats 127.0.0.1:port.
func Addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
