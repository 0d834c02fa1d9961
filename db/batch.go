package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Batch loaders: the API renders a page of statuses with a fixed number of
// queries (one per kind of related row), never one per status.

// StatusesByIDs loads statuses with their authors, regardless of visibility
// (callers filter), keyed by ID.
func (d *DB) StatusesByIDs(ctx context.Context, ids []int64) (map[int64]*Status, error) {
	out := make(map[int64]*Status, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []*Status
	if err := d.r.NewSelect().Model(&list).Relation("Account").Where("s.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: statuses by ids: %w", err)
	}
	for _, s := range list {
		out[s.ID] = s
	}
	return out, nil
}

// VisibleStatusesByIDs loads the statuses among ids that v may see.
func (d *DB) VisibleStatusesByIDs(ctx context.Context, ids []int64, v Viewer) (map[int64]*Status, error) {
	out := make(map[int64]*Status, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []*Status
	q := d.r.NewSelect().Model(&list).Relation("Account").Where("s.id IN (?)", bun.List(ids))
	if err := whereVisible(q, "s", v).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: visible statuses: %w", err)
	}
	for _, s := range list {
		out[s.ID] = s
	}
	return out, nil
}

// MediaForStatuses returns the attachments of each status, in order.
func (d *DB) MediaForStatuses(ctx context.Context, ids []int64) (map[int64][]*MediaAttachment, error) {
	out := map[int64][]*MediaAttachment{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []*MediaAttachment
	if err := d.r.NewSelect().Model(&list).Where("status_id IN (?)", bun.List(ids)).Order("position", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: media for statuses: %w", err)
	}
	for _, m := range list {
		out[*m.StatusID] = append(out[*m.StatusID], m)
	}
	return out, nil
}

// MentionsForStatuses returns the accounts each status mentions.
func (d *DB) MentionsForStatuses(ctx context.Context, ids []int64) (map[int64][]*Account, error) {
	out := map[int64][]*Account{}
	if len(ids) == 0 {
		return out, nil
	}
	// The pairs, then the accounts (mostly from the account cache: a page
	// mentions the same few accounts again and again).
	var rows []struct {
		StatusID  int64 `bun:"status_id"`
		AccountID int64 `bun:"account_id"`
	}
	err := d.r.NewSelect().TableExpr("status_mentions AS sm").ColumnExpr("sm.status_id, sm.account_id").
		Where("sm.status_id IN (?) AND sm.silent = FALSE", bun.List(ids)).Order("sm.account_id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: mentions for statuses: %w", err)
	}
	accountIDs := make([]int64, len(rows))
	for i, r := range rows {
		accountIDs[i] = r.AccountID
	}
	accounts, err := d.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, fmt.Errorf("db: mentions for statuses: %w", err)
	}
	for _, r := range rows {
		if a, ok := accounts[r.AccountID]; ok {
			cp := *a // each status its own copy, as before
			out[r.StatusID] = append(out[r.StatusID], &cp)
		}
	}
	return out, nil
}

// TagsForStatuses returns the hashtags of each status.
func (d *DB) TagsForStatuses(ctx context.Context, ids []int64) (map[int64][]*Tag, error) {
	out := map[int64][]*Tag{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		StatusID int64 `bun:"status_id"`
		Tag      `bun:",extend"`
	}
	err := d.r.NewSelect().TableExpr("status_tags AS st").ColumnExpr("st.status_id, t.*").
		Join("JOIN tags AS t ON t.id = st.tag_id").
		Where("st.status_id IN (?)", bun.List(ids)).Order("t.name").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: tags for statuses: %w", err)
	}
	for i := range rows {
		t := rows[i].Tag
		out[rows[i].StatusID] = append(out[rows[i].StatusID], &t)
	}
	return out, nil
}

// PollsByIDs loads polls keyed by ID.
func (d *DB) PollsByIDs(ctx context.Context, ids []int64) (map[int64]*Poll, error) {
	out := map[int64]*Poll{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []*Poll
	if err := d.r.NewSelect().Model(&list).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: polls: %w", err)
	}
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

// PollChoices returns, per poll, the options account voted for.
func (d *DB) PollChoices(ctx context.Context, accountID int64, pollIDs []int64) (map[int64][]int, error) {
	out := map[int64][]int{}
	if len(pollIDs) == 0 || accountID == 0 {
		return out, nil
	}
	var votes []PollVote
	if err := d.r.NewSelect().Model(&votes).Where("account_id = ? AND poll_id IN (?)", accountID, bun.List(pollIDs)).Order("choice").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: poll choices: %w", err)
	}
	for _, v := range votes {
		out[v.PollID] = append(out[v.PollID], int(v.Choice))
	}
	return out, nil
}

// MediaByIDs loads attachments keyed by ID.
func (d *DB) MediaByIDs(ctx context.Context, ids []int64) (map[int64]*MediaAttachment, error) {
	out := map[int64]*MediaAttachment{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []*MediaAttachment
	if err := d.r.NewSelect().Model(&list).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: media by ids: %w", err)
	}
	for _, m := range list {
		out[m.ID] = m
	}
	return out, nil
}
