package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Queries of the delivery workers (activitypub/delivery). They add to
// federation.go what a fast, fair, multi-process queue needs: claims that
// skip hosts the worker already has enough of, bodies loaded once per
// activity, and writes batched in one transaction and fenced by the lease.

// ClaimDeliveryBatch leases up to limit due rows for owner (a registered
// process, see RegisterProcess; 0 for none). On PostgreSQL concurrent
// workers (and processes) skip each other's rows (SKIP LOCKED); on SQLite
// the single writer serialises claims. Rows of hosts marked down wait until
// their next probe, and rows of the hosts in except are skipped (the caller already holds enough rows
// for them, so a slow host cannot crowd everyone else out of a batch). Each
// returned row's ClaimedUntil is the lease it holds, exactly as written, so
// SettleDeliveries can tell whether the lease is still its own. Rows of one
// activity share one Body slice (read once).
func (d *DB) ClaimDeliveryBatch(ctx context.Context, owner int64, limit int, lease time.Duration, except []string) ([]ClaimedDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	t := now()
	until := t.Add(lease).Truncate(time.Microsecond)
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	claimable, cargs := claimableBy(owner, t)
	args := append([]any{until, ownerArg(owner), t}, cargs...)
	args = append(args, t)
	exclude := ""
	if len(except) > 0 {
		exclude = " AND host NOT IN (?)"
		args = append(args, bun.List(except))
	}
	args = append(args, limit)
	var ids []int64
	err := d.w.NewRaw(`UPDATE deliveries SET claimed_until = ?, claimed_by = ? WHERE id IN (
		SELECT id FROM deliveries
		WHERE next_attempt_at <= ? AND `+claimable+`
		  AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.domain = deliveries.host AND i.down_since IS NOT NULL AND i.next_probe_at > ?)`+exclude+`
		ORDER BY next_attempt_at LIMIT ?`+lock+`) RETURNING id`, args...).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: claim deliveries: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var out []ClaimedDelivery
	err = d.r.NewSelect().TableExpr("deliveries AS dl").
		ColumnExpr("dl.id, dl.activity_id, dl.inbox, dl.host, dl.attempts, dl.next_attempt_at, dl.last_error, dl.forwarded_body, dl.created_at").
		ColumnExpr("act.account_id AS signer_id, act.uri AS activity_uri").
		Join("JOIN activities AS act ON act.id = dl.activity_id").
		Where("dl.id IN (?)", bun.List(ids)).OrderExpr("dl.next_attempt_at, dl.id").Scan(ctx, &out)
	if err != nil {
		d.unclaim(ids, until)
		return nil, fmt.Errorf("db: load deliveries: %w", err)
	}
	bodies := map[int64][]byte{}
	for i := range out {
		out[i].ClaimedUntil = &until
		if out[i].ForwardedBody == nil {
			bodies[out[i].ActivityID] = nil
		}
	}
	if len(bodies) > 0 {
		actIDs := make([]int64, 0, len(bodies))
		for id := range bodies {
			actIDs = append(actIDs, id)
		}
		var acts []Activity
		if err := d.r.NewSelect().Model(&acts).Column("id", "body").Where("id IN (?)", bun.List(actIDs)).Scan(ctx); err != nil {
			d.unclaim(ids, until)
			return nil, fmt.Errorf("db: load activity bodies: %w", err)
		}
		for _, a := range acts {
			bodies[a.ID] = a.Body
		}
	}
	for i := range out {
		if out[i].ForwardedBody != nil {
			out[i].Body = out[i].ForwardedBody
		} else {
			out[i].Body = bodies[out[i].ActivityID]
		}
	}
	return out, nil
}

// unclaim hands back rows claimed by a ClaimDeliveryBatch that could not
// load them, rather than leaving them leased. Best effort: the lease
// expires anyway.
func (d *DB) unclaim(ids []int64, until time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.w.NewUpdate().Model((*Delivery)(nil)).Set("claimed_until = NULL").Set("claimed_by = NULL").
		Where("id IN (?)", bun.List(ids)).Where("claimed_until = ?", until).Exec(ctx) //nolint:errcheck
}

// DeliveryOutcome is what a worker decided about a claimed row.
type DeliveryOutcome struct {
	ID           int64
	ActivityID   int64
	Host         string
	ClaimedUntil time.Time // the lease the worker held (fences retries and releases)
	Kind         OutcomeKind
	Next         time.Time // Retry, Release: when the row comes due again
	CountAttempt bool      // Retry: the attempt counts towards the backoff
	LastError    string
	// HostUp: the host answered 2xx; reset its failures and bring it back
	// up, as RecordHostSuccess does, in the batch's transaction.
	HostUp bool
}

