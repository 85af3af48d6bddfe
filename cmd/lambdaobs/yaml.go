package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// toYAML writes a CloudFormation template given as JSON as block YAML:
// maps sorted by key, strings double-quoted as JSON writes them (a valid
// YAML double-quoted scalar), and the dashboard body, a JSON document in an
// Fn::Sub, as an indented literal block so that it can be read and
// reviewed. No tags are used, so any YAML parser reads it.
func toYAML(template []byte) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(template))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	var b bytes.Buffer
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a JSON object")
	}
	writeMap(&b, m, 0)
	return b.Bytes(), nil
}

func writeMap(b *bytes.Buffer, m map[string]any, indent int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		// A resource's Type before its properties, as templates are written.
		if (a == "Type") != (b == "Type") {
			if a == "Type" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString(yamlKey(k))
		b.WriteString(":")
		writeValue(b, m[k], indent, k == "Fn::Sub")
	}
}

// writeValue writes v after "key:" or "-".
func writeValue(b *bytes.Buffer, v any, indent int, sub bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n")
		writeMap(b, x, indent+2)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		for _, e := range x {
			b.WriteString(strings.Repeat(" ", indent+2))
			b.WriteString("-")
			if m, ok := e.(map[string]any); ok && len(m) > 0 {
				// The first key on the dash's line, the others below it.
				var inner bytes.Buffer
				writeMap(&inner, m, indent+4)
				b.WriteString(" ")
				b.WriteString(strings.TrimLeft(inner.String(), " "))
				continue
			}
			writeValue(b, e, indent+2, false)
		}
	case string:
		if sub && json.Valid([]byte(x)) && strings.HasPrefix(x, "{") {
			var pretty bytes.Buffer
			if json.Indent(&pretty, []byte(x), "", "  ") == nil && literalSafe(pretty.String()) {
				b.WriteString(" |-\n")
				for _, line := range strings.Split(pretty.String(), "\n") {
					b.WriteString(strings.Repeat(" ", indent+2))
					b.WriteString(line)
					b.WriteString("\n")
				}
				return
			}
		}
		b.WriteString(" ")
		b.WriteString(quote(x))
		b.WriteString("\n")
	case json.Number:
		b.WriteString(" " + x.String() + "\n")
	case bool:
		b.WriteString(" " + strconv.FormatBool(x) + "\n")
	case nil:
		b.WriteString(" null\n")
	default:
		b.WriteString(" " + quote(fmt.Sprint(x)) + "\n")
	}
}

// literalSafe reports whether s can be a literal block scalar as it is:
// printable characters, no tab, no trailing blanks.
func literalSafe(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " ") != line {
			return false
		}
		for _, r := range line {
			if r < 0x20 || r == 0x7f || r == '\uFEFF' {
				return false
			}
		}
	}
	return true
}

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// yamlKey writes a key plainly when YAML reads it back as the same string.
func yamlKey(k string) string {
	if k == "" || strings.HasSuffix(k, ":") {
		return quote(k)
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == ':' || r == '.' || r == '-') {
			return quote(k)
		}
	}
	switch strings.ToLower(k) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~":
		return quote(k)
	}
	if k[0] == '-' || (k[0] >= '0' && k[0] <= '9') {
		return quote(k)
	}
	return k
}
