package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// nodeModule returns the path of an npm package make test installed into
// .tools/node, or reports it missing.
func nodeModule(t testing.TB, pkg, file string) string {
	t.Helper()
	p := filepath.Join(ToolsDir(), "node", "node_modules", pkg, file)
	if _, err := os.Stat(p); err != nil {
		Missing(t, pkg+" (npm)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		Missing(t, "node")
	}
	return p
}

// StartDynalite starts dynalite, a DynamoDB server, on 127.0.0.1 and returns
// its endpoint URL. It runs node directly: killing npx would leave the
// server running.
func StartDynalite(t testing.TB) string {
	t.Helper()
	cli := nodeModule(t, "dynalite", "cli.js")
	port := FreePort(t)
	p := Start(t, nil, "node", cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	WaitTCP(t, p, Addr(port), 15*time.Second)
	return "http://" + Addr(port)
}

// StartSQS starts local-aws-sqs, an SQS server speaking the JSON protocol of
// the current SDK, on 127.0.0.1 and returns its endpoint URL.
func StartSQS(t testing.TB) string {
	t.Helper()
	nodeModule(t, "local-aws-sqs", "package.json")
	port := FreePort(t)
	script := `require("local-aws-sqs").createSqsServer({port:` + strconv.Itoa(port) + `,hostname:"127.0.0.1",emulateQueueCreationLifecycle:false})`
	p := Start(t, []string{"NODE_PATH=" + filepath.Join(ToolsDir(), "node", "node_modules")}, "node", "-e", script)
	WaitTCP(t, p, Addr(port), 15*time.Second)
	return "http://" + Addr(port)
}
