package scrub

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestJSON(t *testing.T) {
	set := redact.NewSet(nil)
	set.Add("sk-live-0123456789")
	sc := &redact.Scrubber{Keys: redact.DefaultKeys(), Sets: [3]*redact.Set{set}}
	clean := []byte(`{"order":"o-1","items":[1,2]}`)
	if got := JSON(sc, clean); &got[0] != &clean[0] {
		t.Error("a document without secrets was copied")
	}
	got := string(JSON(sc, []byte(`{"password":"x","note":"key sk-live-0123456789"}`)))
	if got != `{"password":"[REDACTED]","note":"key [REDACTED]"}` {
		t.Errorf("JSON = %s", got)
	}
	if got := JSON(nil, clean); &got[0] != &clean[0] {
		t.Error("a nil scrubber changed the document")
	}
}

func TestRememberJSON(t *testing.T) {
	scope := redact.NewScope(nil)
	sc := scope.Scrubber()
	RememberJSON(&sc, "credentials", []byte(`{"user":"ann-user-1","pin":12345678,"list":["tok-abcdef"]}`))
	RememberJSON(&sc, "api_key", []byte(`"k-0987654321"`))
	later := scope.Scrubber()
	for _, v := range []string{"ann-user-1", "12345678", "tok-abcdef", "k-0987654321"} {
		if got, _ := later.Values("quoting " + v); strings.Contains(got, v) {
			t.Errorf("%q not remembered", v)
		}
	}
	process := Process()
	RememberJSON(&process, "password", []byte(`"never-kept-1"`)) // nothing to remember into
	if _, changed := process.Values("never-kept-1"); changed {
		t.Error("the process's scrubber remembered a value")
	}
}

func TestTextAndKey(t *testing.T) {
	set := redact.NewSet(nil)
	set.Add("sk-live-0123456789")
	sc := &redact.Scrubber{Keys: redact.DefaultKeys(), Sets: [3]*redact.Set{set}}
	if got := Text(sc, "login password=hunter22 ok"); got != "login password=[REDACTED] ok" {
		t.Errorf("Text = %q", got)
	}
	if got := Key(sc, "k.sk-live-0123456789"); got != "k.[REDACTED]" {
		t.Errorf("Key = %q", got)
	}
	if got := Text(nil, "password=x"); got != "password=x" {
		t.Errorf("nil scrubber: %q", got)
	}
}
