package db

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// AddDomainBlock blocks a domain instance-wide: its accounts are suspended
// and their statuses removed; nothing more is delivered to it.
func (d *DB) AddDomainBlock(ctx context.Context, domain, reason string) error {
	domain = strings.ToLower(strings.TrimSpace(domain))
	return d.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.NewInsert().Model(&DomainBlock{Domain: domain, Severity: "suspend", Reason: reason, CreatedAt: now()}).
			On("CONFLICT (domain) DO UPDATE").Set("reason = EXCLUDED.reason").Exec(ctx); err != nil {
			return fmt.Errorf("db: domain block: %w", err)
		}
		hosted, err := tx.accountsHostedOn(ctx, domain)
		if err != nil {
			return err
		}
		// By handle domain, or by the host of the actor for accounts shown
		// under another (split) domain.
		match := "(domain = ? OR domain LIKE ? OR domain LIKE ? OR id IN (?))"
		args := []any{domain, "%." + domain, domain + ":%", bun.List(hosted)}
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
		if err := tx.pruneHomeFeedsOfRepliesTo(ctx, "ra.domain <> '' AND (ra.domain = ? OR ra.domain LIKE ? OR ra.domain LIKE ? OR ra.id IN (?))", args...); err != nil {
			return err
		}
		if _, err := tx.tx.NewDelete().Model((*Status)(nil)).
			Where("account_id IN (SELECT id FROM accounts WHERE domain <> '' AND "+match+")", args...).Exec(ctx); err != nil {
			return fmt.Errorf("db: remove domain statuses: %w", err)
		}
		if _, err := tx.tx.NewDelete().Model((*Delivery)(nil)).Where("host = ? OR host LIKE ? OR host LIKE ?", args[:3]...).Exec(ctx); err != nil {
			return fmt.Errorf("db: drop domain deliveries: %w", err)
		}
		return tx.recountFollows(ctx)
	})
}

// accountsHostedOn returns the remote accounts whose actor lives on domain
// (or a subdomain) while their handle carries another domain: a server's
// split-domain accounts, which a block of the server must reach too. Never
// empty, so that it can go into IN (…).
func (t *Tx) accountsHostedOn(ctx context.Context, domain string) ([]int64, error) {
	var rows []struct {
		ID     int64  `bun:"id"`
		URI    string `bun:"uri"`
		Domain string `bun:"domain"`
	}
	if err := t.tx.NewSelect().Model((*Account)(nil)).Column("id", "uri", "domain").
		Where("domain <> ''").Where("uri LIKE ?", "%"+domain+"%").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("db: accounts hosted on %s: %w", domain, err)
	}
	ids := []int64{0}
	for _, r := range rows {
		u, err := url.Parse(r.URI)
		if err != nil {
			continue
		}
		if h := u.Hostname(); (h == domain || strings.HasSuffix(h, "."+domain)) && r.Domain != u.Host {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
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
	return d.InTx(ctx, func(tx *Tx) error {
		hosted, err := tx.accountsHostedOn(ctx, domain)
		if err != nil {
			return err
		}
		_, err = tx.tx.NewUpdate().Model((*Account)(nil)).Set("suspended_at = NULL").
			Where("domain = ? OR domain LIKE ? OR domain LIKE ? OR id IN (?)", domain, "%."+domain, domain+":%", bun.List(hosted)).Exec(ctx)
		return err
	})
}

// DomainBlocks lists instance-wide domain blocks.
func (d *DB) DomainBlocks(ctx context.Context) ([]DomainBlock, error) {
	var list []DomainBlock
	err := d.r.NewSelect().Model(&list).Order("domain").Scan(ctx)
	return list, err
}

// AccountDomainBlock is a user's own block of a remote domain.
type AccountDomainBlock struct {
	bun.BaseModel `bun:"table:account_domain_blocks"`

	ID        int64     `bun:"id,pk"`
	AccountID int64     `bun:"account_id"`
	Domain    string    `bun:"domain"`
	CreatedAt time.Time `bun:"created_at"`
}

// AccountDomainBlocksPage lists the domains account blocks, most recent first.
func (d *DB) AccountDomainBlocksPage(ctx context.Context, accountID int64, p Page) ([]*AccountDomainBlock, error) {
	var list []*AccountDomainBlock
	q := d.r.NewSelect().Model(&list).Where("account_id = ?", accountID)
	if err := p.apply(q, "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: account domain blocks: %w", err)
	}
	return newestFirst(p, list), nil
}

// AddAccountDomainBlock records that account blocks domain (idempotent).
func (d *DB) AddAccountDomainBlock(ctx context.Context, accountID int64, domain string) error {
	b := &AccountDomainBlock{ID: d.NewID(), AccountID: accountID, Domain: strings.ToLower(domain), CreatedAt: now()}
	if _, err := d.w.NewInsert().Model(b).On("CONFLICT (account_id, domain) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("db: add account domain block: %w", err)
	}
	return nil
}

// RemoveAccountDomainBlock lifts account's block of domain (idempotent).
func (d *DB) RemoveAccountDomainBlock(ctx context.Context, accountID int64, domain string) error {
	_, err := d.w.NewDelete().Model((*AccountDomainBlock)(nil)).Where("account_id = ? AND domain = ?", accountID, strings.ToLower(domain)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: remove account domain block: %w", err)
	}
	return nil
}
