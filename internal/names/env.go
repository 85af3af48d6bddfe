package names

// Environment variables are named here as they are spelled, in CamelCase
// after "Env": EnvAWSLambdaFunctionName is AWS_LAMBDA_FUNCTION_NAME
// (TestEnvNamesFollowTheVariables keeps it so). The README's table says
// what they mean; options given in code win over them.

// AWS's, all set by Lambda except AWS_XRAY_SDK_DISABLED.
const (
	EnvAWSRegion                   = "AWS_REGION"
	EnvAWSDefaultRegion            = "AWS_DEFAULT_REGION"
	EnvAWSAccessKeyID              = "AWS_ACCESS_KEY_ID"
	EnvAWSSecretAccessKey          = "AWS_SECRET_ACCESS_KEY" // never written: replaced wherever it appears
	EnvAWSSessionToken             = "AWS_SESSION_TOKEN"     // never written: replaced wherever it appears
	EnvAWSLambdaFunctionName       = "AWS_LAMBDA_FUNCTION_NAME"
	EnvAWSLambdaFunctionVersion    = "AWS_LAMBDA_FUNCTION_VERSION"
	EnvAWSLambdaFunctionMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
	EnvAWSLambdaInitializationType = "AWS_LAMBDA_INITIALIZATION_TYPE" // on-demand (or unset: a cold start is possible), provisioned-concurrency, snap-start, lambda-managed-instances
	EnvAWSLambdaRuntimeAPI         = "AWS_LAMBDA_RUNTIME_API"         // set only in Lambda (and its emulator)
	EnvAWSLambdaMaxConcurrency     = "AWS_LAMBDA_MAX_CONCURRENCY"     // set when one process serves several invocations at once
	EnvAWSLambdaLogLevel           = "AWS_LAMBDA_LOG_LEVEL"
	EnvAWSLambdaLogGroupName       = "AWS_LAMBDA_LOG_GROUP_NAME"
	EnvAWSLambdaLogStreamName      = "AWS_LAMBDA_LOG_STREAM_NAME"
	EnvAWSXRayDaemonAddress        = "AWS_XRAY_DAEMON_ADDRESS" // "host:port", or "tcp:host:port udp:host:port"
	EnvAWSXRaySDKDisabled          = "AWS_XRAY_SDK_DISABLED"   // the X-Ray SDK's switch, honoured without the SDK
)

// EnvGoMemLimit is the Go runtime's soft memory limit: when it is set,
// lambdawrap leaves the limit alone.
const EnvGoMemLimit = "GOMEMLIMIT"

// Powertools for AWS Lambda's variables, read as Powertools reads them.
const (
	EnvPowertoolsServiceName           = "POWERTOOLS_SERVICE_NAME" // read through internal/env's Lookup.Service
	EnvPowertoolsDev                   = "POWERTOOLS_DEV"
	EnvPowertoolsLogLevel              = "POWERTOOLS_LOG_LEVEL"
	EnvPowertoolsLoggerSampleRate      = "POWERTOOLS_LOGGER_SAMPLE_RATE"
	EnvPowertoolsLoggerLogEvent        = "POWERTOOLS_LOGGER_LOG_EVENT"
	EnvPowertoolsMetricsNamespace      = "POWERTOOLS_METRICS_NAMESPACE"
	EnvPowertoolsMetricsDisabled       = "POWERTOOLS_METRICS_DISABLED"
	EnvPowertoolsMetricsFunctionName   = "POWERTOOLS_METRICS_FUNCTION_NAME"
	EnvPowertoolsTraceDisabled         = "POWERTOOLS_TRACE_DISABLED"
	EnvPowertoolsTracerCaptureResponse = "POWERTOOLS_TRACER_CAPTURE_RESPONSE"
	EnvPowertoolsTracerCaptureError    = "POWERTOOLS_TRACER_CAPTURE_ERROR"
	EnvPowertoolsParametersMaxAge      = "POWERTOOLS_PARAMETERS_MAX_AGE"
	EnvPowertoolsParametersSSMDecrypt  = "POWERTOOLS_PARAMETERS_SSM_DECRYPT"
)

// OpenTelemetry's variables, as its specification defines them.
const (
	EnvOTelServiceName                   = "OTEL_SERVICE_NAME"
	EnvOTelResourceAttributes            = "OTEL_RESOURCE_ATTRIBUTES"
	EnvOTelSDKDisabled                   = "OTEL_SDK_DISABLED"
	EnvOTelTracesSampler                 = "OTEL_TRACES_SAMPLER"
	EnvOTelTracesSamplerArg              = "OTEL_TRACES_SAMPLER_ARG"
	EnvOTelSpanAttributeValueLengthLimit = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"
	EnvOTelAttributeValueLengthLimit     = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"
	EnvOTelSpanAttributeCountLimit       = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"
	EnvOTelSpanEventCountLimit           = "OTEL_SPAN_EVENT_COUNT_LIMIT"
	EnvOTelSpanLinkCountLimit            = "OTEL_SPAN_LINK_COUNT_LIMIT"
	EnvOTelEventAttributeCountLimit      = "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT"
	EnvOTelLinkAttributeCountLimit       = "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"

	// The OTLP exporter's: each TRACES_ variable wins over its generic one.
	EnvOTelExporterOTLPEndpoint          = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvOTelExporterOTLPTracesEndpoint    = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvOTelExporterOTLPHeaders           = "OTEL_EXPORTER_OTLP_HEADERS"
	EnvOTelExporterOTLPTracesHeaders     = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	EnvOTelExporterOTLPTimeout           = "OTEL_EXPORTER_OTLP_TIMEOUT"
	EnvOTelExporterOTLPTracesTimeout     = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
	EnvOTelExporterOTLPCompression       = "OTEL_EXPORTER_OTLP_COMPRESSION"
	EnvOTelExporterOTLPTracesCompression = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"
	EnvOTelExporterOTLPProtocol          = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvOTelExporterOTLPTracesProtocol    = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
)

// lambdaobs's own.
const (
	// EnvLambdaobsDisableSIGTERM, when true, keeps lambdawrap from
	// registering an extension that subscribes to no event (aws-lambda-go's
	// SIGTERM hook; lambdaobs's own for the Telemetry API alone).
	EnvLambdaobsDisableSIGTERM = "LAMBDAOBS_DISABLE_SIGTERM"
	// EnvLambdaobsUsageMetrics samples the usage metrics: 0 (off), 1 (every
	// invocation) or N (one invocation in N).
	EnvLambdaobsUsageMetrics = "LAMBDAOBS_USAGE_METRICS"
)

// The test harness's (internal/testenv, make test).
const (
	// EnvLambdaobsIntegration, "1" under make test, makes a missing
	// component fail an integration test instead of skipping it.
	EnvLambdaobsIntegration = "LAMBDAOBS_INTEGRATION"
	// EnvLambdaobsTools is the directory of the installed tools and
	// services (default .tools at the repository's root).
	EnvLambdaobsTools = "LAMBDAOBS_TOOLS"
)
