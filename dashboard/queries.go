package dashboard

import (
	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Short names of the saved queries: a saved query is named
// lambdaobs/<function>/<short name>, and its logical id in Template's output
// ends with the short name in CamelCase.
const (
	queryErrors     = "errors"
	queryColdStarts = "cold-starts"
	queryFailures   = "timeouts-and-panics"
	queryDropped    = "dropped-telemetry"
)

func errorQuery(groups []string) board.Query {
	return board.Query{Name: queryErrors, Title: "Latest errors", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyLevel, names.KeyMessage, names.KeyError, names.KeyErrorType,
			names.KeyPanic, names.KeyRequestID, names.KeyXRayTraceID},
		Filter: board.Filter{Field: names.KeyLevel, Values: []string{"ERROR", "CRITICAL"}},
		Limit:  logLimit}
}

func coldStartQuery(groups []string) board.Query {
	return board.Query{Name: queryColdStarts, Title: "Process inits: cold starts and init duration", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyRequestID, names.KeyColdStart, names.KeyInitDurationMS,
			names.KeyFunctionMemorySize, names.KeyXRayTraceID},
		Filter: board.Filter{Field: names.KeyInitDurationMS},
		Limit:  logLimit}
}

func failureQuery(groups []string) board.Query {
	return board.Query{Name: queryFailures, Title: "Timeouts and panics", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyMessage, names.KeyRequestID, names.KeyPanic, names.KeyErrorType,
			names.KeyElapsedMS, names.KeyRemainingMS, names.KeyStackTrace, names.KeyXRayTraceID},
		Filter: board.Filter{Field: names.KeyMessage, Values: []string{names.MsgInvocationTimeout, names.MsgInvocationPanicked}},
		Limit:  logLimit}
}

func droppedQuery(groups []string) board.Query {
	return board.Query{Name: queryDropped, Title: "Dropped metrics and late values", LogGroups: groups,
		Fields: []string{names.KeyTimestamp, names.KeyMessage, names.KeyError, names.KeyRequestID},
		Filter: board.Filter{Field: names.KeyMessage, Values: []string{names.MsgMetricsDropped, names.MsgLateValues}},
		Limit:  logLimit}
}

// queriesOf returns the saved queries of every function.
func (d *Dashboard) queriesOf(n naming) []board.Query {
	var qs []board.Query
	for i, f := range d.functions {
		g := []string{n.logGroup(i, f)}
		for _, q := range []board.Query{errorQuery(g), coldStartQuery(g), failureQuery(g), droppedQuery(g)} {
			q.Name = "lambdaobs/" + n.name(i, f) + "/" + q.Name
			qs = append(qs, q)
		}
	}
	return qs
}
