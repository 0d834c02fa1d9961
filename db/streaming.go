package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// Queries of the streaming API: the bus that carries events between Kontor
// processes sharing one PostgreSQL database (LISTEN/NOTIFY), and the batch
// queries that decide in one query per event which of the connected
// accounts receive a status — with the same rules as the REST timelines.

// ErrNoBus is returned by Listen when the store cannot carry notifications
// between processes (SQLite: there is only one process).
var ErrNoBus = errors.New("db: this store has no cross-process notifications")

// SharedBus reports whether several processes may share this store, so that
// events must cross processes through Notify and Listen (PostgreSQL).
func (d *DB) SharedBus() bool { return d.dialect == Postgres }

// BusChannel names a bus channel scoped to the current schema: PostgreSQL
// channels are per database, and several instances (test harnesses among
// them) may keep their own schemas in one database. Pass its result to
// Notify and Listen.
func (d *DB) BusChannel(ctx context.Context, name string) (string, error) {
	if !d.SharedBus() {
		return name, nil
	}
	var schema string
	if err := d.w.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", fmt.Errorf("db: current schema: %w", err)
	}
	sum := sha256.Sum256([]byte(schema))
	return "kontor_" + name + "_" + hex.EncodeToString(sum[:6]), nil
}

// Notify sends payload (at most ~8000 bytes) to every process listening on
// channel, the sender included. It does nothing on SQLite.
func (d *DB) Notify(ctx context.Context, channel, payload string) error {
	if !d.SharedBus() {
		return nil
	}
	if _, err := d.w.ExecContext(ctx, "SELECT pg_notify(?, ?)", channel, payload); err != nil {
		return fmt.Errorf("db: notify: %w", err)
	}
	return nil
}

// Listen receives the payloads sent to channel on a dedicated connection
// that reconnects by itself (notifications sent while it reconnects are
// lost). stop closes the connection and then the returned channel.
// ErrNoBus on SQLite.
func (d *DB) Listen(ctx context.Context, channel string) (payloads <-chan string, stop func(), err error) {
	if !d.SharedBus() {
		return nil, nil, ErrNoBus
	}
	ln := pgdriver.NewListener(d.w)
	if err := ln.Listen(ctx, channel); err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("db: listen: %w", err)
	}
	in := ln.Channel(pgdriver.WithChannelSize(4096))
	out := make(chan string, 64)
	go func() {
		defer close(out)
		for n := range in {
			if n.Channel == channel {
				out <- n.Payload
			}
		}
	}()
	var once sync.Once
	return out, func() { once.Do(func() { ln.Close() }) }, nil
}

// ViewersWhoMaySee returns the candidates who may see a status, by the one
// visibility rule (visibleTo) evaluated for every candidate in one query.
func (d *DB) ViewersWhoMaySee(ctx context.Context, statusID int64, candidates []int64) ([]int64, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	cond, args := visibleToColumn("s", "cand.id")
	var ids []int64
	err := d.withoutJIT(ctx, func(q bun.IDB) error {
		return q.NewRaw("SELECT cand.id FROM accounts cand JOIN statuses s ON s.id = ? WHERE cand.id IN (?) AND "+cond,
			append([]any{statusID, bun.List(candidates)}, args...)...).Scan(ctx, &ids)
	})
	if err != nil {
		return nil, fmt.Errorf("db: viewers who may see: %w", err)
	}
	return ids, nil
}

