package api

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Relationships between the caller and other accounts: reading them, and
// follow, block, mute, note and follow requests. Follows and blocks go
// through the engine (they federate); mutes and notes are local only.

func (h *Handlers) relationshipRoutes(r chi.Router) {
	r.Post("/accounts/{id}/follow", h.handler(h.follow))
	r.Post("/accounts/{id}/unfollow", h.handler(h.relationshipAction("write:follows", h.Engine.Unfollow)))
	r.Post("/accounts/{id}/block", h.handler(h.relationshipAction("write:blocks", h.block)))
	r.Post("/accounts/{id}/unblock", h.handler(h.relationshipAction("write:blocks", h.Engine.Unblock)))
	r.Post("/accounts/{id}/mute", h.handler(h.mute))
	r.Post("/accounts/{id}/unmute", h.handler(h.relationshipAction("write:mutes", h.unmute)))
	r.Post("/accounts/{id}/remove_from_followers", h.handler(h.relationshipAction("write:follows", h.removeFromFollowers)))
	r.Post("/accounts/{id}/note", h.handler(h.accountNote))
	r.Get("/follow_requests", h.handler(h.followRequests))
	r.Post("/follow_requests/{id}/authorize", h.handler(h.answerFollowRequest(true)))
	r.Post("/follow_requests/{id}/reject", h.handler(h.answerFollowRequest(false)))
}

// relationships renders the caller's relationships with accounts ids, in
// that order, with a fixed number of queries.
func (h *Handlers) relationships(ctx context.Context, viewer int64, ids []int64) ([]entity.Relationship, error) {
	rel, err := h.DB.RelationshipsOf(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	out := make([]entity.Relationship, 0, len(ids))
	for _, id := range ids {
		r := entity.Relationship{ID: db.FormatID(id), Blocking: rel.Blocking[id], BlockedBy: rel.BlockedBy[id],
			DomainBlocking: rel.DomainBlocking[id], Note: rel.Notes[id]}
		if f := rel.Following[id]; f != nil {
			r.Following, r.Requested = f.Accepted, !f.Accepted
			r.ShowingReblogs, r.Notifying = f.ShowReblogs, f.Notify
			r.Languages = splitLanguages(f.Languages)
		}
		if f := rel.FollowedBy[id]; f != nil {
			r.FollowedBy, r.RequestedBy = f.Accepted, !f.Accepted
		}
		if m := rel.Mutes[id]; m != nil {
			r.Muting, r.MutingNotifications, r.MutingExpiresAt = true, m.HideNotifications, entity.TimePtr(m.ExpiresAt)
		}
		out = append(out, r)
	}
	return out, nil
}

// relationship renders the caller's relationship with one account.
func (h *Handlers) relationship(ctx context.Context, viewer, id int64) (entity.Relationship, error) {
	list, err := h.relationships(ctx, viewer, []int64{id})
	if err != nil {
		return entity.Relationship{}, err
	}
	return list[0], nil
}

// splitLanguages reads a follow's languages (nil: all languages).
func splitLanguages(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (h *Handlers) getRelationships(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "read:follows")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	ids, err := batchIDs(p)
	if err != nil {
		return err
	}
	withSuspended, err := p.BoolDefault("with_suspended", false)
	if err != nil {
		return err
	}
	known, err := h.DB.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	shown := ids[:0]
	for _, id := range ids {
		if a := known[id]; a != nil && (withSuspended || !a.Suspended()) {
			shown = append(shown, id)
		}
	}
	out, err := h.relationships(r.Context(), auth.Account.ID, shown)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// relationshipAction is an endpoint that applies act to the account {id}
// and answers the relationship afterwards.
func (h *Handlers) relationshipAction(scope string, act func(ctx context.Context, actor, target *db.Account) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth, ok := h.require(w, r, scope)
		if !ok {
			return nil
		}
		target, err := h.targetAccount(r, "id")
		if err != nil {
			return err
		}
		if err := act(r.Context(), auth.Account, target); err != nil {
			return err
		}
		return h.writeRelationship(w, r, auth.Account.ID, target.ID)
	}
}

func (h *Handlers) writeRelationship(w http.ResponseWriter, r *http.Request, viewer, target int64) error {
	rel, err := h.relationship(r.Context(), viewer, target)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, rel)
	return nil
}

