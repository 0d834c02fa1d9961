package activitypub

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/db"
)

// Brand accounts are run by a team: every change made as a brand records
// which member made it, in an internal audit trail (db.BrandAudit). The
// engine writes the record inside the transaction of the change itself, so
// no write path can skip it: the caller puts the acting member in the
// context (the API does for brand tokens, the web pages for their forms,
// the scheduled-status job from the stored status). The trail is never
// federated: nothing here touches an activity.

type actingKey struct{}

// acting is who acts for a brand in a context.
type acting struct {
	userID int64
	role   string // the member's role as the token allows it ("": their role in the brand)
	note   string // added to the detail of each record (an approval)
}

func actingFrom(ctx context.Context) acting {
	a, _ := ctx.Value(actingKey{}).(acting)
	return a
}

// WithActingMember says that userID (a member of the brand being acted as)
// makes the changes done with ctx.
func WithActingMember(ctx context.Context, userID int64) context.Context {
	a := actingFrom(ctx)
	a.userID = userID
	return context.WithValue(ctx, actingKey{}, a)
}

// WithActingMemberRole is WithActingMember for a member whose token allows
// at most role (a token's role ceiling): the approval rule (brand_gate.go)
// takes the lesser of it and the member's role in the brand.
func WithActingMemberRole(ctx context.Context, userID int64, role string) context.Context {
	a := actingFrom(ctx)
	a.userID, a.role = userID, role
	return context.WithValue(ctx, actingKey{}, a)
}

// ActingMember is the member set by WithActingMember, if any.
func ActingMember(ctx context.Context) (int64, bool) {
	a := actingFrom(ctx)
	return a.userID, a.userID != 0
}

// WithAuditNote adds a note to the detail of every record made with ctx
// (an approved draft names its author this way).
func WithAuditNote(ctx context.Context, note string) context.Context {
	a := actingFrom(ctx)
	a.note = note
	return context.WithValue(ctx, actingKey{}, a)
}

// BrandAuditRecord is the audit row of an action by actor, or nil when
// actor is not a brand. The member comes from ctx; without one (the admin
// CLI, a job without a stored member) the row is still written, naming
// nobody.
func BrandAuditRecord(ctx context.Context, actor *db.Account, action string, statusID *int64, detail string) *db.BrandAudit {
	if actor == nil || !actor.IsBrand {
		return nil
	}
	a := actingFrom(ctx)
	rec := &db.BrandAudit{BrandAccountID: actor.ID, Action: action, StatusID: statusID, Detail: detail}
	if a.userID != 0 {
		uid := a.userID
		rec.UserID = &uid
	}
	if a.note != "" {
		if rec.Detail != "" {
			rec.Detail += " · "
		}
		rec.Detail += a.note
	}
	rec.Detail = shorten(rec.Detail, 500)
	return rec
}

// auditBrand records an action by actor in the audit trail, in the
// transaction of the action, when actor is a brand.
func (e *Engine) auditBrand(ctx context.Context, tx *db.Tx, actor *db.Account, action string, statusID *int64, detail string) error {
	rec := BrandAuditRecord(ctx, actor, action, statusID, detail)
	if rec == nil {
		return nil
	}
	return tx.RecordBrandAction(ctx, rec)
}

// statusAction names an action on a status: direct messages are "dm.*".
func statusAction(v db.Visibility, verb string) string {
	if v == db.Direct {
		return "dm." + verb
	}
	return "status." + verb
}

// auditExcerpt is the short reminder of a post kept in the trail.
func auditExcerpt(text, spoiler string) string {
	if spoiler != "" {
		text = "CW " + spoiler + ": " + text
	}
	return shorten(strings.Join(strings.Fields(text), " "), 80)
}

// acctOf is an account's handle as shown in the trail.
func acctOf(a *db.Account) string {
	if a == nil {
		return ""
	}
	if a.Local() {
		return "@" + a.Username
	}
	return "@" + a.Username + "@" + a.Domain
}

// shorten cuts s to n characters, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// StoredParams is what is kept of a new status to publish it later (a
// scheduled status, a brand draft); PostParamsOf turns it back.
func StoredParams(p PostParams) db.ScheduledParams { return scheduledParams(p) }
