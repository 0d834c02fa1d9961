package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The home feed (table home_feed) is a materialised index of the home
// timeline: for each local account, the ids of the statuses that pass the
// home rule (onHomeOf) for it, so HomeTimeline reads ~40 rows of it per page
// instead of scanning statuses backwards until 40 match — which took
// seconds for an account that follows a few quiet accounts.
//
// It never decides anything: rows are written by SQL that evaluates onHomeOf
// with the account as a column (the same rule, the same text), and
// HomeTimeline applies onHomeOf, visibility and mutes again to every row it
// reads. What it must guarantee is completeness: every status that passes
// onHomeOf for an account, with an id at or above the account's floor
// (table home_feed_floors; no row: 0), has a row. So a row is written
//
//   - when a status is stored (InsertStatus, the one place where status rows
//     are born: local posts, received and fetched statuses, boosts,
//     scheduled and approved posts) — for its author if local, the author's
//     local followers and the local followers of its hashtags, which are
//     everyone the rule can let it through to; and again after an edit,
//     which may add hashtags;
//   - when something makes older statuses pass: a follow accepted (the
//     target's statuses, and replies to the target by accounts already
//     followed), boosts turned back on, a hashtag followed.
//
// Backfills read a bounded number of statuses (homeFeedBackfill of each
// source) and raise the floor to the oldest one they reached when the
// source had more; the trim (TrimHomeFeeds, hourly) keeps the newest
// homeFeedKeep rows and raises the floor likewise. Below the floor
// HomeTimeline falls back to the scan of statuses, so deep pages still come
// out exactly as before.
//
// Rows whose status no longer passes (an unfollow, a hashtag unfollowed,
// boosts turned off, a block ending follows) are removed when that happens,
// keeping those that still pass (a third party's boost of the unfollowed
// account's status); a row left over by a race is harmless, since the read
// applies the rule. Blocks, domain blocks, suspensions and mutes change
// visibility, not the home rule: their rows stay and the read hides them,
// so lifting them needs no backfill. Deleted statuses and accounts take
// their rows with them (foreign keys).
//
// A known gap, as in Mastodon: on PostgreSQL, a status stored in one
// transaction while a follow of its author is accepted in another, both
// between the other's fan-out and commit, has no row for that follower.
var (
	homeFeedKeep        = 800  // rows kept per account by the trim
	homeFeedBackfill    = 400  // statuses read per source by a backfill
	homeFeedReplyWindow = 1000 // newest replies to a newly followed account looked at
)

// fanOutHome writes the rows of a stored (or edited) status: for each local
// account it is on the home timeline of — among its author, the author's
// followers and the followers of its hashtags, the only accounts onHomeOf
// can let it through to. On PostgreSQL the statement is prepared (planning
// it cost more than running it, bench/inbox); on SQLite the writer
// connection keeps it (stmtcache.go's cachedExec), since the transaction
// holds the one connection a database/sql statement could be prepared on.
func (t *Tx) fanOutHome(ctx context.Context, s *Status) error {
	args := []any{s.AccountID, s.AccountID, s.ID, s.ID}
	var err error
	if t.d.dialect == Postgres {
		var stmt *sql.Stmt
		if stmt, err = t.d.statement(ctx, "home fan-out", func() (string, error) { return t.d.fanOutSQL(), nil }); err == nil {
			_, err = t.tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
		}
	} else {
		_, err = t.tx.Tx.ExecContext(ctx, t.d.fanOutSQL(), args...) // past bun: the placeholders are numbered
	}
	if err != nil {
		return fmt.Errorf("db: home feed fan-out: %w", err)
	}
	return nil
}

