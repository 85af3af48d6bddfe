package redact

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ownName answers for ownNames alone; none of them matches the default
// words, and keys whose words match one of them read every name.
func TestOwnNames(t *testing.T) {
	for _, key := range ownNames {
		if !ownName(key) || defaultKeys.match(key) {
			t.Errorf("%q: ownName %v, match %v", key, ownName(key), defaultKeys.match(key))
		}
	}
	for _, key := range []string{"rpc.token", "aws.request_id.secret", "password", "service_token", "", "rpc"} {
		if ownName(key) {
			t.Errorf("ownName(%q)", key)
		}
	}
	if !defaultKeys.ownSafe || !NewKeys(append(DefaultWords(), "pin")).ownSafe {
		t.Error("the default words, and more, read every name")
	}
	for _, word := range []string{"region", "service", "method"} {
		k := NewKeys(append(DefaultWords(), word))
		if k.ownSafe || !k.Match("cloud."+word) && !k.Match(word) && !k.Match("rpc."+word) {
			t.Errorf("words with %q: ownSafe %v", word, k.ownSafe)
		}
	}
}

// A base64 body is decoded only when it is long enough to hold a secret:
// "DynamoDB" is a name, "dG9rZW49eA==" is token=x. Whatever the words, a
// body of 12 bytes is decoded, for what the rules that need no key find.
func TestShortestBase64Body(t *testing.T) {
	secret := NewSet(nil)
	secret.Add("123456")
	for _, tt := range []struct {
		keys    *Keys
		body    string
		secret  bool
		minBody int
	}{
		{DefaultKeys(), "token=x", true, 12},
		{NewKeys([]string{"pin"}), "pin=12", true, 8},
		{NewKeys([]string{"authorization"}), "[123456]", true, 12},
		{NewKeys([]string{"private_key"}), " ://:pw@h", true, 12},
		{NewKeys([]string{"authorization"}), `["123456"]`, true, 12},
	} {
		v := base64.StdEncoding.EncodeToString([]byte(tt.body))
		sc := &Scrubber{Keys: tt.keys, Sets: [3]*Set{secret}}
		out, changed := sc.Text(v)
		if changed != tt.secret || tt.keys.minBase64 != tt.minBody {
			t.Errorf("%q (%q): %q, changed %v; shortest body %d", tt.body, v, out, changed, tt.keys.minBase64)
		}
	}
	// 8 bytes decode to 6: too short for token=x.
	if v := base64.StdEncoding.EncodeToString([]byte("tok=xy")); base64Shaped(v, DefaultKeys().minBase64) {
		t.Errorf("%q is decoded with the default words", v)
	}
	for _, name := range []string{"DynamoDB", "prod", "Shop1234"} {
		if !plain(name, DefaultKeys().minBase64) {
			t.Errorf("%q is not plain", name)
		}
	}
}

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
	for key, want := range map[string]bool{"aB": true, "a_b": true, "x.a-b": true, "ab": false, "a": false, "xaB": false} {
		if got := NewKeys([]string{"a_b"}).Match(key); got != want {
			t.Errorf("a_b: Match(%q) = %v, want %v", key, got, want)
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

func TestSetAddsOnlyCredentialParts(t *testing.T) {
	for _, c := range []struct {
		name   string
		secret string
		parts  []string // written alone, redacted
		kept   []string // ordinary words of the secret, never redacted alone
	}{
		{"bearer", "Bearer eyJhbGciOi.jwt", []string{"eyJhbGciOi.jwt"}, []string{"Bearer"}},
		{"basic", "basic dXNlcjpwYXNz", []string{"dXNlcjpwYXNz"}, nil},
		{"cookies", "session=sess-0123456789; theme=darkmode", []string{"sess-0123456789", "darkmode"}, []string{"session"}},
		{"one cookie", "sid=abc123def456", []string{"abc123def456"}, nil},
		{"connection string", "host=db.internal;port=5432;password=hunter22", []string{"hunter22"}, []string{"db.internal"}},
		{"keyword dsn", "host=db.internal user=app password=pw-123456 dbname=orders_db", []string{"pw-123456"}, []string{"db.internal", "orders_db"}},
		{"form", "client=orders-app&client_secret=cs-987654", []string{"cs-987654"}, []string{"orders-app"}},
		{"set-cookie", "sid=abc123def456; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly", []string{"abc123def456"}, []string{"Expires=Wed", "07:28:00"}},
		{"many cookies", "a=value-01; b=value-02; c=value-03; d=value-04; e=value-05; f=value-06; g=value-07; h=value-08; i=value-09; j=value-10",
			[]string{"value-01", "value-09", "value-10"}, nil},
		{"words", "correct horse battery staple", nil, []string{"staple", "battery"}},
		{"other scheme", "Digest username-long", nil, []string{"username-long"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewSet(nil)
			s.Add(c.secret)
			sc := &Scrubber{Sets: [3]*Set{s}}
			if !sc.Secret(c.secret) {
				t.Errorf("%q not registered", c.secret)
			}
			for _, p := range c.parts {
				if !sc.Secret(p) {
					t.Errorf("part %q of %q not registered", p, c.secret)
				}
			}
			for _, w := range c.kept {
				if got, _ := sc.Values("at " + w + " now"); got != "at "+w+" now" {
					t.Errorf("%q of %q redacted alone: %q", w, c.secret, got)
				}
			}
		})
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
		// JSON quoted with escapes (fmt's %q, a JSON string holding JSON),
		// once and twice, and values holding escaped quotes and backslashes.
		`bad body "{\"user\":\"ann\",\"password\":\"hunter22\"}"`:                     `bad body "{\"user\":\"ann\",\"password\":\"[REDACTED]\"}"`,
		`"bad body \"{\\\"user\\\":\\\"ann\\\",\\\"password\\\":\\\"hunter23\\\"}\""`: `"bad body \"{\\\"user\\\":\\\"ann\\\",\\\"password\\\":\\\"[REDACTED]\\\"}\""`,
		`bad body "{\"password\":\"p\\\"q22secret\"}"`:                                `bad body "{\"password\":\"[REDACTED]\"}"`,
		`bad body "{\"password\":\"pw\\\\\",\"user\":\"ann\"}"`:                       `bad body "{\"password\":\"[REDACTED]\",\"user\":\"ann\"}"`,
		`bad "password=\"hunter24\" user=ann"`:                                        `bad "password=\"[REDACTED]\" user=ann"`,
		`{\"token\": \"tok-123456\"`:                                                  `{\"token\": \"[REDACTED]\"`,
		// An object or array under a secret key, in JSON a message holds.
		`bad body {"token":{"value":"tok-777777","n":[1]},"user":"ann"} end`: `bad body {"token":[REDACTED],"user":"ann"} end`,
		`bad body "{\"token\":[\"tok-888888\",\"a]}\"],\"user\":\"ann\"}"`:   `bad body "{\"token\":[REDACTED],\"user\":\"ann\"}"`,
		`cut {"secret":{"a":{"b":"s3cr3t-999`:                                `cut {"secret":[REDACTED]`,
		`echo 'api_key=\'k-55555555\' done'`:                                 `echo 'api_key=\'[REDACTED]\' done'`,
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			if got, _ := sc.Text(in); got != want {
				t.Errorf("Text(%q)\n got %q\nwant %q", in, got, want)
			}
		})
	}
	later := &Scrubber{Sets: [3]*Set{into}}
	for _, v := range []string{"hunter22", "abc123xyz", "k-123456789", "hunter23", "hunter24", "tok-123456", `p"q22secret`, "tok-777777", "tok-888888"} {
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
	f.Add(`["",{"00000":0}]`, "\x0000000") // a secret that spans two strings only when they are joined
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
			for _, str := range flatten(v) {
				if strings.Contains(str, secret) {
					t.Fatalf("secret %q in %s", secret, out)
				}
			}
		}
	})
}

