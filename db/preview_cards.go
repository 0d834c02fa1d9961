package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// PreviewCard is the preview of a linked page (Mastodon's PreviewCard), one
// per URL.
type PreviewCard struct {
	bun.BaseModel `bun:"table:preview_cards,alias:pc"`

	ID               int64      `bun:"id,pk"`
	URL              string     `bun:"url"`
	Title            string     `bun:"title"`
	Description      string     `bun:"description"`
	Type             string     `bun:"type"` // link, photo, video or rich
	AuthorName       string     `bun:"author_name"`
	AuthorURL        string     `bun:"author_url"`
	ProviderName     string     `bun:"provider_name"`
	ProviderURL      string     `bun:"provider_url"`
	HTML             string     `bun:"html"` // a sanitized embed, only from allowed providers
	Width            int        `bun:"width"`
	Height           int        `bun:"height"`
	ImageURL         string     `bun:"image_url"` // the page's image
	ImageKey         string     `bun:"image_key"` // its copy in the media store
	ImageDescription string     `bun:"image_description"`
	EmbedURL         string     `bun:"embed_url"`
	Blurhash         string     `bun:"blurhash"`
	Language         string     `bun:"language"`
	PublishedAt      *time.Time `bun:"published_at"`
	FetchedAt        time.Time  `bun:"fetched_at"`
	CreatedAt        time.Time  `bun:"created_at"`
}

// States of a status's card fetch.
const (
	CardQueued = "queued"
	CardDone   = "done"
	CardFailed = "failed"
)

