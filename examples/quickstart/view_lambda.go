//go:build lambda.norpc

package main

// writeLocalView does nothing in a build for Lambda (-tags lambda.norpc):
// the local view links the chart library, which a function has no use for
// and which would triple the bootstrap. go run ./examples/quickstart writes it.
func writeLocalView([]byte) {}
