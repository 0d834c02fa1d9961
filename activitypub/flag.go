package activitypub

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/mail"
)

// Limits of reports.
const (
	// MaxReportComment is the longest comment a local user may write, in
	// characters (Mastodon's limit).
	MaxReportComment = 1000
	// MaxReportStatuses bounds the statuses one report names.
	MaxReportStatuses = 100
	// maxFlagComment bounds what is kept of an incoming Flag's content.
	maxFlagComment = 5000
)

// ReportParams are the fields of a new report by a local account.
type ReportParams struct {
	StatusIDs []int64
	Comment   string
	Category  string // other (default), spam, legal or violation
	// RuleIDs are the instance rules broken (db.InstanceTexts' rules).
	RuleIDs []int64
	// Forward asks to tell the server of a remote target too (a Flag from
	// the instance actor: the reporter stays anonymous there).
	Forward bool
}

// Report files a report by a local account (the local entry of Flag)
// about target and some of its statuses (which the reporter must be able
// to see). The reported account is not told. When the target is remote and
// p.Forward is set, a Flag goes to its server through the delivery queue.
func (e *Engine) Report(ctx context.Context, reporter, target *db.Account, p ReportParams) (*db.Report, error) {
	if target.ID == reporter.ID {
		return nil, inputErr("account_id", "can't be your own account")
	}
	if target.Local() && target.Username == InstanceActorUsername {
		return nil, ErrNotFound
	}
	if err := validateReport(&p); err != nil {
		return nil, err
	}
	var ruleIDs []int64 // nil: no rule named
	if len(p.RuleIDs) > 0 {
		ruleIDs = uniqueIDs(p.RuleIDs)
		texts, err := e.db.InstanceTexts(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range ruleIDs {
			if !slices.Contains(texts.RuleIDs(), id) {
				return nil, inputErr("rule_ids", "contains an unknown rule")
			}
		}
	}
	ids := uniqueIDs(p.StatusIDs)
	uris, err := e.reportedURIs(ctx, reporter, target, ids)
	if err != nil {
		return nil, err
	}
	r := &db.Report{AccountID: reporter.ID, TargetAccountID: target.ID, StatusIDs: ids, Comment: p.Comment, Category: p.Category,
		RuleIDs: ruleIDs}
	var flagInbox string
	var instance *db.Account
	if p.Forward && !target.Local() {
		if flagInbox = inboxOf(target); flagInbox != "" {
			if instance, err = e.db.LocalAccount(ctx, InstanceActorUsername); err != nil {
				return nil, err
			}
		}
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if instance != nil {
			actID := e.db.NewID()
			flag := vocab.NewActivity("Flag", e.activityURI(instance, actID), instance.URI, vocab.NewRef(uris...))
			flag.Content = p.Comment
			if err := e.record(ctx, tx, instance, actID, flag, nil, []string{flagInbox}); err != nil {
				return err
			}
			r.Forwarded, r.URI = true, flag.ID
		}
		return e.flag(ctx, tx, reporter, target, r)
	})
	if err != nil {
		return nil, err
	}
	r.TargetAccount = target
	r.Account = reporter
	return r, nil
}

// validateReport checks the fields of a report (and defaults its category).
func validateReport(p *ReportParams) error {
	if p.Category == "" {
		p.Category = db.ReportOther
	}
	switch {
	case !db.ValidReportCategory(p.Category):
		return inputErr("category", "is not included in the list")
	case !utf8.ValidString(p.Comment):
		return inputErr("comment", "is not valid UTF-8")
	case utf8.RuneCountInString(p.Comment) > MaxReportComment:
		return inputErr("comment", "is too long (maximum is %d characters)", MaxReportComment)
	case len(uniqueIDs(p.StatusIDs)) > MaxReportStatuses:
		return inputErr("status_ids", "can't name more than %d statuses", MaxReportStatuses)
	}
	return nil
}

