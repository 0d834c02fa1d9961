package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// The admin API of domain blocks (Mastodon's /api/v1/admin/domain_blocks),
// over Engine.BlockDomain and UnblockDomain, as `kontor admin domain` does.

// AdminDomainBlock is Mastodon's Admin::DomainBlock.
type AdminDomainBlock struct {
	ID             string `json:"id"`
	Domain         string `json:"domain"`
	Digest         string `json:"digest"`
	CreatedAt      string `json:"created_at"`
	Severity       string `json:"severity"`
	RejectMedia    bool   `json:"reject_media"`
	RejectReports  bool   `json:"reject_reports"`
	PrivateComment string `json:"private_comment"`
	PublicComment  string `json:"public_comment"`
	Obfuscate      bool   `json:"obfuscate"`
}

func adminDomainBlock(b *db.DomainBlock) AdminDomainBlock {
	sum := sha256.Sum256([]byte(b.Domain))
	return AdminDomainBlock{ID: db.FormatID(b.ID), Domain: b.Domain, Digest: hex.EncodeToString(sum[:]), CreatedAt: entity.Time(b.CreatedAt),
		Severity: b.Severity, RejectMedia: b.RejectMedia, RejectReports: b.RejectReports, PrivateComment: b.Reason,
		PublicComment: b.PublicComment, Obfuscate: b.Obfuscate}
}

func (h *Handlers) adminDomainBlockRoutes(r chi.Router) {
	r.Get("/admin/domain_blocks", h.handler(h.adminDomainBlocks))
	r.Get("/admin/domain_blocks/{id}", h.handler(showOwn(h, "admin:read:domain_blocks", h.loadDomainBlock, adminDomainBlock)))
	r.Post("/admin/domain_blocks", h.handler(h.adminPutDomainBlock(true)))
	r.Put("/admin/domain_blocks/{id}", h.handler(h.adminPutDomainBlock(false)))
	r.Delete("/admin/domain_blocks/{id}", h.handler(h.adminDeleteDomainBlock))
}

// loadDomainBlock loads a block for showOwn (blocks belong to the instance).
func (h *Handlers) loadDomainBlock(ctx context.Context, _, id int64) (*db.DomainBlock, error) {
	return h.DB.DomainBlockByID(ctx, id)
}

func (h *Handlers) adminDomainBlocks(w http.ResponseWriter, r *http.Request) error {
	_, page, ok, err := h.requirePage(w, r, "admin:read:domain_blocks", 100, 200)
	if !ok {
		return err
	}
	list, err := h.DB.AdminDomainBlocks(r.Context(), page)
	if err != nil {
		return err
	}
	out := make([]AdminDomainBlock, 0, len(list))
	for _, b := range list {
		out = append(out, adminDomainBlock(b))
	}
	setPageLink(h, w, r, list, func(b *db.DomainBlock) int64 { return b.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

// adminPutDomainBlock is POST (create: domain and the rest) and PUT :id
// (the rest; absent fields keep their values).
func (h *Handlers) adminPutDomainBlock(create bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, ok := h.require(w, r, "admin:write:domain_blocks")
		if !ok {
			return nil
		}
		p, err := ReadParams(r)
		if err != nil {
			return err
		}
		b := &db.DomainBlock{Domain: p.String("domain")}
		if !create {
			id, err := pathID(r, "id")
			if err != nil {
				return err
			}
			if b, err = h.DB.DomainBlockByID(r.Context(), id); err != nil {
				return err
			}
		}
		if err := readDomainBlock(p, b); err != nil {
			return err
		}
		if err := h.Engine.BlockDomain(r.Context(), moderator(a), b, create); err != nil {
			return err
		}
		render.JSON(w, http.StatusOK, adminDomainBlock(b))
		return nil
	}
}

// readDomainBlock sets the fields of b that the request names.
func readDomainBlock(p *Params, b *db.DomainBlock) error {
	for key, dst := range map[string]*string{"severity": &b.Severity, "private_comment": &b.Reason, "public_comment": &b.PublicComment} {
		if p.Has(key) {
			*dst = p.String(key)
		}
	}
	for key, dst := range map[string]*bool{"reject_media": &b.RejectMedia, "reject_reports": &b.RejectReports, "obfuscate": &b.Obfuscate} {
		v, err := p.BoolDefault(key, *dst)
		if err != nil {
			return err
		}
		*dst = v
	}
	return nil
}

func (h *Handlers) adminDeleteDomainBlock(w http.ResponseWriter, r *http.Request) error {
	a, b, ok, err := requireOwn(h, w, r, "admin:write:domain_blocks", h.loadDomainBlock)
	if !ok {
		return err
	}
	if err := h.Engine.UnblockDomain(r.Context(), moderator(a), b); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// AdminDomainAllow is Mastodon's Admin::DomainAllow.
type AdminDomainAllow struct {
	ID        string `json:"id"`
	Domain    string `json:"domain"`
	CreatedAt string `json:"created_at"`
}

func adminDomainAllow(a *db.DomainAllow) AdminDomainAllow {
	return AdminDomainAllow{ID: db.FormatID(a.ID), Domain: a.Domain, CreatedAt: entity.Time(a.CreatedAt)}
}

// adminDomainAllowRoutes: the domains that federate when federation_mode
// is "allowlist" (Engine.AllowDomain and DisallowDomain).
func (h *Handlers) adminDomainAllowRoutes(r chi.Router) {
	load := func(ctx context.Context, _, id int64) (*db.DomainAllow, error) { return h.DB.DomainAllowByID(ctx, id) }
	r.Get("/admin/domain_allows", h.handler(h.adminDomainAllows))
	r.Get("/admin/domain_allows/{id}", h.handler(showOwn(h, "admin:read:domain_allows", load, adminDomainAllow)))
	r.Post("/admin/domain_allows", h.handler(h.adminAllowDomain))
	r.Delete("/admin/domain_allows/{id}", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		a, allow, ok, err := requireOwn(h, w, r, "admin:write:domain_allows", load)
		if !ok {
			return err
		}
		if err := h.Engine.DisallowDomain(r.Context(), moderator(a), allow); err != nil {
			return err
		}
		render.JSON(w, http.StatusOK, struct{}{})
		return nil
	}))
}

func (h *Handlers) adminDomainAllows(w http.ResponseWriter, r *http.Request) error {
	_, page, ok, err := h.requirePage(w, r, "admin:read:domain_allows", 100, 200)
	if !ok {
		return err
	}
	list, err := h.DB.DomainAllows(r.Context(), page)
	if err != nil {
		return err
	}
	out := make([]AdminDomainAllow, 0, len(list))
	for _, a := range list {
		out = append(out, adminDomainAllow(a))
	}
	setPageLink(h, w, r, list, func(a *db.DomainAllow) int64 { return a.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) adminAllowDomain(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "admin:write:domain_allows")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	allow, err := h.Engine.AllowDomain(r.Context(), moderator(a), p.String("domain"))
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, adminDomainAllow(allow))
	return nil
}