// OutcomeKind says what SettleDeliveries does with a row.
type OutcomeKind uint8

// Outcomes of a delivery attempt.
const (
	Delivered OutcomeKind = iota // 2xx: delete, count delivered
	Dropped                      // given up: delete, count failed
	Retry                        // reschedule (if the lease is still ours)
	Release                      // hand back unsent, attempts unchanged (if the lease is still ours)
)

// SettleDeliveries writes a batch of outcomes in one transaction. Deletes are
// not fenced (deleting a row twice is harmless) but stats count only rows
// actually deleted here, so a send that outlived its lease and finished
// twice is counted once. Retries and releases only apply while the row still
// carries the caller's lease: once another worker has re-claimed it, that
// worker owns the row's fate.
func (d *DB) SettleDeliveries(ctx context.Context, outs []DeliveryOutcome) error {
	if len(outs) == 0 {
		return nil
	}
	var del []int64
	deliveredIDs := map[int64]bool{}
	for _, o := range outs {
		if o.Kind == Delivered || o.Kind == Dropped {
			del = append(del, o.ID)
			if o.Kind == Delivered {
				deliveredIDs[o.ID] = true
			}
		}
	}
	t := now()
	return d.InTx(ctx, func(tx *Tx) error {
		if len(del) > 0 {
			var gone []Delivery
			err := tx.tx.NewRaw("DELETE FROM deliveries WHERE id IN (?) RETURNING id, activity_id, host", bun.List(del)).Scan(ctx, &gone)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("db: settle deliveries: %w", err)
			}
			if err := tx.addDeliveryStats(ctx, gone, deliveredIDs, t); err != nil {
				return err
			}
		}
		if err := tx.recordHostsUp(ctx, outs, t); err != nil {
			return err
		}
		for _, o := range outs {
			if o.Kind != Retry && o.Kind != Release {
				continue
			}
			q := tx.tx.NewUpdate().Model((*Delivery)(nil)).Set("next_attempt_at = ?", o.Next.UTC()).Set("claimed_until = NULL").Set("claimed_by = NULL").
				Where("id = ?", o.ID).Where("claimed_until = ?", o.ClaimedUntil.UTC())
			if o.Kind == Retry {
				q = q.Set("last_error = ?", truncate(o.LastError, 500))
				if o.CountAttempt {
					q = q.Set("attempts = attempts + 1")
				}
			}
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("db: reschedule delivery: %w", err)
			}
		}
		return nil
	})
}

// recordHostsUp is RecordHostSuccess for the hosts of a batch's outcomes
// marked HostUp, one statement per 300 hosts, sorted so concurrent
// writers lock them in the same order.
func (t *Tx) recordHostsUp(ctx context.Context, outs []DeliveryOutcome, ts time.Time) error {
	seen := map[string]bool{}
	var hosts []string
	for _, o := range outs {
		if o.HostUp && !seen[o.Host] {
			seen[o.Host] = true
			hosts = append(hosts, o.Host)
		}
	}
	sort.Strings(hosts)
	for start := 0; start < len(hosts); start += 300 {
		chunk := hosts[start:min(start+300, len(hosts))]
		args := make([]any, 0, 3*len(chunk))
		for _, h := range chunk {
			args = append(args, h, ts, ts)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, 0, ?, ?), ", len(chunk)), ", ")
		q := "INSERT INTO instances (domain, failures, last_success_at, created_at) VALUES " + values + `
			ON CONFLICT (domain) DO UPDATE SET failures = 0, down_since = NULL, next_probe_at = NULL, last_success_at = excluded.last_success_at`
		if _, err := t.tx.NewRaw(q, args...).Exec(ctx); err != nil {
			return fmt.Errorf("db: record hosts up: %w", err)
		}
	}
	return nil
}

type statKey struct {
	activity int64
	host     string
}

// addDeliveryStats adds deleted rows to delivery_stats in one statement,
// keys sorted so concurrent writers lock them in the same order.
func (t *Tx) addDeliveryStats(ctx context.Context, gone []Delivery, delivered map[int64]bool, ts time.Time) error {
	if len(gone) == 0 {
		return nil
	}
	counts := map[statKey]*[2]int{}
	for _, g := range gone {
		k := statKey{g.ActivityID, g.Host}
		c := counts[k]
		if c == nil {
			c = new([2]int)
			counts[k] = c
		}
		if delivered[g.ID] {
			c[0]++
		} else {
			c[1]++
		}
	}
	keys := make([]statKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].activity != keys[j].activity {
			return keys[i].activity < keys[j].activity
		}
		return keys[i].host < keys[j].host
	})
	// Chunks keep statements below SQLite's variable limits.
	for start := 0; start < len(keys); start += 200 {
		chunk := keys[start:min(start+200, len(keys))]
		args := make([]any, 0, 5*len(chunk))
		for _, k := range chunk {
			c := counts[k]
			args = append(args, k.activity, k.host, c[0], c[1], ts)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(chunk)), ", ")
		q := "INSERT INTO delivery_stats (activity_id, host, delivered, failed, updated_at) VALUES " + values + `
			ON CONFLICT (activity_id, host) DO UPDATE SET delivered = delivery_stats.delivered + excluded.delivered,
			failed = delivery_stats.failed + excluded.failed, updated_at = excluded.updated_at`
		if _, err := t.tx.NewRaw(q, args...).Exec(ctx); err != nil {
			return fmt.Errorf("db: delivery stats: %w", err)
		}
	}
	return nil
}

