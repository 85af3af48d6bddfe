// Package dashboard builds the CloudWatch dashboard, alarms and Logs Insights
// queries for functions wrapped by lambdawrap, and reads their captured
// output back for a local view.
//
// Every metric name, dimension and log field a widget points at is one of the
// constants the wrapper itself uses (lambdawrap, logger, awssdk,
// lambdawrap/httpapi, metrics), so the dashboard cannot drift from what the
// functions emit.
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
//   - ColdStart, InitDuration p50/p99, Timeouts and Panics from the
//     function's own namespace, with the dimensions the wrapper gives its
//     lifecycle document (service and function_name);
//   - one widget per custom metric (dimension service);
//   - AWS SDK call latency, errors and throttles per AWS service and
//     operation (SEARCH expressions, since the services a function calls are
//     not known in advance), and, for functions behind lambdawrap/httpapi,
//     requests and latency per route;
//   - two Logs Insights tables: the latest ERROR lines and the process inits
//     (cold starts with their init duration).
//
// Template adds, per function, alarms on the error rate, the p99 duration,
// any timeout and any throttle, on dropped asynchronous events for a
// function invoked asynchronously (Function.Async), and on any message in
// its dead-letter queue (Function.DeadLetterQueue), each notifying the SNS
// topics of WithAlarmTopic; and the Logs Insights queries as
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
