package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// The admin API of sign-up blocks: email domains, canonical email
// addresses and IP ranges (Mastodon's /api/v1/admin/email_domain_blocks,
// canonical_email_blocks and ip_blocks). The signup package obeys them, for
// the API and the web form alike. Each change is written to the audit log.

// remoteIP is the client's address (RealIP has applied trusted proxies).
func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// AdminEmailDomainBlock is Mastodon's Admin::EmailDomainBlock.
type AdminEmailDomainBlock struct {
	ID        string `json:"id"`
	Domain    string `json:"domain"`
	CreatedAt string `json:"created_at"`
	History   []any  `json:"history"`
}

func adminEmailDomainBlock(b *db.EmailDomainBlock) AdminEmailDomainBlock {
	return AdminEmailDomainBlock{ID: db.FormatID(b.ID), Domain: b.Domain, CreatedAt: entity.Time(b.CreatedAt), History: []any{}}
}

// AdminCanonicalEmailBlock is Mastodon's Admin::CanonicalEmailBlock.
type AdminCanonicalEmailBlock struct {
	ID                 string `json:"id"`
	CanonicalEmailHash string `json:"canonical_email_hash"`
}

func adminCanonicalEmailBlock(b *db.CanonicalEmailBlock) AdminCanonicalEmailBlock {
	return AdminCanonicalEmailBlock{ID: db.FormatID(b.ID), CanonicalEmailHash: b.Hash}
}

// AdminIPBlock is Mastodon's Admin::IpBlock.
type AdminIPBlock struct {
	ID        string  `json:"id"`
	IP        string  `json:"ip"`
	Severity  string  `json:"severity"`
	Comment   string  `json:"comment"`
	CreatedAt string  `json:"created_at"`
	ExpiresAt *string `json:"expires_at"`
}

func adminIPBlock(b *db.IPBlock) AdminIPBlock {
	return AdminIPBlock{ID: db.FormatID(b.ID), IP: b.IP, Severity: b.Severity, Comment: b.Comment,
		CreatedAt: entity.Time(b.CreatedAt), ExpiresAt: entity.TimePtr(b.ExpiresAt)}
}

// blockKind wires one kind of block to the generic endpoints below.
type blockKind[T, E any] struct {
	path, scope, target string
	list                func(context.Context, db.Page) ([]*T, error)
	byID                func(context.Context, int64) (*T, error)
	del                 func(context.Context, int64) error
	id                  func(*T) int64
	present             func(*T) E
}

func (h *Handlers) adminBlockRoutes(r chi.Router) {
	emailDomains := blockKind[db.EmailDomainBlock, AdminEmailDomainBlock]{"/admin/email_domain_blocks", "email_domain_blocks", "EmailDomainBlock",
		h.DB.EmailDomainBlocks, h.DB.EmailDomainBlockByID, h.DB.DeleteEmailDomainBlock,
		func(b *db.EmailDomainBlock) int64 { return b.ID }, adminEmailDomainBlock}
	registerBlockKind(h, r, emailDomains, h.createEmailDomainBlock)
	canonical := blockKind[db.CanonicalEmailBlock, AdminCanonicalEmailBlock]{"/admin/canonical_email_blocks", "canonical_email_blocks", "CanonicalEmailBlock",
		h.DB.CanonicalEmailBlocks, h.DB.CanonicalEmailBlockByID, h.DB.DeleteCanonicalEmailBlock,
		func(b *db.CanonicalEmailBlock) int64 { return b.ID }, adminCanonicalEmailBlock}
	r.Post("/admin/canonical_email_blocks/test", h.handler(h.testCanonicalEmail))
	registerBlockKind(h, r, canonical, h.createCanonicalEmailBlock)
	ips := blockKind[db.IPBlock, AdminIPBlock]{"/admin/ip_blocks", "ip_blocks", "IpBlock",
		h.DB.IPBlocks, h.DB.IPBlockByID, h.DB.DeleteIPBlock, func(b *db.IPBlock) int64 { return b.ID }, adminIPBlock}
	registerBlockKind(h, r, ips, h.putIPBlock(false))
	r.Put("/admin/ip_blocks/{id}", h.handler(h.updateIPBlock))
}

