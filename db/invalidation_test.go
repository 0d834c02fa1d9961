package db

import "testing"

func TestWrittenTables(t *testing.T) {
	cases := []struct {
		query string
		want  table
	}{
		{`SELECT * FROM accounts WHERE id = 1`, 0},
		{`UPDATE "accounts" SET display_name = 'users' WHERE id = 1`, tableAccounts},
		{`INSERT INTO oauth_tokens (id) VALUES (1) RETURNING id`, tableTokens},
		{`DELETE FROM "oauth_apps" AS "a" WHERE id = 2`, tableApps},
		{`WITH x AS (SELECT id FROM users) UPDATE statuses SET a = 1 FROM x`, tableUsers | tableStatuses},
		{`INSERT INTO favourites (status_id) VALUES (1)`, 0},
		{`ALTER TABLE Accounts ADD COLUMN x INT`, tableAccounts},
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
