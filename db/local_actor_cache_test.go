package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// A local account looked up by the inbox is read once and then served from
// memory while follows and posts move its counters and new remote actors
// are stored (by this process or another), and read afresh once a write
// may have touched its row: locked in another process, suspended here,
// deleted. A name not found is asked every time.
func TestLocalActorKeptUntilALocalAccountChanges(t *testing.T) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			server, admin := twoStores(t, dialect)
			alice := &db.Account{Username: "alice", URI: "http://x/users/alice"}
			if err := server.CreateLocalAccount(ctx, alice, nil); err != nil {
				t.Fatal(err)
			}
			remotes := 0
			storeRemote := func(store *db.DB) func() {
				return func() {
					remotes++
					a := &db.Account{Username: fmt.Sprintf("fan%d", remotes), Domain: "b.example",
						URI: fmt.Sprintf("https://b.example/users/fan%d", remotes)}
					if err := store.UpsertRemoteAccount(ctx, a); err != nil {
						t.Fatal(err)
					}
					if err := store.InTx(ctx, func(tx *db.Tx) error {
						_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: a.ID, TargetAccountID: alice.ID, Accepted: true, ShowReblogs: true})
						return err
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// PostgreSQL's notification of alice's creation comes back a
			// moment later and retires what was read before it: wait for it.
			if err := db.AwaitNotifications(ctx, server); err != nil {
				t.Fatal(err)
			}
			reads := server.RecordQueries()
			if _, err := server.LocalActor(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			want := func(locked, suspended bool) func(*db.Account) string {
				return func(a *db.Account) string {
					if a.ID != alice.ID || a.Locked != locked || a.Suspended() != suspended {
						return fmt.Sprintf("id %d locked %v suspended %v", a.ID, a.Locked, a.Suspended())
					}
					return ""
				}
			}
			checkAccountCache(t, reads, server.LocalActor, []accountCase{
				{name: "again", key: "alice", want: want(false, false), fromMem: true},
				{name: "a new follower stored here", before: storeRemote(server), key: "alice", want: want(false, false), fromMem: true},
				{name: "a new follower stored by another process", before: storeRemote(admin), key: "alice", want: want(false, false), fromMem: true},
				{name: "another spelling", key: "Alice", want: want(false, false)},
				{name: "locked by another process", before: func() {
					a, err := admin.AccountByID(ctx, alice.ID)
					if err != nil {
						t.Fatal(err)
					}
					a.Locked = true
					if err := admin.UpdateAccountProfile(ctx, a); err != nil {
						t.Fatal(err)
					}
				}, key: "alice", want: want(true, false)},
				{name: "suspended", before: func() {
					if err := server.SuspendAccount(ctx, alice.ID); err != nil {
						t.Fatal(err)
					}
				}, key: "alice", want: want(true, true)},
				{name: "unknown", key: "bob", notFound: true},
				{name: "unknown again", key: "bob", notFound: true},
			})
		})
	}
}

// accountCase is one step of a test of an account kept in memory: what
// happens first (nil: nothing), the key read next, and what the read must
// find: the account (want returns what is wrong with it, "" if nothing) or
// ErrNotFound, from memory or with a statement.
type accountCase struct {
	name     string
	before   func()
	key      string
	want     func(*db.Account) string
	notFound bool
	fromMem  bool
}

// checkAccountCache runs the cases in turn: read is the cached lookup,
// reads hands out the statements its store ran since the last call.
func checkAccountCache(t *testing.T, reads func() []string, read func(context.Context, string) (*db.Account, error), cases []accountCase) {
	t.Helper()
	for _, c := range cases {
		if c.before != nil {
			c.before()
		}
		// On PostgreSQL another process's write is heard of a moment
		// after its commit: what it changed may take a few tries.
		for try := 0; ; try++ {
			reads()
			a, err := read(db.ReadsSince(context.Background(), time.Now()), c.key)
			q := reads()
			var wrong string
			switch {
			case c.notFound && !errors.Is(err, db.ErrNotFound):
				wrong = fmt.Sprintf("%+v, %v; want ErrNotFound", a, err)
			case !c.notFound && err != nil:
				wrong = err.Error()
			case !c.notFound:
				wrong = c.want(a)
			}
			if wrong == "" && (len(q) == 0) != c.fromMem {
				wrong = fmt.Sprintf("%d queries, want from memory %v", len(q), c.fromMem)
			}
			if wrong == "" {
				break
			}
			if c.fromMem || try == 100 {
				t.Errorf("%s: %s", c.name, wrong)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
