package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// BackupSQLite writes a consistent copy of an SQLite database to path while
// the server keeps serving: VACUUM INTO reads one snapshot and writes a
// compact, self-contained file (no WAL beside it).
func (d *DB) BackupSQLite(ctx context.Context, path string) error {
	if d.dialect != SQLite {
		return errors.New("db: BackupSQLite needs an SQLite database")
	}
	if _, err := d.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("db: backup to %s: %w", path, err)
	}
	return nil
}

// IsKontorDatabase reports whether the database has been migrated by Kontor
// (so a restore can refuse a file that is not a Kontor backup).
func (d *DB) IsKontorDatabase(ctx context.Context) (bool, error) {
	var n int
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'bun_migrations'"
	if d.dialect == Postgres {
		q = "SELECT count(*) FROM pg_tables WHERE tablename = 'bun_migrations' AND schemaname = current_schema()"
	}
	if err := d.r.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("db: inspect: %w", err)
	}
	return n > 0, nil
}

// LibpqURL turns a Kontor postgres:// URL into what libpq tools (pg_dump,
// pg_restore) take, and names the schema the URL selects, if any: Kontor's
// driver reads search_path as a URL parameter, libpq does not.
func LibpqURL(raw string) (uri, schema string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", fmt.Errorf("%q is not a postgres:// URL", redact(raw))
	}
	q := u.Query()
	schema = q.Get("search_path")
	q.Del("search_path")
	if schema != "" {
		q.Set("options", "-csearch_path="+schema)
	}
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}
