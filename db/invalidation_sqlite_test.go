package db_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Two stores on one SQLite file stand for the server and an admin command
// run beside it: what the second writes, the first's caches must not hide
// on its next read.
func TestSQLiteCachesHearOtherProcesses(t *testing.T) {
	ctx := context.Background()
	url, server, a, u := sqliteServerWithAlice(t)
	tok, err := server.CreateToken(ctx, db.NewToken{UserID: &u.ID, Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	// Read twice: the second answer comes from the caches.
	for range 2 {
		if _, err := server.TokenByPlaintext(ctx, tok.AccessToken); err != nil {
			t.Fatal(err)
		}
		if acct, err := server.AccountByID(ctx, a.ID); err != nil || acct.Suspended() {
			t.Fatalf("account %+v, %v", acct, err)
		}
	}

	admin, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.RevokeToken(ctx, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if err := admin.SuspendAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	admin.Close()

	// A request that begins now sees both writes, looking at cache_epochs
	// once for all its lookups.
	ctx = db.ReadsSince(ctx, time.Now())
	before := db.EpochReads(server)
	if _, err := server.TokenByPlaintext(ctx, tok.AccessToken); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a token revoked by another process still works: %v", err)
	}
	if acct, err := server.AccountByID(ctx, a.ID); err != nil || !acct.Suspended() {
		t.Errorf("an account suspended by another process reads as %+v, %v", acct, err)
	}
	if _, err := server.AccountsByIDs(ctx, []int64{a.ID, a.ID + 1, a.ID + 2}); err != nil {
		t.Fatal(err)
	}
	if n := db.EpochReads(server) - before; n != 1 {
		t.Errorf("one request read cache_epochs %d times, want once", n)
	}
}

// A transaction counts a table in cache_epochs once; a savepoint rolled
// back takes that count with it, so a later write of the same table in the
// transaction counts again and the other process still hears of it.
func TestSQLiteEpochCountSurvivesRolledBackSavepoint(t *testing.T) {
	ctx := context.Background()
	url, server, a, _ := sqliteServerWithAlice(t)
	for range 2 { // the second read comes from the cache
		if acct, err := server.AccountByID(ctx, a.ID); err != nil || acct.Suspended() {
			t.Fatalf("account %+v, %v", acct, err)
		}
	}

	admin, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	err = admin.InTx(ctx, func(tx *db.Tx) error {
		fnErr, err := tx.Savepoint(ctx, func() error {
			if err := tx.ExecInlined(ctx, "UPDATE accounts SET note = ? WHERE id = ?", "undone", a.ID); err != nil {
				return err
			}
			return errors.New("refused")
		})
		if err != nil || fnErr == nil {
			t.Fatalf("savepoint: %v, %v", fnErr, err)
		}
		return tx.ExecInlined(ctx, "UPDATE accounts SET suspended_at = ? WHERE id = ?", time.Now(), a.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	admin.Close()

	ctx = db.ReadsSince(ctx, time.Now())
	if acct, err := server.AccountByID(ctx, a.ID); err != nil || !acct.Suspended() {
		t.Errorf("an account suspended by another process reads as %+v, %v", acct, err)
	}
}

// sqliteServerWithAlice is a migrated store on a fresh SQLite file (the
// server of these tests), its URL for a second store, and a local account.
func sqliteServerWithAlice(t *testing.T) (string, *db.DB, *db.Account, *db.User) {
	t.Helper()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "kontor.db")
	server, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	if _, err := server.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := &db.Account{Username: "alice", URI: "http://x/users/alice"}
	u := &db.User{Email: "alice@example.com"}
	if err := server.CreateLocalAccount(ctx, a, u); err != nil {
		t.Fatal(err)
	}
	return url, server, a, u
}

// The write counter beside the file spares the read of cache_epochs while
// no process has written: this store's own writes do not move it for
// itself, another process's write does, and is then seen.
func TestSQLiteSharedCounterSparesEpochReads(t *testing.T) {
	ctx := context.Background()
	url, server, a, _ := sqliteServerWithAlice(t)
	if !db.HasEpochCounter(server) {
		t.Fatal("no shared counter beside a SQLite file")
	}
	db.SetEpochRecheck(server, time.Hour) // only the counter decides here
	request := func() *db.Account {
		t.Helper()
		acct, err := server.AccountByID(db.ReadsSince(ctx, time.Now()), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return acct
	}
	request()
	before := db.EpochReads(server)
	request()
	if n := db.EpochReads(server) - before; n != 0 {
		t.Errorf("a request after no write read cache_epochs %d times", n)
	}

	if err := server.ExecInlined(ctx, "UPDATE accounts SET note = ? WHERE id = ?", "own", a.ID); err != nil {
		t.Fatal(err)
	}
	if acct := request(); acct.Note != "own" {
		t.Errorf("the store's own write reads as %q", acct.Note)
	}
	if n := db.EpochReads(server) - before; n != 0 {
		t.Errorf("the store's own write made it read cache_epochs %d times", n)
	}

	admin, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.SuspendAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if acct := request(); !acct.Suspended() {
		t.Error("an account suspended by another process reads as not suspended")
	}
	if n := db.EpochReads(server) - before; n != 1 {
		t.Errorf("another process's write made it read cache_epochs %d times, want once", n)
	}
	// A write outside a transaction moves the counter too.
	if err := admin.ExecInlined(ctx, "UPDATE accounts SET note = ? WHERE id = ?", "admin", a.ID); err != nil {
		t.Fatal(err)
	}
	if acct := request(); acct.Note != "admin" {
		t.Errorf("a note written by another process reads as %q", acct.Note)
	}
}

// A writer that committed but never moved the counter (killed in between)
// is seen once the counter's word has aged past the recheck interval.
func TestSQLiteEpochRecheckBoundsASilentWriter(t *testing.T) {
	ctx := context.Background()
	url, server, a, _ := sqliteServerWithAlice(t)
	db.SetEpochRecheck(server, 50*time.Millisecond)
	for range 2 {
		if acct, err := server.AccountByID(db.ReadsSince(ctx, time.Now()), a.ID); err != nil || acct.Suspended() {
			t.Fatalf("account %+v, %v", acct, err)
		}
	}
	admin, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	db.DropEpochCounter(admin)
	if err := admin.SuspendAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if acct, err := server.AccountByID(db.ReadsSince(ctx, time.Now()), a.ID); err != nil || !acct.Suspended() {
		t.Errorf("a suspension the counter never heard of reads as %+v, %v after the recheck interval", acct, err)
	}
}

// Without the counter (a filesystem or OS without the mapping) every
// request reads cache_epochs, as before.
func TestSQLiteWithoutCounterReadsEveryRequest(t *testing.T) {
	ctx := context.Background()
	_, server, a, _ := sqliteServerWithAlice(t)
	db.DropEpochCounter(server)
	before := db.EpochReads(server)
	for range 3 {
		if _, err := server.AccountByID(db.ReadsSince(ctx, time.Now()), a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := db.EpochReads(server) - before; n != 3 {
		t.Errorf("3 requests read cache_epochs %d times", n)
	}
}
