//go:build !lambda.norpc

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/dashboard/view"
)

// writeLocalView writes the CloudWatch dashboard body of what the function
// printed and the local view drawing it, and names them on stderr (stdout
// stays JSON lines, as in Lambda).
func writeLocalView(output []byte) {
	c, _ := dashboard.ReadCapture(bytes.NewReader(output))
	d, err := dashboard.New(c.Functions(), dashboard.WithRegion(localEnv["AWS_REGION"]))
	var body []byte
	var page bytes.Buffer
	if err == nil {
		body, err = d.Body()
	}
	if err == nil {
		_, err = view.Render(&page, d, c, view.WithSource("go run ./examples/quickstart"))
	}
	dir := filepath.Join(os.TempDir(), "lambdaobs-quickstart")
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	bodyPath, viewPath := filepath.Join(dir, "lambdaobs-dashboard.json"), filepath.Join(dir, "lambdaobs-view.html")
	if err == nil {
		err = os.WriteFile(bodyPath, body, 0o644)
	}
	if err == nil {
		err = os.WriteFile(viewPath, page.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "# dashboard: %v\n", err)
		return
	}
	fmt.Fprintf(os.Stderr, "# dashboard body: %s\n# local view:     %s\n", bodyPath, viewPath)
}
