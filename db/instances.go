package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// DeferHostDeliveries moves the unleased rows of a host that went down to its
// probe time, so claims stop scanning past them and they do not all rush in
// the moment the host comes back. It returns how many rows moved.
func (d *DB) DeferHostDeliveries(ctx context.Context, host string, until time.Time) (int, error) {
	t := now()
	res, err := d.w.NewUpdate().Model((*Delivery)(nil)).Set("next_attempt_at = ?", until.UTC()).
		Where("host = ?", host).Where("next_attempt_at < ?", until.UTC()).
		Where("claimed_until IS NULL OR claimed_until < ?", t).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: defer host deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// InstancesByDomains returns what is known about several hosts at once
// (hosts never seen have no row).
func (d *DB) InstancesByDomains(ctx context.Context, domains []string) ([]Instance, error) {
	if len(domains) == 0 {
		return nil, nil
	}
	var out []Instance
	err := d.r.NewSelect().Model(&out).Where("domain IN (?)", bun.List(domains)).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: instances: %w", err)
	}
	return out, nil
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
