package db

import (
	"strings"
	"testing"
)

func TestParseDatabaseURL(t *testing.T) {
	for _, c := range []struct{ in, dialect, dsn, err string }{
		{"sqlite://kontor.db", "sqlite", "kontor.db", ""},
		{"sqlite:///var/lib/kontor/k.db", "sqlite", "/var/lib/kontor/k.db", ""},
		{"postgres://u@h:5432/d?sslmode=disable", "postgres", "postgres://u@h:5432/d?sslmode=disable", ""},
		{"postgresql://u@h/d", "postgres", "postgresql://u@h/d", ""},
		{"mysql://x", "", "", "want sqlite://"},
		{"sqlite://", "", "", "needs a file path"},
		{"", "", "", "must not be empty"},
		{"postgres://", "", "", "not a valid postgres URL"},
	} {
		d, dsn, err := ParseDatabaseURL(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseDatabaseURL(%q): err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || d != c.dialect || dsn != c.dsn {
			t.Errorf("ParseDatabaseURL(%q) = %q, %q, %v", c.in, d, dsn, err)
		}
	}
}
