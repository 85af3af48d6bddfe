package params

import (
	"context"
	"errors"
)

// ErrNotFound is matched (errors.Is) by the error of a read whose parameter
// or secret does not exist. The error also wraps the SDK's own error when
// there is one (errors.As finds *types.ParameterNotFound or
// *types.ResourceNotFoundException) and names what was asked for.
var ErrNotFound = errors.New("not found")

// ErrInitCycle is matched by the error of a Lazy's Get called, with the
// context the Lazy gave its init function (or one derived from it), while
// that init runs: waiting for itself would never end.
var ErrInitCycle = errors.New("read by its own init function")

// isContextErr reports whether err comes from a context that ended.
func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