// fanOutSQL is fanOutHome's statement: the author, the status's author
// again, the status and the status again are its arguments. Followers are
// narrowed to local accounts before the candidates are joined: with
// 100,000 remote followers, a set of every follower cost more than the
// rest of the post (bench/delivery -shared).
//
// The candidates are a UNION ALL (an account both following the author and
// one of the tags gives two rows, and ON CONFLICT drops the second) read
// first (CROSS JOIN keeps SQLite's order): a UNION, or a plan that scans
// the local accounts and looks them up in the candidates, made SQLite build
// two or three temporary b-trees on every post, each mapping and unmapping
// its own page cache (bench/inbox).
func (d *DB) fanOutSQL() string {
	home, _ := onHomeOf("s", columnViewer("cand.id")) // a column viewer takes no arguments
	return `INSERT INTO home_feed (account_id, status_id)
		SELECT cand.id, s.id FROM (SELECT CAST(` + d.placeholder(1) + ` AS BIGINT) AS id
			UNION ALL SELECT fo.account_id FROM follows fo JOIN accounts foa ON foa.id = fo.account_id AND foa.domain = ''
				WHERE fo.target_account_id = ` + d.placeholder(2) + ` AND fo.accepted = TRUE
			UNION ALL SELECT fot.account_id FROM status_tags fost JOIN followed_tags fot ON fot.tag_id = fost.tag_id WHERE fost.status_id = ` + d.placeholder(3) + `) c
		CROSS JOIN accounts cand CROSS JOIN statuses s
		WHERE cand.id = c.id AND s.id = ` + d.placeholder(4) + ` AND cand.domain = '' AND ` + home + ` ON CONFLICT DO NOTHING`
}

// homeFeedFollowed backfills viewer's feed after its follow of target was
// accepted (or its boosts turned back on): the target's newest statuses,
// and the newest replies to the target, which the reply rule now lets
// through from accounts viewer already follows.
func (t *Tx) homeFeedFollowed(ctx context.Context, viewer, target int64) error {
	if local, err := t.isLocal(ctx, viewer); err != nil || !local {
		return err
	}
	low, err := t.homeFeedFrom(ctx, viewer, "SELECT id FROM statuses WHERE account_id = ? ORDER BY id DESC", homeFeedBackfill,
		"statuses s WHERE s.account_id = ? AND s.id >= ?", target)
	if err != nil {
		return err
	}
	lowReplies, err := t.homeFeedFrom(ctx, viewer, "SELECT id FROM statuses WHERE in_reply_to_account_id = ? ORDER BY id DESC", homeFeedReplyWindow,
		"statuses s WHERE s.in_reply_to_account_id = ? AND s.id >= ?", target)
	if err != nil {
		return err
	}
	return t.raiseHomeFloor(ctx, viewer, max(low, lowReplies))
}

// homeFeedTagFollowed backfills viewer's feed with the newest statuses of
// a hashtag it now follows.
func (t *Tx) homeFeedTagFollowed(ctx context.Context, viewer, tagID int64) error {
	if local, err := t.isLocal(ctx, viewer); err != nil || !local {
		return err
	}
	low, err := t.homeFeedFrom(ctx, viewer, "SELECT status_id FROM status_tags WHERE tag_id = ? ORDER BY status_id DESC", homeFeedBackfill,
		"status_tags bst JOIN statuses s ON s.id = bst.status_id WHERE bst.tag_id = ? AND bst.status_id >= ?", tagID)
	if err != nil {
		return err
	}
	return t.raiseHomeFloor(ctx, viewer, low)
}

// homeFeedFrom writes viewer's rows for one source of statuses: newest
// lists the source's status ids newest first (one argument, key), from is
// the FROM … WHERE of its statuses s taking key and the lowest id to look
// at. At most n statuses are looked at; if the source has more, the
// returned id is the oldest one looked at (the feed is complete for this
// source from there up), else 0.
func (t *Tx) homeFeedFrom(ctx context.Context, viewer int64, newest string, n int, from string, key int64) (int64, error) {
	low, err := t.nthID(ctx, newest, key, n)
	if err != nil {
		return 0, err
	}
	home, args := onHomeOf("s", boundViewer(ViewerOf(viewer)))
	query := "INSERT INTO home_feed (account_id, status_id) SELECT ?, s.id FROM " + from + " AND " + home + " ON CONFLICT DO NOTHING"
	if _, err := t.tx.NewRaw(query, append([]any{viewer, key, low}, args...)...).Exec(ctx); err != nil {
		return 0, fmt.Errorf("db: home feed backfill: %w", err)
	}
	return low, nil
}

