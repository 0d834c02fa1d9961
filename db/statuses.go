package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// NewStatus is what InsertStatus stores besides the status row itself.
type NewStatus struct {
	Status   *Status
	Mentions []Mention // StatusID is filled in
	Tags     []string  // hashtag names as written (display case)
	MediaIDs []int64   // attachments owned by the author, in order
}

// InsertStatus stores a status with its mentions, tags and attachments, and
// updates the counters it affects (author's statuses, parent's replies,
// original's reblogs). Status.ID must be set (local URIs are built from it);
// ThreadID is derived from the parent when zero.
func (t *Tx) InsertStatus(ctx context.Context, n NewStatus) error {
	s := n.Status
	ts := now()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = ts
	}
	s.UpdatedAt = ts
	if s.ThreadID == 0 && s.InReplyToID != nil {
		var parentThread int64
		err := t.tx.NewSelect().Table("statuses").Column("thread_id").Where("id = ?", *s.InReplyToID).Scan(ctx, &parentThread)
		if err == nil && parentThread != 0 {
			s.ThreadID = parentThread
		} else if err == nil {
			s.ThreadID = *s.InReplyToID
		}
	}
	ownThread := s.ThreadID == 0
	if ownThread {
		s.ThreadID = s.ID
	}
	s.HasMedia = len(n.MediaIDs) > 0
	if err := t.insertStatusRow(ctx, s, ownThread); err != nil {
		return err
	}
	if len(n.Mentions) > 0 {
		seen := map[int64]bool{}
		ms := make([]Mention, 0, len(n.Mentions))
		for _, m := range n.Mentions {
			if seen[m.AccountID] {
				continue
			}
			seen[m.AccountID] = true
			m.StatusID = s.ID
			ms = append(ms, m)
		}
		if _, err := t.tx.NewInsert().Model(&ms).Exec(ctx); err != nil {
			return fmt.Errorf("db: insert mentions: %w", err)
		}
	}
	if err := t.setTags(ctx, s.ID, n.Tags, s.CreatedAt); err != nil {
		return err
	}
	for i, id := range n.MediaIDs {
		_, err := t.tx.NewUpdate().Model((*MediaAttachment)(nil)).
			Set("status_id = ?", s.ID).Set("position = ?", i).Set("scheduled_status_id = NULL").Set("updated_at = ?", ts).
			Where("id = ? AND account_id = ?", id, s.AccountID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: attach media: %w", err)
		}
	}
	if err := t.statusCounters(ctx, s, +1); err != nil {
		return err
	}
	return t.fanOutHome(ctx, s)
}

// insertStatusRow inserts s without letting a unique conflict abort the
// transaction (PostgreSQL would). A known URI is ErrConflict. A remote
// status's ID comes from its publication time, which peers give to the
// second, so two of them can draw the same ID: the later one gets another.
func (t *Tx) insertStatusRow(ctx context.Context, s *Status, ownThread bool) error {
	for attempt := 0; ; attempt++ {
		res, err := t.tx.NewInsert().Model(s).On("CONFLICT DO NOTHING").Returning(noReturning).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: insert status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		taken, err := t.tx.NewSelect().Table("statuses").Where("uri = ?", s.URI).Exists(ctx)
		if err != nil {
			return fmt.Errorf("db: insert status: %w", err)
		}
		if taken {
			return ErrConflict
		}
		if s.Local || attempt == 8 {
			return fmt.Errorf("db: insert status: id %d is taken", s.ID)
		}
		s.ID = t.d.ids.At(IDTime(s.ID))
		if ownThread {
			s.ThreadID = s.ID
		}
	}
}

// statusCounters adds delta to the counters a status contributes to. The
// author's statuses_count counts as Mastodon's does: boosts included, direct
// messages not (apps show it as "Posts" on the profile).
func (t *Tx) statusCounters(ctx context.Context, s *Status, delta int) error {
	if s.ReblogOfID != nil {
		t.addCounter("statuses", "reblogs_count", *s.ReblogOfID, delta)
	}
	if s.Visibility == Direct {
		return t.replyCounter(s, delta)
	}
	q := t.tx.NewUpdate().Table("accounts").Set(t.d.nonNegative("statuses_count", "statuses_count + ?"), delta).Where("id = ?", s.AccountID)
	if delta > 0 {
		q = q.Set("last_status_at = ?", s.CreatedAt)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("db: status counter: %w", err)
	}
	return t.replyCounter(s, delta)
}

