package db

import "testing"

func TestWrittenTables(t *testing.T) {
	cases := []struct {
		query string
		want  table
	}{
		{`SELECT * FROM accounts WHERE id = 1`, 0},
		{`UPDATE "accounts" SET display_name = 'users' WHERE id = 1`, tableAccounts | tableAccountRows},
		// The counters every post moves, on both dialects, with values and with placeholders.
		{`UPDATE "accounts" SET statuses_count = MAX(statuses_count + 1, 0), last_status_at = '2026-12-06 10:00:00+00:00' WHERE (id = 7)`, tableAccounts},
		{`UPDATE "accounts" SET statuses_count = GREATEST(statuses_count + $1, 0) WHERE (id = $2)`, tableAccounts},
		{`UPDATE "accounts" SET followers_count = MAX(followers_count + ?1, 0) WHERE (id = ?2)`, tableAccounts},
		{`UPDATE "accounts" AS "a" SET suspended_at = COALESCE(suspended_at, ?1), updated_at = ?2 WHERE (id = ?3)`, tableAccounts | tableAccountRows},
		{`UPDATE accounts SET statuses_count = 0, display_name = 'x' WHERE id = 1`, tableAccounts | tableAccountRows},
		{`UPDATE accounts SET statuses_count = 0 WHERE id = 1; DELETE FROM accounts`, tableAccounts | tableAccountRows},
		{`DELETE FROM "accounts" WHERE id = 3`, tableAccounts | tableAccountRows},
		{`INSERT INTO "accounts" ("id", "username") VALUES (1, 'a')`, tableAccounts | tableAccountRows},
		// The home feed's fan-out reads accounts: it writes home_feed.
		{`INSERT INTO home_feed (account_id, status_id) SELECT c.id, 1 FROM follows fo JOIN accounts a ON a.id = fo.account_id`, tableAccounts},
		{`UPDATE "follows" AS "f" SET accepted = TRUE WHERE id = 1`, tableFollows},
		{`DELETE FROM follows WHERE account_id IN (SELECT id FROM accounts)`, tableAccounts | tableFollows},
		{`WITH x AS (DELETE FROM accounts RETURNING id) INSERT INTO home_feed SELECT id FROM x`, tableAccounts | tableAccountRows},
		{`INSERT INTO oauth_tokens (id) VALUES (1) RETURNING id`, tableTokens},
		{`DELETE FROM "oauth_apps" AS "a" WHERE id = 2`, tableApps},
		{`WITH x AS (SELECT id FROM users) UPDATE statuses SET a = 1 FROM x`, tableUsers | tableStatuses},
		{`INSERT INTO favourites (status_id) VALUES (1)`, 0},
		{`INSERT INTO "domain_blocks" ("domain", "severity") VALUES ('b.example', 'suspend')`, tableDomainBlocks},
		{`DELETE FROM account_domain_blocks WHERE domain = 'b.example'`, 0},
		{`ALTER TABLE Accounts ADD COLUMN x INT`, tableAccounts | tableAccountRows},
	}
	for _, c := range cases {
		if got := writtenTables(c.query); got != c.want {
			t.Errorf("%s: %b, want %b", c.query, got, c.want)
		}
	}
}

// A cached row read before a write is never served after it.
func TestReadCacheGenerations(t *testing.T) {
	gens := &generations{}
	c := newReadCache[int, string](gens, tableAccounts)
	gen := c.generation()
	gens.advance(tableAccounts) // a write lands while the row is read
	c.put(1, "old", gen)
	if _, ok := c.get(1); ok {
		t.Fatal("a row read under an older generation was kept")
	}
	c.put(1, "new", c.generation())
	if v, ok := c.get(1); !ok || v != "new" {
		t.Fatalf("get: %q %v", v, ok)
	}
	gens.advance(tableUsers)
	if _, ok := c.get(1); !ok {
		t.Error("a write to another table dropped the row")
	}
	gens.advance(tableAccounts | tableStatuses)
	if _, ok := c.get(1); ok {
		t.Error("a write to its table left the row")
	}
}

// What a token resolves to is cached by what can change it: a write of
// any account (every federated post counts its author's statuses) leaves
// tokens and users, and drops only accounts; a write of the user or the
// token drops its entry.
func TestTokenAndUserCachesIgnoreAccountWrites(t *testing.T) {
	gens := &generations{}
	r := newReadCaches(gens)
	fill := func() {
		r.tokens.put("h", Token{ID: 1}, r.tokens.generation())
		r.users.put(1, User{ID: 1}, r.users.generation())
		r.accounts.put(1, Account{ID: 1}, r.accounts.generation())
	}
	fill()
	gens.advance(tableAccounts | tableStatuses | tableFollows | tableInstances)
	if _, ok := r.tokens.get("h"); !ok {
		t.Error("a write of accounts dropped the token")
	}
	if _, ok := r.users.get(1); !ok {
		t.Error("a write of accounts dropped the user")
	}
	if _, ok := r.accounts.get(1); ok {
		t.Error("a write of accounts left the account")
	}
	for _, written := range []table{tableTokens, tableApps, tableUsers} {
		fill()
		gens.advance(written)
		if _, ok := r.tokens.get("h"); ok {
			t.Errorf("a write of %b left the token", written)
		}
	}
	fill()
	gens.advance(tableUsers)
	if _, ok := r.users.get(1); ok {
		t.Error("a write of users left the user")
	}
}

// The home feed's fan-out, run on every post that has local followers,
// reads accounts and follows: it must not pass for a write of either's
// rows, or the contact and the follow-request counts would be read again
// after every post.
func TestFanOutWritesNoAccountRowsNorFollows(t *testing.T) {
	for _, d := range []*DB{{dialect: SQLite}, {dialect: Postgres}} {
		if got := writtenTables(d.fanOutSQL()); got&(tableAccountRows|tableFollows) != 0 {
			t.Errorf("%s: the fan-out writes %b", d.dialect, got)
		}
	}
}
