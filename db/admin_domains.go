package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// limitIfDomainSilenced limits a new remote account whose domain (or a
// parent domain) is blocked with severity silence.
func (t *Tx) limitIfDomainSilenced(ctx context.Context, a *Account) error {
	host := strings.ToLower(a.Domain)
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	n, err := t.tx.NewSelect().Model((*DomainBlock)(nil)).
		Where("severity = 'silence' AND (domain = ? OR ? LIKE '%.' || domain)", host, host).Count(ctx)
	if err != nil {
		return fmt.Errorf("db: domain silence: %w", err)
	}
	if n > 0 {
		at := now()
		a.SilencedAt = &at
	}
	return nil
}

// AdminDomainBlocks lists domain blocks for admins, newest first.
func (d *DB) AdminDomainBlocks(ctx context.Context, p Page) ([]*DomainBlock, error) {
	var list []*DomainBlock
	if err := p.apply(d.r.NewSelect().Model(&list), "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: domain blocks: %w", err)
	}
	return newestFirst(p, list), nil
}

// DomainBlockByID returns one domain block.
func (d *DB) DomainBlockByID(ctx context.Context, id int64) (*DomainBlock, error) {
	b := new(DomainBlock)
	return b, notFound(d.r.NewSelect().Model(b).Where("id = ?", id).Scan(ctx))
}

// DomainBlockByDomain returns the block of exactly domain.
func (d *DB) DomainBlockByDomain(ctx context.Context, domain string) (*DomainBlock, error) {
	b := new(DomainBlock)
	return b, notFound(d.r.NewSelect().Model(b).Where("domain = ?", strings.ToLower(domain)).Scan(ctx))
}

// DomainAllow lets a domain federate when federation_mode is "allowlist".
type DomainAllow struct {
	bun.BaseModel `bun:"table:domain_allows,alias:da"`

	ID        int64     `bun:"id,pk"`
	Domain    string    `bun:"domain"`
	CreatedAt time.Time `bun:"created_at"`
}

// AddDomainAllow allows a domain (ErrConflict if it is already).
func (d *DB) AddDomainAllow(ctx context.Context, a *DomainAllow) error {
	a.Domain = strings.ToLower(strings.TrimSpace(a.Domain))
	return insertBlock(ctx, d, a, &a.ID, &a.CreatedAt)
}

// DomainAllows lists allowed domains, newest first.
func (d *DB) DomainAllows(ctx context.Context, p Page) ([]*DomainAllow, error) {
	return blocksPage[DomainAllow](ctx, d, p)
}

// DomainAllowByID returns one allowed domain.
func (d *DB) DomainAllowByID(ctx context.Context, id int64) (*DomainAllow, error) {
	return blockByID[DomainAllow](ctx, d, id)
}

// DeleteDomainAllow removes a domain from the allowlist.
func (d *DB) DeleteDomainAllow(ctx context.Context, id int64) error {
	return deleteBlock[DomainAllow](ctx, d, id)
}

// AllowedDomains lists every allowed domain.
func (d *DB) AllowedDomains(ctx context.Context) ([]string, error) {
	var out []string
	err := d.r.NewSelect().Model((*DomainAllow)(nil)).Column("domain").Scan(ctx, &out)
	return out, err
}

// DomainRejectsReports reports whether a block of host (or a parent
// domain of it) has reject_reports.
func (d *DB) DomainRejectsReports(ctx context.Context, host string) (bool, error) {
	host = strings.ToLower(host)
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	return d.r.NewSelect().Model((*DomainBlock)(nil)).
		Where("reject_reports = TRUE AND (domain = ? OR ? LIKE '%.' || domain)", host, host).Exists(ctx)
}
