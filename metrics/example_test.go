package metrics_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/lambdaobs/lambdaobs/metrics"
)

var start = time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)

func ExampleNew() {
	m := metrics.New(os.Stdout,
		metrics.WithNamespace("Shop"),
		metrics.WithService("orders"),
	)
	m.SetTimestamp(start) // lambdawrap sets the invocation's start
	m.Count("OrdersPlaced", 1)
	m.Duration("ChargeLatency", 12500*time.Microsecond)
	m.Count("OrdersPlaced", 2)
	m.SetProperty("order_id", "o-42")
	if err := m.Flush(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"_aws":{"Timestamp":1795705445000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"},{"Name":"ChargeLatency","Unit":"Milliseconds"}]}]},"service":"orders","order_id":"o-42","OrdersPlaced":[1,2],"ChargeLatency":12.5}
}

func ExampleFromContext() {
	// At start-up: one template.
	tmpl := metrics.New(os.Stdout, metrics.WithNamespace("Shop"))

	// Per invocation (package lambdawrap does this): a clone in the context,
	// closed before the handler returns.
	rec := tmpl.Clone()
	rec.SetTimestamp(start)
	ctx := metrics.ContextWithRecorder(context.Background(), rec)

	handle := func(ctx context.Context) {
		metrics.FromContext(ctx).Add("PayloadSize", 2048, metrics.Bytes)
	}
	handle(ctx)
	if err := rec.Close(); err != nil {
		fmt.Println(err)
	}

	// A goroutine the handler left running records too late: dropped,
	// never written with another invocation's metrics.
	metrics.FromContext(ctx).Count("AfterReturn", 1)
	_ = rec.Flush()
	// Output:
	// {"_aws":{"Timestamp":1795705445000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[[]],"Metrics":[{"Name":"PayloadSize","Unit":"Bytes"}]}]},"PayloadSize":2048}
}

func ExampleRecorder_Single() {
	m := metrics.New(os.Stdout,
		metrics.WithNamespace("Shop"),
		metrics.WithService("orders"),
	)
	m.SetTimestamp(start)
	m.Count("OrdersPlaced", 1)
	// A cold start is counted per function only, not per service.
	m.Single("ColdStart", 1, metrics.Count, metrics.Dimension{Name: "function_name", Value: "orders-fn"})
	_ = m.Flush()
	// Output:
	// {"_aws":{"Timestamp":1795705445000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"}]}]},"service":"orders","OrdersPlaced":1}
	// {"_aws":{"Timestamp":1795705445000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["function_name"]],"Metrics":[{"Name":"ColdStart","Unit":"Count"}]}]},"function_name":"orders-fn","ColdStart":1}
}

func ExampleRecorder_AddDimensionSet() {
	m := metrics.New(os.Stdout,
		metrics.WithNamespace("Shop"),
		metrics.WithService("orders"),
	)
	m.SetTimestamp(start)
	// Published per service, and per service and region.
	m.AddDimensionSet(metrics.Dimension{Name: "service", Value: "orders"}, metrics.Dimension{Name: "region", Value: "eu-west-1"})
	m.Count("OrdersPlaced", 1)
	_ = m.Flush()
	// Output:
	// {"_aws":{"Timestamp":1795705445000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"],["service","region"]],"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"}]}]},"service":"orders","region":"eu-west-1","OrdersPlaced":1}
}

func ExampleWithErrorHandler() {
	m := metrics.New(os.Stdout,
		metrics.WithNamespace("Shop"),
		metrics.WithErrorHandler(func(err error) { fmt.Println("warning:", err) }),
	)
	m.SetTimestamp(start)
	m.Add("Latency", math.NaN(), metrics.Milliseconds)
	m.Add("Latency", 3.5, metrics.Milliseconds)
	m.Add("Latency", 4, metrics.Seconds)
	_ = m.Flush()
	// Output:
	// {"_aws":{"Timestamp":1795705445000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[[]],"Metrics":[{"Name":"Latency","Unit":"Milliseconds"}]}]},"Latency":3.5}
	// warning: metrics: dropped 2 items: metric "Latency": value is NaN; metric "Latency": unit differs from the unit this metric was first recorded with
}
