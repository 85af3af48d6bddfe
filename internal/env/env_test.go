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

func TestService(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unset", nil, ""},
		{"blank", map[string]string{"POWERTOOLS_SERVICE_NAME": "  "}, ""},
		{"set", map[string]string{"POWERTOOLS_SERVICE_NAME": " orders "}, "orders"},
		{"OpenTelemetry's is not Powertools'", map[string]string{"OTEL_SERVICE_NAME": "otel"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Map(tt.env).Service(); got != tt.want {
				t.Errorf("Service() = %q, want %q", got, tt.want)
			}
		})
	}
}
