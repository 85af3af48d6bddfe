package redact

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestKeys(t *testing.T) {
	k := DefaultKeys()
	for key, want := range map[string]bool{
		"password": true, "Password": true, "db_password": true, "dbPassword": true, "X-Api-Key": true,
		"apiKey": true, "access_token": true, "client.secret": true, "private_key": true, "Authorization": true,
		"tokens": true, "passwords": true, "secrets": true, "api_keys": true, "apiKeys": true, "Set-Cookie": true,
		"cookies": true, "credentials": true, "user[password]": true, "PASSWORDS": true,
		"order_id": false, "author": false, "secretary": false, "tokenizer": false, "passwordless_x": false, "": false,
	} {
		if got := k.Match(key); got != want {
			t.Errorf("Match(%q) = %v, want %v", key, got, want)
		}
	}
	if NewKeys(nil).Match("password") || (*Keys)(nil).Match("password") {
		t.Error("no words: nothing matches")
	}
}

func TestSetReplacesOverlappingSecretsWhole(t *testing.T) {
	s := NewSet(nil)
	s.Add("abcdef123456", "123456", "short", "Bearer eyJhbGciOi.jwt", "session=sess-0123456789; theme=dark")
	child := NewSet(s)
	child.Add("xyz-secret-1")
	sc := &Scrubber{Sets: [3]*Set{child}}
	for in, want := range map[string]string{
		"key abcdef123456 end":       "key [REDACTED] end",
		"n=123456":                   "n=[REDACTED]",
		"short stays":                "short stays",
		"token eyJhbGciOi.jwt alone": "token [REDACTED] alone",
		"cookie sess-0123456789 set": "cookie [REDACTED] set",
		"xyz-secret-1xyz-secret-1":   "[REDACTED][REDACTED]",
		"nothing here":               "nothing here",
	} {
		if got, _ := sc.Values(in); got != want {
			t.Errorf("Values(%q) = %q, want %q", in, got, want)
		}
	}
	if s.Len() == 0 || child.Len() != 1 {
		t.Errorf("Len: parent %d, child %d", s.Len(), child.Len())
	}
	if (&Scrubber{Sets: [3]*Set{s}}).Secret("xyz-secret-1") {
		t.Error("a child's value leaked into its parent")
	}
}

