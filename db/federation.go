package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Activity is a local activity: its id answers GET (peers Accept a Follow by
// id alone) and its body is what deliveries send.
type Activity struct {
	bun.BaseModel `bun:"table:activities,alias:act"`

	ID        int64     `bun:"id,pk"`
	URI       string    `bun:"uri"`
	AccountID int64     `bun:"account_id"`
	Type      string    `bun:"type"`
	ObjectURI string    `bun:"object_uri"`
	StatusID  *int64    `bun:"status_id"`
	Body      []byte    `bun:"body"`
	Public    bool      `bun:"public"`
	CreatedAt time.Time `bun:"created_at"`
}

// InsertActivity stores a local activity. ID must be set (its URI is built from it).
func (t *Tx) InsertActivity(ctx context.Context, a *Activity) error {
	a.CreatedAt = now()
	if _, err := t.tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert activity: %w", err)
	}
	return nil
}

// ActivityByURI returns a local activity by id.
func (d *DB) ActivityByURI(ctx context.Context, uri string) (*Activity, error) {
	a := new(Activity)
	err := d.r.NewSelect().Model(a).Where("uri = ?", uri).Scan(ctx)
	return a, notFound(err)
}

// Delivery is one POST of an activity to one inbox, claimed by a worker
// with a lease so a crashed worker's rows come due again.
type Delivery struct {
	bun.BaseModel `bun:"table:deliveries,alias:dl"`

	ID            int64      `bun:"id,pk"`
	ActivityID    int64      `bun:"activity_id"`
	Inbox         string     `bun:"inbox"`
	Host          string     `bun:"host"`
	Attempts      int64      `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	ClaimedUntil  *time.Time `bun:"claimed_until"`
	LastError     string     `bun:"last_error"`
	ForwardedBody []byte     `bun:"forwarded_body"`
	CreatedAt     time.Time  `bun:"created_at"`
}

// HostOf is the lowercase host[:port] of a URL, or "" if it has none.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// EnqueueDeliveries adds one delivery row per distinct inbox, skipping
// blocked domains. forwarded, when set, is a remote body sent as-is
// (inbox forwarding). It returns how many rows were added.
func (t *Tx) EnqueueDeliveries(ctx context.Context, activityID int64, inboxes []string, forwarded []byte) (int, error) {
	if len(inboxes) == 0 {
		return 0, nil
	}
	ts := now()
	seen := make(map[string]bool, len(inboxes))
	rows := make([]Delivery, 0, len(inboxes))
	for _, inbox := range inboxes {
		host := HostOf(inbox)
		if host == "" || seen[inbox] {
			continue
		}
		seen[inbox] = true
		rows = append(rows, Delivery{ID: t.d.NewID(), ActivityID: activityID, Inbox: inbox, Host: host,
			NextAttemptAt: ts, ForwardedBody: forwarded, CreatedAt: ts})
	}
	blocked, err := t.d.blockedAmong(ctx, t.tx, rows)
	if err != nil {
		return 0, err
	}
	kept := rows[:0]
	for _, r := range rows {
		if !blocked[hostDomain(r.Host)] {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		return 0, nil
	}
	// Chunks keep statements below SQLite's variable limits for huge fan-outs.
	for start := 0; start < len(kept); start += 500 {
		chunk := kept[start:min(start+500, len(kept))]
		if _, err := t.tx.NewInsert().Model(&chunk).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return 0, fmt.Errorf("db: enqueue deliveries: %w", err)
		}
	}
	return len(kept), nil
}

// hostDomain strips a port: domain blocks name domains.
func hostDomain(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[:i]
	}
	return host
}

func (d *DB) blockedAmong(ctx context.Context, idb bun.IDB, rows []Delivery) (map[string]bool, error) {
	var blocks []string
	if err := idb.NewSelect().Table("domain_blocks").Column("domain").Scan(ctx, &blocks); err != nil {
		return nil, fmt.Errorf("db: domain blocks: %w", err)
	}
	out := map[string]bool{}
	if len(blocks) == 0 {
		return out, nil
	}
	for _, r := range rows {
		dom := hostDomain(r.Host)
		for _, b := range blocks {
			if dom == b || strings.HasSuffix(dom, "."+b) {
				out[dom] = true
			}
		}
	}
	return out, nil
}

// ClaimedDelivery is a claimed row with what is needed to send it.
type ClaimedDelivery struct {
	Delivery
	Body        []byte // activity body (or the forwarded body)
	SignerID    int64  // account whose key signs
	ActivityURI string
}

// ClaimDeliveries leases up to limit due rows for lease. On PostgreSQL
// concurrent workers (and processes) skip each other's rows (SKIP LOCKED);
// on SQLite the single writer serialises claims. Rows of hosts marked down
// wait until their next probe.
func (d *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]ClaimedDelivery, error) {
	t := now()
	until := t.Add(lease)
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []int64
	err := d.w.NewRaw(`UPDATE deliveries SET claimed_until = ? WHERE id IN (
		SELECT id FROM deliveries
		WHERE next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
		  AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.domain = deliveries.host AND i.down_since IS NOT NULL AND i.next_probe_at > ?)
		ORDER BY next_attempt_at LIMIT ?`+lock+`) RETURNING id`, until, t, t, t, limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: claim deliveries: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var out []ClaimedDelivery
	err = d.r.NewSelect().TableExpr("deliveries AS dl").
		ColumnExpr("dl.*, COALESCE(dl.forwarded_body, act.body) AS body, act.account_id AS signer_id, act.uri AS activity_uri").
		Join("JOIN activities AS act ON act.id = dl.activity_id").
		Where("dl.id IN (?)", bun.List(ids)).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("db: load deliveries: %w", err)
	}
	return out, nil
}

// CompleteDelivery removes a delivered (or dropped) row and counts it per
// host. Completing a row twice (a send that outlived its lease) counts once.
func (d *DB) CompleteDelivery(ctx context.Context, c *ClaimedDelivery, delivered bool) error {
	return d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.NewDelete().Model((*Delivery)(nil)).Where("id = ?", c.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: complete delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		col := "failed"
		if delivered {
			col = "delivered"
		}
		_, err = tx.tx.NewRaw(`INSERT INTO delivery_stats (activity_id, host, delivered, failed, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (activity_id, host) DO UPDATE SET `+col+` = delivery_stats.`+col+` + 1, updated_at = excluded.updated_at`,
			c.ActivityID, c.Host, b2i(delivered), b2i(!delivered), now()).Exec(ctx)
		return err
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RetryDelivery reschedules a row after a failure.
func (d *DB) RetryDelivery(ctx context.Context, id int64, next time.Time, countAttempt bool, lastErr string) error {
	q := d.w.NewUpdate().Model((*Delivery)(nil)).Set("next_attempt_at = ?", next.UTC()).Set("claimed_until = NULL").
		Set("last_error = ?", truncate(lastErr, 500)).Where("id = ?", id)
	if countAttempt {
		q = q.Set("attempts = attempts + 1")
	}
	_, err := q.Exec(ctx)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// PendingDeliveries counts rows still queued (optionally for one activity).
func (d *DB) PendingDeliveries(ctx context.Context, activityID int64) (int, error) {
	q := d.r.NewSelect().Model((*Delivery)(nil))
	if activityID != 0 {
		q = q.Where("activity_id = ?", activityID)
	}
	n, err := q.Count(ctx)
	return int(n), err
}

// NextDeliveryDue is the earliest next_attempt_at, for sleeping workers.
func (d *DB) NextDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	var ts []time.Time
	err := d.r.NewSelect().Table("deliveries").ColumnExpr("next_attempt_at").Order("next_attempt_at").Limit(1).Scan(ctx, &ts)
	if err != nil || len(ts) == 0 {
		return time.Time{}, false, err
	}
	return ts[0], true, nil
}

// RecordHostSuccess resets a host's failure count and brings it back up.
func (d *DB) RecordHostSuccess(ctx context.Context, host string) error {
	t := now()
	_, err := d.w.NewRaw(`INSERT INTO instances (domain, failures, last_success_at, created_at) VALUES (?, 0, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET failures = 0, down_since = NULL, next_probe_at = NULL, last_success_at = excluded.last_success_at`,
		host, t, t).Exec(ctx)
	return err
}

// RecordHostFailure counts a failure; after threshold consecutive failures
// the host is marked down until probeAt.
func (d *DB) RecordHostFailure(ctx context.Context, host string, threshold int, probeAt time.Time) (down bool, err error) {
	t := now()
	var failures int64
	err = d.w.NewRaw(`INSERT INTO instances (domain, failures, last_failure_at, created_at) VALUES (?, 1, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET failures = instances.failures + 1, last_failure_at = excluded.last_failure_at
		RETURNING failures`, host, t, t).Scan(ctx, &failures)
	if err != nil {
		return false, fmt.Errorf("db: host failure: %w", err)
	}
	if failures < int64(threshold) {
		return false, nil
	}
	_, err = d.w.NewUpdate().Model((*Instance)(nil)).Set("down_since = COALESCE(down_since, ?)", t).Set("next_probe_at = ?", probeAt.UTC()).
		Where("domain = ?", host).Exec(ctx)
	return true, err
}

// InstanceByDomain returns what is known about a remote host.
func (d *DB) InstanceByDomain(ctx context.Context, domain string) (*Instance, error) {
	in := new(Instance)
	err := d.r.NewSelect().Model(in).Where("domain = ?", domain).Scan(ctx)
	return in, notFound(err)
}

// SetWantsRFC9421 remembers that a host asked for RFC 9421 signatures.
func (d *DB) SetWantsRFC9421(ctx context.Context, host string, wants bool) error {
	_, err := d.w.NewRaw(`INSERT INTO instances (domain, wants_rfc9421, created_at) VALUES (?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET wants_rfc9421 = excluded.wants_rfc9421`, host, wants, now()).Exec(ctx)
	return err
}

// InboxItem is a verified incoming activity waiting to be applied.
type InboxItem struct {
	bun.BaseModel `bun:"table:inbox_items,alias:ii"`

	ID            int64      `bun:"id,pk"`
	ActivityURI   string     `bun:"activity_uri"`
	Signer        string     `bun:"signer"`
	RecipientID   *int64     `bun:"recipient_id"`
	Body          []byte     `bun:"body"`
	Headers       string     `bun:"headers"`
	Attempts      int64      `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	ClaimedUntil  *time.Time `bun:"claimed_until"`
	LastError     string     `bun:"last_error"`
	CreatedAt     time.Time  `bun:"created_at"`
}

// InsertInboxItem makes an incoming activity durable (before answering 202).
// With a lease the receiving process applies it right away and the row only
// comes due for others if that fails; with none it is due at once.
func (d *DB) InsertInboxItem(ctx context.Context, it *InboxItem, lease time.Duration) error {
	t := now()
	it.ID, it.CreatedAt, it.NextAttemptAt = d.NewID(), t, t
	it.ClaimedUntil = nil
	if lease > 0 {
		until := t.Add(lease)
		it.ClaimedUntil = &until
	}
	if _, err := d.w.NewInsert().Model(it).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert inbox item: %w", err)
	}
	return nil
}

// ReleaseInboxItem drops the lease of an item nobody is applying in memory,
// so that it is due for the next claim.
func (d *DB) ReleaseInboxItem(ctx context.Context, id int64) error {
	_, err := d.w.NewUpdate().Model((*InboxItem)(nil)).Set("claimed_until = NULL").Where("id = ?", id).Exec(ctx)
	return err
}

// ClaimInboxItems leases due inbox items (after a crash or a failed apply).
func (d *DB) ClaimInboxItems(ctx context.Context, limit int, lease time.Duration) ([]*InboxItem, error) {
	t := now()
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []int64
	err := d.w.NewRaw(`UPDATE inbox_items SET claimed_until = ? WHERE id IN (
		SELECT id FROM inbox_items WHERE next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
		ORDER BY id LIMIT ?`+lock+`) RETURNING id`, t.Add(lease), t, t, limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: claim inbox items: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var items []*InboxItem
	err = d.r.NewSelect().Model(&items).Where("id IN (?)", bun.List(ids)).Order("id").Scan(ctx)
	return items, err
}

// InboxBacklog counts received activities not applied yet (health
// checks, and tests that wait for the inbox to settle).
func (d *DB) InboxBacklog(ctx context.Context) (int, error) {
	n, err := d.r.NewSelect().Model((*InboxItem)(nil)).Count(ctx)
	return int(n), err
}

// DeleteInboxItem removes an applied (or abandoned) item.
func (d *DB) DeleteInboxItem(ctx context.Context, id int64) error {
	_, err := d.w.NewDelete().Model((*InboxItem)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// RetryInboxItem reschedules an item whose apply failed.
func (d *DB) RetryInboxItem(ctx context.Context, id int64, next time.Time, lastErr string) error {
	_, err := d.w.NewUpdate().Model((*InboxItem)(nil)).Set("attempts = attempts + 1").Set("next_attempt_at = ?", next.UTC()).
		Set("claimed_until = NULL").Set("last_error = ?", truncate(lastErr, 500)).Where("id = ?", id).Exec(ctx)
	return err
}

// MarkSeen records an activity id as applied; false means it already was.
func (t *Tx) MarkSeen(ctx context.Context, uri string) (bool, error) {
	if uri == "" {
		return true, nil
	}
	res, err := t.tx.NewRaw(`INSERT INTO seen_activities (uri, created_at) VALUES (?, ?) ON CONFLICT (uri) DO NOTHING`, uri, now()).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: mark seen: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// PruneSeen forgets applied activity ids older than before.
func (d *DB) PruneSeen(ctx context.Context, before time.Time) error {
	_, err := d.w.NewDelete().TableExpr("seen_activities").Where("created_at < ?", before.UTC()).Exec(ctx)
	return err
}

// AddDomainBlock blocks a domain instance-wide: its accounts are suspended
// and their statuses removed; nothing more is delivered to it.
func (d *DB) AddDomainBlock(ctx context.Context, domain, reason string) error {
	domain = strings.ToLower(strings.TrimSpace(domain))
	return d.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.NewInsert().Model(&DomainBlock{Domain: domain, Severity: "suspend", Reason: reason, CreatedAt: now()}).
			On("CONFLICT (domain) DO UPDATE").Set("reason = EXCLUDED.reason").Exec(ctx); err != nil {
			return fmt.Errorf("db: domain block: %w", err)
		}
		match := "(domain = ? OR domain LIKE ? OR domain LIKE ?)"
		args := []any{domain, "%." + domain, domain + ":%"}
		if _, err := tx.tx.NewUpdate().Model((*Account)(nil)).Set("suspended_at = COALESCE(suspended_at, ?)", now()).
			Where("domain <> ''").Where(match, args...).Exec(ctx); err != nil {
			return fmt.Errorf("db: suspend domain accounts: %w", err)
		}
		if _, err := tx.tx.NewDelete().Model((*Follow)(nil)).
			Where("account_id IN (SELECT id FROM accounts WHERE domain <> '' AND "+match+") OR target_account_id IN (SELECT id FROM accounts WHERE domain <> '' AND "+match+")",
				append(args, args...)...).Exec(ctx); err != nil {
			return fmt.Errorf("db: drop domain follows: %w", err)
		}
		// Their statuses go below (with their feed rows); replies to them
		// leave the feeds of those who followed them.
		if err := tx.pruneHomeFeedsOfRepliesTo(ctx, "ra.domain <> '' AND (ra.domain = ? OR ra.domain LIKE ? OR ra.domain LIKE ?)", args...); err != nil {
			return err
		}
		if _, err := tx.tx.NewDelete().Model((*Status)(nil)).
			Where("account_id IN (SELECT id FROM accounts WHERE domain <> '' AND "+match+")", args...).Exec(ctx); err != nil {
			return fmt.Errorf("db: remove domain statuses: %w", err)
		}
		if _, err := tx.tx.NewDelete().Model((*Delivery)(nil)).Where("host = ? OR host LIKE ? OR host LIKE ?", args...).Exec(ctx); err != nil {
			return fmt.Errorf("db: drop domain deliveries: %w", err)
		}
		return tx.recountFollows(ctx)
	})
}

// recountFollows recomputes follower/following counters of local accounts
// (after a bulk removal of follows).
func (t *Tx) recountFollows(ctx context.Context) error {
	_, err := t.tx.NewRaw(`UPDATE accounts SET
		followers_count = (SELECT count(*) FROM follows WHERE target_account_id = accounts.id AND accepted = TRUE),
		following_count = (SELECT count(*) FROM follows WHERE account_id = accounts.id AND accepted = TRUE)
		WHERE domain = ''`).Exec(ctx)
	return err
}

// RemoveDomainBlock lifts a domain block (accounts stay suspended until
// they are refreshed; their content is gone).
func (d *DB) RemoveDomainBlock(ctx context.Context, domain string) error {
	domain = strings.ToLower(strings.TrimSpace(domain))
	res, err := d.w.NewDelete().Model((*DomainBlock)(nil)).Where("domain = ?", domain).Exec(ctx)
	if err := exactlyOne(res, err, "remove domain block"); err != nil {
		return err
	}
	_, err = d.w.NewUpdate().Model((*Account)(nil)).Set("suspended_at = NULL").
		Where("domain = ? OR domain LIKE ? OR domain LIKE ?", domain, "%."+domain, domain+":%").Exec(ctx)
	return err
}

// DomainBlocks lists instance-wide domain blocks.
func (d *DB) DomainBlocks(ctx context.Context) ([]DomainBlock, error) {
	var list []DomainBlock
	err := d.r.NewSelect().Model(&list).Order("domain").Scan(ctx)
	return list, err
}
