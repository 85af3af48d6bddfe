package names

// The widgets of a function's section of the dashboard, by the names the
// local view writes in their data-widget attributes, where tests and
// scripts find them.
const (
	WidgetHeader       = "Header"
	WidgetInvocations  = "Invocations"
	WidgetErrors       = "Errors"
	WidgetThrottles    = "Throttles"
	WidgetDuration     = "Duration"
	WidgetColdStart    = "ColdStart"
	WidgetInitDuration = "InitDuration"
	WidgetFailures     = "TimeoutsPanics"
	WidgetAWSLatency   = "AWSCallLatency"
	WidgetAWSErrors    = "AWSCallErrors"
	WidgetHTTPRequests = "HTTPRequests"
	WidgetHTTPLatency  = "HTTPLatency"
	WidgetErrorLog     = "ErrorLog"
	WidgetColdStartLog = "ColdStartLog"

	// The memory and CPU row, from the usage metrics of the sampled
	// invocations and Lambda's own reports.
	WidgetMemoryUtilization = "MemoryUtilization"
	WidgetMemory            = "Memory"
	WidgetHeap              = "HeapInUse"
	WidgetCPU               = "CPUTime"
	WidgetGCPause           = "GCPause"
	WidgetGCCycles          = "GCCycles"

	// The widgets of package params, beside the custom metrics.
	WidgetParametersCache = "ParametersCache"
	WidgetLazyInit        = "LazyInit"

	// The telemetry row: lambdaobs's own health.
	WidgetTelemetryErrors = "TelemetryErrors"
	WidgetSpansDropped    = "SpansDropped"
	WidgetTraceExport     = "TraceExport"

	// WidgetCustomPrefix, followed by the metric's name, names the widget
	// of a custom metric: "Custom:OrdersPlaced".
	WidgetCustomPrefix = "Custom:"
)

// The metrics Lambda itself publishes that the dashboard draws and the local
// view counts from the platform's lines, in LambdaNamespace with the one
// dimension LambdaFunctionName.
const (
	LambdaNamespace    = "AWS/Lambda"
	LambdaInvocations  = "Invocations"
	LambdaErrors       = "Errors"
	LambdaThrottles    = "Throttles"
	LambdaDuration     = "Duration"
	LambdaFunctionName = "FunctionName"
)
