package pages

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// relationView is what the profile page's buttons show.
type relationView struct {
	Self, Following, Requested, FollowedBy, Muting, Blocking, BlockedBy bool
}

// account is GET /accounts/{id}: a profile as a signed-in person sees it,
// with follow, mute and block buttons and the posts they may see.
func (ws *Workspace) account(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	a, ok := ws.pathAccount(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	rel, err := ws.relation(ctx, v, a)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	list, err := ws.p.DB.AccountStatuses(ctx, a.ID, db.ViewerOf(v.Account.ID), db.AccountStatusesFilter{}, readPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	posts, err := ws.posts(ctx, v, list, "account")
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
	}
	shown := ws.present.Account(ctx, a)
	ws.render(w, r, http.StatusOK, "account", v, map[string]any{"Title": displayName(shown), "Nav": "", "Account": shown,
		"Rel": rel, "Posts": posts, "MoreURL": moreURL("/accounts/"+shown.ID, len(list), last),
		"Empty": "No posts you may see."})
}

func displayName(a entity.Account) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// pathAccount is the path's account; 404 for unknown and suspended ones.
func (ws *Workspace) pathAccount(w http.ResponseWriter, r *http.Request) (*db.Account, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	a, err := ws.p.DB.AccountByID(r.Context(), id)
	if errors.Is(err, db.ErrNotFound) || err == nil && a.Suspended() {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	if err != nil {
		ws.fail(w, r, err)
		return nil, false
	}
	return a, true
}

func (ws *Workspace) relation(ctx context.Context, v *viewer, a *db.Account) (relationView, error) {
	rv := relationView{Self: a.ID == v.Account.ID}
	rel, err := ws.p.DB.RelationshipsOf(ctx, v.Account.ID, []int64{a.ID})
	if err != nil {
		return rv, err
	}
	if f := rel.Following[a.ID]; f != nil {
		rv.Following, rv.Requested = f.Accepted, !f.Accepted
	}
	if f := rel.FollowedBy[a.ID]; f != nil {
		rv.FollowedBy = f.Accepted
	}
	rv.Muting, rv.Blocking, rv.BlockedBy = rel.Mutes[a.ID] != nil, rel.Blocking[a.ID], rel.BlockedBy[a.ID]
	return rv, nil
}

// accountActions are the profile's buttons: the engine's calls for what
// federates (follow, block), the db's for mutes, as in the API.
var accountActions = map[string]func(ws *Workspace, ctx context.Context, v *viewer, a *db.Account) error{
	"follow": func(ws *Workspace, ctx context.Context, v *viewer, a *db.Account) error {
		_, err := ws.p.Engine.Follow(ctx, v.Account, a, activitypub.FollowOptions{ShowReblogs: true})
		return err
	},
	"unfollow": func(ws *Workspace, ctx context.Context, v *viewer, a *db.Account) error {
		return ws.p.Engine.Unfollow(ctx, v.Account, a)
	},
	"block": func(ws *Workspace, ctx context.Context, v *viewer, a *db.Account) error {
		return ws.p.Engine.Block(ctx, v.Account, a)
	},
	"unblock": func(ws *Workspace, ctx context.Context, v *viewer, a *db.Account) error {
		return ws.p.Engine.Unblock(ctx, v.Account, a)
	},
	"mute": func(ws *Workspace, ctx context.Context, v *viewer, a *db.Account) error {
		if a.ID == v.Account.ID {
			return nil // muting oneself does nothing, as on Mastodon
		}
		return ws.p.DB.MuteAccount(ctx, &db.Mute{AccountID: v.Account.ID, TargetAccountID: a.ID, HideNotifications: true})
	},
	"unmute": func(ws *Workspace, ctx context.Context, v *viewer, a *db.Account) error {
		return ws.p.DB.UnmuteAccount(ctx, v.Account.ID, a.ID)
	},
}

// accountAction is POST /accounts/{id}/{action}.
func (ws *Workspace) accountAction(w http.ResponseWriter, r *http.Request) {
	act, known := accountActions[chi.URLParam(r, "action")]
	if !known {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	v, ok := ws.formViewer(w, r)
	if !ok {
		return
	}
	a, ok := ws.pathAccount(w, r)
	if !ok {
		return
	}
	if err := act(ws, r.Context(), v, a); err != nil {
		if msg, status, ok := userMessage(err); ok {
			ws.refuse(w, r, status, msg)
			return
		}
		ws.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+db.FormatID(a.ID), http.StatusSeeOther)
}

// accountButton is one of the profile's buttons.
type accountButton struct{ ID, Action, Label, CSRF, CSRFField string }

func newAccountButton(page map[string]any, action, label string) accountButton {
	a, _ := page["Account"].(entity.Account)
	v, _ := page["V"].(*viewer)
	b := accountButton{ID: a.ID, Action: action, Label: label}
	if v != nil {
		b.CSRF, b.CSRFField = v.CSRF, v.CSRFField
	}
	return b
}
