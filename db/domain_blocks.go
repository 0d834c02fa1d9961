package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// AddDomainBlock blocks a domain instance-wide: its accounts are suspended
// and their statuses removed; nothing more is delivered to it.
func (d *DB) AddDomainBlock(ctx context.Context, domain, reason string) error {
	return d.PutDomainBlock(ctx, &DomainBlock{Domain: domain, Severity: "suspend", Reason: reason})
}

// PutDomainBlock creates or changes the block of b.Domain and applies its
// severity: suspend removes the domain's accounts' content and follows,
// silence limits its accounts, noop only records. A change of severity
// first lifts what the old one did to the accounts. b is filled in as stored.
func (d *DB) PutDomainBlock(ctx context.Context, b *DomainBlock) error {
	b.Domain = strings.ToLower(strings.TrimSpace(b.Domain))
	return d.InTx(ctx, func(tx *Tx) error {
		old := new(DomainBlock)
		err := tx.tx.NewSelect().Model(old).Where("domain = ?", b.Domain).Scan(ctx)
		switch {
		case err == nil:
			b.ID, b.CreatedAt = old.ID, old.CreatedAt
			if _, err := tx.tx.NewUpdate().Model(b).WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("db: domain block: %w", err)
			}
			if old.Severity != b.Severity {
				if err := tx.liftDomainSeverity(ctx, b.Domain); err != nil {
					return err
				}
			}
		case errors.Is(notFound(err), ErrNotFound):
			b.ID, b.CreatedAt = d.NewID(), now()
			if _, err := tx.tx.NewInsert().Model(b).Exec(ctx); err != nil {
				return fmt.Errorf("db: domain block: %w", err)
			}
		default:
			return fmt.Errorf("db: domain block: %w", err)
		}
		switch b.Severity {
		case "suspend":
			return tx.suspendDomain(ctx, b.Domain)
		case "silence":
			match, args, err := tx.domainAccounts(ctx, b.Domain)
			if err != nil {
				return err
			}
			_, err = tx.tx.NewUpdate().Model((*Account)(nil)).Set("silenced_at = COALESCE(silenced_at, ?)", now()).
				Where("domain <> ''").Where(match, args...).Exec(ctx)
			return err
		}
		return nil
	})
}

// domainArgs match a domain column against a domain, its subdomains and
// its ports: "(domain = ? OR domain LIKE ? OR domain LIKE ?)".
func domainArgs(domain string) []any { return []any{domain, "%." + domain, domain + ":%"} }

// domainAccounts is the condition (on accounts) of a domain's accounts: by
// handle domain, or by the host of the actor for accounts shown under
// another (split) domain.
func (t *Tx) domainAccounts(ctx context.Context, domain string) (string, []any, error) {
	hosted, err := t.accountsHostedOn(ctx, domain)
	if err != nil {
		return "", nil, err
	}
	return "(domain = ? OR domain LIKE ? OR domain LIKE ? OR id IN (?))", append(domainArgs(domain), bun.List(hosted)), nil
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

// liftDomainSeverity lifts the suspension and the limit of a domain's
// accounts (their removed content stays gone).
func (t *Tx) liftDomainSeverity(ctx context.Context, domain string) error {
	match, args, err := t.domainAccounts(ctx, domain)
	if err != nil {
		return err
	}
	_, err = t.tx.NewUpdate().Model((*Account)(nil)).Set("suspended_at = NULL").Set("silenced_at = NULL").
		Where("domain <> ''").Where(match, args...).Exec(ctx)
	return err
}

// suspendDomain suspends a domain's accounts and removes their statuses,
// follows and pending deliveries.
func (t *Tx) suspendDomain(ctx context.Context, domain string) error {
	match, args, err := t.domainAccounts(ctx, domain)
	if err != nil {
		return err
	}
	if _, err := t.tx.NewUpdate().Model((*Account)(nil)).Set("suspended_at = COALESCE(suspended_at, ?)", now()).
		Where("domain <> ''").Where(match, args...).Exec(ctx); err != nil {
		return fmt.Errorf("db: suspend domain accounts: %w", err)
	}
	if _, err := t.tx.NewDelete().Model((*Follow)(nil)).
		Where("account_id IN (SELECT id FROM accounts WHERE domain <> '' AND "+match+") OR target_account_id IN (SELECT id FROM accounts WHERE domain <> '' AND "+match+")",
			append(args, args...)...).Exec(ctx); err != nil {
		return fmt.Errorf("db: drop domain follows: %w", err)
	}
	// Their statuses go below (with their feed rows); replies to them
	// leave the feeds of those who followed them.
	if err := t.pruneHomeFeedsOfRepliesTo(ctx, "ra.domain <> '' AND (ra.domain = ? OR ra.domain LIKE ? OR ra.domain LIKE ? OR ra.id IN (?))", args...); err != nil {
		return err
	}
	if _, err := t.tx.NewDelete().Model((*Status)(nil)).
		Where("account_id IN (SELECT id FROM accounts WHERE domain <> '' AND "+match+")", args...).Exec(ctx); err != nil {
		return fmt.Errorf("db: remove domain statuses: %w", err)
	}
	if _, err := t.tx.NewDelete().Model((*Delivery)(nil)).Where("host = ? OR host LIKE ? OR host LIKE ?", args[:3]...).Exec(ctx); err != nil {
		return fmt.Errorf("db: drop domain deliveries: %w", err)
	}
	return t.recountFollows(ctx)
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

// RemoveDomainBlock lifts a domain block (accounts are no longer suspended
// or limited; their removed content is gone).
func (d *DB) RemoveDomainBlock(ctx context.Context, domain string) error {
	domain = strings.ToLower(strings.TrimSpace(domain))
	return d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.NewDelete().Model((*DomainBlock)(nil)).Where("domain = ?", domain).Exec(ctx)
		if err := exactlyOne(res, err, "remove domain block"); err != nil {
			return err
		}
		return tx.liftDomainSeverity(ctx, domain)
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
