package otlp

import "github.com/lambdaobs/lambdaobs/internal/hook"

func init() {
	hook.OTLPLookupEnv = func(lookup func(string) (string, bool)) any { return withLookupEnv(lookup) }
}
