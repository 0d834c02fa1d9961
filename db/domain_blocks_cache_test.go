package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// The blocked domains every enqueued delivery is checked against are read
// once and kept while deliveries are enqueued, and read afresh once
// domain_blocks is written: a block by another process drops the domain's
// deliveries, its removal here lets them through again.
func TestDeliveriesCheckBlocksKeptUntilTheyChange(t *testing.T) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			server, admin := twoStores(t, dialect)
			alice := &db.Account{Username: "alice", URI: "http://x/users/alice"}
			if err := server.CreateLocalAccount(ctx, alice, nil); err != nil {
				t.Fatal(err)
			}
			reads := server.RecordQueries()
			activities := 0
			enqueue := func() (kept int, readBlocks bool) {
				t.Helper()
				reads()
				err := server.InTx(db.ReadsSince(ctx, time.Now()), func(tx *db.Tx) error {
					activities++
					id := tx.NewID()
					if err := tx.InsertActivity(ctx, &db.Activity{ID: id, URI: fmt.Sprintf("http://x/a/%d", activities), AccountID: alice.ID, Type: "Create", Body: []byte("{}")}); err != nil {
						return err
					}
					var err error
					kept, err = tx.EnqueueDeliveries(db.ReadsSince(ctx, time.Now()), id, []string{"https://b.example/inbox", "https://c.example/inbox"}, nil)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range reads() {
					readBlocks = readBlocks || strings.Contains(q, `FROM "domain_blocks"`)
				}
				return kept, readBlocks
			}
			for _, c := range []struct {
				name    string
				before  func()
				kept    int
				fromMem bool
			}{
				{name: "first", kept: 2},
				{name: "again", kept: 2, fromMem: true},
				{name: "blocked by another process", before: func() {
					if err := admin.AddDomainBlock(ctx, "b.example", "spam"); err != nil {
						t.Fatal(err)
					}
				}, kept: 1},
				{name: "again after the block", kept: 1, fromMem: true},
				{name: "unblocked", before: func() {
					if err := server.RemoveDomainBlock(ctx, "b.example"); err != nil {
						t.Fatal(err)
					}
				}, kept: 2},
			} {
				if c.before != nil {
					c.before()
				}
				// PostgreSQL hears of a write a moment after its commit (its
				// own ones too): a change may take a few tries to be seen,
				// and an entry kept may be retired once more.
				for try := 0; ; try++ {
					kept, read := enqueue()
					if kept == c.kept && read != c.fromMem {
						break
					}
					if try == 100 || dialect == db.SQLite {
						t.Errorf("%s: %d deliveries kept (want %d), blocks read %v (want %v)", c.name, kept, c.kept, read, !c.fromMem)
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
}