func (t *Tx) replyCounter(s *Status, delta int) error {
	if s.InReplyToID != nil && s.ReblogOfID == nil {
		t.addCounter("statuses", "replies_count", *s.InReplyToID, delta)
	}
	return nil
}

// setTags links a status to hashtags, creating tags on first use.
func (t *Tx) setTags(ctx context.Context, statusID int64, names []string, at time.Time) error {
	if len(names) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(names))
	seen := map[string]bool{}
	for _, display := range names {
		name := NormalizeTagName(display)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		tag, err := t.ensureTag(ctx, display)
		if err != nil {
			return err
		}
		ids = append(ids, tag.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	links := make([]StatusTag, len(ids))
	for i, id := range ids {
		links[i] = StatusTag{StatusID: statusID, TagID: id}
	}
	if _, err := t.tx.NewInsert().Model(&links).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("db: link tags: %w", err)
	}
	_, err := t.tx.NewUpdate().Table("tags").Set("last_status_at = ?", at).Where("id IN (?)", bun.List(ids)).Exec(ctx)
	return err
}

// StatusEditUpdate is an edit: the new content and what to record as history.
type StatusEditUpdate struct {
	Content, Text, SpoilerText, Language string
	Sensitive                            bool
	Tags                                 []string
	MediaIDs                             []int64 // nil: keep attachments as they are
	Mentions                             []Mention
	EditedAt                             time.Time
}

// UpdateStatus applies an edit and keeps the previous version in
// status_edits (the first edit also records the original).
func (t *Tx) UpdateStatus(ctx context.Context, s *Status, u StatusEditUpdate) error {
	var edits int
	if err := t.tx.NewSelect().Table("status_edits").ColumnExpr("count(*)").Where("status_id = ?", s.ID).Scan(ctx, &edits); err != nil {
		return fmt.Errorf("db: count edits: %w", err)
	}
	if edits == 0 {
		orig := &StatusEdit{ID: t.d.NewID(), StatusID: s.ID, AccountID: s.AccountID, Content: s.Content, Text: s.Text,
			SpoilerText: s.SpoilerText, Sensitive: s.Sensitive, MediaIDs: []int64{}, PollOptions: []string{}, CreatedAt: s.CreatedAt}
		if _, err := t.tx.NewInsert().Model(orig).Exec(ctx); err != nil {
			return fmt.Errorf("db: record original: %w", err)
		}
	}
	at := u.EditedAt
	if at.IsZero() {
		at = now()
	}
	edit := &StatusEdit{ID: t.d.NewID(), StatusID: s.ID, AccountID: s.AccountID, Content: u.Content, Text: u.Text,
		SpoilerText: u.SpoilerText, Sensitive: u.Sensitive, MediaIDs: u.MediaIDs, PollOptions: []string{}, CreatedAt: at}
	if edit.MediaIDs == nil {
		edit.MediaIDs = []int64{}
	}
	if _, err := t.tx.NewInsert().Model(edit).Exec(ctx); err != nil {
		return fmt.Errorf("db: record edit: %w", err)
	}
	s.Content, s.Text, s.SpoilerText, s.Sensitive, s.EditedAt, s.UpdatedAt = u.Content, u.Text, u.SpoilerText, u.Sensitive, &at, now()
	if u.Language != "" {
		s.Language = u.Language
	}
	q := t.tx.NewUpdate().Model(s).Column("content", "text", "spoiler_text", "sensitive", "language", "edited_at", "updated_at").WherePK()
	if u.MediaIDs != nil {
		s.HasMedia = len(u.MediaIDs) > 0
		q = q.Column("has_media")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("db: update status: %w", err)
	}
	if u.MediaIDs != nil {
		if _, err := t.tx.NewUpdate().Model((*MediaAttachment)(nil)).Set("status_id = NULL").Where("status_id = ?", s.ID).Exec(ctx); err != nil {
			return fmt.Errorf("db: detach media: %w", err)
		}
		for i, id := range u.MediaIDs {
			if _, err := t.tx.NewUpdate().Model((*MediaAttachment)(nil)).Set("status_id = ?", s.ID).Set("position = ?", i).
				Where("id = ? AND account_id = ?", id, s.AccountID).Exec(ctx); err != nil {
				return fmt.Errorf("db: attach media: %w", err)
			}
		}
	}
	if _, err := t.tx.NewDelete().Model((*StatusTag)(nil)).Where("status_id = ?", s.ID).Exec(ctx); err != nil {
		return fmt.Errorf("db: clear tags: %w", err)
	}
	if err := t.setTags(ctx, s.ID, u.Tags, s.CreatedAt); err != nil {
		return err
	}
	// A hashtag added by the edit puts it on its followers' home timelines.
	if err := t.fanOutHome(ctx, s); err != nil {
		return err
	}
	if u.Mentions != nil {
		// Keep existing mentions (they were already notified), add new ones.
		for _, m := range u.Mentions {
			m.StatusID = s.ID
			if _, err := t.tx.NewInsert().Model(&m).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				return fmt.Errorf("db: add mention: %w", err)
			}
		}
	}
	return nil
}

