package xraytracing

import "github.com/lambdaobs/lambdaobs/internal/hook"

func init() {
	hook.XRayLookupEnv = func(lookup func(string) (string, bool)) any { return withLookupEnv(lookup) }
}