// NextClaimableDelivery is the earliest next_attempt_at among rows a
// ClaimDeliveryBatch with the same owner and except could take: not leased
// (or leased by owner, and run out), host not down, host not excluded. ok
// is false when there is none.
func (d *DB) NextClaimableDelivery(ctx context.Context, owner int64, except []string) (next time.Time, ok bool, err error) {
	t := now()
	claimable, cargs := claimableBy(owner, t)
	q := d.r.NewSelect().Table("deliveries").ColumnExpr("next_attempt_at").
		Where(claimable, cargs...).
		Where("NOT EXISTS (SELECT 1 FROM instances i WHERE i.domain = deliveries.host AND i.down_since IS NOT NULL AND i.next_probe_at > ?)", t)
	if len(except) > 0 {
		q = q.Where("host NOT IN (?)", bun.List(except))
	}
	var ts []time.Time
	if err := q.Order("next_attempt_at").Limit(1).Scan(ctx, &ts); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, fmt.Errorf("db: next delivery: %w", err)
	}
	if len(ts) == 0 {
		return time.Time{}, false, nil
	}
	return ts[0], true, nil
}

// ExpiredDeliveries is what PurgeExpiredDeliveries removed for one host.
type ExpiredDeliveries struct {
	Host string
	Rows int
}

// PurgeExpiredDeliveries drops unleased rows created before cutoff (a host
// that stayed down past the queue's MaxAge), counting them as failed. Leased
// rows are left to the worker holding them.
func (d *DB) PurgeExpiredDeliveries(ctx context.Context, cutoff time.Time) ([]ExpiredDeliveries, error) {
	var out []ExpiredDeliveries
	t := now()
	err := d.InTx(ctx, func(tx *Tx) error {
		var gone []Delivery
		err := tx.tx.NewRaw(`DELETE FROM deliveries WHERE created_at < ? AND (claimed_until IS NULL OR claimed_until < ?)
			RETURNING id, activity_id, host`, cutoff.UTC(), t).Scan(ctx, &gone)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("db: purge deliveries: %w", err)
		}
		perHost := map[string]int{}
		for _, g := range gone {
			perHost[g.Host]++
		}
		out = out[:0]
		for h, n := range perHost {
			out = append(out, ExpiredDeliveries{Host: h, Rows: n})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
		return tx.addDeliveryStats(ctx, gone, nil, t)
	})
	return out, err
}

// DeliveryCounts sums delivery_stats for one activity: rows delivered and
// rows given up.
func (d *DB) DeliveryCounts(ctx context.Context, activityID int64) (delivered, failed int64, err error) {
	var row struct {
		Delivered int64 `bun:"delivered"`
		Failed    int64 `bun:"failed"`
	}
	err = d.r.NewSelect().Table("delivery_stats").ColumnExpr("COALESCE(SUM(delivered), 0) AS delivered, COALESCE(SUM(failed), 0) AS failed").
		Where("activity_id = ?", activityID).Scan(ctx, &row)
	if err != nil {
		return 0, 0, fmt.Errorf("db: delivery counts: %w", err)
	}
	return row.Delivered, row.Failed, nil
}

// abandonedLease is how long past its end a lease of a process still alive
// is kept from others: a safety net for a process that never takes its
// rows back, not a way of taking a live peer's rows.
const abandonedLease = time.Hour

// claimableBy is the condition on a delivery row that owner may lease at
// t: nobody holds it, or the lease ran out and it was owner's (or
// nobody's: rows leased before owners were recorded). A live peer's rows
// are left to it however late it is; when a process dies, its rows are
// released by ReleaseDeadLeases, at once.
func claimableBy(owner int64, t time.Time) (string, []any) {
	return "(claimed_until IS NULL OR (claimed_until < ? AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)))",
		[]any{t, owner, t.Add(-abandonedLease)}
}

// ownerArg is owner as stored in claimed_by: NULL for none.
func ownerArg(owner int64) any {
	if owner == 0 {
		return nil
	}
	return owner
}
