package orders_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lambdaobs/lambdaobs/examples/apigw/orders"
)

func TestMemory(t *testing.T) {
	ctx := context.Background()
	m := orders.NewMemory("orders")
	o := orders.Order{ID: "ord-1", Customer: "c-42", Items: []orders.Item{{SKU: "A-1", Qty: 2}}}
	if err := m.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	o.Items[0].Qty = 9 // the store keeps its own copy
	if err := m.Create(ctx, o); !errors.Is(err, orders.ErrExists) {
		t.Errorf("second create: %v, want ErrExists", err)
	}
	got, err := m.Get(ctx, "ord-1")
	if err != nil || got.Customer != "c-42" || got.Items[0].Qty != 2 {
		t.Errorf("Get = %+v, %v", got, err)
	}
	if _, err := m.Get(ctx, "ord-2"); !errors.Is(err, orders.ErrNotFound) || err.Error() != `orders: get "ord-2" from orders: order not found` {
		t.Errorf("missing order: %v", err)
	}
}