// nthID returns the n-th id a query lists (one argument), 0 if it lists
// fewer.
func (t *Tx) nthID(ctx context.Context, query string, arg int64, n int) (int64, error) {
	var id int64
	err := t.tx.NewRaw(query+" LIMIT 1 OFFSET ?", arg, n-1).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("db: home feed bound: %w", err)
	}
	return id, nil
}

// raiseHomeFloor raises viewer's floor to id (it never goes down).
func (t *Tx) raiseHomeFloor(ctx context.Context, viewer, id int64) error {
	if id <= 0 {
		return nil
	}
	_, err := t.tx.NewRaw(`INSERT INTO home_feed_floors (account_id, floor_id) VALUES (?, ?)
		ON CONFLICT (account_id) DO UPDATE SET floor_id = CASE WHEN excluded.floor_id > home_feed_floors.floor_id
			THEN excluded.floor_id ELSE home_feed_floors.floor_id END`, viewer, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: home feed floor: %w", err)
	}
	return nil
}

// pruneHomeFeed removes from viewer's feed the rows of statuses s matching
// which that no longer pass the home rule (after an unfollow, a hashtag
// unfollowed, boosts turned off). Rows that still pass stay.
func (t *Tx) pruneHomeFeed(ctx context.Context, viewer int64, which string, whichArgs ...any) error {
	home, args := onHomeOf("s", boundViewer(ViewerOf(viewer)))
	query := `DELETE FROM home_feed WHERE account_id = ? AND status_id IN (SELECT s.id FROM home_feed pf JOIN statuses s ON s.id = pf.status_id
		WHERE pf.account_id = ? AND (` + which + `) AND NOT COALESCE((` + home + `), FALSE))`
	all := append(append([]any{viewer, viewer}, whichArgs...), args...)
	if _, err := t.tx.NewRaw(query, all...).Exec(ctx); err != nil {
		return fmt.Errorf("db: home feed prune: %w", err)
	}
	return nil
}

// pruneHomeFeedsOfRepliesTo removes, from every feed, rows of replies to
// the accounts matched by accounts (a condition on accounts ra) that no
// longer pass the home rule: an instance-wide domain block drops follows
// in bulk.
func (t *Tx) pruneHomeFeedsOfRepliesTo(ctx context.Context, accounts string, accountArgs ...any) error {
	home, args := onHomeOf("s", columnViewer("pf.account_id"))
	query := `DELETE FROM home_feed WHERE (account_id, status_id) IN (SELECT pf.account_id, pf.status_id FROM home_feed pf
		JOIN statuses s ON s.id = pf.status_id
		WHERE s.in_reply_to_account_id IN (SELECT ra.id FROM accounts ra WHERE ` + accounts + `) AND NOT COALESCE((` + home + `), FALSE))`
	if _, err := t.tx.NewRaw(query, append(accountArgs, args...)...).Exec(ctx); err != nil {
		return fmt.Errorf("db: home feed prune: %w", err)
	}
	return nil
}

func (t *Tx) isLocal(ctx context.Context, id int64) (bool, error) {
	n, err := t.tx.NewSelect().Table("accounts").Where("id = ? AND domain = ''", id).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("db: account is local: %w", err)
	}
	return n > 0, nil
}