// StatusCard is a status's linked URL and the state of its card fetch.
type StatusCard struct {
	bun.BaseModel `bun:"table:status_cards,alias:sc"`

	StatusID      int64      `bun:"status_id,pk"`
	URL           string     `bun:"url"`
	CardID        *int64     `bun:"card_id"`
	State         string     `bun:"state"`
	Attempts      int        `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	ClaimedUntil  *time.Time `bun:"claimed_until"`
	CreatedAt     time.Time  `bun:"created_at"`
}

// QueueStatusCard records, with the status, that a card must be fetched
// for the link it shows.
func (t *Tx) QueueStatusCard(ctx context.Context, statusID int64, url string) error {
	n := now()
	_, err := t.tx.NewInsert().Model(&StatusCard{StatusID: statusID, URL: url, State: CardQueued, NextAttemptAt: n, CreatedAt: n}).
		On("CONFLICT DO NOTHING").Returning(noReturning).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: queue status card: %w", err)
	}
	return nil
}

// ClaimStatusCards takes up to limit due card fetches for lease: queued
// ones whose next attempt is due and that no live lease holds.
func (d *DB) ClaimStatusCards(ctx context.Context, limit int, lease time.Duration) ([]*StatusCard, error) {
	t := now()
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []int64
	err := d.w.NewRaw(`UPDATE status_cards SET claimed_until = ?, attempts = attempts + 1 WHERE status_id IN (
		SELECT status_id FROM status_cards WHERE state = ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
		ORDER BY status_id LIMIT ?`+lock+`) RETURNING status_id`, t.Add(lease), CardQueued, t, t, limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: claim status cards: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var list []*StatusCard
	if err := d.w.NewSelect().Model(&list).Where("status_id IN (?)", bun.List(ids)).Order("status_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: claim status cards: %w", err)
	}
	return list, nil
}

// RetryStatusCard hands a failed fetch back to the queue for next, or
// gives it up (no card) when final.
func (d *DB) RetryStatusCard(ctx context.Context, statusID int64, next time.Time, final bool) error {
	q := d.w.NewUpdate().Model((*StatusCard)(nil)).Set("claimed_until = NULL").Where("status_id = ?", statusID)
	if final {
		q = q.Set("state = ?", CardFailed)
	} else {
		q = q.Set("next_attempt_at = ?", next.UTC())
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("db: retry status card: %w", err)
	}
	return nil
}

// PreviewCardByURL returns the stored card of a URL (ErrNotFound).
func (d *DB) PreviewCardByURL(ctx context.Context, url string) (*PreviewCard, error) {
	c := new(PreviewCard)
	err := d.r.NewSelect().Model(c).Where("url = ?", url).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("db: preview card: %w", err)
	}
	return c, nil
}

// SavePreviewCard stores a freshly fetched card under its URL, replacing
// the URL's older card in place (statuses showing it show the new one);
// c.ID is set.
func (d *DB) SavePreviewCard(ctx context.Context, c *PreviewCard) error {
	n := now()
	c.FetchedAt, c.CreatedAt = n, n
	if c.ID == 0 {
		c.ID = d.NewID()
	}
	var id int64
	err := d.w.NewInsert().Model(c).
		On("CONFLICT (url) DO UPDATE").
		Set("title = EXCLUDED.title, description = EXCLUDED.description, type = EXCLUDED.type").
		Set("author_name = EXCLUDED.author_name, author_url = EXCLUDED.author_url").
		Set("provider_name = EXCLUDED.provider_name, provider_url = EXCLUDED.provider_url").
		Set("html = EXCLUDED.html, width = EXCLUDED.width, height = EXCLUDED.height").
		Set("image_url = EXCLUDED.image_url, image_key = EXCLUDED.image_key, image_description = EXCLUDED.image_description").
		Set("embed_url = EXCLUDED.embed_url, blurhash = EXCLUDED.blurhash, language = EXCLUDED.language").
		Set("published_at = EXCLUDED.published_at, fetched_at = EXCLUDED.fetched_at").
		Returning("id").Scan(ctx, &id)
	if err != nil {
		return fmt.Errorf("db: save preview card: %w", err)
	}
	c.ID = id
	return nil
}

// AttachStatusCard shows card on a status and ends its fetch. ErrNotFound
// when the status is gone.
func (t *Tx) AttachStatusCard(ctx context.Context, statusID, cardID int64) error {
	res, err := t.tx.NewUpdate().Model((*StatusCard)(nil)).Set("card_id = ?", cardID).Set("state = ?", CardDone).
		Set("claimed_until = NULL").Where("status_id = ?", statusID).Exec(ctx)
	return exactlyOne(res, err, "attach status card")
}

// CardsForStatuses loads the cards of statuses, keyed by status ID, in one
// query (statuses without a card are absent).
func (d *DB) CardsForStatuses(ctx context.Context, ids []int64) (map[int64]*PreviewCard, error) {
	out := map[int64]*PreviewCard{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		StatusID    int64 `bun:"status_id"`
		PreviewCard `bun:",extend"`
	}
	err := d.r.NewSelect().TableExpr("status_cards AS sc").ColumnExpr("sc.status_id, pc.*").
		Join("JOIN preview_cards AS pc ON pc.id = sc.card_id").
		Where("sc.status_id IN (?)", bun.List(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: cards for statuses: %w", err)
	}
	for i := range rows {
		c := rows[i].PreviewCard
		out[rows[i].StatusID] = &c
	}
	return out, nil
}

// CardStates returns the card fetches of statuses (state and card) by
// status id; a status without one shows no link. What a status shows
// changes only with its row: the fetch is queued by the transaction that
// writes the status or its edit (QueueStatusCard, ReplaceStatusCard), and
// once done or failed it stays so until the next edit.
func (d *DB) CardStates(ctx context.Context, statusIDs []int64) (map[int64]StatusCard, error) {
	out := make(map[int64]StatusCard, len(statusIDs))
	if len(statusIDs) == 0 {
		return out, nil
	}
	var rows []StatusCard
	err := d.r.NewSelect().Model(&rows).Column("status_id", "state", "card_id").
		Where("status_id IN (?)", bun.List(statusIDs)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: card states: %w", err)
	}
	for _, r := range rows {
		out[r.StatusID] = r
	}
	return out, nil
}

// PreviewCardsByIDs loads cards by id.
func (d *DB) PreviewCardsByIDs(ctx context.Context, ids []int64) (map[int64]*PreviewCard, error) {
	out := make(map[int64]*PreviewCard, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []*PreviewCard
	if err := d.r.NewSelect().Model(&list).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: preview cards: %w", err)
	}
	for _, c := range list {
		out[c.ID] = c
	}
	return out, nil
}

// CardUsage is a link's day (Mastodon's history entry of a trending link).
type CardUsage = DayUses

// TrendingLinks ranks the cards of links in public original posts seen here
// over the last week as TrendingTags ranks hashtags: each day's distinct
// accounts, a day's weight halving with each day of age; links shared by
// fewer than two accounts do not trend. It returns the cards in order and
// their week of history.
func (d *DB) TrendingLinks(ctx context.Context, limit, offset int) ([]*PreviewCard, map[int64][]CardUsage, error) {
	since := MinIDAt(time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -(trendTagDays - 1)))
	var ids []int64
	err := d.r.NewSelect().TableExpr("status_cards AS sc").ColumnExpr("sc.card_id").
		Join("JOIN statuses AS s ON s.id = sc.status_id").
		Join("JOIN accounts AS sa ON sa.id = s.account_id").
		Where("sc.status_id >= ? AND sc.card_id IS NOT NULL", since).
		Where("s.visibility = ? AND s.reblog_of_id IS NULL AND sa.suspended_at IS NULL", Public).
		GroupExpr("sc.card_id").
		Having("count(DISTINCT s.account_id) >= ?", trendMinAccounts).
		Scan(ctx, &ids)
	if err != nil {
		return nil, nil, fmt.Errorf("db: trending links: %w", err)
	}
	history, err := d.CardHistory(ctx, ids, trendTagDays)
	if err != nil {
		return nil, nil, err
	}
	score := map[int64]float64{}
	for id, days := range history {
		for age, day := range days {
			score[id] += float64(day.Accounts) * math.Pow(0.5, float64(age))
		}
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if score[a] != score[b] {
			return cmpDesc(score[a], score[b])
		}
		return int(b - a)
	})
	ids = window(ids, limit, offset)
	if len(ids) == 0 {
		return []*PreviewCard{}, history, nil
	}
	var cards []*PreviewCard
	if err := d.r.NewSelect().Model(&cards).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: trending links: %w", err)
	}
	slices.SortFunc(cards, func(a, b *PreviewCard) int { return slices.Index(ids, a.ID) - slices.Index(ids, b.ID) })
	return cards, history, nil
}

// CardHistory counts, per card and UTC day over the last days (today
// first), the public original posts showing it and their distinct authors.
func (d *DB) CardHistory(ctx context.Context, cardIDs []int64, days int) (map[int64][]CardUsage, error) {
	out, err := d.dailyUses(ctx, "status_cards", "card_id", cardIDs, days)
	if err != nil {
		return nil, fmt.Errorf("db: card history: %w", err)
	}
	return out, nil
}

// StatusCardOf returns the card fetch of a status (ErrNotFound when the
// status shows no link).
func (d *DB) StatusCardOf(ctx context.Context, statusID int64) (*StatusCard, error) {
	sc := new(StatusCard)
	err := d.r.NewSelect().Model(sc).Where("status_id = ?", statusID).Scan(ctx)
	return sc, notFound(err)
}

// ReplaceStatusCard sets the link an edited status shows: unchanged, the
// status keeps its card; else its card goes and, when url is not "", a new
// fetch is queued. It reports whether one was.
func (t *Tx) ReplaceStatusCard(ctx context.Context, statusID int64, url string) (bool, error) {
	var old []string
	if err := t.tx.NewSelect().Model((*StatusCard)(nil)).Column("url").Where("status_id = ?", statusID).Scan(ctx, &old); err != nil {
		return false, fmt.Errorf("db: status card: %w", err)
	}
	if len(old) == 1 && old[0] == url || len(old) == 0 && url == "" {
		return false, nil
	}
	if _, err := t.tx.NewDelete().Model((*StatusCard)(nil)).Where("status_id = ?", statusID).Exec(ctx); err != nil {
		return false, fmt.Errorf("db: drop status card: %w", err)
	}
	if url == "" {
		return false, nil
	}
	return true, t.QueueStatusCard(ctx, statusID, url)
}
