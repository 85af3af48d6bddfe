package xraytracing_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// daemon is a UDP listener on 127.0.0.1 speaking the X-Ray daemon's wire
// format: each datagram is `{"format": "json", "version": 1}\n<document>`;
// datagrams without that header line are rejected, as the daemon rejects
// them. Documents are also checked against what the X-Ray API requires.
type daemon struct {
	conn *net.UDPConn
	done chan struct{}

	mu       sync.Mutex
	docs     []map[string]any // valid documents, in arrival order
	sizes    []int            // datagram sizes
	rejected []string         // why datagrams were rejected
}

func startDaemon(t testing.TB) *daemon {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadBuffer(4 << 20)
	d := &daemon{conn: conn, done: make(chan struct{})}
	go d.loop()
	t.Cleanup(func() {
		conn.Close()
		<-d.done
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, r := range d.rejected {
			t.Errorf("daemon rejected a datagram: %s", r)
		}
	})
	return d
}

func (d *daemon) addr() string { return d.conn.LocalAddr().String() }

func (d *daemon) loop() {
	defer close(d.done)
	buf := make([]byte, 1<<16)
	for {
		n, _, err := d.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		d.receive(bytes.Clone(buf[:n]))
	}
}

func (d *daemon) receive(p []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	line, doc, ok := bytes.Cut(p, []byte("\n"))
	var h struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if !ok || json.Unmarshal(line, &h) != nil || h.Format != "json" || h.Version != 1 {
		d.rejected = append(d.rejected, fmt.Sprintf("no header line: %.80q", p))
		return
	}
	if len(p) > xraytracing.MaxDatagramSize {
		d.rejected = append(d.rejected, fmt.Sprintf("datagram of %d bytes", len(p)))
		return
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		d.rejected = append(d.rejected, fmt.Sprintf("invalid JSON (%v): %.200s", err, doc))
		return
	}
	if err := checkDoc(m, true); err != nil {
		d.rejected = append(d.rejected, fmt.Sprintf("%v: %.300s", err, doc))
		return
	}
	d.docs = append(d.docs, m)
	d.sizes = append(d.sizes, len(p))
}

var (
	traceIDRe = regexp.MustCompile(`^1-[0-9a-f]{8}-[0-9a-f]{24}$`)
	idRe      = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// checkDoc checks the fields the X-Ray API requires of a segment document,
// or of a subsegment embedded in one (top false).
func checkDoc(m map[string]any, top bool) error {
	id, _ := m["id"].(string)
	if !idRe.MatchString(id) {
		return fmt.Errorf("id %q", m["id"])
	}
	if name, _ := m["name"].(string); name == "" || len([]rune(name)) > 200 {
		return fmt.Errorf("name %q", m["name"])
	}
	if st, _ := m["start_time"].(float64); st < 1e9 {
		return fmt.Errorf("start_time %v", m["start_time"])
	}
	_, hasEnd := m["end_time"].(float64)
	if inProgress, _ := m["in_progress"].(bool); hasEnd == inProgress {
		return fmt.Errorf("end_time %v with in_progress %v", m["end_time"], m["in_progress"])
	}
	if top {
		if tid, _ := m["trace_id"].(string); !traceIDRe.MatchString(tid) {
			return fmt.Errorf("trace_id %q", m["trace_id"])
		}
		if m["type"] == "subsegment" {
			if p, _ := m["parent_id"].(string); !idRe.MatchString(p) {
				return fmt.Errorf("independent subsegment without parent_id")
			}
		} else if m["type"] != nil {
			return fmt.Errorf("type %v", m["type"])
		}
	} else if m["type"] != nil {
		return errors.New("embedded subsegment with a type")
	}
	if subs, ok := m["subsegments"]; ok {
		list, ok := subs.([]any)
		if !ok || len(list) == 0 {
			return fmt.Errorf("subsegments %v", subs)
		}
		for _, s := range list {
			sm, ok := s.(map[string]any)
			if !ok {
				return fmt.Errorf("subsegment %v", s)
			}
			if err := checkDoc(sm, false); err != nil {
				return fmt.Errorf("subsegment %v: %w", sm["name"], err)
			}
		}
	}
	return nil
}

// node is a segment or subsegment as X-Ray assembles it: its parent is the
// document it is embedded in, or its parent_id.
type node struct {
	ID, Parent, Trace, Name string
	Doc                     map[string]any // its own JSON object
	Top                     bool           // sent as a document of its own
}

func (n node) annotation(k string) any { return sub(n.Doc, "annotations")[k] }

func (n node) metadata(ns, k string) any { return sub(sub(n.Doc, "metadata"), ns)[k] }

func sub(m map[string]any, k string) map[string]any {
	v, _ := m[k].(map[string]any)
	return v
}

// nodes returns every (sub)segment received, by id; a later document
// replaces an earlier one with the same id (an in-progress one).
func (d *daemon) nodes() map[string]node {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]node{}
	var walk func(m map[string]any, parent, trace string, top bool)
	walk = func(m map[string]any, parent, trace string, top bool) {
		if top {
			parent, _ = m["parent_id"].(string)
			trace, _ = m["trace_id"].(string)
		}
		id, _ := m["id"].(string)
		name, _ := m["name"].(string)
		out[id] = node{ID: id, Parent: parent, Trace: trace, Name: name, Doc: m, Top: top}
		subs, _ := m["subsegments"].([]any)
		for _, s := range subs {
			walk(s.(map[string]any), id, trace, false)
		}
	}
	for _, doc := range d.docs {
		walk(doc, "", "", true)
	}
	return out
}

// byName returns the nodes named name.
func byName(nodes map[string]node, name string) []node {
	var out []node
	for _, n := range nodes {
		if n.Name == name {
			out = append(out, n)
		}
	}
	return out
}

// one returns the only node named name, or fails.
func one(t testing.TB, nodes map[string]node, name string) node {
	t.Helper()
	ns := byName(nodes, name)
	if len(ns) != 1 {
		t.Fatalf("%d nodes named %q, want 1; all: %v", len(ns), name, nodeNames(nodes))
	}
	return ns[0]
}

func nodeNames(nodes map[string]node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out
}

// wait polls until ok holds for the nodes received, for up to 5 s.
func (d *daemon) wait(t testing.TB, what string, ok func(map[string]node) bool) map[string]node {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := d.nodes()
		if ok(n) {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; received %v", what, nodeNames(n))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (d *daemon) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.docs)
}
