package scrub

import (
	"encoding/json"
	"errors"
	"math"
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

func TestRemember(t *testing.T) {
	scope := redact.NewScope(nil)
	sc := scope.Scrubber()
	Remember(&sc, "credentials", json.RawMessage(`{"user":"ann-user-1","pin":12345678,"list":["tok-abcdef"]}`))
	Remember(&sc, "api_key", json.RawMessage(`"k-0987654321"`))
	Remember(&sc, "token", map[string]any{"pw": "unjson-pw-5521", "f": math.Inf(1)}) // rejected by encoding/json
	later := scope.Scrubber()
	for _, v := range []string{"ann-user-1", "12345678", "tok-abcdef", "k-0987654321", "map[f:+Inf pw:unjson-pw-5521]"} {
		if got, _ := later.Values("quoting " + v); strings.Contains(got, v) {
			t.Errorf("%q not remembered", v)
		}
	}
	process := Process()
	Remember(&process, "password", json.RawMessage(`"never-kept-1"`)) // nothing to remember into
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

type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{name: "nil", v: nil, want: `null`},
		{name: "map", v: map[string]int{"a": 1}, want: `{"a":1}`},
		{name: "raw", v: json.RawMessage(`{ "a" : 1 }`), want: `{"a":1}`},
		{name: "raw not JSON", v: json.RawMessage(`{a`), want: `"{a"`},
		{name: "error", v: errors.New("boom"), want: `"boom"`},
		{name: "rejected", v: make(chan int), want: `"\u003cchan int: json: unsupported type: chan int\u003e"`},
		{name: "panics", v: panicky{}, want: `"\u003cscrub.panicky: panic while encoding: boom\u003e"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MarshalJSON(tt.v)
			if string(got) != tt.want {
				t.Errorf("MarshalJSON = %s, want %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("not JSON: %s", got)
			}
		})
	}
}

func TestTextsAndBytes(t *testing.T) {
	set := redact.NewSet(nil)
	set.Add("sk-live-0123456789")
	sc := &redact.Scrubber{Keys: redact.DefaultKeys(), Sets: [3]*redact.Set{set}}
	clean := []string{"a", "b"}
	if got, changed := Texts(sc, clean); changed || &got[0] != &clean[0] {
		t.Error("strings without secrets were copied")
	}
	in := []string{"a", "key sk-live-0123456789"}
	if got, changed := Texts(sc, in); !changed || got[1] != "key [REDACTED]" || in[1] != "key sk-live-0123456789" {
		t.Errorf("Texts = %q (input %q)", got, in)
	}
	if got := string(Bytes(sc, []byte("key sk-live-0123456789"))); got != "key [REDACTED]" {
		t.Errorf("Bytes = %q", got)
	}
	b := []byte("nothing")
	if got := Bytes(sc, b); &got[0] != &b[0] {
		t.Error("bytes without secrets were copied")
	}
}
