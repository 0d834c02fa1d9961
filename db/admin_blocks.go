package db

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Sign-up blocks of admins: by email domain, by canonical email address,
// by IP range (signup obeys them; the admin API edits them).

// EmailDomainBlock refuses sign-ups with addresses at a domain (and its
// subdomains).
type EmailDomainBlock struct {
	bun.BaseModel `bun:"table:email_domain_blocks,alias:edb"`

	ID        int64     `bun:"id,pk"`
	Domain    string    `bun:"domain"`
	CreatedAt time.Time `bun:"created_at"`
}

// CanonicalEmailBlock refuses sign-ups whose canonical address hashes to Hash.
type CanonicalEmailBlock struct {
	bun.BaseModel `bun:"table:canonical_email_blocks,alias:ceb"`

	ID        int64     `bun:"id,pk"`
	Hash      string    `bun:"canonical_email_hash"`
	CreatedAt time.Time `bun:"created_at"`
}

// IPBlock applies a severity to sign-ups from an address range.
type IPBlock struct {
	bun.BaseModel `bun:"table:ip_blocks,alias:ipb"`

	ID        int64      `bun:"id,pk"`
	IP        string     `bun:"ip"` // a CIDR prefix
	Severity  string     `bun:"severity"`
	Comment   string     `bun:"comment"`
	ExpiresAt *time.Time `bun:"expires_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// IP block severities (Mastodon's).
const (
	IPSignUpRequiresApproval = "sign_up_requires_approval"
	IPSignUpBlock            = "sign_up_block"
	IPNoAccess               = "no_access"
)

// ValidIPSeverity reports whether s is an IP block severity.
func ValidIPSeverity(s string) bool {
	return s == IPSignUpRequiresApproval || s == IPSignUpBlock || s == IPNoAccess
}

// insertBlock stores a new block row (id and time set here); a duplicate is ErrConflict.
func insertBlock[T any](ctx context.Context, d *DB, row *T, id *int64, created *time.Time) error {
	*id, *created = d.NewID(), now()
	if _, err := d.w.NewInsert().Model(row).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return ErrConflict
		}
		return fmt.Errorf("db: insert block: %w", err)
	}
	return nil
}

// blocksPage lists block rows, newest first.
func blocksPage[T any](ctx context.Context, d *DB, p Page) ([]*T, error) {
	var list []*T
	if err := p.apply(d.r.NewSelect().Model(&list), "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: blocks: %w", err)
	}
	return newestFirst(p, list), nil
}

func blockByID[T any](ctx context.Context, d *DB, id int64) (*T, error) {
	row := new(T)
	return row, notFound(d.r.NewSelect().Model(row).Where("id = ?", id).Scan(ctx))
}

func deleteBlock[T any](ctx context.Context, d *DB, id int64) error {
	res, err := d.w.NewDelete().Model((*T)(nil)).Where("id = ?", id).Exec(ctx)
	return exactlyOne(res, err, "delete block")
}

// AddEmailDomainBlock blocks sign-ups from an email domain.
func (d *DB) AddEmailDomainBlock(ctx context.Context, b *EmailDomainBlock) error {
	b.Domain = strings.ToLower(strings.TrimSpace(b.Domain))
	return insertBlock(ctx, d, b, &b.ID, &b.CreatedAt)
}

// EmailDomainBlocks lists email domain blocks, newest first.
func (d *DB) EmailDomainBlocks(ctx context.Context, p Page) ([]*EmailDomainBlock, error) {
	return blocksPage[EmailDomainBlock](ctx, d, p)
}

// EmailDomainBlockByID returns one email domain block.
func (d *DB) EmailDomainBlockByID(ctx context.Context, id int64) (*EmailDomainBlock, error) {
	return blockByID[EmailDomainBlock](ctx, d, id)
}

// DeleteEmailDomainBlock lifts an email domain block.
func (d *DB) DeleteEmailDomainBlock(ctx context.Context, id int64) error {
	return deleteBlock[EmailDomainBlock](ctx, d, id)
}

// EmailDomainBlocked reports whether an address's domain, or a parent of
// it, is blocked.
func (d *DB) EmailDomainBlocked(ctx context.Context, email string) (bool, error) {
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok {
		return false, nil
	}
	return d.r.NewSelect().Model((*EmailDomainBlock)(nil)).
		Where("domain = ? OR ? LIKE '%.' || domain", domain, domain).Exists(ctx)
}

// AddCanonicalEmailBlock blocks sign-ups with a canonical address hash.
func (d *DB) AddCanonicalEmailBlock(ctx context.Context, b *CanonicalEmailBlock) error {
	return insertBlock(ctx, d, b, &b.ID, &b.CreatedAt)
}

// CanonicalEmailBlocks lists canonical email blocks, newest first.
func (d *DB) CanonicalEmailBlocks(ctx context.Context, p Page) ([]*CanonicalEmailBlock, error) {
	return blocksPage[CanonicalEmailBlock](ctx, d, p)
}

// CanonicalEmailBlockByID returns one canonical email block.
func (d *DB) CanonicalEmailBlockByID(ctx context.Context, id int64) (*CanonicalEmailBlock, error) {
	return blockByID[CanonicalEmailBlock](ctx, d, id)
}

// DeleteCanonicalEmailBlock lifts a canonical email block.
func (d *DB) DeleteCanonicalEmailBlock(ctx context.Context, id int64) error {
	return deleteBlock[CanonicalEmailBlock](ctx, d, id)
}

// CanonicalEmailBlocksByHash returns the blocks of a canonical address hash.
func (d *DB) CanonicalEmailBlocksByHash(ctx context.Context, hash string) ([]*CanonicalEmailBlock, error) {
	var list []*CanonicalEmailBlock
	err := d.r.NewSelect().Model(&list).Where("canonical_email_hash = ?", hash).Scan(ctx)
	return list, err
}

// AddIPBlock stores an IP block.
func (d *DB) AddIPBlock(ctx context.Context, b *IPBlock) error {
	return insertBlock(ctx, d, b, &b.ID, &b.CreatedAt)
}

// UpdateIPBlock changes an IP block.
func (d *DB) UpdateIPBlock(ctx context.Context, b *IPBlock) error {
	res, err := d.w.NewUpdate().Model(b).Column("ip", "severity", "comment", "expires_at").WherePK().Exec(ctx)
	return exactlyOne(res, err, "update ip block")
}

// IPBlocks lists IP blocks, newest first.
func (d *DB) IPBlocks(ctx context.Context, p Page) ([]*IPBlock, error) {
	return blocksPage[IPBlock](ctx, d, p)
}

// IPBlockByID returns one IP block.
func (d *DB) IPBlockByID(ctx context.Context, id int64) (*IPBlock, error) {
	return blockByID[IPBlock](ctx, d, id)
}

// DeleteIPBlock lifts an IP block.
func (d *DB) DeleteIPBlock(ctx context.Context, id int64) error {
	return deleteBlock[IPBlock](ctx, d, id)
}

// IPSeverities returns the severities of the unexpired blocks whose range
// holds addr (the ranges are few: they are matched here, not in SQL, so
// both dialects agree).
func (d *DB) IPSeverities(ctx context.Context, addr string) ([]string, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, nil
	}
	var list []*IPBlock
	if err := d.r.NewSelect().Model(&list).Where("expires_at IS NULL OR expires_at > ?", now()).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: ip blocks: %w", err)
	}
	var out []string
	for _, b := range list {
		if p, err := netip.ParsePrefix(b.IP); err == nil && p.Contains(ip.Unmap()) {
			out = append(out, b.Severity)
		}
	}
	return out, nil
}

// NoAccessRanges lists the unexpired ranges blocked with severity no_access.
func (d *DB) NoAccessRanges(ctx context.Context) ([]netip.Prefix, error) {
	var list []*IPBlock
	if err := d.r.NewSelect().Model(&list).Where("severity = ? AND (expires_at IS NULL OR expires_at > ?)", IPNoAccess, now()).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: no-access ranges: %w", err)
	}
	var out []netip.Prefix
	for _, b := range list {
		if p, err := netip.ParsePrefix(b.IP); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}
