package dashboard

import (
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
)

// What the package keeps to itself, for its tests.

// Alarm is an alarm Template writes.
type Alarm = alarm

// Kinds of alarm, names of queries, defaults and limits.
const (
	AlarmErrorRate       = alarmErrorRate
	AlarmDuration        = alarmDuration
	AlarmTimeouts        = alarmTimeouts
	AlarmThrottles       = alarmThrottles
	AlarmMemory          = alarmMemory
	AlarmAsyncDropped    = alarmAsyncDropped
	AlarmDeadLetterQueue = alarmDeadLetterQueue

	QueryColdStarts = queryColdStarts

	DefaultRegion            = defaultRegion
	DefaultPeriod            = defaultPeriod
	DefaultDurationThreshold = defaultDurationThreshold
	DefaultErrorRate         = defaultErrorRate
	DefaultMemoryUtilization = defaultMemoryUtilization

	MaxFunctions     = maxFunctions
	MaxCustomMetrics = maxCustomMetrics
)

// FunctionsOf returns the functions of d, with their defaults filled in.
func FunctionsOf(d *Dashboard) []Function { return d.functions }

// WidgetsOf returns the widgets of d's body.
func WidgetsOf(d *Dashboard) []board.Widget { return d.widgets }

// AlarmsOf returns the alarms of d, named as in its body.
func AlarmsOf(d *Dashboard) []Alarm { return d.alarmsOf(plainNames) }

// QueriesOf returns the saved queries of d, named as in its body.
func QueriesOf(d *Dashboard) []board.Query { return d.queriesOf(plainNames) }

// PeriodOf returns the period of d's widgets and alarms.
func PeriodOf(d *Dashboard) time.Duration { return d.period }

// StartOf returns the time range d opens on.
func StartOf(d *Dashboard) string { return d.start }

// NameOf returns the name of d in Template's output, empty for the default.
func NameOf(d *Dashboard) string { return d.name }

// AlarmTopicsOf returns the SNS topics d's alarms notify.
func AlarmTopicsOf(d *Dashboard) []string { return d.alarmTopics }

// RecordsOf returns the log lines, documents and invocations c read.
func RecordsOf(c *Capture) board.Capture { return c.records }
