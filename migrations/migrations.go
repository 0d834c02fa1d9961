// Package migrations holds the schema of both dialects. Each version is one
// SQL file, written once and rendered per dialect through a few template
// names (see Types), so SQLite and PostgreSQL can never drift apart; a
// statement that only makes sense on one dialect sits in {{if .Postgres}}.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

//go:embed sql/*.sql
var files embed.FS

// Types are the dialect-specific words the SQL files use.
type Types struct {
	Postgres  bool
	SQLite    bool
	PK        string // 64-bit primary key, assigned by Kontor (time-ordered)
	Timestamp string
	Blob      string
}

// TemplateData returns the words for a dialect ("sqlite" or "postgres").
func TemplateData(dialect string) (Types, error) {
	switch dialect {
	case "sqlite":
		// INTEGER PRIMARY KEY makes the id the rowid: no second B-tree.
		return Types{SQLite: true, PK: "INTEGER PRIMARY KEY", Timestamp: "TIMESTAMP", Blob: "BLOB"}, nil
	case "postgres":
		return Types{Postgres: true, PK: "BIGINT PRIMARY KEY", Timestamp: "TIMESTAMPTZ", Blob: "BYTEA"}, nil
	}
	return Types{}, fmt.Errorf("migrations: unknown dialect %q", dialect)
}

// All returns every migration, discovered from the embedded SQL files.
func All() (*migrate.Migrations, error) {
	ms := migrate.NewMigrations()
	sub, err := fs.Sub(files, "sql")
	if err != nil {
		return nil, err
	}
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return ms, nil
}
