// Package usage reads what the process has used so far: CPU time, memory
// of the sandbox (or of the process), garbage collections and the heap. A
// read is a handful of system calls on files kept open and no allocation,
// so the Lambda wrapper can take one when a sampled invocation begins and
// another when it ends.
package usage

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Snapshot is the process's usage at one moment. Counters (CPU, GC) only
// grow; an invocation's share is the difference of two snapshots.
type Snapshot struct {
	CPU       time.Duration // user + system time of the process
	GCCycles  int64
	GCPause   time.Duration // total time the world was stopped for GC
	HeapInUse uint64        // bytes of live and not yet swept heap objects
	// MemoryCurrent and MemoryPeak are the sandbox's (its cgroup's) when the
	// process can see them; else the memory the Go runtime holds from the
	// system (mapped, not released) and the peak resident set of the process.
	MemoryCurrent, MemoryPeak uint64
}

// Reader takes snapshots. It is safe for concurrent use.
type Reader struct {
	mu      sync.Mutex
	current *os.File // cgroup memory.current (v2) or memory.usage_in_bytes (v1); nil: the runtime's
	peak    *os.File // cgroup memory.peak (v2) or memory.max_usage_in_bytes (v1); nil: getrusage
	sandbox bool
	buf     [64]byte
	gc      debug.GCStats
	samples [3]metrics.Sample // heap objects, total mapped, released
}

// Cgroup files, v2 then v1, relative to root.
var cgroupFiles = [][3]string{
	{"memory.current", "memory.peak", "memory.max"},
	{"memory/memory.usage_in_bytes", "memory/memory.max_usage_in_bytes", "memory/memory.limit_in_bytes"},
}

// unlimited is what cgroup v1 writes for no limit (and v2 writes "max").
const unlimited = 1 << 62

// NewReader returns a Reader of the cgroup under root (/sys/fs/cgroup in
// production) when it has a memory limit, as a Lambda sandbox does; of the
// process otherwise.
func NewReader(root string) *Reader {
	r := &Reader{}
	r.samples[0].Name = "/memory/classes/heap/objects:bytes"
	r.samples[1].Name = "/memory/classes/total:bytes"
	r.samples[2].Name = "/memory/classes/heap/released:bytes"
	for _, f := range cgroupFiles {
		limit, ok := readUint(root + "/" + f[2])
		if !ok || limit >= unlimited {
			continue
		}
		cur, err1 := os.Open(root + "/" + f[0])
		peak, err2 := os.Open(root + "/" + f[1])
		if err1 == nil && err2 == nil {
			r.current, r.peak, r.sandbox = cur, peak, true
			return r
		}
		closeAll(cur, peak)
	}
	return r
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// Sandbox reports whether the memory figures are the sandbox's (its
// cgroup's) rather than the process's.
func (r *Reader) Sandbox() bool { return r.sandbox }

// Read fills s with the usage now.
func (r *Reader) Read(s *Snapshot) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	debug.ReadGCStats(&r.gc)
	s.GCCycles, s.GCPause = r.gc.NumGC, r.gc.PauseTotal
	metrics.Read(r.samples[:])
	s.HeapInUse = sampleUint(&r.samples[0])
	if r.sandbox {
		s.MemoryCurrent, _ = r.pread(r.current)
		s.MemoryPeak, _ = r.pread(r.peak)
	} else {
		s.MemoryCurrent = sampleUint(&r.samples[1]) - min(sampleUint(&r.samples[2]), sampleUint(&r.samples[1]))
		s.MemoryPeak = uint64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	s.MemoryPeak = max(s.MemoryPeak, s.MemoryCurrent)
}

func sampleUint(s *metrics.Sample) uint64 {
	if s.Value.Kind() == metrics.KindUint64 {
		return s.Value.Uint64()
	}
	return 0
}

// pread reads the number at the start of f.
func (r *Reader) pread(f *os.File) (uint64, bool) {
	n, err := f.ReadAt(r.buf[:], 0)
	if n == 0 && err != nil {
		return 0, false
	}
	return parseUint(r.buf[:n])
}

func parseUint(b []byte) (uint64, bool) {
	var v uint64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + uint64(b[i]-'0')
	}
	return v, i > 0
}

func readUint(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := string(b)
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	if s == "max" {
		return unlimited, true
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// Close closes the files the reader keeps open.
func (r *Reader) Close() error {
	closeAll(r.current, r.peak)
	return nil
}
