package db

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

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
	ClaimedBy     *int64     `bun:"claimed_by"` // the process holding the lease (see Process)
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
	blocked, err := t.d.blockedAmong(ctx, rows)
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

// blockedDomains are the domains blocked (at any severity), kept in memory
// until domain_blocks is written: every enqueued delivery is checked. Read
// outside the caller's transaction (as its other checks are), so that a
// list the transaction itself changed and may roll back is never kept.
func (d *DB) blockedDomains(ctx context.Context) ([]string, error) {
	d.freshen(ctx)
	blocks, err := d.reads.domainBlocks.through(struct{}{}, func() (*[]string, error) {
		var blocks []string
		if err := d.r.NewSelect().Table("domain_blocks").Column("domain").Scan(ctx, &blocks); err != nil {
			return nil, fmt.Errorf("db: domain blocks: %w", err)
		}
		return &blocks, nil
	})
	if err != nil {
		return nil, err
	}
	return *blocks, nil
}

// hostDomain strips a port: domain blocks name domains.
func hostDomain(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[:i]
	}
	return host
}

func (d *DB) blockedAmong(ctx context.Context, rows []Delivery) (map[string]bool, error) {
	blocks, err := d.blockedDomains(ctx)
	if err != nil {
		return nil, err
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
