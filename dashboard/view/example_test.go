package view_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/dashboard/view"
)

// Draw what a function printed under the Runtime Interface Emulator.
func ExampleRender() {
	out := `START RequestId: r-1 Version: $LATEST
{"level":"INFO","message":"order received","timestamp":"2026-11-26T16:03:17.453Z","service":"orders","cold_start":true,"function_name":"orders-fn","function_request_id":"r-1","init_duration_ms":3.4}
{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service","function_name"]],"Metrics":[{"Name":"ColdStart","Unit":"Count"},{"Name":"InitDuration","Unit":"Milliseconds"}]}]},"service":"orders","function_name":"orders-fn","function_request_id":"r-1","ColdStart":1,"InitDuration":3.4}
{"_aws":{"Timestamp":1795708997453,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"}]}]},"service":"orders","function_request_id":"r-1","OrdersPlaced":1}
END RequestId: r-1
REPORT RequestId: r-1	Duration: 4.91 ms	Billed Duration: 5 ms	Memory Size: 128 MB	Max Memory Used: 20 MB
`
	c, _ := dashboard.ReadCapture(strings.NewReader(out))
	d, err := dashboard.New(c.Functions())
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, err := view.Render(io.Discard, d, c) // an *os.File in real use
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d widgets, %d points, %d cold start\n", sum.Widgets, sum.Points, sum.ColdStarts)
	// Output:
	// 22 widgets, 11 points, 1 cold start
}
