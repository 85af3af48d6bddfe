// Package orders is the domain of the apigw example: orders and where they
// are kept. It knows nothing of HTTP: it returns its own errors
// (ErrNotFound, ErrExists), and the function's main package decides which
// status each one is answered with.
package orders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNotFound is matched (errors.Is) by the error of a read of an order
// that does not exist.
var ErrNotFound = errors.New("order not found")

// ErrExists is matched by the error of a create whose order id is taken.
var ErrExists = errors.New("order already exists")

// Order is an order as it is kept.
type Order struct {
	ID        string
	Customer  string
	Currency  string
	Items     []Item
	CreatedBy string
	CreatedAt time.Time
}

// Item is one line of an order.
type Item struct {
	SKU string
	Qty int
}

// Store keeps orders.
type Store interface {
	// Create stores o, or fails with an error matching ErrExists when an
	// order with its id is already there.
	Create(ctx context.Context, o Order) error
	// Get returns the order id, or an error matching ErrNotFound.
	Get(ctx context.Context, id string) (Order, error)
}

// Memory is a Store in the process's memory, safe for concurrent use. It
// stands for a table: a function deployed for real keeps its orders in
// DynamoDB, whose conditional writes give Create the same contract.
type Memory struct {
	table  string
	mu     sync.Mutex
	orders map[string]Order
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store named table.
func NewMemory(table string) *Memory {
	return &Memory{table: table, orders: map[string]Order{}}
}

// Table returns the store's name.
func (m *Memory) Table() string { return m.table }

// Create implements Store.
func (m *Memory) Create(_ context.Context, o Order) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.orders[o.ID]; dup {
		return fmt.Errorf("orders: create %q in %s: %w", o.ID, m.table, ErrExists)
	}
	o.Items = append([]Item(nil), o.Items...)
	m.orders[o.ID] = o
	return nil
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, id string) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return Order{}, fmt.Errorf("orders: get %q from %s: %w", id, m.table, ErrNotFound)
	}
	o.Items = append([]Item(nil), o.Items...)
	return o, nil
}
