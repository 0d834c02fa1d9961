package db

import (
	"context"
	"fmt"
	"time"

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
	if err := d.r.NewSelect().Model(&list).Where("s.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: statuses by ids: %w", err)
	}
	if err := d.withAuthors(ctx, list); err != nil {
		return nil, err
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
	q := d.r.NewSelect().Model(&list).Where("s.id IN (?)", bun.List(ids))
	if err := whereVisible(q, "s", v).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: visible statuses: %w", err)
	}
	if err := d.withAuthors(ctx, list); err != nil {
		return nil, err
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

// statusParts are a status's hashtags and the accounts it mentions, as of
// its updated_at: both change only when the status is written (created or
// edited, which sets updated_at), so a copy is good while the status row
// the caller holds says the same time. Nothing here decides who sees the
// status: the caller's row came from a query that did.
type statusParts struct {
	updated  time.Time
	tags     []Tag
	mentions []int64 // account ids, in order; the accounts come from their own cache
}

// TagsAndMentions returns the hashtags and the (not silent) mentioned
// accounts of each status of a page, reading only those whose parts are not
// kept for the updated_at they carry.
func (d *DB) TagsAndMentions(ctx context.Context, list []*Status) (map[int64][]*Tag, map[int64][]*Account, error) {
	tags, mentions := map[int64][]*Tag{}, map[int64][]*Account{}
	parts := make(map[int64]statusParts, len(list))
	var missing []int64
	for _, s := range list {
		if p, ok := d.reads.parts.get(s.ID); ok && p.updated.Equal(s.UpdatedAt) {
			parts[s.ID] = p
		} else if _, seen := parts[s.ID]; !seen {
			missing = append(missing, s.ID)
		}
	}
	if len(missing) > 0 {
		read, err := d.readStatusParts(ctx, missing)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range list {
			if p, ok := read[s.ID]; ok {
				p.updated = s.UpdatedAt
				parts[s.ID] = p
				d.reads.parts.put(s.ID, p, 0)
			}
		}
	}
	var accountIDs []int64
	for _, p := range parts {
		accountIDs = append(accountIDs, p.mentions...)
	}
	accounts, err := d.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("db: mentions for statuses: %w", err)
	}
	for id, p := range parts {
		for i := range p.tags {
			t := p.tags[i] // each status its own copy
			tags[id] = append(tags[id], &t)
		}
		for _, aid := range p.mentions {
			if a, ok := accounts[aid]; ok {
				cp := *a
				mentions[id] = append(mentions[id], &cp)
			}
		}
	}
	return tags, mentions, nil
}

// readStatusParts reads the hashtags and mentions of ids in one query (a
// page's tags carry what statuses show of them: id, name, display name).
func (d *DB) readStatusParts(ctx context.Context, ids []int64) (map[int64]statusParts, error) {
	var rows []struct {
		StatusID    int64  `bun:"status_id"`
		Mention     int64  `bun:"mention"` // 0 on a hashtag's row
		TagID       int64  `bun:"tag_id"`
		Name        string `bun:"name"`
		DisplayName string `bun:"display_name"`
		Part        int    `bun:"part"` // what the rows are ordered by: mentions, then hashtags
	}
	// Mentions by account id, then hashtags by name (as TagsForStatuses).
	err := d.r.NewRaw(`SELECT sm.status_id, sm.account_id AS mention, 0 AS tag_id, '' AS name, '' AS display_name, 0 AS part
			FROM status_mentions AS sm WHERE sm.status_id IN (?) AND sm.silent = FALSE
		UNION ALL SELECT st.status_id, 0, t.id, t.name, t.display_name, 1
			FROM status_tags AS st JOIN tags AS t ON t.id = st.tag_id WHERE st.status_id IN (?)
		ORDER BY part, mention, name`, bun.List(ids), bun.List(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: tags and mentions: %w", err)
	}
	out := make(map[int64]statusParts, len(ids))
	for _, id := range ids {
		out[id] = statusParts{}
	}
	for _, r := range rows {
		p := out[r.StatusID]
		if r.Mention != 0 {
			p.mentions = append(p.mentions, r.Mention)
		} else {
			p.tags = append(p.tags, Tag{ID: r.TagID, Name: r.Name, DisplayName: r.DisplayName})
		}
		out[r.StatusID] = p
	}
	return out, nil
}
