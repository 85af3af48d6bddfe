package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// CDKNodePath returns the node_modules folder make test installed aws-cdk-lib
// and constructs into (scripts/services/cdk.sh), for NODE_PATH, or reports
// them missing, and node with them.
func CDKNodePath(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(ToolsDir(), "cdk", "node_modules")
	for _, pkg := range []string{"aws-cdk-lib", "constructs"} {
		if _, err := os.Stat(filepath.Join(dir, pkg, "package.json")); err != nil {
			Missing(t, pkg+" (npm)")
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		Missing(t, "node")
	}
	return dir
}

// RunCDK runs the Node.js script with aws-cdk-lib on its module path, stdin
// as its standard input, and returns its standard output. The test fails
// with the script's standard error when it does not exit 0 within two
// minutes.
func RunCDK(t testing.TB, script string, stdin []byte) []byte {
	t.Helper()
	nodePath := CDKNodePath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath, "TMPDIR="+t.TempDir())
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", filepath.Base(script), err, tail(stderr.String(), 8000))
	}
	return stdout.Bytes()
}
