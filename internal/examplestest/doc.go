// Package examplestest runs the examples as they are deployed: each is
// built as a Lambda bootstrap and run as a process, under the Runtime
// Interface Emulator, against the real servers of the AWS services it calls
// (moto for Parameter Store and Secrets Manager), all started on 127.0.0.1
// by internal/testenv. The examples' own tests use only what a user of
// lambdaobs has (lambdaobstest, the public packages, fakes of the SDK
// clients' interfaces), so they can be copied; what needs the emulator, a
// server or a built bootstrap lives here.
//
// Under plain `go test` a missing component skips the test naming `make
// test`; under make test (LAMBDAOBS_INTEGRATION=1) it fails.
package examplestest
