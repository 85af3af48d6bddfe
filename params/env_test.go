package params_test

import (
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/params"
)

type appConfig struct {
	Table    string          `env:"TABLE_NAME,required"`
	Queue    string          `env:"QUEUE_URL,required"`
	Port     int             `env:"PORT" default:"8080"`
	Debug    bool            `env:"DEBUG"`
	Ratio    float64         `env:"SAMPLE_RATIO" default:"0.25"`
	Timeout  time.Duration   `env:"TIMEOUT" default:"2s"`
	Origins  []string        `env:"ALLOWED_ORIGINS" default:"https://a.example, https://b.example"`
	Retries  uint8           `env:"RETRIES" default:"3"`
	Level    slog.Level      `env:"LOG_LEVEL" default:"INFO"`
	Backoffs []time.Duration `env:"BACKOFFS"`
	APIKey   string          `env:"API_KEY,secret"`
	Limits   struct {
		Max int64 `env:"MAX_ITEMS" default:"100"`
	}
	Ignored string
	skipped int // no env tag, unexported: left alone
}

func TestLoadEnv(t *testing.T) {
	full := map[string]string{"TABLE_NAME": "orders", "QUEUE_URL": " https://sqs/q "}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want func(c *appConfig)
	}{
		{"defaults", full, func(c *appConfig) {}},
		{"every type set", merge(full, map[string]string{
			"PORT": "9090", "DEBUG": "TRUE", "SAMPLE_RATIO": "1e-1", "TIMEOUT": "1m30s",
			"ALLOWED_ORIGINS": "x,, y ,", "RETRIES": "255", "LOG_LEVEL": "debug", "BACKOFFS": "10ms,1s",
			"API_KEY": "env-api-k3y-value", "MAX_ITEMS": "-5",
		}), func(c *appConfig) {
			c.Port, c.Debug, c.Ratio, c.Timeout = 9090, true, 0.1, 90*time.Second
			c.Origins, c.Retries, c.Level = []string{"x", "y"}, 255, slog.LevelDebug
			c.Backoffs, c.APIKey, c.Limits.Max = []time.Duration{10 * time.Millisecond, time.Second}, "env-api-k3y-value", -5
		}},
		{"blank counts as unset", merge(full, map[string]string{"PORT": "  ", "ALLOWED_ORIGINS": ""}), func(c *appConfig) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := appConfig{Table: "orders", Queue: "https://sqs/q", Port: 8080, Ratio: 0.25, Timeout: 2 * time.Second,
				Origins: []string{"https://a.example", "https://b.example"}, Retries: 3, Level: slog.LevelInfo}
			want.Limits.Max = 100
			tc.want(&want)
			got := appConfig{Ignored: "kept"}
			want.Ignored = "kept"
			got.skipped, want.skipped = 7, 7
			if err := params.LoadEnvWith(&got, params.WithLookupEnv(mapEnv(tc.env))); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestLoadEnvReportsEveryProblemAtOnce(t *testing.T) {
	var c appConfig
	err := params.LoadEnvWith(&c, params.WithLookupEnv(mapEnv(map[string]string{
		"PORT": "http", "TIMEOUT": "5", "DEBUG": "yes", "RETRIES": "300", "BACKOFFS": "1s,soon",
		"API_KEY": "fine", "TABLE_NAME": "   ",
	})))
	var ee *params.EnvError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T), want *EnvError", err, err)
	}
	if want := []string{"TABLE_NAME", "QUEUE_URL"}; !reflect.DeepEqual(ee.Missing, want) {
		t.Errorf("Missing = %v, want %v", ee.Missing, want)
	}
	var names []string
	for _, inv := range ee.Invalid {
		names = append(names, inv.Name+":"+inv.Type)
	}
	if want := []string{"PORT:int", "DEBUG:bool", "TIMEOUT:duration", "RETRIES:uint8", "BACKOFFS:comma-separated list of duration"}; !reflect.DeepEqual(names, want) {
		t.Errorf("Invalid = %v, want %v", names, want)
	}
	if !errors.Is(err, strconv.ErrSyntax) || !errors.Is(err, strconv.ErrRange) {
		t.Errorf("the parse errors are not wrapped: %v", err)
	}
	msg := err.Error()
	t.Log(msg)
	for _, s := range []string{
		"missing required TABLE_NAME, QUEUE_URL",
		`PORT = "http" is not an int`,
		`TIMEOUT = "5" is not a duration`,
		`DEBUG = "yes" is not a bool`,
		`RETRIES = "300" is not a uint8: value out of range`,
		`BACKOFFS = "1s,soon" is not a comma-separated list of duration: item 2`,
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
	if c.Ratio != 0.25 || c.APIKey != "fine" || len(c.Origins) != 2 || c.Limits.Max != 100 {
		t.Errorf("the fields that loaded were not set: %+v", c)
	}
}

func TestLoadEnvNeverShowsASecret(t *testing.T) {
	var c struct {
		Key   int        `env:"KEY,secret"`
		Level slog.Level `env:"LEVEL,secret"`
	}
	err := params.LoadEnvWith(&c, params.WithLookupEnv(mapEnv(map[string]string{"KEY": "hunter2-not-a-number", "LEVEL": "hunter3-not-a-level"})))
	if err == nil || strings.Contains(err.Error(), "hunter") || !strings.Contains(err.Error(), "KEY") || !strings.Contains(err.Error(), "LEVEL") {
		t.Errorf("error %v", err)
	}
	for _, inv := range err.(*params.EnvError).Invalid {
		if strings.Contains(inv.Value+inv.Err.Error(), "hunter") {
			t.Errorf("%+v shows the value", inv)
		}
	}
}

func TestLoadEnvBadInput(t *testing.T) {
	var ok struct {
		A string `env:"A"`
	}
	for _, tc := range []struct {
		name string
		dst  any
		want string
	}{
		{"nil", nil, "pointer to a struct"},
		{"not a pointer", ok, "pointer to a struct"},
		{"nil pointer", (*appConfig)(nil), "pointer to a struct"},
		{"pointer to a non-struct", new(int), "pointer to a struct"},
		{"unsupported type", &struct {
			M map[string]string `env:"M"`
		}{}, "cannot read"},
		{"unexported", &struct {
			a string `env:"A"`
		}{}, "not exported"},
		{"no name", &struct {
			A string `env:",required"`
		}{}, "names no variable"},
		{"unknown option", &struct {
			A string `env:"A,requird"`
		}{}, `unknown env tag option "requird"`},
		{"required with a default", &struct {
			A string `env:"A,required" default:"x"`
		}{}, "required and has a default"},
		{"default without env", &struct {
			A string `default:"x"`
		}{}, "no env tag"},
		{"bad default", &struct {
			N int `env:"N" default:"many"`
		}{}, `N (its default) = "many" is not an int`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := params.LoadEnvWith(tc.dst, params.WithLookupEnv(noEnv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestLoadEnvRegistersSecretsItSetBeforeAnError: a field LoadEnv cannot
// read stops it, but the secret fields it set before stay set and are
// registered as secrets.
func TestLoadEnvRegistersSecretsItSetBeforeAnError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret string
		dst    any // a struct whose first field is the secret, with a field LoadEnv cannot read after it
	}{
		{"unsupported type after", "env-secret-before-bad-type-1", &struct {
			Key string            `env:"KEY,secret"`
			M   map[string]string `env:"M"`
		}{}},
		{"unknown option in a nested struct", "env-secret-before-bad-tag-2", &struct {
			Key   string `env:"KEY,secret"`
			Inner struct {
				A string `env:"A,requird"`
			}
		}{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := params.LoadEnvWith(tc.dst, params.WithLookupEnv(mapEnv(map[string]string{"KEY": tc.secret, "A": "x"})))
			if err == nil {
				t.Fatal("no error")
			}
			if got := reflect.ValueOf(tc.dst).Elem().Field(0).String(); got != tc.secret {
				t.Fatalf("the secret field holds %q", got)
			}
			if !params.IsProcessSecret(tc.secret) {
				t.Errorf("%q is set in the struct but not registered as a secret (error: %v)", tc.secret, err)
			}
		})
	}
}