// reportedURIs are the ids a Flag about target and its statuses ids names;
// every status must be target's and visible to the reporter.
func (e *Engine) reportedURIs(ctx context.Context, reporter, target *db.Account, ids []int64) ([]string, error) {
	found, err := e.db.VisibleStatusesByIDs(ctx, ids, db.ViewerOf(reporter.ID))
	if err != nil {
		return nil, err
	}
	uris := []string{target.URI}
	for _, id := range ids {
		s := found[id]
		if s == nil || s.AccountID != target.ID {
			// The same answer for a status that does not exist, that the
			// reporter cannot see and that is someone else's.
			return nil, inputErr("status_ids", "contains a status of this account that does not exist")
		}
		uris = append(uris, s.URI)
	}
	return uris, nil
}

// uniqueIDs drops repeated ids, keeping the first of each.
func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// applyFlag, the remote entry of Flag, turns an incoming Flag about local
// accounts and statuses into reports for the local admins, one per
// reported account, whose reporter is the Flag's actor (usually the remote
// instance's actor). Objects that are not local are ignored; so is a Flag
// naming nothing local. The reported accounts are not told.
func (e *Engine) applyFlag(ctx context.Context, ic *inboxContext) error {
	if e.reportsRejected(ctx, ic.actor.Domain) {
		return permanent(errors.New("reports from this domain are rejected"))
	}
	var targets []*db.Account
	statuses := map[int64][]int64{} // target account → its reported statuses
	addTarget := func(a *db.Account) {
		if !slices.ContainsFunc(targets, func(t *db.Account) bool { return t.ID == a.ID }) {
			targets = append(targets, a)
		}
	}
	for _, uri := range ic.act.Object.IDs() {
		if !e.urls.IsLocal(uri) {
			continue
		}
		if e.urls.UsernameFromActor(uri) != "" {
			a, err := e.localTarget(ctx, uri)
			if errors.Is(err, db.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			addTarget(a)
			continue
		}
		s, err := e.db.StatusByURI(ctx, uri)
		if errors.Is(err, db.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if !s.Account.Local() || s.Account.Suspended() || s.Account.Username == InstanceActorUsername {
			continue
		}
		if len(statuses[s.AccountID]) < MaxReportStatuses && !slices.Contains(statuses[s.AccountID], s.ID) {
			statuses[s.AccountID] = append(statuses[s.AccountID], s.ID)
		}
		addTarget(s.Account)
	}
	if len(targets) == 0 {
		return errIgnored
	}
	comment := strings.ToValidUTF8(ic.act.Content, "\uFFFD")
	if utf8.RuneCountInString(comment) > maxFlagComment {
		comment = string([]rune(comment)[:maxFlagComment])
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		for _, t := range targets {
			r := &db.Report{AccountID: ic.actor.ID, TargetAccountID: t.ID, StatusIDs: statuses[t.ID], Comment: comment,
				Category: db.ReportOther, Forwarded: true, URI: ic.act.ID}
			if err := e.flag(ctx, tx, ic.actor, t, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// flag is the Flag rule: reporter's report about target is stored for the
// moderators here, who must have a say (the reporter or the target is
// local); nobody reports themselves; the reported account is not told.
func (e *Engine) flag(ctx context.Context, tx *db.Tx, reporter, target *db.Account, r *db.Report) error {
	if reporter.ID == target.ID || !reporter.Local() && !target.Local() {
		return ErrForbidden
	}
	r.AccountID, r.TargetAccountID = reporter.ID, target.ID
	if err := tx.InsertReport(ctx, r); err != nil {
		return err
	}
	tx.AfterCommit(func() { e.reportFiled(ctx, reporter, target, r) })
	return e.notifyStaff(ctx, tx, db.NotifyAdminReport, reporter.ID, &r.ID)
}

// reportFiled emails the admins of a new report (when SMTP is set and they
// want it).
func (e *Engine) reportFiled(ctx context.Context, reporter, target *db.Account, r *db.Report) {
	admins, err := e.db.Admins(context.WithoutCancel(ctx))
	if err != nil {
		e.log.Warn("report mail: admins", "err", err)
		return
	}
	// The moderation page, where the report is resolved (web/pages/moderation.go).
	link := e.urls.Base() + "/admin/reports#report-" + db.FormatID(r.ID)
	e.MailNotice(ctx, mail.KindReport, admins, map[string]any{"ID": r.ID, "Reporter": acctOf(reporter), "Target": acctOf(target),
		"Statuses": len(r.StatusIDs), "Comment": r.Comment, "Link": link})
}
