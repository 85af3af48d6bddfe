package httpapi

import "testing"

func TestTypePath(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"qty":              "qty",
		"items.qty":        "items.qty",
		"items.0.qty":      "items[0].qty",
		"items.12":         "items[12]",
		"grid.3.4.cell":    "grid[3][4].cell",
		"0.qty":            "[0].qty",
		"3":                "[3]",
		"a..b":             "a..b",
		"lines.10.tags.2":  "lines[10].tags[2]",
		"address.zip5.raw": "address.zip5.raw",
	} {
		if got := typePath(in); got != want {
			t.Errorf("typePath(%q) = %q, want %q", in, got, want)
		}
	}
}
