// Package names holds every name lambdaobs writes or reads that more than
// one place knows: the metrics, dimensions and properties of its EMF
// documents, the messages and keys of its log lines, the attributes of its
// spans, the headers and message attributes that carry a trace, the
// environment variables it reads, the widgets of its dashboard and the AWS
// metrics that dashboard draws beside its own. The packages that write them, the
// dashboard that draws them, the tests that check them and the README that
// documents them all mean these constants; each name is defined here once.
//
// Their values are part of what users rely on (Logs Insights queries,
// dashboards, alarms, deployment settings): changing one is a breaking
// change even though no user code imports this package.
package names
