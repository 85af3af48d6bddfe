// Package soak holds the soak test: thousands of invocations of a function
// that errs, panics, times out, logs huge lines and records too many metrics,
// under the Runtime Interface Emulator, with everything it printed checked.
// make test runs 1 000 invocations; make soak runs 10 000 (LAMBDAOBS_SOAK_N).
package soak
