package oteltracing

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

func errorf(format string, args ...any) error {
	return fmt.Errorf("oteltracing: "+format, args...)
}

// resourceInfo is what the resource is made of, gathered at New. The
// service is settled then, or by the first invocation.
type resourceInfo struct {
	attrs   []attribute.KeyValue // detected, then OTEL_RESOURCE_ATTRIBUTES, then options
	service string               // WithService, OTEL_SERVICE_NAME or service.name of the above
	region  string
	fnName  string
	fnVer   string
}

func (c *config) resourceInfo() resourceInfo {
	l := c.lookup
	ri := resourceInfo{region: l.String(names.EnvAWSRegion), fnName: l.String(names.EnvAWSLambdaFunctionName), fnVer: l.String(names.EnvAWSLambdaFunctionVersion)}
	ri.attrs = append(ri.attrs,
		semconv.TelemetrySDKName("opentelemetry"),
		semconv.TelemetrySDKLanguageGo,
		semconv.TelemetrySDKVersion(sdk.Version()),
		semconv.CloudProviderAWS,
		semconv.CloudPlatformAWSLambda,
	)
	if v := l.String(names.EnvAWSLambdaLogStreamName); v != "" {
		ri.attrs = append(ri.attrs, semconv.FaaSInstance(v))
	}
	if mb, err := strconv.Atoi(l.String(names.EnvAWSLambdaFunctionMemorySize)); err == nil && mb > 0 {
		ri.attrs = append(ri.attrs, semconv.FaaSMaxMemory(mb<<20))
	}
	if v := l.String(names.EnvAWSLambdaLogGroupName); v != "" {
		ri.attrs = append(ri.attrs, semconv.AWSLogGroupNames(v))
	}
	if v := l.String(names.EnvOTelResourceAttributes); v != "" {
		attrs, err := parseResourceAttributes(v)
		if err != nil {
			c.onError(err)
		}
		ri.attrs = append(ri.attrs, attrs...)
	}
	ri.attrs = append(ri.attrs, c.resAttrs...)
	for _, kv := range ri.attrs {
		if kv.Key == semconv.ServiceNameKey && kv.Value.Type() == attribute.STRING {
			ri.service = kv.Value.AsString()
		}
	}
	if v := l.String(names.EnvOTelServiceName); v != "" {
		ri.service = v
	}
	if c.service != "" {
		ri.service = c.service
	}
	return ri
}

// build makes the resource. service, region, fnName and fnVer fill what
// the environment left unknown (from the first invocation).
func (ri resourceInfo) build(service, region, fnName, fnVer string) *resource.Resource {
	if ri.service != "" {
		service = ri.service
	}
	if service == "" || service == names.DefaultService {
		service = ri.fnName
	}
	if service == "" {
		service = fnName
	}
	if service == "" {
		service = "unknown_service"
	}
	if ri.region != "" {
		region = ri.region
	}
	if ri.fnName != "" {
		fnName = ri.fnName
	}
	if ri.fnVer != "" {
		fnVer = ri.fnVer
	}
	attrs := make([]attribute.KeyValue, 0, len(ri.attrs)+4)
	if region != "" {
		attrs = append(attrs, semconv.CloudRegion(region))
	}
	if fnName != "" {
		attrs = append(attrs, semconv.FaaSName(fnName))
	}
	if fnVer != "" {
		attrs = append(attrs, semconv.FaaSVersion(fnVer))
	}
	attrs = append(attrs, ri.attrs...)
	attrs = append(attrs, semconv.ServiceName(service)) // settled above; wins
	return resource.NewWithAttributes(semconv.SchemaURL, attrs...)
}

// parseResourceAttributes parses OTEL_RESOURCE_ATTRIBUTES as the SDK's
// resource.WithFromEnv does ("k1=v1,k2=v2", values percent-encoded), but
// through the lookup. Malformed pairs are skipped and reported.
func parseResourceAttributes(s string) ([]attribute.KeyValue, error) {
	var attrs []attribute.KeyValue
	var bad []string
	for _, p := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(p, "=")
		key := strings.TrimSpace(k)
		if !ok || key == "" {
			bad = append(bad, p)
			continue
		}
		val, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			val = strings.TrimSpace(v)
		}
		attrs = append(attrs, attribute.String(key, val))
	}
	if len(bad) > 0 {
		return attrs, errorf(names.EnvOTelResourceAttributes+": pairs without a value: %q", bad)
	}
	return attrs, nil
}
