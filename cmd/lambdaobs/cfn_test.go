package main

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeCFN reads a CloudFormation or SAM template written in YAML, the
// short forms of the intrinsic functions included (!Ref X, !GetAtt A.B,
// !Sub …), into the values encoding/json would give for the same template
// written in JSON: {"Ref": "X"}, {"Fn::GetAtt": ["A", "B"]}, {"Fn::Sub": …}.
func decodeCFN(src []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	v, err := cfnValue(&doc)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	return m, nil
}

// intrinsics are the functions with a short form, by tag.
var intrinsics = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!Join": "Fn::Join", "!If": "Fn::If", "!Not": "Fn::Not",
	"!Equals": "Fn::Equals", "!And": "Fn::And", "!Or": "Fn::Or", "!Select": "Fn::Select", "!Split": "Fn::Split",
	"!FindInMap": "Fn::FindInMap", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!ImportValue": "Fn::ImportValue",
	"!GetAZs": "Fn::GetAZs", "!Transform": "Fn::Transform", "!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}

func cfnValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return cfnValue(n.Content[0])
	case yaml.AliasNode:
		return cfnValue(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		fn, ok := intrinsics[n.Tag]
		if !ok {
			return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
		}
		var arg any
		if n.Kind == yaml.ScalarNode {
			arg = n.Value
			if fn == "Fn::GetAtt" {
				res, attr, ok := strings.Cut(n.Value, ".")
				if !ok {
					return nil, fmt.Errorf("line %d: !GetAtt %s: want Resource.Attribute", n.Line, n.Value)
				}
				arg = []any{res, attr}
			}
		} else {
			plain := *n
			plain.Tag = ""
			var err error
			if arg, err = cfnValue(&plain); err != nil {
				return nil, err
			}
		}
		return map[string]any{fn: arg}, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := cfnValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := cfnValue(c)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	return v, nil
}

// dig returns v[keys[0]][keys[1]]…, or nil.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// getAttTarget returns the resource of {"Fn::GetAtt": [resource, attr]},
// or "".
func getAttTarget(v any, attr string) string {
	parts, _ := dig(v, "Fn::GetAtt").([]any)
	if len(parts) != 2 || parts[1] != attr {
		return ""
	}
	s, _ := parts[0].(string)
	return s
}

// number returns v as a float64, and whether it is a number.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