// registerBlockKind mounts list, show, create and delete of a block kind.
func registerBlockKind[T, E any](h *Handlers, r chi.Router, k blockKind[T, E], create func(*Params, *auth.Caller, *http.Request) (*T, error)) {
	read, write := "admin:read:"+k.scope, "admin:write:"+k.scope
	r.Get(k.path, h.handler(func(w http.ResponseWriter, r *http.Request) error {
		_, page, ok, err := h.requirePage(w, r, read, 100, 200)
		if !ok {
			return err
		}
		list, err := k.list(r.Context(), page)
		if err != nil {
			return err
		}
		out := make([]E, 0, len(list))
		for _, b := range list {
			out = append(out, k.present(b))
		}
		setPageLink(h, w, r, list, k.id)
		render.JSON(w, http.StatusOK, out)
		return nil
	}))
	r.Get(k.path+"/{id}", h.handler(showOwn(h, read, func(ctx context.Context, _, id int64) (*T, error) { return k.byID(ctx, id) }, k.present)))
	r.Post(k.path, h.handler(func(w http.ResponseWriter, r *http.Request) error {
		a, ok := h.require(w, r, write)
		if !ok {
			return nil
		}
		p, err := ReadParams(r)
		if err != nil {
			return err
		}
		b, err := create(p, a, r)
		if errors.Is(err, db.ErrConflict) {
			return unprocessable("Validation failed: this block exists already")
		} else if err != nil {
			return err
		}
		h.ipGate.forget()
		render.JSON(w, http.StatusOK, k.present(b))
		return h.audit(r, a, "create", k.target, k.id(b), "")
	}))
	r.Delete(k.path+"/{id}", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		a, id, ok, err := h.requireID(w, r, write)
		if !ok {
			return err
		}
		if err := k.del(r.Context(), id); err != nil {
			return err
		}
		h.ipGate.forget()
		render.JSON(w, http.StatusOK, struct{}{})
		return h.audit(r, a, "destroy", k.target, id, "")
	}))
}

// audit records an admin action of the caller (after the answer: a failure
// is logged, the action stands).
func (h *Handlers) audit(r *http.Request, a *auth.Caller, action, targetType string, targetID int64, label string) error {
	err := h.DB.RecordAdminAction(r.Context(), &db.AdminAction{AccountID: &a.Account.ID, Action: action,
		TargetType: targetType, TargetID: targetID, TargetLabel: label})
	if err != nil {
		h.Log.Error("admin: audit log", "action", action, "target", targetType, "err", err)
	}
	return nil
}

func (h *Handlers) createEmailDomainBlock(p *Params, _ *auth.Caller, r *http.Request) (*db.EmailDomainBlock, error) {
	return h.addEmailDomainBlock(r.Context(), p.String("domain"))
}

// addEmailDomainBlock checks and stores a block of sign-ups from domain
// (the API's and the admin pages').
func (h *Handlers) addEmailDomainBlock(ctx context.Context, domain string) (*db.EmailDomainBlock, error) {
	d, err := activitypub.NormalizeDomain("domain", domain)
	if err != nil {
		return nil, err
	}
	b := &db.EmailDomainBlock{Domain: d}
	return b, h.DB.AddEmailDomainBlock(ctx, b)
}

func (h *Handlers) createCanonicalEmailBlock(p *Params, _ *auth.Caller, r *http.Request) (*db.CanonicalEmailBlock, error) {
	hash := strings.ToLower(strings.TrimSpace(p.String("canonical_email_hash")))
	if email := p.String("email"); email != "" {
		hash = signup.CanonicalEmailHash(email)
	}
	if len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return nil, fieldErr("canonical_email_hash", "must be an email or a SHA-256 hash")
	}
	b := &db.CanonicalEmailBlock{Hash: hash}
	return b, h.DB.AddCanonicalEmailBlock(r.Context(), b)
}