func TestTextAssignments(t *testing.T) {
	into := NewSet(nil)
	sc := &Scrubber{Keys: DefaultKeys(), Into: into}
	cases := map[string]string{
		"user=bob&password=hunter22&x=1":              "user=bob&password=[REDACTED]&x=1",
		"https://h/p?token=abc123xyz&page=2":          "https://h/p?token=[REDACTED]&page=2",
		"login failed: password=hunter22 for bob":     "login failed: password=[REDACTED] for bob",
		`invalid body {"user":"ann","password":"p@ss`: `invalid body {"user":"ann","password":"[REDACTED]`,
		"Token: abc.def.ghi, retrying":                "Token: [REDACTED], retrying",
		"user%5Bpassword%5D=zz9zz9&a=b":               "user%5Bpassword%5D=[REDACTED]&a=b",
		"at 12:30:00 the order=7 shipped":             "at 12:30:00 the order=7 shipped",
		"see https://example.com/secret:/x":           "see https://example.com/secret:/x",
		"password=[REDACTED] already":                 "password=[REDACTED] already",
		"api_key='k-123456789' in config":             "api_key='[REDACTED]' in config",
		"plain message without anything":              "plain message without anything",
	}
	for in, want := range cases {
		if got, _ := sc.Text(in); got != want {
			t.Errorf("Text(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	later := &Scrubber{Sets: [3]*Set{into}}
	for _, v := range []string{"hunter22", "abc123xyz", "k-123456789"} {
		if got, _ := later.Values("quoted " + v); strings.Contains(got, v) {
			t.Errorf("value %q redacted by key was not remembered", v)
		}
	}
}

func TestTextBase64Bodies(t *testing.T) {
	sc := &Scrubber{Keys: DefaultKeys()}
	for _, body := range []string{`{"user":"ann","password":"hunter22"}`, "user=ann&password=hunter22"} {
		enc := base64.StdEncoding.EncodeToString([]byte(body))
		got, ok := sc.Text(enc)
		if !ok {
			t.Fatalf("base64 of %q not redacted", body)
		}
		dec, err := base64.StdEncoding.DecodeString(got)
		if err != nil {
			t.Fatalf("not base64 any more: %q", got)
		}
		if strings.Contains(string(dec), "hunter22") || !strings.Contains(string(dec), "ann") {
			t.Errorf("decoded %q", dec)
		}
	}
	if got, ok := sc.Text("abcdefgh"); ok {
		t.Errorf("a word read as base64: %q", got)
	}
	// Ids are never decoded: no allocation for them.
	for _, id := range []string{"53995c3f42cd8ad8", "5759e988bd862e3fe1be46a994272793", "c6af9ac67b6111e6"} {
		if n := testing.AllocsPerRun(10, func() { sc.Text(id) }); n != 0 {
			t.Errorf("Text(%q) allocates %v times", id, n)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	secrets := NewSet(nil)
	secrets.Add("AKIASECRETVALUE", "987654321")
	sc := &Scrubber{Keys: DefaultKeys(), Sets: [3]*Set{secrets}}
	in := `{"a":1,"token":{"x":[1,"}"]},"list":[{"password":"p\"q","ok":true}],"s":"key AKIASECRETVALUE","n":987654321,` +
		`"AKIASECRETVALUE":1,"body":"{\"secret\":\"x\"}","form":"a=1&password=zz","e":"\u003cb\u003e AKIASECRETVALUE"}`
	want := `{"a":1,"token":"[REDACTED]","list":[{"password":"[REDACTED]","ok":true}],"s":"key [REDACTED]","n":"[REDACTED]",` +
		`"[REDACTED]_1":1,"body":"{\"secret\":\"[REDACTED]\"}","form":"a=1&password=[REDACTED]","e":"<b> [REDACTED]"}`
	got := string(sc.AppendJSON(nil, []byte(in)))
	if got != want {
		t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Error("invalid JSON")
	}
}

func TestRedactedObjectsRememberTheirValuesNotTheirNames(t *testing.T) {
	into := NewSet(nil)
	sc := &Scrubber{Keys: DefaultKeys(), Into: into}
	sc.AppendJSON(nil, []byte(`{"credentials":{"password":"pw-123456","username":"orders_app"}}`))
	later := &Scrubber{Sets: [3]*Set{into}}
	if got, _ := later.Values("password pw-123456 username orders_app"); got != "password [REDACTED] username [REDACTED]" {
		t.Errorf("got %q", got)
	}
}

func TestAppendJSONAtAnyDepth(t *testing.T) {
	sc := &Scrubber{Keys: DefaultKeys()}
	for _, depth := range []int{1, 31, 32, 33, 40, 200} {
		in := strings.Repeat(`{"a":[`, depth) + `{"password":"hunter22"}` + strings.Repeat(`]}`, depth)
		got := string(sc.AppendJSON(nil, []byte(in)))
		if strings.Contains(got, "hunter22") || !json.Valid([]byte(got)) {
			t.Errorf("depth %d: %s", depth, got)
		}
	}
}

func TestAppendJSONNeverPanicsOnInvalidInput(t *testing.T) {
	sc := &Scrubber{Keys: DefaultKeys()}
	for _, in := range []string{`{"password"`, `{"password":`, `"`, `{"a":"\`, `]]]}}}`, `{"token":[1,2`, `-`, `{"a":-}`} {
		out := sc.AppendJSON(nil, []byte(in))
		if len(out) > len(in)+len(Redacted)+2 {
			t.Errorf("%q grew to %q", in, out)
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add(`{"password":"hunter22","a":[1,{"token":"x"}],"b":"user=1&secret=abc"}`, "hunter22")
	f.Add(`["AKIA123456", {"AKIA123456": 1}]`, "AKIA123456")
	f.Add(`{"a":"\u003ckey123456\u003e","key123456":{"x":1}}`, "key123456")
	f.Fuzz(func(t *testing.T, doc, secret string) {
		if !json.Valid([]byte(doc)) {
			return
		}
		set := NewSet(nil)
		set.Add(secret)
		sc := &Scrubber{Keys: DefaultKeys(), Sets: [3]*Set{set}}
		out := sc.AppendJSON(nil, []byte(doc))
		if !json.Valid(out) {
			t.Fatalf("invalid output %s from %s", out, doc)
		}
		if len(secret) >= MinSecretLen && !strings.Contains(Redacted, secret) {
			var v any
			_ = json.Unmarshal(out, &v)
			if strings.Contains(flatten(v), secret) {
				t.Fatalf("secret %q in %s", secret, out)
			}
		}
	})
}

// flatten returns every key and string of a decoded JSON value, joined.
func flatten(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte(0)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				b.WriteString(k)
				b.WriteByte(0)
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

func FuzzText(f *testing.F) {
	f.Add("user=bob&password=hunter22", "hunter22")
	f.Add("dial postgres://u:p4ssw0rd@h/db", "p4ssw0rd")
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"token":"tok-123456"}`)), "tok-123456")
	f.Add(`{"a":"key123456"}`, "key123456")
	f.Fuzz(func(t *testing.T, v, secret string) {
		set := NewSet(nil)
		set.Add(secret)
		sc := &Scrubber{Keys: DefaultKeys(), Sets: [3]*Set{set}, Into: NewSet(nil)}
		out, changed := sc.Text(v)
		if !changed && out != v {
			t.Fatalf("unchanged, yet %q became %q", v, out)
		}
		if len(secret) >= MinSecretLen && !strings.Contains(Redacted, secret) && strings.Contains(out, secret) {
			t.Fatalf("secret %q in %q (from %q)", secret, out, v)
		}
		if again, _ := sc.Text(out); again != out && !strings.Contains(out, secret) {
			// Redacting twice changes nothing more, unless the first pass
			// revealed new structure (a form inside a base64 body).
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				t.Fatalf("not idempotent: %q -> %q -> %q", v, out, again)
			}
		}
	})
}
