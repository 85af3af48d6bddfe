package oteltracing

import "github.com/lambdaobs/lambdaobs/internal/hook"

func init() {
	hook.OTelLookupEnv = func(lookup func(string) (string, bool)) any { return withLookupEnv(lookup) }
}
