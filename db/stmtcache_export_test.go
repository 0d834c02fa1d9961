package db

// StatementCacheHits counts the queries that ran through a statement their
// connection had prepared before (a test hook).
func (d *DB) StatementCacheHits() int64 {
	var n int64
	for _, c := range d.caches {
		n += c.hits.Load()
	}
	return n
}
