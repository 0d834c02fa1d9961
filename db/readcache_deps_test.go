package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// twoStores opens a server's store and a second process's (an admin
// command) on one database of dialect, migrated.
func twoStores(t *testing.T, dialect string) (server, admin *db.DB) {
	t.Helper()
	ctx := context.Background()
	url := kontortest.NewDatabaseURL(t, dialect)
	open := func() *db.DB {
		s, err := db.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	server = open()
	if _, err := server.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	admin = open()
	if dialect == db.SQLite {
		// SQLite's stores draw their node tags at random (PostgreSQL's
		// count them): two writing in one millisecond would mint the
		// same IDs one time in 32.
		server.IDs().SetNodeTag(1)
		admin.IDs().SetNodeTag(2)
	}
	return server, admin
}

// eventually asks read until ok accepts its answer: at once on SQLite (or
// on the store that wrote), within two seconds on PostgreSQL, whose
// notification from another process arrives a moment after the commit.
func eventually[T any](t *testing.T, store *db.DB, what string, read func(ctx context.Context) (T, error), ok func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		v, err := read(db.ReadsSince(context.Background(), time.Now()))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok(v) || store.Dialect() == db.SQLite || time.Now().After(deadline) {
			if !ok(v) {
				t.Fatalf("%s: %+v", what, v)
			}
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The instance's contact is kept while federated posts come in (they write
// the authors' counters), and follows what it shows: its own posts, a new
// display name and a suspension, also from another process.
func TestContactCacheDependsOnTheContact(t *testing.T) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			server, admin := twoStores(t, dialect)
			confirmed := time.Now()
			boss := &db.Account{Username: "boss", URI: "http://x/users/boss"}
			if err := server.CreateLocalAccount(ctx, boss, &db.User{Email: "boss@example.com", Approved: true, ConfirmedAt: &confirmed, Role: db.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			eve := &db.Account{Username: "eve", Domain: "remote.example", URI: "https://remote.example/users/eve"}
			if err := server.UpsertRemoteAccount(ctx, eve); err != nil {
				t.Fatal(err)
			}
			post := func(store *db.DB, author *db.Account) {
				t.Helper()
				id := store.NewID()
				s := &db.Status{ID: id, URI: fmt.Sprintf("%s/statuses/%d", author.URI, id), AccountID: author.ID,
					Local: author.Domain == "", Visibility: db.Public}
				if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertStatus(ctx, db.NewStatus{Status: s}) }); err != nil {
					t.Fatal(err)
				}
			}
			state := func(ctx context.Context) (db.InstanceState, error) { return server.InstanceState(ctx) }
			first := eventually(t, server, "the contact", state, func(st db.InstanceState) bool {
				return st.Contact != nil && st.Contact.ID == boss.ID
			})

			// A federated post writes eve's counters: which account is the
			// contact is not asked again, and the answer stays the same.
			post(server, eve)
			post(admin, eve)
			st := eventually(t, server, "after eve's posts", state, func(st db.InstanceState) bool { return st.Contact != nil })
			if st.Version[2] != first.Version[2] {
				t.Errorf("eve's posts made the contact be looked up again: %v, then %v", first.Version, st.Version)
			}
			if st.Contact.ID != boss.ID || st.Contact.StatusesCount != 0 {
				t.Errorf("contact after eve's posts: %+v", st.Contact)
			}

			// The contact's own post shows in its count at once, and in
			// the version an answer rendered from the state is kept by.
			post(admin, boss)
			counted := eventually(t, server, "after boss's post", state, func(st db.InstanceState) bool {
				return st.Contact != nil && st.Contact.StatusesCount == 1
			})
			if counted.Version == st.Version {
				t.Errorf("the contact's row was read anew under the same version %v", st.Version)
			}

			// A new display name, by another process.
			acct, err := admin.AccountByID(ctx, boss.ID)
			if err != nil {
				t.Fatal(err)
			}
			acct.DisplayName = "The Boss"
			if err := admin.UpdateAccountProfile(ctx, acct); err != nil {
				t.Fatal(err)
			}
			eventually(t, server, "after the new display name", state, func(st db.InstanceState) bool {
				return st.Contact != nil && st.Contact.DisplayName == "The Boss"
			})

			// Suspended by another process: no contact.
			if err := admin.SuspendAccount(ctx, boss.ID); err != nil {
				t.Fatal(err)
			}
			eventually(t, server, "after the suspension", state, func(st db.InstanceState) bool { return st.Contact == nil })
		})
	}
}

// The count of follow requests verify_credentials reports is kept while
// posts come in, and follows a new request and a requester's suspension,
// also from another process.
func TestFollowRequestCountFollowsRequestsAndSuspensions(t *testing.T) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			server, admin := twoStores(t, dialect)
			confirmed := time.Now()
			alice := &db.Account{Username: "alice", URI: "http://x/users/alice", Locked: true}
			if err := server.CreateLocalAccount(ctx, alice, &db.User{Email: "alice@example.com", Approved: true, ConfirmedAt: &confirmed}); err != nil {
				t.Fatal(err)
			}
			var requesters []*db.Account
			for _, name := range []string{"eve", "mallory"} {
				a := &db.Account{Username: name, Domain: "remote.example", URI: "https://remote.example/users/" + name}
				if err := server.UpsertRemoteAccount(ctx, a); err != nil {
					t.Fatal(err)
				}
				requesters = append(requesters, a)
			}
			count := func(ctx context.Context) (int64, error) { return server.CountFollowRequests(ctx, alice.ID) }
			is := func(n int64) func(int64) bool { return func(got int64) bool { return got == n } }
			eventually(t, server, "no request", count, is(0))

			ask := func(store *db.DB, from *db.Account) {
				t.Helper()
				f := &db.Follow{AccountID: from.ID, TargetAccountID: alice.ID, URI: from.URI + "/follows/alice"}
				if err := store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.UpsertFollow(ctx, f); return err }); err != nil {
					t.Fatal(err)
				}
			}
			ask(server, requesters[0])
			eventually(t, server, "a request", count, is(1))
			ask(admin, requesters[1])
			eventually(t, server, "a request by another process", count, is(2))

			// A suspended requester's request is not counted.
			if err := admin.SuspendAccount(ctx, requesters[0].ID); err != nil {
				t.Fatal(err)
			}
			eventually(t, server, "a requester suspended by another process", count, is(1))
		})
	}
}
