package dashboard

import (
	"testing"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
)

func TestSearchExpression(t *testing.T) {
	tests := []struct {
		s    board.Series
		want string
	}{
		{board.Series{Namespace: "Shop", Metric: "AWSCallLatency", Search: true}, `SEARCH('Namespace="Shop" MetricName="AWSCallLatency"', 'p99', 60)`},
		{board.Series{Namespace: "My App", Metric: "M", Search: true, Schema: []string{"service", "payment-type"},
			Dimensions: []board.Dimension{{Name: "service", Value: "orders"}}}, `SEARCH('{"My App",service,"payment-type"} MetricName="M" service="orders"', 'p99', 60)`},
		// The characters the search syntax reads are escaped in a term.
		{board.Series{Namespace: "Shop", Metric: "Cart (size)", Search: true, Schema: []string{"service", "a(b)"},
			Dimensions: []board.Dimension{{Name: "service", Value: `orders (eu) "x" \`}}},
			`SEARCH('{Shop,service,"a\(b\)"} MetricName="Cart \(size\)" service="orders \(eu\) \"x\" \\"', 'p99', 60)`},
	}
	for _, tt := range tests {
		if got := searchExpression(tt.s, "p99", 60); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestFunctionIDs(t *testing.T) {
	fns := []Function{{Name: "orders-api"}, {Name: "orders_api"}, {Name: "x", Ref: "MyFn"}, {Name: "--"}}
	got := uniqueIDs(fns)
	want := []string{"OrdersApi", "OrdersApi2", "MyFn", "Function"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ids %v, want %v", got, want)
			break
		}
	}
}
