// Package bufpool holds the byte buffers that the logger and the EMF encoder
// append into. Buffers are pooled as pointers, and a buffer that grew past
// MaxPooled is dropped rather than kept, so one huge record does not pin its
// memory for the life of the process.
package bufpool

import "sync"

// MaxPooled is the largest capacity a buffer may have and still return to the pool.
const MaxPooled = 16 << 10

var pool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// Get returns an empty buffer from the pool.
func Get() *[]byte {
	b := pool.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// Put returns b to the pool unless it grew past MaxPooled.
func Put(b *[]byte) {
	if cap(*b) > MaxPooled {
		return
	}
	pool.Put(b)
}
