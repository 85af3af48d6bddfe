// Package logger is a fast log/slog handler for AWS Lambda: one JSON object
// per line, in one write, with the invocation's Lambda fields (request id,
// cold start, trace id, function name, ARN, memory) at the top level of every
// line logged with its context.
//
// Users keep *slog.Logger and call slog.InfoContext(ctx, …). The default keys
// are those of Powertools for AWS Lambda (level, message, timestamp, service,
// cold_start, function_request_id, xray_trace_id, …), so existing Logs
// Insights queries keep working; WithScheme(Lambda) writes Lambda's own JSON
// log format instead.
//
// Beyond a plain JSON handler it redacts values under secret keys at any
// depth, samples debug lines per invocation (POWERTOOLS_LOGGER_SAMPLE_RATE),
// can hold an invocation's debug lines and write them only if it fails
// (WithDebugBuffer), and never lets a bad value break a line: values that
// cannot be encoded are written as strings beginning with "!BADVALUE".
//
// The level comes from WithLevel, else POWERTOOLS_LOG_LEVEL, else
// AWS_LAMBDA_LOG_LEVEL, else INFO.
package logger
