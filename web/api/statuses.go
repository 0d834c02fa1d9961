package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Statuses: post, read and delete them, and their thread. Edits, history
// and source are in status_edits.go; interactions (favourite, boost,
// bookmark …) in status_actions.go.

const (
	// idempotencyTTL is how long an Idempotency-Key names the status it
	// created (Mastodon: one hour).
	idempotencyTTL = time.Hour
	// idempotencyWait bounds how long a request waits for a concurrent one
	// with the same key to finish.
	idempotencyWait = 10 * time.Second
	// statusesByIDLimit caps GET /api/v1/statuses?id[]=….
	statusesByIDLimit = 40
)

// Thread limits, as Mastodon: anonymous viewers get the nearest 40
// ancestors and 60 descendants at most 20 replies deep; signed-in users the
// whole thread up to 4096 statuses each way.
const (
	contextLimit              = 4096
	anonAncestorsLimit        = 40
	anonDescendantsLimit      = 60
	anonDescendantsDepthLimit = 20
)

// statusRoutes registers /api/v1/statuses, /api/v1/bookmarks and /api/v1/favourites.
func (h *Handlers) statusRoutes(r chi.Router) {
	r.Post("/statuses", h.handler(h.createStatus))
	r.Get("/statuses", h.handler(h.statusesByID))
	r.Get("/statuses/{id}", h.handler(h.getStatus))
	r.Put("/statuses/{id}", h.handler(h.editStatus))
	r.Delete("/statuses/{id}", h.handler(h.deleteStatus))
	r.Get("/statuses/{id}/history", h.handler(h.statusHistory))
	r.Get("/statuses/{id}/source", h.handler(h.statusSource))
	r.Get("/statuses/{id}/context", h.handler(h.statusContext))
	r.Get("/statuses/{id}/card", h.handler(h.statusCard))
	h.statusActionRoutes(r)
}

// createStatus is POST /api/v1/statuses.
func (h *Handlers) createStatus(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:statuses")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	post, err := h.readNewStatus(r.Context(), a, p)
	if err != nil {
		return err
	}
	key := idempotencyKey(r)
	at, scheduled, err := p.Time("scheduled_at")
	if err != nil {
		return err
	}
	// A time in the past posts at once (as Mastodon does).
	if scheduled && at.After(time.Now()) {
		return h.scheduleStatus(w, r, a, p, at)
	}
	var s *db.Status
	if key == "" {
		s, err = h.Engine.PublishStatus(r.Context(), a.Account, post)
	} else {
		s, err = h.publishIdempotent(r.Context(), a, post, key)
	}
	if err != nil {
		return err
	}
	return h.renderStatus(w, r, viewerID(a), s)
}

