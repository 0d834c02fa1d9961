//go:build !unix

package db

// openEpochCounter: no shared counter here; cache_epochs is read on every
// request (invalidation_sqlite.go).
func openEpochCounter(string) *epochCounter { return nil }
