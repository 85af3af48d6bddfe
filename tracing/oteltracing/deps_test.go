package oteltracing_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies checks that each exporter links only what it needs: a
// program using the stdout exporter links no OTLP, gRPC, protobuf or AWS
// SDK code, and the OTLP exporters link neither gRPC nor the protobuf
// runtime (only its wire-format helpers).
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	grpc := []string{"google.golang.org/grpc", "google.golang.org/protobuf/proto", "google.golang.org/protobuf/internal/impl", "go.opentelemetry.io/proto/otlp", "github.com/grpc-ecosystem", "go.opentelemetry.io/otel/exporters"}
	otlp := append([]string{mod + "/internal/otlp", "google.golang.org/protobuf"}, grpc...)
	sigv4 := []string{"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go"}
	ours := []string{"github.com/lambdaobs/lambdaobs/logger", "github.com/lambdaobs/lambdaobs/metrics", "github.com/lambdaobs/lambdaobs/lambdawrap"}
	for _, tt := range []struct {
		pkg    string
		banned [][]string
	}{
		{mod, [][]string{otlp, sigv4, ours}},
		{mod + "/stdout", [][]string{otlp, sigv4, ours}},
		{mod + "/otlp", [][]string{grpc, sigv4, ours}},
		{mod + "/xrayotlp", [][]string{grpc, ours}},
	} {
		out, err := exec.Command("go", "list", "-deps", tt.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", tt.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, list := range tt.banned {
				for _, b := range list {
					if strings.HasPrefix(dep, b) {
						t.Errorf("%s links %s", tt.pkg, dep)
					}
				}
			}
		}
	}
}
