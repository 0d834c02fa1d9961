package db

import (
	"reflect"
	"testing"
)

func TestParameterize(t *testing.T) {
	cases := []struct {
		name, query string
		postgres    bool
		want        string
		args        []any
	}{
		{"ids and strings", `SELECT "a"."id" FROM "accounts" AS "a" WHERE (a.id = 4200) AND (a.username = 'o''brien')`, false,
			`SELECT "a"."id" FROM "accounts" AS "a" WHERE (a.id = ?1) AND (a.username = ?2)`, []any{int64(4200), "o'brien"}},
		{"postgres placeholders", `SELECT * FROM t WHERE id IN (1001, 2002, 3003)`, true,
			`SELECT * FROM t WHERE id IN ($1, $2, $3)`, []any{int64(1001), int64(2002), int64(3003)}},
		{"limit and offset stay", `SELECT * FROM t WHERE x >= 7777 ORDER BY id DESC LIMIT 20 OFFSET 0`, false,
			`SELECT * FROM t WHERE x >= ?1 ORDER BY id DESC LIMIT 20 OFFSET 0`, []any{int64(7777)}},
		{"column positions stay", `SELECT a, b FROM t WHERE a = 5555 ORDER BY 1, 2`, false,
			`SELECT a, b FROM t WHERE a = ?1 ORDER BY 1, 2`, []any{int64(5555)}},
		{"values inside ORDER BY expressions", `SELECT a FROM t ORDER BY coalesce(a, 3333) DESC, b`, false,
			`SELECT a FROM t ORDER BY coalesce(a, ?1) DESC, b`, []any{int64(3333)}},
		{"typed literal stays", `SELECT * FROM t WHERE at > now() - interval '1 day' AND id = 9999`, true,
			`SELECT * FROM t WHERE at > now() - interval '1 day' AND id = $1`, []any{int64(9999)}},
		{"identifiers with digits", `SELECT s2.id FROM t AS s2 WHERE s2.c1 = 'x'`, false,
			`SELECT s2.id FROM t AS s2 WHERE s2.c1 = ?1`, []any{"x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, args, ok := parameterize(c.query, c.postgres)
			if !ok {
				t.Fatalf("not parameterized: %s", c.query)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			var values []any
			for i, a := range args {
				if a.Ordinal != i+1 {
					t.Errorf("arg %d has ordinal %d", i, a.Ordinal)
				}
				values = append(values, a.Value)
			}
			if !reflect.DeepEqual(values, c.args) {
				t.Errorf("args %v, want %v", values, c.args)
			}
		})
	}
}

func TestParameterizeLeavesAlone(t *testing.T) {
	for _, q := range []string{
		`INSERT INTO t (a) VALUES (1)`,
		`UPDATE t SET a = 1 WHERE id = 2`,
		`SELECT * FROM t WHERE id = ?`,
		`SELECT * FROM t WHERE id = $1`,
		`SELECT 1; DELETE FROM t`,
		`SELECT * FROM t WHERE a = 'unterminated`,
		`SELECT * FROM t -- a comment with 'quotes'`,
		`SELECT 1.5 FROM t`,
		`SELECT * FROM t`,
		`WITH x AS (SELECT 1) UPDATE t SET a = 5000 FROM x`,
	} {
		if got, _, ok := parameterize(q, false); ok {
			t.Errorf("%s\nbecame %s", q, got)
		}
	}
}

// Small integers are flags and enumerations: they stay in the SQL, where
// the planners match them against partial indexes.
func TestParameterizeKeepsSmallIntegers(t *testing.T) {
	got, args, ok := parameterize(`SELECT * FROM statuses AS s WHERE s.visibility = 0 AND s.account_id = 123456`, false)
	if !ok || got != `SELECT * FROM statuses AS s WHERE s.visibility = 0 AND s.account_id = ?1` || len(args) != 1 {
		t.Errorf("got %s %v %v", got, args, ok)
	}
}

// On SQLite the writes bun sends with their values written in run as one
// prepared statement per shape too: a row's values, the id an UPDATE or
// DELETE names, and a blob (X'…') become arguments.
func TestParameterizeWrite(t *testing.T) {
	cases := []struct {
		name, query, want string
		args              []any
	}{
		{"insert", `INSERT INTO "inbox_items" ("id", "signer", "body", "attempts", "claimed_until") VALUES (123456789, 'https://x/a', X'7b7d', 0, NULL)`,
			`INSERT INTO "inbox_items" ("id", "signer", "body", "attempts", "claimed_until") VALUES (?1, ?2, ?3, 0, NULL)`,
			[]any{int64(123456789), "https://x/a", []byte("{}")}},
		{"update", `UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = '2026-12-06 17:00:00+00:00' WHERE (id = 4242)`,
			`UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = ?1 WHERE (id = ?2)`,
			[]any{"2026-12-06 17:00:00+00:00", int64(4242)}},
		{"delete", `DELETE FROM "inbox_items" AS "ii" WHERE (id = 98765)`, `DELETE FROM "inbox_items" AS "ii" WHERE (id = ?1)`, []any{int64(98765)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, args, ok := parameterizeWrite(c.query, false)
			if !ok || got != c.want {
				t.Fatalf("got  %s (%v)\nwant %s", got, ok, c.want)
			}
			var values []any
			for _, a := range args {
				values = append(values, a.Value)
			}
			if !reflect.DeepEqual(values, c.args) {
				t.Errorf("args %v, want %v", values, c.args)
			}
		})
	}
	for _, q := range []string{
		`SELECT * FROM t WHERE id = 4242`, // parameterize's
		`WITH x AS (SELECT 1) UPDATE t SET a = 5000 FROM x`,
		`INSERT INTO t (a) VALUES (?)`,
		`INSERT INTO t (a) VALUES (X'7g')`,
		`CREATE TABLE t (a BIGINT DEFAULT 5000)`,
	} {
		if got, _, ok := parameterizeWrite(q, false); ok {
			t.Errorf("%s\nbecame %s", q, got)
		}
	}
}
