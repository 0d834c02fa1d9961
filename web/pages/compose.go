package pages

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/brands"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
)

// composeView is the compose form: empty, or as sent with an error.
type composeView struct {
	Identities   []identityOption
	Visibilities []option
	PollSlots    []string
	Text         string
	SpoilerText  string
	ScheduledAt  string
	MaxChars     int
	Error        string
	InReplyTo    string // a reply's parent id
	ReturnTo     string // where the form comes back to without the script
	Insert       string // where the script puts the new post: "append" (threads) or first
}

type option struct {
	Value, Label string
	Selected     bool
}

// identityOption is an entry of the "as" selector: the person, or a brand
// they may post for with its approval rule.
type identityOption struct {
	option
	Brand bool
	Rule  string
}

// visibilityOptions are the form's visibilities: "followers" is the API's
// "private".
var visibilityOptions = []option{
	{Value: "public", Label: "Public"}, {Value: "unlisted", Label: "Unlisted"},
	{Value: "followers", Label: "Followers only"}, {Value: "direct", Label: "Mentioned people only"},
}

// composeForm is the compose form for v, posting as the identity as ("":
// the person).
func (ws *Workspace) composeForm(ctx context.Context, v *viewer, as string) (*composeView, error) {
	c := &composeView{MaxChars: ws.p.Engine.MaxStatusCharacters(), PollSlots: make([]string, activitypub.MaxPollOptions)}
	c.Identities = []identityOption{{option: option{Value: "", Label: "@" + v.Account.Username + " (you)", Selected: as == ""}}}
	mine, err := ws.brands.MyBrands(ctx, v.User)
	if err != nil {
		return nil, err
	}
	for _, m := range mine {
		if db.BrandRoleRank(m.Role) < db.BrandRoleRank(auth.BrandRoleFor("write:statuses")) {
			continue // viewers may not post
		}
		rule := "you publish directly"
		if m.Brand.RequireApproval && m.Role == db.BrandEditor { // the engine's approval rule (brand_gate.go)
			rule = "an owner approves this"
		}
		c.Identities = append(c.Identities, identityOption{Brand: true, Rule: rule,
			option: option{Value: m.Account.Username, Label: "@" + m.Account.Username, Selected: as == m.Account.Username}})
	}
	privacy := v.User.DefaultPrivacy
	if privacy == "private" {
		privacy = "followers"
	}
	for _, o := range visibilityOptions {
		o.Selected = o.Value == privacy || privacy == "" && o.Value == "public"
		c.Visibilities = append(c.Visibilities, o)
	}
	return c, nil
}

// poster is who a compose form posts as: the person, or a brand with the
// person's role in it.
type poster struct {
	Account *db.Account
	Brand   *db.Brand
	Role    string
}

// posterOf resolves the form's "as": "" is the person; a brand needs a
// role that may post (checked now, as the API checks it on every request).
func (ws *Workspace) posterOf(ctx context.Context, v *viewer, as string) (*poster, error) {
	if as == "" || as == v.Account.Username {
		return &poster{Account: v.Account}, nil
	}
	acc, err := ws.brands.OpenByUsername(ctx, v.User, as)
	if errors.Is(err, db.ErrNotFound) || errors.Is(err, brands.ErrNotFound) {
		return nil, &activitypub.InputError{Field: "as", Msg: "is not an account you may post as"}
	} else if err != nil {
		return nil, err
	}
	if db.BrandRoleRank(acc.Role) < db.BrandRoleRank(auth.BrandRoleFor("write:statuses")) {
		return nil, &brands.Forbidden{Msg: "Your role in " + acc.Handle() + " does not allow posting"}
	}
	return &poster{Account: acc.Brand.Account, Brand: acc.Brand, Role: acc.Role}, nil
}

// readPost reads the compose form's fields as the API reads a new
// status's (defaults from the person's posting preferences).
func readPost(r *http.Request, u *db.User) (activitypub.PostParams, *time.Time, error) {
	post := activitypub.PostParams{Text: r.PostFormValue("status"), SpoilerText: strings.TrimSpace(r.PostFormValue("spoiler_text")),
		Language: u.DefaultLanguage, Sensitive: u.DefaultSensitive}
	vis := r.PostFormValue("visibility")
	if vis == "followers" {
		vis = "private"
	}
	var ok bool
	if post.Visibility, ok = db.ParseVisibility(vis); !ok {
		return post, nil, &activitypub.InputError{Field: "visibility", Msg: "is not one of public, unlisted, followers, direct"}
	}
	if id, err := strconv.ParseInt(r.PostFormValue("in_reply_to_id"), 10, 64); err == nil {
		post.InReplyToID = &id
	}
	var options []string
	for _, o := range r.PostForm["poll[options][]"] {
		if o = strings.TrimSpace(o); o != "" {
			options = append(options, o)
		}
	}
	if len(options) > 0 {
		secs, _ := strconv.Atoi(r.PostFormValue("poll[expires_in]"))
		post.Poll = &activitypub.PollParams{Options: options, ExpiresIn: time.Duration(secs) * time.Second,
			Multiple: r.PostFormValue("poll[multiple]") == "true"}
	}
	at, err := readScheduledAt(r.PostFormValue("scheduled_at"))
	return post, at, err
}

// readScheduledAt reads a datetime-local field (UTC); nil when empty or
// not in the future (a past time posts at once, as in the API).
func readScheduledAt(s string) (*time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		return nil, &activitypub.InputError{Field: "scheduled_at", Msg: "is not a date and time"}
	}
	if !t.After(time.Now()) {
		return nil, nil
	}
	return &t, nil
}

// outcome is what posting did: a status, a draft held for approval, or a
// scheduled post.
type outcome struct {
	Status    *db.Status
	Draft     *db.BrandDraft
	Scheduled *db.ScheduledStatus
}

// publish posts as p through the engine, as the API's POST /statuses does:
// an editor's post for a brand that requires approval becomes a draft; a
// future time schedules it.
func (ws *Workspace) publish(ctx context.Context, v *viewer, p *poster, post activitypub.PostParams, at *time.Time) (outcome, error) {
	if p.Brand != nil {
		// Everything done as the brand records this member, and the
		// engine holds an editor's change for approval.
		ctx = activitypub.WithActingMember(ctx, v.User.ID)
	}
	var out outcome
	var err error
	if at != nil {
		out.Scheduled, err = ws.p.Engine.ScheduleStatus(ctx, p.Account, *at, post, "")
	} else {
		out.Status, err = ws.p.Engine.PublishStatus(ctx, p.Account, post)
	}
	if held, ok := errors.AsType[*activitypub.HeldError](err); ok {
		return outcome{Draft: held.Draft}, nil
	}
	return out, err
}

// draftURL is the page of a held draft (by its per-brand number).
func draftURL(brand string, number int64) string {
	return "/settings/brands/" + url.PathEscape(brand) + "/drafts/" + strconv.FormatInt(number, 10)
}