// trimHomeFeed keeps the newest homeFeedKeep rows of viewer's feed, and
// none below its floor.
func (t *Tx) trimHomeFeed(ctx context.Context, viewer int64) error {
	cut, err := t.nthID(ctx, "SELECT status_id FROM home_feed WHERE account_id = ? ORDER BY status_id DESC", viewer, homeFeedKeep)
	if err != nil {
		return err
	}
	if err := t.raiseHomeFloor(ctx, viewer, cut); err != nil {
		return err
	}
	_, err = t.tx.NewRaw("DELETE FROM home_feed WHERE account_id = ? AND status_id < (SELECT floor_id FROM home_feed_floors WHERE account_id = ?)",
		viewer, viewer).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: trim home feed: %w", err)
	}
	return nil
}

// TrimHomeFeeds keeps the newest 800 rows of every home feed (Mastodon
// keeps as many): older pages are served by the scan of statuses. The
// engine runs it hourly; it returns how many feeds it trimmed.
func (d *DB) TrimHomeFeeds(ctx context.Context) (int, error) {
	var ids []int64
	if err := d.r.NewRaw("SELECT account_id FROM home_feed GROUP BY account_id HAVING count(*) > ?", homeFeedKeep).Scan(ctx, &ids); err != nil {
		return 0, fmt.Errorf("db: feeds to trim: %w", err)
	}
	for _, id := range ids {
		if err := d.InTx(ctx, func(t *Tx) error { return t.trimHomeFeed(ctx, id) }); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// RebuildHomeFeed writes a local account's feed anew from its own
// statuses, the accounts and hashtags it follows (the newest 400 of each),
// then trims it. For data loaded past InsertStatus (benchmarks, imports).
func (d *DB) RebuildHomeFeed(ctx context.Context, viewer int64) error {
	return d.InTx(ctx, func(t *Tx) error {
		for _, q := range []string{"DELETE FROM home_feed WHERE account_id = ?", "DELETE FROM home_feed_floors WHERE account_id = ?"} {
			if _, err := t.tx.NewRaw(q, viewer).Exec(ctx); err != nil {
				return fmt.Errorf("db: rebuild home feed: %w", err)
			}
		}
		var follows, tags []int64
		if err := t.tx.NewRaw("SELECT target_account_id FROM follows WHERE account_id = ? AND accepted = TRUE", viewer).Scan(ctx, &follows); err != nil {
			return fmt.Errorf("db: rebuild home feed: %w", err)
		}
		if err := t.tx.NewRaw("SELECT tag_id FROM followed_tags WHERE account_id = ?", viewer).Scan(ctx, &tags); err != nil {
			return fmt.Errorf("db: rebuild home feed: %w", err)
		}
		floor := int64(0)
		for _, author := range append(follows, viewer) {
			low, err := t.homeFeedFrom(ctx, viewer, "SELECT id FROM statuses WHERE account_id = ? ORDER BY id DESC", homeFeedBackfill,
				"statuses s WHERE s.account_id = ? AND s.id >= ?", author)
			if err != nil {
				return err
			}
			floor = max(floor, low)
		}
		for _, tag := range tags {
			if err := t.homeFeedTagFollowed(ctx, viewer, tag); err != nil {
				return err
			}
		}
		if err := t.raiseHomeFloor(ctx, viewer, floor); err != nil {
			return err
		}
		return t.trimHomeFeed(ctx, viewer)
	})
}

// homeFeedFloor is the lowest status id from which viewer's feed is
// complete (0: all of it). A statement prepared once, as the page's own:
// through bun and the statement cache this one-row read cost a fifth as
// much CPU as the page's query (bench/readpath, home).
func (d *DB) homeFeedFloor(ctx context.Context, viewer int64) (int64, error) {
	stmt, err := d.statement(ctx, "home feed floor", func() (string, error) {
		return "SELECT floor_id FROM home_feed_floors WHERE account_id = " + d.blindPlaceholder(1), nil
	})
	if err != nil {
		return 0, fmt.Errorf("db: home feed floor: %w", err)
	}
	var floor int64
	err = stmt.QueryRowContext(ctx, viewer).Scan(&floor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("db: home feed floor: %w", err)
	}
	return floor, nil
}
