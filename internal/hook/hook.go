// Package hook lets lambdaobstest reach into lambdawrap without widening its
// public API: lambdawrap fills these in at init.
package hook

// FreshProcess returns a lambdawrap.Option (as any) giving a wrapper its own
// cold-start and init-duration state instead of the process's, so each test
// starts cold.
var FreshProcess func(initDuration int64) any