func (h *Handlers) follow(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "write:follows")
	if !ok {
		return nil
	}
	target, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	// Mastodon: following oneself or a suspended account is "not found".
	if target.ID == auth.Account.ID || target.Suspended() {
		return errNotFound
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	// Options not sent keep their current value on an existing follow.
	opts := activitypub.FollowOptions{ShowReblogs: true}
	if f, err := h.DB.FollowBetween(r.Context(), auth.Account.ID, target.ID); err == nil {
		opts = activitypub.FollowOptions{ShowReblogs: f.ShowReblogs, Notify: f.Notify, Languages: splitLanguages(f.Languages)}
	}
	if opts.ShowReblogs, err = p.BoolDefault("reblogs", opts.ShowReblogs); err != nil {
		return err
	}
	if opts.Notify, err = p.BoolDefault("notify", opts.Notify); err != nil {
		return err
	}
	if p.Has("languages") {
		opts.Languages = nil
		for _, l := range p.Strings("languages") {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			if !validLanguage(l) {
				return fieldErr("languages", "contains an invalid language code")
			}
			opts.Languages = append(opts.Languages, l)
		}
	}
	if _, err := h.Engine.Follow(r.Context(), auth.Account, target, opts); err != nil {
		return err
	}
	return h.writeRelationship(w, r, auth.Account.ID, target.ID)
}

// validLanguage accepts ISO 639 codes with an optional region (pt-BR, zh-TW).
func validLanguage(l string) bool {
	base, region, hasRegion := strings.Cut(l, "-")
	if len(base) < 2 || len(base) > 3 || strings.Trim(base, "abcdefghijklmnopqrstuvwxyz") != "" {
		return false
	}
	if !hasRegion {
		return true
	}
	if len(region) < 2 || len(region) > 4 {
		return false
	}
	for _, c := range region {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// block blocks target; blocking oneself does nothing, as on Mastodon.
func (h *Handlers) block(ctx context.Context, actor, target *db.Account) error {
	if actor.ID == target.ID {
		return nil
	}
	return h.Engine.Block(ctx, actor, target)
}

func (h *Handlers) mute(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "write:mutes")
	if !ok {
		return nil
	}
	target, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	notifications, err := p.BoolDefault("notifications", true)
	if err != nil {
		return err
	}
	duration, _, err := p.Int("duration")
	if err != nil {
		return err
	}
	if duration < 0 || duration > 100*365*24*3600 {
		return fieldErr("duration", "must be a number of seconds (0 for no end)")
	}
	if target.ID != auth.Account.ID { // muting oneself does nothing, as on Mastodon
		m := &db.Mute{AccountID: auth.Account.ID, TargetAccountID: target.ID, HideNotifications: notifications}
		if duration > 0 {
			until := time.Now().UTC().Add(time.Duration(duration) * time.Second).Truncate(time.Millisecond)
			m.ExpiresAt = &until
		}
		if err := h.DB.MuteAccount(r.Context(), m); err != nil {
			return err
		}
	}
	return h.writeRelationship(w, r, auth.Account.ID, target.ID)
}

func (h *Handlers) unmute(ctx context.Context, actor, target *db.Account) error {
	return h.DB.UnmuteAccount(ctx, actor.ID, target.ID)
}

func (h *Handlers) removeFromFollowers(ctx context.Context, actor, target *db.Account) error {
	return h.Engine.RemoveFromFollowers(ctx, actor, target)
}

// maxNoteLength is Mastodon's limit of a private note about an account.
const maxNoteLength = 2000

func (h *Handlers) accountNote(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	target, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(p.String("comment"))
	if !utf8.ValidString(comment) {
		return fieldErr("comment", "is not valid UTF-8")
	}
	if utf8.RuneCountInString(comment) > maxNoteLength {
		return fieldErr("comment", "is too long (maximum is 2000 characters)")
	}
	if err := h.DB.SetAccountNote(r.Context(), auth.Account.ID, target.ID, comment); err != nil {
		return err
	}
	return h.writeRelationship(w, r, auth.Account.ID, target.ID)
}

func (h *Handlers) followRequests(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "read:follows")
	if !ok {
		return nil
	}
	page, err := pageParams(r, 40, 80)
	if err != nil {
		return err
	}
	list, cursors, err := h.DB.FollowRequestsPage(r.Context(), auth.Account.ID, page)
	if err != nil {
		return err
	}
	h.setCursorLink(w, r, cursors)
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), list))
	return nil
}

// answerFollowRequest accepts or rejects the pending request of the
// account {id} to follow the caller (404 when there is none).
func (h *Handlers) answerFollowRequest(accept bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth, id, ok, err := h.requireID(w, r, "write:follows")
		if !ok {
			return err
		}
		pending, err := h.DB.IsFollowRequest(r.Context(), id, auth.Account.ID)
		if err != nil {
			return err
		}
		if !pending {
			return errNotFound
		}
		follower, err := h.DB.AccountByID(r.Context(), id)
		if err != nil {
			return err
		}
		if accept {
			err = h.Engine.AuthorizeFollowRequest(r.Context(), auth.Account, follower)
		} else {
			err = h.Engine.RejectFollowRequest(r.Context(), auth.Account, follower)
		}
		if err != nil {
			return err
		}
		return h.writeRelationship(w, r, auth.Account.ID, follower.ID)
	}
}
