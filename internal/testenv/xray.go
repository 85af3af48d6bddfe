package testenv

import (
	"bytes"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"time"
)

// XRayDaemon is a UDP listener on 127.0.0.1 that speaks the X-Ray daemon's
// wire format: each datagram is the line {"format": "json", "version": 1}
// and a segment document. Datagrams without the header are dropped and
// counted, as the daemon drops them.
type XRayDaemon struct {
	Addr string

	mu      sync.Mutex
	docs    []map[string]any
	dropped int
	largest int
}

// StartXRayDaemon starts the listener; it stops when the test ends.
func StartXRayDaemon(t testing.TB) *XRayDaemon {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &XRayDaemon{Addr: conn.LocalAddr().String()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1<<17)
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			d.receive(buf[:n])
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return d
}

func (d *XRayDaemon) receive(p []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.largest = max(d.largest, len(p))
	header, body, ok := bytes.Cut(p, []byte("\n"))
	var h struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if !ok || json.Unmarshal(header, &h) != nil || h.Format != "json" || h.Version != 1 {
		d.dropped++
		return
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		d.dropped++
		return
	}
	d.docs = append(d.docs, doc)
}

// Documents returns the segment documents received so far.
func (d *XRayDaemon) Documents() []map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]map[string]any(nil), d.docs...)
}

// Stats returns how many datagrams were dropped and the largest size seen.
func (d *XRayDaemon) Stats() (dropped, largest int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dropped, d.largest
}

// Wait waits until ok accepts the documents received, or fails the test.
func (d *XRayDaemon) Wait(t testing.TB, what string, ok func([]map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		docs := d.Documents()
		if ok(docs) {
			return docs
		}
		if time.Now().After(deadline) {
			t.Fatalf("X-Ray daemon: %s never arrived; got %d documents", what, len(docs))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Walk calls f for every segment and subsegment in docs, nested ones included.
func Walk(docs []map[string]any, f func(seg map[string]any)) {
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		f(m)
		subs, _ := m["subsegments"].([]any)
		for _, s := range subs {
			if sm, ok := s.(map[string]any); ok {
				walk(sm)
			}
		}
	}
	for _, d := range docs {
		walk(d)
	}
}
