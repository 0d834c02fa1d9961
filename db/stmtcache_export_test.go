package db

import "context"

// StatementCacheHits counts the queries that ran through a statement their
// connection had prepared before (a test hook).
func (d *DB) StatementCacheHits() int64 {
	var n int64
	for _, c := range d.caches {
		n += c.hits.Load()
	}
	return n
}

// RawScan runs a query as written (a test hook).
func (d *DB) RawScan(ctx context.Context, query string, dest ...any) error {
	return d.r.NewRaw(query).Scan(ctx, dest...)
}

// EpochReads is how often d has read cache_epochs (SQLite).
func EpochReads(d *DB) int64 { return d.epochs.reads.Load() }

// ExecArgs runs a write with placeholders and its arguments on the write
// pool, past bun (a test hook).
func (d *DB) ExecArgs(ctx context.Context, query string, args ...any) error {
	_, err := d.w.DB.ExecContext(ctx, query, args...)
	return err
}

// ExecInlined runs a write on the write pool with its values written into
// the SQL, as bun's query builder sends them (a test hook).
func (d *DB) ExecInlined(ctx context.Context, query string, args ...any) error {
	_, err := d.w.NewRaw(query, args...).Exec(ctx)
	return err
}

// ExecInlined runs a write in the transaction, its values written into the
// SQL (a test hook).
func (t *Tx) ExecInlined(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.NewRaw(query, args...).Exec(ctx)
	return err
}
