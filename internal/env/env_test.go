package env

import "testing"

func TestLookup(t *testing.T) {
	l := Map(map[string]string{"S": "  x ", "B": "TRUE", "BAD": "maybe", "F": "0.25", "FB": "nope"})
	if got := l.String("S"); got != "x" {
		t.Errorf("String = %q", got)
	}
	if v, ok := l.Bool("B"); !v || !ok {
		t.Errorf("Bool(B) = %v, %v", v, ok)
	}
	if _, ok := l.Bool("BAD"); ok {
		t.Error("Bool(BAD) ok")
	}
	if _, ok := l.Bool("MISSING"); ok {
		t.Error("Bool(MISSING) ok")
	}
	if f, ok := l.Float("F"); f != 0.25 || !ok {
		t.Errorf("Float = %v, %v", f, ok)
	}
	if _, ok := l.Float("FB"); ok {
		t.Error("Float(FB) ok")
	}
	if Or(nil) == nil || Or(l) == nil {
		t.Error("Or returned nil")
	}
}