// DeleteStatus removes a status (its boosts, favourites, mentions and
// notifications go with it) and leaves a tombstone for its URI.
func (t *Tx) DeleteStatus(ctx context.Context, s *Status) error {
	if _, err := t.tx.NewInsert().Model(&Tombstone{URI: s.URI, AccountID: s.AccountID, CreatedAt: now()}).
		On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("db: tombstone: %w", err)
	}
	// Detach the media (the foreign key would too) marking them changed
	// now: the orphan sweep then gives delete-and-redraft a day to take them.
	if _, err := t.tx.NewUpdate().Model((*MediaAttachment)(nil)).ModelTableExpr("media_attachments").
		Set("status_id = NULL").Set("updated_at = ?", now()).Where("status_id = ?", s.ID).Exec(ctx); err != nil {
		return fmt.Errorf("db: detach media: %w", err)
	}
	res, err := t.tx.NewDelete().Model((*Status)(nil)).Where("id = ?", s.ID).Exec(ctx)
	if err := exactlyOne(res, err, "delete status"); err != nil {
		return err
	}
	return t.statusCounters(ctx, s, -1)
}

// Tombstone marks a deleted object.
type Tombstone struct {
	bun.BaseModel `bun:"table:tombstones"`

	URI       string    `bun:"uri,pk"`
	AccountID int64     `bun:"account_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// IsTombstoned reports whether an object URI was deleted.
func (d *DB) IsTombstoned(ctx context.Context, uri string) (bool, error) {
	return d.tombstonesOf(uri).Exists(ctx)
}

// tombstonesOf selects the tombstone of the status uri, if it was deleted.
func (d *DB) tombstonesOf(uri string) *bun.SelectQuery {
	return d.r.NewSelect().Model((*Tombstone)(nil)).Where("uri = ?", uri)
}

// StatusByID returns a status (with its author) if v may see it.
//
// It runs as a prepared statement per kind of viewer (anonymous or not),
// like the timelines: writing the visibility rule out and parsing it again
// on every request cost more than running it (bench/readpath, status). The
// author comes from the accounts cache (preparedStatuses).
func (d *DB) StatusByID(ctx context.Context, id int64, v Viewer) (*Status, error) {
	anon := v.AccountID == 0
	args := []any{id}
	if !anon {
		args = []any{v.AccountID, id}
	}
	build := func() (string, error) {
		pv, n := Viewer{}, 1
		if !anon {
			pv, n = Viewer{AccountID: v.AccountID, idParam: blindParam(1)}, 2
		}
		q := d.r.NewSelect().Model((*Status)(nil)).ColumnExpr(d.statusSelect("s")).Where("s.id = ?", blindParam(n))
		return whereVisible(q, "s", pv).String(), nil
	}
	list, err := d.preparedStatuses(ctx, fmt.Sprintf("status by id anon=%t", anon), build, args...)
	if err != nil {
		return new(Status), fmt.Errorf("db: status: %w", err)
	}
	if len(list) == 0 {
		return new(Status), ErrNotFound
	}
	return list[0], nil
}

// StatusByURI returns a status by its ActivityPub id, regardless of
// visibility (for the federation engine, which checks addressing itself).
func (d *DB) StatusByURI(ctx context.Context, uri string) (*Status, error) {
	s := new(Status)
	err := d.r.NewSelect().Model(s).Relation("Account").Where("s.uri = ?", uri).Scan(ctx)
	return s, notFound(err)
}

// StatusByURIFor returns a status by URI if v may see it.
func (d *DB) StatusByURIFor(ctx context.Context, uri string, v Viewer) (*Status, error) {
	s := new(Status)
	q := d.r.NewSelect().Model(s).Relation("Account").Where("s.uri = ?", uri)
	err := whereVisible(q, "s", v).Scan(ctx)
	return s, notFound(err)
}

// StatusByIDAny returns a status regardless of visibility (engine use only).
func (d *DB) StatusByIDAny(ctx context.Context, id int64) (*Status, error) {
	s := new(Status)
	err := d.r.NewSelect().Model(s).Relation("Account").Where("s.id = ?", id).Scan(ctx)
	return s, notFound(err)
}

// ReblogBy returns account's boost of status, if any.
func (d *DB) ReblogBy(ctx context.Context, accountID, statusID int64) (*Status, error) {
	s := new(Status)
	err := d.r.NewSelect().Model(s).Relation("Account").Where("s.account_id = ? AND s.reblog_of_id = ?", accountID, statusID).Limit(1).Scan(ctx)
	return s, notFound(err)
}

// StatusMentions returns the accounts a status mentions.
func (d *DB) StatusMentions(ctx context.Context, statusID int64) ([]*Account, error) {
	var list []*Account
	err := d.r.NewSelect().Model(&list).
		Where("a.id IN (SELECT account_id FROM status_mentions WHERE status_id = ?)", statusID).Order("a.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: mentions: %w", err)
	}
	return list, nil
}

// StatusTags returns the hashtags of a status.
func (d *DB) StatusTags(ctx context.Context, statusID int64) ([]*Tag, error) {
	var list []*Tag
	err := d.r.NewSelect().Model(&list).
		Where("t.id IN (SELECT tag_id FROM status_tags WHERE status_id = ?)", statusID).Order("t.name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: tags: %w", err)
	}
	return list, nil
}

// StatusMedia returns the attachments of a status in order.
func (d *DB) StatusMedia(ctx context.Context, statusID int64) ([]*MediaAttachment, error) {
	var list []*MediaAttachment
	err := d.r.NewSelect().Model(&list).Where("status_id = ?", statusID).Order("position", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: media: %w", err)
	}
	return list, nil
}

// InsertRemoteMedia records attachments of a remote status (by URL).
func (t *Tx) InsertRemoteMedia(ctx context.Context, list []*MediaAttachment) error {
	if len(list) == 0 {
		return nil
	}
	ts := now()
	for i, m := range list {
		m.ID = t.d.NewID()
		m.Position = int64(i)
		m.CreatedAt, m.UpdatedAt = ts, ts
	}
	if _, err := t.tx.NewInsert().Model(&list).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert remote media: %w", err)
	}
	return nil
}

// StatusByIDForUpdate re-reads a status inside the transaction.
func (t *Tx) StatusByID(ctx context.Context, id int64) (*Status, error) {
	s := new(Status)
	err := t.tx.NewSelect().Model(s).Where("s.id = ?", id).Scan(ctx)
	return s, notFound(err)
}

// StatusExistsByURI reports whether a status with this URI is stored.
func (t *Tx) StatusExistsByURI(ctx context.Context, uri string) (bool, error) {
	return t.tx.NewSelect().Model((*Status)(nil)).Where("uri = ?", uri).Exists(ctx)
}

// ErrGone is returned for objects that were deleted.
var ErrGone = errors.New("gone")

// NormalizeTagName is how hashtags are keyed: without '#', lower case.
func NormalizeTagName(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "#"))
}

// MediaByID returns an attachment.
func (d *DB) MediaByID(ctx context.Context, id int64) (*MediaAttachment, error) {
	m := new(MediaAttachment)
	err := d.r.NewSelect().Model(m).Where("id = ?", id).Scan(ctx)
	return m, notFound(err)
}

// InsertTombstone remembers that an object URI was deleted (a Delete that
// arrived before its Create, or of something we never stored).
func (t *Tx) InsertTombstone(ctx context.Context, uri string, accountID int64) error {
	_, err := t.tx.NewInsert().Model(&Tombstone{URI: uri, AccountID: accountID, CreatedAt: now()}).On("CONFLICT DO NOTHING").Exec(ctx)
	return err
}

// StatusEdits returns the versions of an edited status, oldest first (the
// original first); empty for a status never edited.
func (d *DB) StatusEdits(ctx context.Context, statusID int64) ([]*StatusEdit, error) {
	var list []*StatusEdit
	err := d.r.NewSelect().Model(&list).Where("status_id = ?", statusID).Order("id ASC").Scan(ctx)
	return list, err
}

// CountStatuses counts every stored status (benchmarks and stats).
func (d *DB) CountStatuses(ctx context.Context) (int, error) {
	n, err := d.r.NewSelect().Model((*Status)(nil)).Count(ctx)
	return int(n), err
}

// LocalBoostersOf returns local accounts that boosted a status.
func (d *DB) LocalBoostersOf(ctx context.Context, statusID int64) ([]int64, error) {
	var ids []int64
	err := d.r.NewSelect().Table("statuses").Column("statuses.account_id").
		Join("JOIN accounts ba ON ba.id = statuses.account_id").
		Where("statuses.reblog_of_id = ? AND ba.domain = ''", statusID).Scan(ctx, &ids)
	return ids, err
}

// InteractedInboxes are the inboxes of remote accounts that boosted or
// replied to a status: a Delete or Update should reach them too.
func (d *DB) InteractedInboxes(ctx context.Context, statusID int64) ([]string, error) {
	var inboxes []string
	err := d.r.NewRaw(`SELECT DISTINCT CASE WHEN a.shared_inbox_uri <> '' THEN a.shared_inbox_uri ELSE a.inbox_uri END
		FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE (s.reblog_of_id = ? OR s.in_reply_to_id = ?) AND a.domain <> '' AND a.suspended_at IS NULL`, statusID, statusID).Scan(ctx, &inboxes)
	return inboxes, err
}

// ThreadNode is one status of a thread: its place in the reply tree and
// whether the viewer may see it.
type ThreadNode struct {
	ID          int64  `bun:"id"`
	InReplyToID *int64 `bun:"in_reply_to_id"`
	Visible     int    `bun:"visible"` // 1 when the viewer may see it (and does not mute its author)
}

// ThreadTree returns every status of a thread (statuses share thread_id) in
// one query, oldest first, each marked visible or not for v by the
// visibility rule — blocks and the viewer's mutes included — applied to each
// status on its own. Invisible ones are kept so the tree can be walked
// through them without revealing them.
func (d *DB) ThreadTree(ctx context.Context, threadID int64, v Viewer) ([]ThreadNode, error) {
	cond, args := visibleTo("s", v)
	muted, margs := notMutedBy("s", v)
	var nodes []ThreadNode
	err := d.r.NewSelect().TableExpr("statuses AS s").
		ColumnExpr("s.id, s.in_reply_to_id").
		ColumnExpr("CASE WHEN "+cond+" AND "+muted+" THEN 1 ELSE 0 END AS visible", append(args, margs...)...).
		Where("s.thread_id = ? AND s.reblog_of_id IS NULL", threadID).
		OrderExpr("s.id ASC").Scan(ctx, &nodes)
	if err != nil {
		return nil, fmt.Errorf("db: thread: %w", err)
	}
	return nodes, nil
}

// RebloggedBy lists the accounts whose boost of a status v may see, most
// recent first, paged by the boost's id (the cursors).
func (d *DB) RebloggedBy(ctx context.Context, statusID int64, v Viewer, p Page) ([]*Account, []int64, error) {
	var rows []cursorRow
	q := d.r.NewSelect().TableExpr("statuses AS s").ColumnExpr("s.id AS cursor, s.account_id AS target").
		Where("s.reblog_of_id = ?", statusID)
	q = whereVisible(q, "s", v)
	q = excludedFor(q, "s.account_id", v)
	if err := p.apply(q, "s.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: reblogged by: %w", err)
	}
	return d.accountsByCursor(ctx, p, rows)
}
