//go:build race

package testenv

// RaceEnabled reports whether the race detector is on. Allocation counts are
// not pinned under it: sync.Pool drops items at random there. make test runs
// the allocation tests a second time without it.
const RaceEnabled = true
