package logger

import "github.com/lambdaobs/lambdaobs/internal/hook"

func init() {
	hook.LoggerLookupEnv = func(lookup func(string) (string, bool)) any { return withLookupEnv(lookup) }
}