// StatusAudience decides, in one query, which candidates a new or edited
// status reaches: those who may see it (visibleTo) and do not mute its
// author (notMutedBy), as on every REST timeline. The value says whether
// it belongs on the candidate's home timeline (onHomeOf, HomeTimeline's
// rule). Candidates it does not reach are absent.
func (d *DB) StatusAudience(ctx context.Context, statusID int64, candidates []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(candidates) == 0 {
		return out, nil
	}
	home, homeArgs := onHomeOf("s", columnViewer("cand.id"))
	vis, visArgs := visibleToColumn("s", "cand.id")
	muted, mutedArgs := notMutedBySQL("s", columnViewer("cand.id"))
	args := append(homeArgs, statusID, bun.List(candidates))
	args = append(append(args, visArgs...), mutedArgs...)
	var rows []struct {
		AccountID int64 `bun:"account_id"`
		Home      bool  `bun:"home"`
	}
	err := d.withoutJIT(ctx, func(q bun.IDB) error {
		return q.NewRaw("SELECT cand.id AS account_id, ("+home+") AS home FROM accounts cand JOIN statuses s ON s.id = ?"+
			" WHERE cand.id IN (?) AND "+vis+" AND "+muted, args...).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, fmt.Errorf("db: status reach: %w", err)
	}
	for _, r := range rows {
		out[r.AccountID] = r.Home
	}
	return out, nil
}

// withoutJIT runs a read without PostgreSQL's JIT compilation: the
// candidate queries above are large, so the planner's cost estimate
// passes jit_above_cost and compiling them takes ~70 ms, eight times what
// running them takes.
func (d *DB) withoutJIT(ctx context.Context, fn func(bun.IDB) error) error {
	if d.dialect != Postgres {
		return fn(d.r)
	}
	return d.r.RunInTx(ctx, &sql.TxOptions{ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
			return err
		}
		return fn(tx)
	})
}

// ListTarget is a list that shows a status, and its owner.
type ListTarget struct {
	ListID  int64 `bun:"list_id"`
	OwnerID int64 `bun:"owner_id"`
}

// ListsShowing returns which of listIDs show a status: it is by a member
// (a boost too, unless the owner turned off the member's boosts), and a
// reply only as the list's replies policy allows (self-replies and replies
// to the owner always) — the rule of the list timeline. Whether the owner
// may see it is StatusAudience's business.
func (d *DB) ListsShowing(ctx context.Context, statusID int64, listIDs []int64) ([]ListTarget, error) {
	if len(listIDs) == 0 {
		return nil, nil
	}
	var out []ListTarget
	err := d.r.NewRaw(`SELECT l.id AS list_id, l.account_id AS owner_id FROM lists l JOIN statuses s ON s.id = ?
		WHERE l.id IN (?)
		AND EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id AND la.account_id = s.account_id)
		AND (s.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM follows lf WHERE lf.account_id = l.account_id AND lf.target_account_id = s.account_id AND lf.show_reblogs = FALSE))
		AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = l.account_id
			OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows lr WHERE lr.account_id = l.account_id AND lr.target_account_id = s.in_reply_to_account_id AND lr.accepted = TRUE))
			OR (l.replies_policy NOT IN ('followed', 'none') AND EXISTS (SELECT 1 FROM list_accounts lm WHERE lm.list_id = l.id AND lm.account_id = s.in_reply_to_account_id)))`,
		statusID, bun.List(listIDs)).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("db: lists showing: %w", err)
	}
	return out, nil
}

// ListOwner returns the account that owns a list (ErrNotFound if none).
func (d *DB) ListOwner(ctx context.Context, listID int64) (int64, error) {
	var owner int64
	err := d.r.NewRaw("SELECT account_id FROM lists WHERE id = ?", listID).Scan(ctx, &owner)
	return owner, notFound(err)
}

// FollowersAmong returns the candidates that follow target (accepted).
func (d *DB) FollowersAmong(ctx context.Context, targetID int64, candidates []int64) ([]int64, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	var ids []int64
	err := d.r.NewRaw("SELECT account_id FROM follows WHERE target_account_id = ? AND accepted = TRUE AND account_id IN (?)",
		targetID, bun.List(candidates)).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: followers among: %w", err)
	}
	return ids, nil
}

