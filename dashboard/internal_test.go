package dashboard

import (
	"testing"

	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/params"
)

// TestHTTPNames checks that the names this package writes for the HTTP
// adapter's metrics are httpapi's own constants (the package is not
// imported outside tests, to keep its dependencies out of every program
// that draws a dashboard).
func TestHTTPNames(t *testing.T) {
	pairs := [][2]string{
		{httpRequests, httpapi.MetricRequests},
		{httpLatency, httpapi.MetricLatency},
		{httpRoute, httpapi.DimRoute},
		{httpMethod, httpapi.DimMethod},
		{httpStatusClass, httpapi.DimStatusClass},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("dashboard writes %q where httpapi names %q", p[0], p[1])
		}
	}
}

// TestParamsNames checks that the names this package writes for the
// metrics of package params are params's own constants (the package is
// not imported outside tests: it links the SSM and Secrets Manager
// clients).
func TestParamsNames(t *testing.T) {
	pairs := [][2]string{
		{paramsCacheHits, params.MetricCacheHits},
		{paramsCacheMisses, params.MetricCacheMisses},
		{paramsLazyInit, params.MetricLazyInitDuration},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("dashboard writes %q where params names %q", p[0], p[1])
		}
	}
}

func TestSearchExpression(t *testing.T) {
	tests := []struct {
		s    Series
		want string
	}{
		{Series{Namespace: "Shop", Metric: "AWSCallLatency", Search: true}, `SEARCH('Namespace="Shop" MetricName="AWSCallLatency"', 'p99', 60)`},
		{Series{Namespace: "My App", Metric: "M", Search: true, Schema: []string{"service", "payment-type"},
			Dimensions: []Dimension{{"service", "orders"}}}, `SEARCH('{"My App",service,"payment-type"} MetricName="M" service="orders"', 'p99', 60)`},
		// The characters the search syntax reads are escaped in a term.
		{Series{Namespace: "Shop", Metric: "Cart (size)", Search: true, Schema: []string{"service", "a(b)"},
			Dimensions: []Dimension{{"service", `orders (eu) "x" \`}}},
			`SEARCH('{Shop,service,"a\(b\)"} MetricName="Cart \(size\)" service="orders \(eu\) \"x\" \\"', 'p99', 60)`},
	}
	for _, tt := range tests {
		if got := tt.s.searchExpression("p99", 60); got != tt.want {
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
