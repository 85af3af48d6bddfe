package logger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

// flattenJSON returns every key and string of a decoded JSON value, each
// followed by a NUL byte.
func flattenJSON(v any) string {
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

// attrsFromBytes builds attributes, groups and values of every kind from
// fuzz input, so the fuzzer explores what a handler can be given.
func attrsFromBytes(data []byte, s string, depth int) []slog.Attr {
	var attrs []slog.Attr
	for i := 0; i < len(data) && len(attrs) < 12; i++ {
		key := s
		if n := int(data[i]) % (len(s) + 1); n < len(s) {
			key = s[n:]
		}
		var v slog.Value
		switch data[i] % 14 {
		case 0:
			v = slog.StringValue(s)
		case 1:
			v = slog.Int64Value(int64(data[i]) - 128)
		case 2:
			v = slog.Float64Value([]float64{math.NaN(), math.Inf(1), math.Inf(-1), 1.5e300, math.Copysign(0, -1), 1e-7}[int(data[i])%6])
		case 3:
			v = slog.BoolValue(data[i]&1 == 1)
		case 4:
			v = slog.DurationValue(time.Duration(data[i]) * time.Millisecond)
		case 5:
			v = slog.TimeValue(time.Unix(int64(data[i])*1e6, 0))
		case 6:
			if depth < 3 && i+1 < len(data) {
				v = slog.GroupValue(attrsFromBytes(data[i+1:], s, depth+1)...)
				i += len(data) / 3
			} else {
				v = slog.GroupValue()
			}
		case 7:
			v = slog.AnyValue(errors.New(s))
		case 8:
			v = slog.AnyValue(map[string]any{s: s, "password": s, "n": math.NaN()})
		case 9:
			v = slog.AnyValue(panicValuer{})
		case 10:
			v = slog.AnyValue(loopValuer{})
		case 11:
			v = slog.AnyValue([]byte(s))
		case 12:
			v = slog.AnyValue(badJSON{})
		default:
			v = slog.Uint64Value(uint64(data[i]) << 56)
		}
		attrs = append(attrs, slog.Attr{Key: key, Value: v})
	}
	return attrs
}

func FuzzHandler(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5}, "order", "grp", "message")
	f.Add([]byte{6, 6, 7, 8, 9, 10, 11, 12, 13}, "pass\xffword", "", "\u2028")
	f.Add([]byte{}, "", "g", "")
	f.Fuzz(func(t *testing.T, data []byte, s, group, msg string) {
		var buf bytes.Buffer
		opts := []Option{withLookupEnv(noEnv)}
		if len(data) > 0 && data[0]&1 == 1 {
			opts = append(opts, WithScheme(Lambda), WithLocation())
		}
		maxLine := defaultMaxLineSize
		if len(data) > 1 && data[1]&1 == 1 {
			maxLine = 300 + int(data[1])*4
			opts = append(opts, WithMaxLineSize(maxLine))
		}
		h := NewHandler(&buf, opts...)
		ctx, inv := h.Begin(context.Background(), Fields{RequestID: s, FunctionName: msg, ColdStart: true, InitDuration: time.Millisecond})
		// A secret the handler is told of, hidden in values of every kind.
		secret := "Z9x" + s + "Q7y"
		inv.AddSecrets(secret)
		ctx = ContextWithAttrs(ctx, slog.String(group, "ctx "+secret), slog.String("level", s))
		var hh slog.Handler = h
		half := len(data) / 2
		hh = hh.WithAttrs(attrsFromBytes(data[:half], s, 0))
		hh = hh.WithGroup(group)
		hh = hh.WithAttrs(attrsFromBytes(data[half:], msg, 0))
		hh = hh.WithGroup(s)
		r := slog.NewRecord(time.Unix(1, 0), slog.LevelInfo, msg, 0)
		r.AddAttrs(attrsFromBytes(data, group, 0)...)
		r.AddAttrs(slog.String(msg, "<"+secret+">"), slog.Any(s, map[string]string{secret: secret, "k": "v " + secret}),
			slog.Any("err", errors.New("failed with "+secret)), slog.String("password", s))
		if err := hh.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		_ = inv.End(false)
		out := buf.Bytes()
		if bytes.Count(out, []byte{'\n'}) != 1 || out[len(out)-1] != '\n' {
			t.Fatalf("want exactly one line, got %q", out)
		}
		if len(out) > maxLine {
			t.Fatalf("line of %d bytes over the limit %d", len(out), maxLine)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("invalid JSON %q: %v", out, err)
		}
		if err := testenv.UniqueKeys(out); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if utf8.ValidString(secret) && !strings.Contains(s, secret) && !strings.Contains(msg, secret) {
			if all := flattenJSON(m); strings.Contains(all, secret) {
				t.Fatalf("secret %q written: %s", secret, out)
			}
		}
	})
}
