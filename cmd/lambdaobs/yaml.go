package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// toYAML writes a CloudFormation template given as JSON as block YAML,
// with gopkg.in/yaml.v3: maps sorted by key (a resource's Type first),
// strings double-quoted, and the dashboard body, a JSON document in an
// Fn::Sub, indented as a literal block so that it can be read and
// reviewed. No tags are used, so any YAML parser reads it.
func toYAML(template []byte) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(template))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("template is not a JSON object")
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(node(v, false)); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// node returns the YAML node of a decoded JSON value; sub says it is the
// value of an Fn::Sub.
func node(v any, sub bool) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range sortedKeys(x) {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, node(x[k], k == "Fn::Sub"))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range x {
			n.Content = append(n.Content, node(e, false))
		}
		return n
	case string:
		if sub && strings.HasPrefix(x, "{") {
			var pretty bytes.Buffer
			if json.Indent(&pretty, []byte(x), "", "  ") == nil {
				return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: pretty.String(), Style: yaml.LiteralStyle}
			}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x, Style: yaml.DoubleQuotedStyle}
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(x.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: x.String()}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(x)}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// sortedKeys returns m's keys in order, Type first, as templates are written.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if (a == "Type") != (b == "Type") {
			if a == "Type" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}
