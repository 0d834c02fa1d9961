package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// LockPoll re-reads a poll inside the transaction, locking its row on
// PostgreSQL so that concurrent votes count one after the other (SQLite
// transactions hold the write lock from their start).
func (t *Tx) LockPoll(ctx context.Context, id int64) (*Poll, error) {
	p := new(Poll)
	q := t.tx.NewSelect().Model(p).Where("p.id = ?", id)
	if t.d.dialect == Postgres {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	return p, notFound(err)
}

// VotedOn reports whether the account has voted on the poll.
func (t *Tx) VotedOn(ctx context.Context, pollID, accountID int64) (bool, error) {
	ok, err := t.tx.NewSelect().Model((*PollVote)(nil)).Where("poll_id = ? AND account_id = ?", pollID, accountID).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("db: voted on: %w", err)
	}
	return ok, nil
}

// InsertPollVotes records votes (missing IDs and the time are filled in).
// A vote already recorded for the same choice is ErrConflict.
func (t *Tx) InsertPollVotes(ctx context.Context, votes []*PollVote) error {
	if len(votes) == 0 {
		return nil
	}
	ts := now()
	for _, v := range votes {
		if v.ID == 0 {
			v.ID = t.d.NewID()
		}
		v.CreatedAt = ts
	}
	if _, err := t.tx.NewInsert().Model(&votes).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return ErrConflict
		}
		return fmt.Errorf("db: insert poll votes: %w", err)
	}
	return nil
}

// SavePollTallies writes a poll's per-option counts, votes_count and
// voters_count (after votes; the row is locked by LockPoll).
func (t *Tx) SavePollTallies(ctx context.Context, p *Poll) error {
	options, err := json.Marshal(p.Options)
	if err != nil {
		return err
	}
	p.UpdatedAt = now()
	_, err = t.tx.NewUpdate().Model((*Poll)(nil)).Set("options = ?", string(options)).Set("votes_count = ?", p.VotesCount).
		Set("voters_count = ?", p.VotersCount).Set("updated_at = ?", p.UpdatedAt).Where("id = ?", p.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: save poll tallies: %w", err)
	}
	return nil
}

// MarkPollResultsDue records that an Update with a local poll's results is
// owed at the latest at `at`; an earlier due time already set is kept, so
// a burst of votes gives one Update.
func (t *Tx) MarkPollResultsDue(ctx context.Context, pollID int64, at time.Time) error {
	_, err := t.tx.NewUpdate().Model((*Poll)(nil)).Set("results_due_at = ?", at.UTC()).
		Where("id = ? AND results_due_at IS NULL AND closed_notified = FALSE", pollID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: mark poll results due: %w", err)
	}
	return nil
}

// PollsWithResultsDue returns up to limit polls whose results Update is due.
func (d *DB) PollsWithResultsDue(ctx context.Context, limit int) ([]*Poll, error) {
	var list []*Poll
	err := d.r.NewSelect().Model(&list).Where("results_due_at <= ?", now()).OrderExpr("results_due_at").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: polls with results due: %w", err)
	}
	return list, nil
}

// ClaimPollResults takes the due results Update of a poll for the caller's
// transaction: false when another process (or the poll's closing) already
// took it.
func (t *Tx) ClaimPollResults(ctx context.Context, pollID int64) (bool, error) {
	res, err := t.tx.NewUpdate().Model((*Poll)(nil)).Set("results_due_at = NULL").
		Where("id = ? AND results_due_at <= ?", pollID, now()).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: claim poll results: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// EndedPolls returns up to limit polls that have ended and whose end was
// not handled yet (notifications, the final Update).
func (d *DB) EndedPolls(ctx context.Context, limit int) ([]*Poll, error) {
	var list []*Poll
	err := d.r.NewSelect().Model(&list).Where("closed_notified = FALSE AND expires_at <= ? AND status_id IS NOT NULL", now()).
		OrderExpr("expires_at").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: ended polls: %w", err)
	}
	return list, nil
}