// flatten returns every key and string of a decoded JSON value.
func flatten(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				out = append(out, k)
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func FuzzText(f *testing.F) {
	f.Add("user=bob&password=hunter22", "hunter22")
	f.Add("dial postgres://u:p4ssw0rd@h/db", "p4ssw0rd")
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"token":"tok-123456"}`)), "tok-123456")
	f.Add(`{"a":"key123456"}`, "key123456")
	f.Add(`bad body "{\"user\":\"ann\",\"password\":\"hunter22\"}"`, "hunter22")
	f.Add(`"bad body \"{\\\"password\\\":\\\"hunter22\\\"}\""`, "hunter22")
	f.Add(`bad body "{\"password\":\"p\\\"q22secret\"}"`, `p"q22secret`)
	f.Add(`bad "password=\"hunter24\" user=ann"`, "hunter24")
	f.Add(base64.StdEncoding.EncodeToString([]byte("token=x")), "")
	f.Fuzz(func(t *testing.T, v, secret string) {
		set := NewSet(nil)
		set.Add(secret)
		sc := &Scrubber{Keys: DefaultKeys(), Sets: [3]*Set{set}, Into: NewSet(nil)}
		if v != "" && plain(v, DefaultKeys().minBase64) {
			if out, ok := sc.structured(v); ok || out != v {
				t.Fatalf("plain %q, yet the key rule changes it to %q", v, out)
			}
		}
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

// FuzzTextQuotedJSON checks that a secret member of JSON that a message
// quotes, once or more (fmt's %q), is redacted whatever its value holds.
func FuzzTextQuotedJSON(f *testing.F) {
	f.Add("hunter22", uint8(1), uint8(0))
	f.Add(`p"q\\`, uint8(1), uint8(0))
	f.Add(`a\"b"c\\`, uint8(2), uint8(1))
	f.Add("tok-123456", uint8(0), uint8(2))
	f.Add("x\n\u00e9\"]}", uint8(3), uint8(1))
	f.Fuzz(func(t *testing.T, pw string, levels, shape uint8) {
		levels %= 4
		b, err := json.Marshal(pw)
		if err != nil {
			return
		}
		val := string(b) // a string, or an object or array holding it
		switch shape % 3 {
		case 1:
			val = `{"v":` + val + `,"w":[1,"}"]}`
		case 2:
			val = `[` + val + `,{"x":"]"}]`
		}
		doc := `{"user":"ann","password":` + val + `,"n":1}`
		v := doc
		for range levels {
			v = strconv.Quote(v)
		}
		out, _ := (&Scrubber{Keys: DefaultKeys()}).Text("bad body " + v)
		inner, ok := strings.CutPrefix(out, "bad body ")
		if !ok {
			t.Fatalf("prefix lost: %q", out)
		}
		for range levels {
			if inner, err = strconv.Unquote(inner); err != nil {
				t.Fatalf("%q: no longer quoted %d times: %q", doc, levels, out)
			}
		}
		if val[0] != '"' { // an object or an array is replaced whole, unquoted
			if want := `{"user":"ann","password":` + Redacted + `,"n":1}`; inner != want {
				t.Fatalf("%q quoted %d times became %q", doc, levels, out)
			}
			return
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(inner), &m); err != nil {
			t.Fatalf("%q: invalid JSON once unquoted: %q", doc, inner)
		}
		want := any(Redacted)
		if val == `""` {
			want = ""
		}
		if m["password"] != want || m["user"] != "ann" || m["n"] != 1.0 {
			t.Fatalf("%q quoted %d times became %q", doc, levels, out)
		}
	})
}

// FuzzKeysMatch checks Match against a plain reading of its rule: a word
// may start at any byte that starts a word of the key.
func FuzzKeysMatch(f *testing.F) {
	for _, k := range []string{"password", "dbPassword", "X-Api-Key", "apiKey", "tokenizer", "a_b", "aB", "xray_trace_id", "user[password]"} {
		f.Add(k, "a_b")
	}
	for _, k := range ownNames {
		f.Add(k, k[strings.LastIndexAny(k, "._")+1:])
	}
	f.Fuzz(func(t *testing.T, key, word string) {
		for _, k := range []*Keys{DefaultKeys(), NewKeys([]string{word}), NewKeys([]string{word, "token"})} {
			want := false
			for i := 0; i < len(key) && !want; i++ {
				if i > 0 && !isSep(key[i-1]) && !(isUpper(key[i]) && isLower(key[i-1])) {
					continue
				}
				for _, w := range k.words {
					if normByte(key[i]) == w[0] && matchWordAt(key, i, w) {
						want = true
					}
				}
			}
			if got := k.Match(key); got != want {
				t.Fatalf("Match(%q) with %q = %v, want %v", key, k.words, got, want)
			}
		}
	})
}
