// Package procstart estimates when the current process started, as precisely
// as Linux allows, so init duration can be measured from process start rather
// than from the first line of user code.
//
// /proc/self/stat gives the start in clock ticks since boot (10 ms on most
// kernels): the true start lies in [tick, tick+10ms). The main thread's
// schedstat (time on CPU plus time waiting for one) cannot exceed the time the
// process has existed, which bounds the start from above. The estimate is that
// upper bound clamped into the tick interval: during init a Go process's main
// thread is almost always running or runnable, so the bound is tight.
package procstart

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// userHZ is the USER_HZ that /proc reports ticks in; it is 100 on every
// Linux architecture Lambda runs on.
const userHZ = 100

const tick = time.Second / userHZ

// Estimate is an estimate of the process start time with its bounds.
type Estimate struct {
	Start    time.Time // best estimate
	Earliest time.Time // the start is not before this
	Latest   time.Time // the start is not after this
}

// Read estimates the process start from /proc, relative to now.
func Read(now time.Time) (Estimate, error) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return Estimate{}, err
	}
	ticks, err := startTicks(stat)
	if err != nil {
		return Estimate{}, err
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return Estimate{}, err
	}
	sinceBoot := time.Duration(ts.Nano())
	// The wall clock at boot, as seen now; now and ts were read together.
	boot := now.Add(-sinceBoot)
	earliest := boot.Add(time.Duration(ticks) * tick)
	latest := earliest.Add(tick)
	if latest.After(now) {
		latest = now
	}
	e := Estimate{Start: latest, Earliest: earliest, Latest: latest}
	if alive, ok := mainThreadAlive(); ok {
		bound := now.Add(-alive)
		if bound.Before(e.Latest) {
			e.Latest = bound
		}
		if e.Latest.Before(earliest) {
			e.Latest = earliest
		}
		e.Start = e.Latest
	}
	return e, nil
}

// startTicks returns field 22 (starttime) of /proc/self/stat. The command
// name in field 2 may hold spaces and parentheses, so fields are counted from
// the last ')'.
func startTicks(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("procstart: malformed /proc/self/stat")
	}
	fields := bytes.Fields(stat[i+1:])
	// fields[0] is field 3 (state); starttime is field 22.
	const idx = 22 - 3
	if len(fields) <= idx {
		return 0, errors.New("procstart: short /proc/self/stat")
	}
	return strconv.ParseUint(string(fields[idx]), 10, 64)
}

// mainThreadAlive returns the main thread's time on CPU plus time waiting for
// a CPU, a lower bound on how long the process has existed.
func mainThreadAlive() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/schedstat")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	run, err1 := strconv.ParseUint(string(f[0]), 10, 64)
	wait, err2 := strconv.ParseUint(string(f[1]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(run + wait), true
}
