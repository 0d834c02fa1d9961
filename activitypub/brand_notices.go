package activitypub

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/mail"
)

// Only the people told are mentioned: others are named without an @ (a
// mention would notify them too).
//
// People of a brand are told about drafts in their OWN accounts, where any
// Mastodon app shows it: the brand account sends a direct message
// mentioning them (a `mention` notification), naming the draft #N and
// linking its page. The owners hear of a draft that waits (new or
// resubmitted); its author hears of the decision, with the owner's note.
// The same events go out by email when SMTP is set (Options.Mailer).

// DraftURL is the page where a brand's draft #number is decided (sign-in
// returns there).
func (e *Engine) DraftURL(brand string, number int64) string {
	return fmt.Sprintf("%s/settings/brands/%s/drafts/%d", e.urls.Base(), url.PathEscape(brand), number)
}

// noticeContext is ctx for a notice the brand sends on its own: no member
// acts (so the approval rule does not hold it, and its audit record names
// nobody), and it outlives the request that caused it.
func noticeContext(ctx context.Context) context.Context {
	ctx = context.WithValue(context.WithoutCancel(ctx), actingKey{}, acting{note: "notice"})
	return context.WithValue(ctx, approvalKey{}, int64(0))
}

// sendNotice posts a direct message from brand to the local accounts of
// users (mentioned first), logging a failure: a notice never undoes the
// change it tells of.
func (e *Engine) sendNotice(ctx context.Context, brand *db.Account, to []*db.User, text string) {
	var handles []string
	for _, u := range to {
		if u != nil && u.Account != nil && !u.Disabled {
			handles = append(handles, "@"+u.Account.Username)
		}
	}
	if len(handles) == 0 {
		return
	}
	p := PostParams{Text: strings.Join(handles, " ") + " " + text, Visibility: db.Direct}
	if _, err := e.PublishStatus(noticeContext(ctx), brand, p); err != nil {
		e.log.Warn("brand notice", "brand", brand.Username, "err", err)
	}
}

// draftWaiting tells the owners of brand that dr waits for them.
func (e *Engine) draftWaiting(ctx context.Context, brand *db.Account, dr *db.BrandDraft) {
	members, err := e.db.BrandMembers(ctx, brand.ID)
	if err != nil {
		e.log.Warn("brand notice: owners", "brand", brand.Username, "err", err)
		return
	}
	var owners []*db.User
	author := "a member"
	for _, m := range members {
		if m.Role == db.BrandOwner {
			owners = append(owners, m.User)
		}
		if m.UserID == dr.AuthorUserID && m.User != nil && m.User.Account != nil {
			author = m.User.Account.Username
		}
	}
	link := e.DraftURL(brand.Username, dr.Number)
	text := fmt.Sprintf("Draft #%d by %s waits for your approval (%s): %s", dr.Number, author, draftVerbText(dr), link)
	e.sendNotice(ctx, brand, owners, text)
	e.MailNotice(ctx, mail.KindDraftWaiting, owners, map[string]any{"Brand": brand.Username, "Number": dr.Number,
		"Author": author, "What": draftVerbText(dr), "Link": link})
}

// draftDecided tells the author of dr that it was approved or rejected
// (with the note).
func (e *Engine) draftDecided(ctx context.Context, brand *db.Account, dr *db.BrandDraft, by *db.User) {
	author, err := e.db.UserByID(ctx, dr.AuthorUserID)
	if err != nil {
		e.log.Warn("brand notice: author", "draft", dr.ID, "err", err)
		return
	}
	who := "an owner"
	if by != nil && by.Account != nil {
		who = by.Account.Username
	}
	link := e.DraftURL(brand.Username, dr.Number)
	text := fmt.Sprintf("Draft #%d (%s) was %s by %s", dr.Number, draftVerbText(dr), dr.State, who)
	if dr.Note != "" {
		text += ": “" + dr.Note + "”"
	}
	e.sendNotice(ctx, brand, []*db.User{author}, text+" "+link)
	e.MailNotice(ctx, mail.KindDraftDecided, []*db.User{author}, map[string]any{"Brand": brand.Username, "Number": dr.Number,
		"Author": who, "What": draftVerbText(dr), "State": dr.State, "Note": dr.Note, "Link": link})
}

// DraftRejected tells the author of a rejected draft (the brands service
// rejects; approval tells from ApproveDraft).
func (e *Engine) DraftRejected(ctx context.Context, brand *db.Account, dr *db.BrandDraft, by *db.User) {
	e.draftDecided(ctx, brand, dr, by)
}

// draftVerbText says what a draft does, for people.
func draftVerbText(dr *db.BrandDraft) string {
	switch dr.Verb {
	case db.DraftEdit:
		return "an edit"
	case db.DraftDelete:
		return "a delete"
	case db.DraftBoost:
		return "a boost"
	}
	if dr.ScheduledAt != nil {
		return "a scheduled post"
	}
	return "a post"
}

// Mailer sends email (a *mail.Sender; tests may use another).
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// mailTimeout bounds the sending of one notice email.
const mailTimeout = time.Minute

// MailNotice emails a notice of a kind (package mail's templates) to each
// user who wants that kind of email, in the background: a notice never
// slows or fails what it tells of. data are the template's fields; each
// email adds Username, Instance and Settings (the page to turn it off).
// Without SMTP it does nothing.
func (e *Engine) MailNotice(ctx context.Context, kind string, users []*db.User, data map[string]any) {
	if e.opts.Mailer == nil {
		return
	}
	var msgs []mail.Message
	for _, u := range users {
		if !u.WantsEmail(kind) {
			continue
		}
		d := map[string]any{"Instance": e.opts.InstanceTitle, "Settings": e.urls.Base() + "/settings/email", "Username": ""}
		if u.Account != nil {
			d["Username"] = u.Account.Username
		}
		for k, v := range data {
			d[k] = v
		}
		m, err := mail.Notice(kind, u.Email, d)
		if err != nil {
			e.log.Error("notice mail", "kind", kind, "err", err)
			return
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailTimeout)
		defer cancel()
		for _, m := range msgs {
			if err := e.opts.Mailer.Send(ctx, m); err != nil {
				e.log.Warn("notice mail", "kind", kind, "to", m.To, "err", err)
			}
		}
	}()
}
