package db

import (
	"context"
	"fmt"
	"strings"
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
