package testenv

import "testing"

func TestGateCanceled(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		want   bool
	}{
		// What the emulator answered, after a timeout, for an invocation it
		// canceled before starting the function.
		{502, `{"errorType":"Sandbox.Failure","errorMessage":"RequestId: r-0052-panic Error: ErrGateCanceled"}`, true},
		// The function's own panic: its answer, never invoked again.
		{502, `{"errorMessage":"soak panic","errorType":"string","stackTrace":[]}`, false},
		{502, `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: x Error: Runtime exited with error: exit status 1"}`, false},
		{200, `"ErrGateCanceled"`, false},
	} {
		if got := gateCanceled(c.status, []byte(c.body)); got != c.want {
			t.Errorf("gateCanceled(%d, %s) = %v, want %v", c.status, c.body, got, c.want)
		}
	}
}
