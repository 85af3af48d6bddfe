package names

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// constants returns the string constants declared in file, by name.
func constants(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s: %s is not a string literal", file, n.Name)
				}
				v, _ := strconv.Unquote(lit.Value)
				out[n.Name] = v
			}
		}
	}
	return out
}

// words are the spellings of the words of variable names that are not
// simply capitalised.
var words = map[string]string{
	"AWS": "AWS", "API": "API", "SDK": "SDK", "ID": "ID", "SSM": "SSM", "OTLP": "OTLP",
	"SIGTERM": "SIGTERM", "XRAY": "XRay", "OTEL": "OTel", "GOMEMLIMIT": "GoMemLimit",
}

// TestEnvNamesFollowTheVariables checks the one naming scheme of the
// environment variables: Env and the variable's words in CamelCase.
func TestEnvNamesFollowTheVariables(t *testing.T) {
	consts := constants(t, "env.go")
	if len(consts) == 0 {
		t.Fatal("no constants in env.go")
	}
	for name, v := range consts {
		want := "Env"
		for _, w := range strings.Split(v, "_") {
			if s, ok := words[w]; ok {
				want += s
			} else {
				want += w[:1] + strings.ToLower(w[1:])
			}
		}
		if name != want {
			t.Errorf("%s = %q: want the name %s", name, v, want)
		}
	}
}

// TestEveryNameIsDefinedOnce checks that no name is declared twice with the
// same prefix and value: two constants of one kind (two metrics, two log
// keys) with one value would be one name under two spellings.
func TestEveryNameIsDefinedOnce(t *testing.T) {
	seen := map[string]string{}
	for _, file := range []string{"metrics.go", "logs.go", "spans.go", "env.go"} {
		for name, v := range constants(t, file) {
			kind := name
			if i := strings.IndexFunc(name[1:], func(r rune) bool { return r >= 'A' && r <= 'Z' }); i >= 0 {
				kind = name[:i+1]
			}
			if prev, ok := seen[kind+"\x00"+v]; ok {
				t.Errorf("%s and %s are both %q", prev, name, v)
			}
			seen[kind+"\x00"+v] = name
		}
	}
}
