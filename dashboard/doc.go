// Package dashboard builds the CloudWatch dashboard, alarms and Logs Insights
// queries for functions wrapped by lambdawrap, and reads their captured
// output back for a local view.
//
// Every metric name, dimension and log field a widget points at is one of the
// constants the wrapper itself uses (lambdawrap, logger, awssdk,
// lambdawrap/httpapi, params, metrics), so the dashboard cannot drift from
// what the functions emit.
//
// # Building a dashboard
//
// Describe each function and call New:
//
//	d, err := dashboard.New([]dashboard.Function{{
//		Name:      "orders",
//		Namespace: "Shop",
//		Service:   "orders",
//		Metrics:   []dashboard.Metric{{Name: "OrdersPlaced", Unit: metrics.Count}},
//	}}, dashboard.WithRegion("eu-west-1"))
//	body, err := d.Body()         // for PutDashboard or AWS::CloudWatch::Dashboard
//	tmpl, err := d.Template()     // dashboard, alarms and saved queries as CloudFormation
//
// Each function gets a section of the 24-column grid, from top to bottom:
//
//   - invocations, errors, throttles and duration p50/p90/p99 from the
//     AWS/Lambda namespace (dimension FunctionName);
//   - ColdStart, InitDuration p50/p99 (and the p99 of Lambda's own init
//     duration, from its reports), Timeouts and Panics from the function's
//     own namespace, with the dimensions the wrapper gives its lifecycle
//     document (service and function_name); Timeouts is drawn and watched
//     as a Sum, since a timeout the guard counted is taken back (-1) when
//     the handler returns in time;
//   - the memory and CPU row, from the usage metrics of the invocations the
//     wrapper samples (lambdawrap.WithUsageMetrics, one in ten by default)
//     and Lambda's reports of them, six narrow widgets: memory utilisation
//     p99 and maximum with a line at the alarm's threshold; memory used
//     (the sandbox's peak, what it held at the end, Lambda's max memory
//     used); the Go heap in use (p50, maximum); CPU time against Lambda's
//     duration and billed duration (averages); GC pause (p99, maximum) and
//     GC cycles (average, maximum) per invocation. Since one invocation in
//     N is measured, none of them draws a sum;
//   - one widget per custom metric (dimension service), three to a row,
//     followed, for a function using package params (Function.Parameters),
//     by its cache hits and misses and the duration of each Lazy's first
//     init (searches on service, since they carry the invocation's
//     dimensions);
//   - AWS SDK call latency, errors and throttles per AWS service and
//     operation (SEARCH expressions, since the services a function calls are
//     not known in advance), and, for functions behind lambdawrap/httpapi,
//     requests and latency per route;
//   - the telemetry row, lambdaobs's own health: telemetry errors, spans
//     dropped, and the time spent exporting spans after responses (total
//     and longest per period);
//   - two Logs Insights tables: the latest ERROR lines and the process inits
//     (cold starts with their init duration).
//
// Template adds, per function, alarms on the error rate, the p99 duration,
// any timeout, any throttle and a sampled invocation whose memory peaked
// above 90 % of the function's memory (WithMemoryUtilizationThreshold), on
// dropped asynchronous events for a function invoked asynchronously
// (Function.Async), and on any message in its dead-letter queue
// (Function.DeadLetterQueue), each notifying the SNS topics of
// WithAlarmTopic; and the Logs Insights queries as
// AWS::Logs::QueryDefinition resources. A Function with a Ref is named
// through that CloudFormation resource, so a template can hold the function
// and its dashboard together. CloudFormation creates the alarms and queries
// in the stack's region, so a template draws and watches that region only.
//
// # Reading captured output
//
// ReadCapture reads what a function printed (JSON log lines and EMF
// documents, mixed with the Runtime Interface Emulator's or sam local's own
// lines, or the output of `aws logs tail`); Capture.Functions describes the
// functions found in it. Package dashboard/view draws the same widgets from a
// Capture as a self-contained HTML page.
package dashboard