// idempotencyKey reads the Idempotency-Key header; long keys are hashed.
func idempotencyKey(r *http.Request) string {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > 128 {
		sum := sha256.Sum256([]byte(key))
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	return key
}

// publishIdempotent posts once per (account, key) and hour: a repeated key
// returns the status the first request created, waiting for it when both
// arrive at once.
func (h *Handlers) publishIdempotent(ctx context.Context, a *auth.Caller, post activitypub.PostParams, key string) (*db.Status, error) {
	acct := a.Account.ID
	deadline := time.Now().Add(idempotencyWait)
	for {
		reserved, id, err := h.DB.ReserveIdempotencyKey(ctx, acct, key, idempotencyTTL)
		if err != nil {
			return nil, err
		}
		if reserved {
			s, err := h.Engine.PublishStatus(ctx, a.Account, post)
			// The key's row must follow the outcome even if the client left.
			bg := context.WithoutCancel(ctx)
			if err != nil {
				if rerr := h.DB.ReleaseIdempotencyKey(bg, acct, key, 0); rerr != nil {
					h.Log.Warn("release idempotency key", "err", rerr)
				}
				return nil, err
			}
			if err := h.DB.CompleteIdempotencyKey(bg, acct, key, s.ID); err != nil {
				h.Log.Warn("complete idempotency key", "status", s.ID, "err", err)
			}
			return s, nil
		}
		if id != 0 {
			// Posted before with this key: the same status (404 if it was deleted since).
			return h.DB.StatusByID(ctx, id, db.ViewerOf(acct))
		}
		// A concurrent request with this key is posting: wait for it.
		if time.Now().After(deadline) {
			return nil, apiErr(http.StatusConflict, "A request with this Idempotency-Key is still being processed")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// readNewStatus reads the fields of a new status, posted at once,
// scheduled or held as a brand's draft. Defaults (visibility, sensitivity,
// language) come from the user's posting preferences.
func (h *Handlers) readNewStatus(ctx context.Context, a *auth.Caller, p *Params) (activitypub.PostParams, error) {
	prefs := ownUser(a)
	post := activitypub.PostParams{
		Text:          p.String("status"),
		SpoilerText:   p.String("spoiler_text"),
		Language:      strings.TrimSpace(p.String("language")),
		ApplicationID: a.Token.AppID,
	}
	var err error
	if post.Visibility, err = readVisibility(p, prefs); err != nil {
		return post, err
	}
	if post.Sensitive, err = p.BoolDefault("sensitive", prefs != nil && prefs.DefaultSensitive); err != nil {
		return post, err
	}
	if post.Language == "" && prefs != nil {
		post.Language = prefs.DefaultLanguage
	}
	if post.MediaIDs, err = p.IDs("media_ids"); err != nil {
		return post, err
	}
	if post.Poll, err = readPoll(p); err != nil {
		return post, err
	}
	post.InReplyToID, err = h.replyTarget(ctx, a, p)
	return post, err
}

// replyTarget reads in_reply_to_id: a status the caller may see (404
// otherwise), or nil.
func (h *Handlers) replyTarget(ctx context.Context, a *auth.Caller, p *Params) (*int64, error) {
	id, ok, err := p.ID("in_reply_to_id")
	if err != nil || !ok {
		return nil, err
	}
	if _, err := h.DB.StatusByID(ctx, id, db.ViewerOf(a.Account.ID)); errors.Is(err, db.ErrNotFound) {
		return nil, apiErr(http.StatusNotFound, "The status you are trying to reply to does not appear to exist.")
	} else if err != nil {
		return nil, err
	}
	return &id, nil
}

// readVisibility reads visibility, defaulting to the user's preference (an
// odd stored preference posts publicly).
func readVisibility(p *Params, prefs *db.User) (db.Visibility, error) {
	name := strings.TrimSpace(p.String("visibility"))
	if name != "" {
		v, ok := db.ParseVisibility(name)
		if !ok {
			return v, fieldErr("visibility", "is not included in the list")
		}
		return v, nil
	}
	if prefs != nil {
		if v, ok := db.ParseVisibility(prefs.DefaultPrivacy); ok {
			return v, nil
		}
	}
	return db.Public, nil
}

// readPoll reads poll[options][], poll[expires_in], poll[multiple] and
// poll[hide_totals]; nil when no poll is sent. The engine checks the values.
func readPoll(p *Params) (*activitypub.PollParams, error) {
	options := p.Strings("poll[options]")
	if len(options) == 0 && !p.Has("poll[expires_in]") {
		return nil, nil
	}
	secs, _, err := p.Int("poll[expires_in]")
	if err != nil {
		return nil, fieldErr("poll", "expires_in must be a number of seconds")
	}
	multiple, err := p.BoolDefault("poll[multiple]", false)
	if err != nil {
		return nil, err
	}
	hide, err := p.BoolDefault("poll[hide_totals]", false)
	if err != nil {
		return nil, err
	}
	if secs < 0 || secs > int64(activitypub.MaxPollExpiration/time.Second)*2 {
		secs = 0 // out of range either way; the engine names the limits
	}
	return &activitypub.PollParams{Options: options, ExpiresIn: time.Duration(secs) * time.Second, Multiple: multiple, HideTotals: hide}, nil
}

// renderStatus answers one status as the viewer sees it.
func (h *Handlers) renderStatus(w http.ResponseWriter, r *http.Request, viewer int64, s *db.Status) error {
	body, err := h.present.StatusJSON(r.Context(), viewer, s)
	if err != nil {
		return err
	}
	writeJSONBody(w, body)
	return nil
}

// visibleStatus reads the path's status if the viewer may see it (404 otherwise).
func (h *Handlers) visibleStatus(r *http.Request, viewer int64) (*db.Status, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.DB.StatusByID(r.Context(), id, db.ViewerOf(viewer))
}

// optionalStatus is optional with scope, then the path's status if the
// caller (or anonymous) may see it: when ok is false the handler returns
// err.
func (h *Handlers) optionalStatus(w http.ResponseWriter, r *http.Request, scope string) (a *auth.Caller, s *db.Status, ok bool, err error) {
	if a, ok = h.optional(w, r, scope); !ok {
		return nil, nil, false, nil
	}
	s, err = h.visibleStatus(r, viewerID(a))
	return a, s, err == nil, err
}

// requireStatus is require with scope, then the path's status if the
// caller may see it: when ok is false the handler returns err.
func (h *Handlers) requireStatus(w http.ResponseWriter, r *http.Request, scope string) (a *auth.Caller, s *db.Status, ok bool, err error) {
	if a, ok = h.require(w, r, scope); !ok {
		return nil, nil, false, nil
	}
	s, err = h.visibleStatus(r, a.Account.ID)
	return a, s, err == nil, err
}

// requireOwnStatus is requireStatus with write:statuses for a status the
// caller wrote (404 otherwise, as Mastodon answers for other people's).
func (h *Handlers) requireOwnStatus(w http.ResponseWriter, r *http.Request) (a *auth.Caller, s *db.Status, ok bool, err error) {
	if a, s, ok, err = h.requireStatus(w, r, "write:statuses"); ok && s.AccountID != a.Account.ID {
		return nil, nil, false, errNotFound
	}
	return a, s, ok, err
}

// getStatus is GET /api/v1/statuses/:id (anonymous callers see public and unlisted ones).
func (h *Handlers) getStatus(w http.ResponseWriter, r *http.Request) error {
	a, s, ok, err := h.optionalStatus(w, r, "read:statuses")
	if !ok {
		return err
	}
	return h.renderStatus(w, r, viewerID(a), s)
}

// statusesByID is GET /api/v1/statuses?id[]=…: those the viewer may see,
// in the order asked.
func (h *Handlers) statusesByID(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.optional(w, r, "read:statuses")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	ids, err := p.IDs("id")
	if err != nil {
		return err
	}
	var unique []int64
	for _, id := range ids {
		if !slices.Contains(unique, id) {
			unique = append(unique, id)
		}
	}
	if len(unique) > statusesByIDLimit {
		return fieldErr("id", "can't have more than "+strconv.Itoa(statusesByIDLimit)+" entries")
	}
	viewer := viewerID(a)
	found, err := h.DB.VisibleStatusesByIDs(r.Context(), unique, db.ViewerOf(viewer))
	if err != nil {
		return err
	}
	list := make([]*db.Status, 0, len(found))
	for _, id := range unique {
		if s := found[id]; s != nil {
			list = append(list, s)
		}
	}
	out, err := h.present.Statuses(r.Context(), viewer, list)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// deleteStatus is DELETE /api/v1/statuses/:id. The answer is the status as
// it was, with its source text, poll and attachments, so that a client can
// offer "delete and redraft".
func (h *Handlers) deleteStatus(w http.ResponseWriter, r *http.Request) error {
	a, s, ok, err := h.requireOwnStatus(w, r)
	if !ok {
		return err
	}
	// Rendered first: the poll, mentions and tags go with the row.
	st, err := h.present.Status(r.Context(), a.Account.ID, s)
	if err != nil {
		return err
	}
	if s.ReblogOfID == nil {
		st.Text = ptr(s.Text)
	}
	if _, err := h.Engine.DeleteStatus(r.Context(), a.Account, s.ID); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, st)
	return nil
}

// statusContext is GET /api/v1/statuses/:id/context. The whole thread is
// read in one query with each status marked visible or not for the viewer;
// the tree is walked in Go, through invisible statuses without showing them
// (a public reply to a private post does not reveal the post).
func (h *Handlers) statusContext(w http.ResponseWriter, r *http.Request) error {
	a, s, ok, err := h.optionalStatus(w, r, "read:statuses")
	if !ok {
		return err
	}
	viewer := viewerID(a)
	ctx := r.Context()
	nodes, err := h.DB.ThreadTree(ctx, s.ThreadID, db.ViewerOf(viewer))
	if err != nil {
		return err
	}
	limits := threadLimits{ancestors: contextLimit, descendants: contextLimit}
	if viewer == 0 {
		limits = threadLimits{ancestors: anonAncestorsLimit, descendants: anonDescendantsLimit, depth: anonDescendantsDepthLimit}
	}
	up, down := walkThread(nodes, s, limits)
	loaded, err := h.DB.StatusesByIDs(ctx, append(append([]int64{}, up...), down...))
	if err != nil {
		return err
	}
	pick := func(ids []int64) []*db.Status {
		out := make([]*db.Status, 0, len(ids))
		for _, id := range ids {
			if st := loaded[id]; st != nil {
				out = append(out, st)
			}
		}
		return out
	}
	out := entity.Context{}
	if out.Ancestors, err = h.present.StatusesIn(ctx, viewer, pick(up), "thread"); err != nil {
		return err
	}
	if out.Descendants, err = h.present.StatusesIn(ctx, viewer, pick(down), "thread"); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// threadLimits bound a context: how many ancestors and descendants, and how
// deep below the status (0: no depth limit).
type threadLimits struct {
	ancestors, descendants, depth int
}

// walkThread returns the visible ancestors of s (oldest first, the nearest
// ones when there are too many) and its visible descendants (depth first,
// replies in the order they were written).
func walkThread(nodes []db.ThreadNode, s *db.Status, lim threadLimits) (ancestors, descendants []int64) {
	byID := make(map[int64]*db.ThreadNode, len(nodes))
	children := map[int64][]int64{}
	for i := range nodes {
		n := &nodes[i]
		byID[n.ID] = n
		if n.InReplyToID != nil {
			children[*n.InReplyToID] = append(children[*n.InReplyToID], n.ID) // oldest first: nodes are sorted
		}
	}
	seen := map[int64]bool{s.ID: true}
	for cur := s.InReplyToID; cur != nil && len(ancestors) < lim.ancestors; {
		n := byID[*cur]
		if n == nil || seen[n.ID] {
			break
		}
		seen[n.ID] = true
		if n.Visible == 1 {
			ancestors = append(ancestors, n.ID)
		}
		cur = n.InReplyToID
	}
	slices.Reverse(ancestors)

	type frame struct {
		id    int64
		depth int
	}
	var stack []frame
	push := func(parent int64, depth int) {
		kids := children[parent]
		for i := len(kids) - 1; i >= 0; i-- { // reversed, so the oldest reply pops first
			stack = append(stack, frame{kids[i], depth})
		}
	}
	push(s.ID, 1)
	for len(stack) > 0 && len(descendants) < lim.descendants {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[f.id] {
			continue
		}
		seen[f.id] = true
		if byID[f.id].Visible == 1 {
			descendants = append(descendants, f.id)
		}
		if lim.depth == 0 || f.depth < lim.depth {
			push(f.id, f.depth+1)
		}
	}
	return ancestors, descendants
}
