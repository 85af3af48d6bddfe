package awssdk_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

// TestNoDeprecatedInstrumentation checks that no package of the module
// (the library, its commands and examples) links OpenTelemetry's
// deprecated AWS SDK instrumentation (otelaws) or AWS propagator, or any of
// the X-Ray SDK for Go, whose end of support is 2027-02-25: the SDK calls
// are traced through the AWS SDK's own hooks, and the X-Ray backend writes
// its documents itself. The peers lambdaobs is measured against stay in
// bench/, a module of its own.
func TestNoDeprecatedInstrumentation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	banned := []string{
		"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws",
		"go.opentelemetry.io/contrib/propagators/aws",
		"github.com/aws/aws-xray-sdk-go",
	}
	cmd := exec.Command("go", "list", "-deps", "./...")
	cmd.Dir = testenv.RepoRoot()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./...: %v\n%s", err, stderr.Bytes())
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps listed %d packages", len(deps))
	}
	for _, dep := range deps {
		for _, b := range banned {
			if dep == b || strings.HasPrefix(dep, b+"/") {
				t.Errorf("the module links %s", dep)
			}
		}
	}
}
