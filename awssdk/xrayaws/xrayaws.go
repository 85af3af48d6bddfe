// Package xrayaws traces AWS SDK v2 calls for the X-Ray backend
// (tracing/xraytracing) with aws-xray-sdk-go/v2's own instrumentation, so
// calls appear as subsegments and on the X-Ray service map as that SDK
// draws them:
//
//	awssdk.Instrument(&cfg, xrayaws.Tracing())
//
// One difference: aws-xray-sdk-go marks a call's subsegment failed when any
// attempt failed, also when a retry then succeeded; here a call that ended
// with a success response is marked successful (awssdk's metrics count the
// attempts and throttles).
package xrayaws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambdaobs/lambdaobs/awssdk"
)

// Tracing returns the X-Ray instrumentation for awssdk.Instrument.
func Tracing() awssdk.Tracing { return instrumentation{} }

type instrumentation struct{}

// InstrumentAWS adds aws-xray-sdk-go/v2's middlewares to cfg, and one that
// keeps the outcome of a call that succeeded after retries.
func (instrumentation) InstrumentAWS(cfg *aws.Config) {
	awsv2.AWSV2Instrumentor(&cfg.APIOptions)
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		// Before the SDK's own deserialize middleware: this one sees each
		// attempt's response after it.
		return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("lambdaobs.XRayFinalOutcome", finalOutcome), middleware.Before)
	})
}

func finalOutcome(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && err == nil && resp.StatusCode < 400 {
		if seg := xray.GetSegment(ctx); seg != nil {
			seg.Lock()
			seg.Error, seg.Throttle, seg.Fault = false, false, false
			seg.Unlock()
		}
	}
	return out, md, err
}