// InteractionsOfViewers is ViewerInteractions for many viewers at once (at
// most five queries): what each of them did to statusIDs and which of
// threadIDs each muted. Every viewer gets an entry; its maps stay nil while
// empty (reading a nil map is fine).
func (d *DB) InteractionsOfViewers(ctx context.Context, viewers, statusIDs, threadIDs []int64) (map[int64]*Interactions, error) {
	out := make(map[int64]*Interactions, len(viewers))
	for _, v := range viewers {
		out[v] = &Interactions{}
	}
	if len(viewers) == 0 {
		return out, nil
	}
	load := func(query string, set func(*Interactions) *map[int64]bool, args ...any) error {
		var rows []struct {
			AccountID int64 `bun:"account_id"`
			ID        int64 `bun:"id"`
		}
		if err := d.r.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
			return fmt.Errorf("db: interactions of viewers: %w", err)
		}
		for _, r := range rows {
			if in := out[r.AccountID]; in != nil {
				m := set(in)
				if *m == nil {
					*m = map[int64]bool{}
				}
				(*m)[r.ID] = true
			}
		}
		return nil
	}
	vs := bun.List(viewers)
	if len(statusIDs) > 0 {
		ids := bun.List(statusIDs)
		for _, q := range []struct {
			query string
			set   func(*Interactions) *map[int64]bool
		}{
			{"SELECT account_id, status_id AS id FROM favourites WHERE account_id IN (?) AND status_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Favourited }},
			{"SELECT account_id, reblog_of_id AS id FROM statuses WHERE account_id IN (?) AND reblog_of_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Reblogged }},
			{"SELECT account_id, status_id AS id FROM bookmarks WHERE account_id IN (?) AND status_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Bookmarked }},
			{"SELECT account_id, status_id AS id FROM pins WHERE account_id IN (?) AND status_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Pinned }},
		} {
			if err := load(q.query, q.set, vs, ids); err != nil {
				return nil, err
			}
		}
	}
	if len(threadIDs) > 0 {
		if err := load("SELECT account_id, thread_id AS id FROM thread_mutes WHERE account_id IN (?) AND thread_id IN (?)",
			func(in *Interactions) *map[int64]bool { return &in.MutedThreads }, vs, bun.List(threadIDs)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PollChoicesOfViewers returns the choices each of viewers made in a poll
// (viewers who did not vote are absent).
func (d *DB) PollChoicesOfViewers(ctx context.Context, pollID int64, viewers []int64) (map[int64][]int, error) {
	out := map[int64][]int{}
	if len(viewers) == 0 {
		return out, nil
	}
	var rows []struct {
		AccountID int64 `bun:"account_id"`
		Choice    int   `bun:"choice"`
	}
	err := d.r.NewRaw("SELECT account_id, choice FROM poll_votes WHERE poll_id = ? AND account_id IN (?) ORDER BY choice",
		pollID, bun.List(viewers)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: poll choices of viewers: %w", err)
	}
	for _, r := range rows {
		out[r.AccountID] = append(out[r.AccountID], r.Choice)
	}
	return out, nil
}

// NotificationShown returns a notification of accountID if its notification
// list would show it (the very query of Notifications, narrowed to the
// one id), ErrNotFound otherwise.
func (d *DB) NotificationShown(ctx context.Context, accountID, id int64) (*Notification, error) {
	list, err := d.Notifications(ctx, accountID, NotificationFilter{}, Page{MaxID: id + 1, SinceID: id - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return list[0], nil
}

// ConversationRef is a participant's conversation row for a thread of
// direct messages.
type ConversationRef struct {
	ID             int64
	Unread         bool
	ParticipantIDs []int64 // the others
}

// ConversationOf returns an account's conversation row for a thread
// (ErrNotFound if it has none).
func (d *DB) ConversationOf(ctx context.Context, accountID, threadID int64) (*ConversationRef, error) {
	var row struct {
		ID           int64  `bun:"id"`
		Unread       bool   `bun:"unread"`
		Participants string `bun:"participant_ids"`
	}
	err := d.r.NewRaw("SELECT id, unread, participant_ids FROM conversations WHERE account_id = ? AND thread_id = ?",
		accountID, threadID).Scan(ctx, &row)
	if err != nil {
		return nil, notFound(err)
	}
	c := &ConversationRef{ID: row.ID, Unread: row.Unread}
	if err := json.Unmarshal([]byte(row.Participants), &c.ParticipantIDs); err != nil {
		return nil, fmt.Errorf("db: conversation participants: %w", err)
	}
	return c, nil
}

// ActiveFiltersOf is ActiveFilters for many accounts in a fixed number of
// queries: each account's unexpired filters with keywords and statuses.
func (d *DB) ActiveFiltersOf(ctx context.Context, accountIDs []int64) (map[int64][]*Filter, error) {
	out := map[int64][]*Filter{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var list []*Filter
	err := d.r.NewSelect().Model(&list).Relation("Keywords").Relation("Statuses").
		Where("fl.account_id IN (?)", bun.List(accountIDs)).Where("fl.expires_at IS NULL OR fl.expires_at > ?", now()).
		Order("fl.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: filters of accounts: %w", err)
	}
	for _, f := range list {
		out[f.AccountID] = append(out[f.AccountID], f)
	}
	return out, nil
}