// testCanonicalEmail is POST canonical_email_blocks/test: the blocks that
// match an email address.
func (h *Handlers) testCanonicalEmail(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.require(w, r, "admin:read:canonical_email_blocks"); !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	if p.String("email") == "" {
		return fieldErr("email", "can't be blank")
	}
	list, err := h.DB.CanonicalEmailBlocksByHash(r.Context(), signup.CanonicalEmailHash(p.String("email")))
	if err != nil {
		return err
	}
	out := make([]AdminCanonicalEmailBlock, 0, len(list))
	for _, b := range list {
		out = append(out, adminCanonicalEmailBlock(b))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// putIPBlock creates an IP block (ip, severity, comment, expires_in
// seconds), or with update changes the one of the path's id.
func (h *Handlers) putIPBlock(update bool) func(*Params, *auth.Caller, *http.Request) (*db.IPBlock, error) {
	return func(p *Params, _ *auth.Caller, r *http.Request) (*db.IPBlock, error) {
		if !update {
			secs, _, err := p.Int("expires_in")
			if err != nil {
				return nil, err
			}
			return h.addIPBlock(r.Context(), p.String("ip"), p.String("severity"), p.String("comment"), secs)
		}
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		b, err := h.DB.IPBlockByID(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if p.Has("ip") {
			prefix, err := parseIPRange(p.String("ip"))
			if err != nil {
				return nil, err
			}
			b.IP = prefix
		}
		if p.Has("severity") {
			if b.Severity = p.String("severity"); !db.ValidIPSeverity(b.Severity) {
				return nil, errIPSeverity
			}
		}
		if p.Has("comment") {
			b.Comment = p.String("comment")
		}
		if secs, ok, err := p.Int("expires_in"); err != nil {
			return nil, err
		} else if ok && secs > 0 {
			b.ExpiresAt = ptr(time.Now().UTC().Add(time.Duration(secs) * time.Second))
		}
		return b, h.DB.UpdateIPBlock(r.Context(), b)
	}
}

var errIPSeverity = fieldErr("severity", "must be one of sign_up_requires_approval, sign_up_block, no_access")

// addIPBlock checks and stores a new IP block (expiresIn seconds, 0 or
// less: never), for the API and the admin pages.
func (h *Handlers) addIPBlock(ctx context.Context, ip, severity, comment string, expiresIn int64) (*db.IPBlock, error) {
	prefix, err := parseIPRange(ip)
	if err != nil {
		return nil, err
	}
	if !db.ValidIPSeverity(severity) {
		return nil, errIPSeverity
	}
	b := &db.IPBlock{IP: prefix, Severity: severity, Comment: comment}
	if expiresIn > 0 {
		b.ExpiresAt = ptr(time.Now().UTC().Add(time.Duration(expiresIn) * time.Second))
	}
	return b, h.DB.AddIPBlock(ctx, b)
}

// updateIPBlock is PUT /admin/ip_blocks/:id.
func (h *Handlers) updateIPBlock(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "admin:write:ip_blocks")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	b, err := h.putIPBlock(true)(p, a, r)
	if err != nil {
		return err
	}
	h.ipGate.forget()
	render.JSON(w, http.StatusOK, adminIPBlock(b))
	return h.audit(r, a, "update", "IpBlock", b.ID, b.IP)
}

// parseIPRange reads an address or a CIDR range as its prefix.
func parseIPRange(s string) (string, error) {
	s = strings.TrimSpace(s)
	if prefix, err := netip.ParsePrefix(s); err == nil {
		return prefix.Masked().String(), nil
	}
	if addr, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(addr, addr.BitLen()).String(), nil
	}
	return "", fieldErr("ip", "is not an IP address or range")
}
