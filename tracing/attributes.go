package tracing

// Attributes of the span of a call to an AWS service: the properties the
// AWS SDK for Go v2 gives its operation spans (rpc.*, aws.request_id), and
// OpenTelemetry's semantic conventions for the rest. Package awssdk sets
// them on the KindClient span of every SDK call; backends read them: the
// X-Ray backend makes a span whose AttrRPCSystem is RPCSystemAWS an "aws"
// subsegment named after the service, with these values in the fields
// X-Ray's service map reads (aws.operation, aws.region, aws.request_id,
// aws.table_name, aws.queue_url, aws.function_name, …); the OpenTelemetry
// backend keeps them as attributes. Code that calls AWS some other way can
// set them too.
const (
	AttrRPCSystem      = "rpc.system"                // RPCSystemAWS for an AWS call
	AttrRPCService     = "rpc.service"               // the SDK's service id: "DynamoDB", "SQS", "Lambda"
	AttrRPCMethod      = "rpc.method"                // the operation: "PutItem"
	AttrCloudRegion    = "cloud.region"              // the region called: "eu-west-1"
	AttrAWSRequestID   = "aws.request_id"            // the request id AWS answered with
	AttrHTTPStatusCode = "http.response.status_code" // int: the last attempt's HTTP status

	AttrDynamoDBTableNames = "aws.dynamodb.table_names"             // []string: the tables of a DynamoDB call
	AttrSQSQueueURL        = "aws.sqs.queue.url"                    // the queue of an SQS call
	AttrFaaSInvokedName    = "faas.invoked_name"                    // the function a Lambda call invokes, as given
	AttrSNSTopicARN        = "aws.sns.topic.arn"                    // the topic of an SNS call
	AttrStateMachineARN    = "aws.step_functions.state_machine.arn" // the state machine of a Step Functions call
)

// RPCSystemAWS is the AttrRPCSystem of a call to an AWS service, as the
// AWS SDK for Go v2 sets it.
const RPCSystemAWS = "aws-api"
