package activitypub

import (
	"context"
	"errors"
	"strings"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Instance-wide blocks of domains, by admins (API, pages, `kontor admin
// domain`): the rows and their effect on accounts are db.PutDomainBlock's;
// the engine forgets its cached list so federation obeys at once.

// NormalizeDomain lower-cases and checks a domain an admin typed.
func NormalizeDomain(field, d string) (string, error) {
	d = strings.ToLower(strings.TrimSpace(d))
	if d == "" || strings.ContainsAny(d, "/@: ") || !strings.Contains(d, ".") && d != "localhost" {
		return "", inputErr(field, "is not a domain")
	}
	return d, nil
}

// ValidDomainSeverity reports whether s is a domain block severity.
func ValidDomainSeverity(s string) bool { return s == "suspend" || s == "silence" || s == "noop" }

// BlockDomain creates (create true: refused if the domain is blocked
// already) or changes a domain block and records it.
func (e *Engine) BlockDomain(ctx context.Context, by Moderator, b *db.DomainBlock, create bool) error {
	d, err := NormalizeDomain("domain", b.Domain)
	if err != nil {
		return err
	}
	b.Domain = d
	if b.Severity == "" {
		b.Severity = "silence" // Mastodon's default
	}
	if !ValidDomainSeverity(b.Severity) {
		return inputErr("severity", "must be one of silence, suspend, noop")
	}
	if create {
		if existing, err := e.db.DomainBlockByDomain(ctx, d); err == nil {
			return inputErr("domain", "is already blocked (domain block %d)", existing.ID)
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
	}
	if err := e.db.PutDomainBlock(ctx, b); err != nil {
		return err
	}
	e.forgetDomainBlocks()
	action := map[bool]string{true: "create", false: "update"}[create]
	return e.db.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: action,
		TargetType: "DomainBlock", TargetID: b.ID, TargetLabel: b.Domain, Text: b.Severity})
}

// UnblockDomain lifts a domain block and records it.
func (e *Engine) UnblockDomain(ctx context.Context, by Moderator, b *db.DomainBlock) error {
	if err := e.db.RemoveDomainBlock(ctx, b.Domain); err != nil {
		return err
	}
	e.forgetDomainBlocks()
	return e.db.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: "destroy",
		TargetType: "DomainBlock", TargetID: b.ID, TargetLabel: b.Domain})
}

// federatingInboxes leaves out the inboxes of domains that do not federate
// (blocked, or not allowed in allowlist mode).
func (e *Engine) federatingInboxes(ctx context.Context, inboxes []string) []string {
	out := inboxes[:0:0]
	for _, in := range inboxes {
		if !e.DomainBlocked(ctx, vocab.Host(in)) {
			out = append(out, in)
		}
	}
	return out
}

// AllowDomain lets a domain federate in allowlist mode, and records it.
func (e *Engine) AllowDomain(ctx context.Context, by Moderator, domain string) (*db.DomainAllow, error) {
	d, err := NormalizeDomain("domain", domain)
	if err != nil {
		return nil, err
	}
	a := &db.DomainAllow{Domain: d}
	if err := e.db.AddDomainAllow(ctx, a); errors.Is(err, db.ErrConflict) {
		return nil, inputErr("domain", "is already allowed")
	} else if err != nil {
		return nil, err
	}
	e.forgetDomainBlocks()
	return a, e.db.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: "create",
		TargetType: "DomainAllow", TargetID: a.ID, TargetLabel: a.Domain})
}

// DisallowDomain removes a domain from the allowlist, and records it.
func (e *Engine) DisallowDomain(ctx context.Context, by Moderator, a *db.DomainAllow) error {
	if err := e.db.DeleteDomainAllow(ctx, a.ID); err != nil {
		return err
	}
	e.forgetDomainBlocks()
	return e.db.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: "destroy",
		TargetType: "DomainAllow", TargetID: a.ID, TargetLabel: a.Domain})
}

// reportsRejected reports whether a domain block of host (or a parent
// domain) has reject_reports: its Flags are dropped.
func (e *Engine) reportsRejected(ctx context.Context, host string) bool {
	rejected, err := e.db.DomainRejectsReports(ctx, host)
	if err != nil {
		e.log.Warn("domain blocks: reject_reports", "host", host, "err", err)
	}
	return rejected
}