// ClosePoll marks a poll's end as handled in the caller's transaction
// (a results Update still owed is dropped: the closing one replaces it).
// False when another process already did.
func (t *Tx) ClosePoll(ctx context.Context, pollID int64) (bool, error) {
	res, err := t.tx.NewUpdate().Model((*Poll)(nil)).Set("closed_notified = TRUE").Set("results_due_at = NULL").
		Where("id = ? AND closed_notified = FALSE", pollID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: close poll: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LocalVoters returns the IDs of local accounts that voted on a poll.
func (d *DB) LocalVoters(ctx context.Context, pollID int64) ([]int64, error) {
	var ids []int64
	err := d.r.NewSelect().TableExpr("poll_votes AS pv").ColumnExpr("DISTINCT pv.account_id").
		Join("JOIN accounts AS va ON va.id = pv.account_id").
		Where("pv.poll_id = ? AND va.domain = ''", pollID).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: local voters: %w", err)
	}
	return ids, nil
}

// RemoteVoterInboxes returns where to send a poll's results to its remote
// voters: one shared inbox per server that has one, else each voter's own.
func (d *DB) RemoteVoterInboxes(ctx context.Context, pollID int64) ([]string, error) {
	var inboxes []string
	err := d.r.NewRaw(`SELECT DISTINCT CASE WHEN a.shared_inbox_uri <> '' THEN a.shared_inbox_uri ELSE a.inbox_uri END
		FROM poll_votes pv JOIN accounts a ON a.id = pv.account_id
		WHERE pv.poll_id = ? AND a.domain <> '' AND a.suspended_at IS NULL`, pollID).Scan(ctx, &inboxes)
	if err != nil {
		return nil, fmt.Errorf("db: voter inboxes: %w", err)
	}
	return inboxes, nil
}

// OwnPollChoices returns the options an account voted for on one poll.
func (d *DB) OwnPollChoices(ctx context.Context, pollID, accountID int64) ([]int, error) {
	m, err := d.PollChoices(ctx, accountID, []int64{pollID})
	if err != nil {
		return nil, err
	}
	return m[pollID], nil
}

// EndPollAt moves the end of a poll (moderation tools, and tests that
// cannot wait five minutes).
func (d *DB) EndPollAt(ctx context.Context, pollID int64, at time.Time) error {
	res, err := d.w.NewUpdate().Model((*Poll)(nil)).Set("expires_at = ?", at.UTC().Truncate(time.Microsecond)).
		Set("updated_at = ?", now()).Where("id = ?", pollID).Exec(ctx)
	return exactlyOne(res, err, "end poll")
}

// PollByID returns a poll.
func (d *DB) PollByID(ctx context.Context, id int64) (*Poll, error) {
	p := new(Poll)
	err := d.r.NewSelect().Model(p).Where("id = ?", id).Scan(ctx)
	return p, notFound(err)
}

// InsertPoll stores a poll (before its status, which points at it).
func (t *Tx) InsertPoll(ctx context.Context, p *Poll) error {
	ts := now()
	p.ID, p.CreatedAt, p.UpdatedAt = t.d.NewID(), ts, ts
	if _, err := t.tx.NewInsert().Model(p).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert poll: %w", err)
	}
	return nil
}

// SetPollStatus links a poll to its status once the status exists.
func (t *Tx) SetPollStatus(ctx context.Context, pollID, statusID int64) error {
	_, err := t.tx.NewUpdate().Model((*Poll)(nil)).Set("status_id = ?", statusID).Where("id = ?", pollID).Exec(ctx)
	return err
}

// UpdatePollCounts copies the counts of a remote poll (from an Update of its Question).
func (t *Tx) UpdatePollCounts(ctx context.Context, pollID int64, from *Poll) error {
	options, err := json.Marshal(from.Options)
	if err != nil {
		return err
	}
	_, err = t.tx.NewUpdate().Model((*Poll)(nil)).Set("options = ?", string(options)).Set("votes_count = ?", from.VotesCount).
		Set("voters_count = ?", from.VotersCount).Set("expires_at = ?", from.ExpiresAt).Set("updated_at = ?", now()).
		Set("last_fetched_at = ?", now()).Where("id = ?", pollID).Exec(ctx)
	return err
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
