package usage

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var sink [][]byte

func TestFiguresMoveWithTheWork(t *testing.T) {
	r := NewReader(t.TempDir()) // no cgroup there: the process's figures
	defer r.Close()
	var before, after Snapshot
	r.Read(&before)
	for range 200 {
		b := make([]byte, 256<<10) // 50 MB kept, every page touched
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		sink = append(sink, b)
	}
	runtime.GC()
	end := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(end) { // busy: CPU time grows
	}
	r.Read(&after)
	if d := after.CPU - before.CPU; d < 20*time.Millisecond {
		t.Errorf("CPU grew by %v over a 50 ms busy loop", d)
	}
	if after.GCCycles <= before.GCCycles || after.GCPause < before.GCPause {
		t.Errorf("GC %d→%d cycles, pause %v→%v", before.GCCycles, after.GCCycles, before.GCPause, after.GCPause)
	}
	if after.HeapInUse < before.HeapInUse+40<<20 {
		t.Errorf("heap %d → %d after keeping 50 MB", before.HeapInUse, after.HeapInUse)
	}
	if after.MemoryPeak < 50<<20 || after.MemoryCurrent == 0 || after.MemoryPeak < after.MemoryCurrent {
		t.Errorf("memory current %d peak %d", after.MemoryCurrent, after.MemoryPeak)
	}
	sink = nil
}

func TestCgroupFiguresWhenTheSandboxHasALimit(t *testing.T) {
	for _, v := range []struct {
		name                  string
		current, peak, limit  string
		wantSandbox           bool
		wantCurrent, wantPeak uint64
	}{
		{"memory.current", "1000\n", "2000\n", "4096\n", true, 1000, 2000},
		{"memory/memory.usage_in_bytes", "3000\n", "5000\n", "8192\n", true, 3000, 5000},
		{"memory.current", "1000\n", "2000\n", "max\n", false, 0, 0},
	} {
		t.Run(v.name, func(t *testing.T) {
			root := t.TempDir()
			files := cgroupFiles[0]
			if filepath.Dir(v.name) == "memory" {
				files = cgroupFiles[1]
				_ = os.Mkdir(filepath.Join(root, "memory"), 0o755)
			}
			for i, content := range []string{v.current, v.peak, v.limit} {
				if err := os.WriteFile(filepath.Join(root, files[i]), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := NewReader(root)
			defer r.Close()
			var s Snapshot
			r.Read(&s)
			if r.Sandbox() != v.wantSandbox {
				t.Fatalf("Sandbox() = %v", r.Sandbox())
			}
			if v.wantSandbox && (s.MemoryCurrent != v.wantCurrent || s.MemoryPeak != v.wantPeak) {
				t.Errorf("current %d peak %d", s.MemoryCurrent, s.MemoryPeak)
			}
		})
	}
}

func TestReadAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	r := NewReader("/sys/fs/cgroup")
	defer r.Close()
	var s Snapshot
	if n := testing.AllocsPerRun(200, func() { r.Read(&s) }); n > 0 {
		t.Errorf("Read allocates %v times", n)
	}
}

func BenchmarkRead(b *testing.B) {
	r := NewReader("/sys/fs/cgroup")
	defer r.Close()
	var s Snapshot
	b.ReportAllocs()
	for b.Loop() {
		r.Read(&s)
	}
}
