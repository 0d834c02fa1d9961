package activitypub

import (
	"context"
	"errors"
	"strings"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// Moderation of accounts by admins and moderators: the one place the admin
// API, the admin pages and `kontor admin` act on an account, so every
// action is applied the same way and written to the audit log.

// Moderator is who acts: an admin's or moderator's account, or nil for
// the command line.
type Moderator struct {
	AccountID *int64
}

// Account actions (Mastodon's admin action types, then the ways back).
const (
	ActionNone        = "none"
	ActionDisable     = "disable"
	ActionSensitive   = "sensitive"
	ActionSilence     = "silence"
	ActionSuspend     = "suspend"
	ActionEnable      = "enable"
	ActionUnsensitive = "unsensitive"
	ActionUnsilence   = "unsilence"
	ActionUnsuspend   = "unsuspend"
	ActionApprove     = "approve"
	ActionReject      = "reject"
)

// AccountAction is an admin action on an account; with ReportID the report
// is resolved by it (Mastodon's "action with report").
type AccountAction struct {
	Type     string
	ReportID int64
	Text     string // why (kept in the audit log)
}

// ValidAccountActionType reports whether t is a type POST /action takes.
func ValidAccountActionType(t string) bool {
	switch t {
	case ActionNone, ActionDisable, ActionSensitive, ActionSilence, ActionSuspend:
		return true
	}
	return false
}

// ModerateAccount applies an action to target (local or remote) and records
// it. Suspension goes through Suspend (it federates and revokes tokens);
// disabling and approving need a local login. Doing what is already done
// changes nothing but is still recorded.
func (e *Engine) ModerateAccount(ctx context.Context, by Moderator, target *db.Account, act AccountAction) error {
	if target.Local() && target.Username == InstanceActorUsername {
		return ErrNotFound
	}
	var report *db.Report
	if act.ReportID != 0 {
		r, err := e.db.ReportByID(ctx, act.ReportID)
		if errors.Is(err, db.ErrNotFound) || err == nil && r.TargetAccountID != target.ID {
			return inputErr("report_id", "is not a report about this account")
		} else if err != nil {
			return err
		}
		report = r
	}
	if err := e.applyAccountAction(ctx, target, act.Type); err != nil {
		return err
	}
	if report != nil {
		if _, err := e.db.ResolveReport(ctx, report.ID, by.AccountID); err != nil {
			return err
		}
	}
	return e.db.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: act.Type,
		TargetType: "Account", TargetID: target.ID, TargetLabel: "@" + target.Acct(), Text: act.Text})
}

func (e *Engine) applyAccountAction(ctx context.Context, target *db.Account, action string) error {
	switch action {
	case ActionNone:
		return nil
	case ActionSuspend:
		return e.Suspend(ctx, target)
	case ActionUnsuspend:
		return e.Unsuspend(ctx, target)
	case ActionSilence, ActionUnsilence:
		return e.db.SetAccountSilenced(ctx, target.ID, action == ActionSilence)
	case ActionSensitive, ActionUnsensitive:
		return e.db.SetAccountSensitized(ctx, target.ID, action == ActionSensitive)
	case ActionDisable, ActionEnable, ActionApprove, ActionReject:
		return e.applyLoginAction(ctx, target, action)
	}
	return inputErr("type", "is not one of none, disable, sensitive, silence, suspend")
}

// applyLoginAction is an action on the login of a local account.
func (e *Engine) applyLoginAction(ctx context.Context, target *db.Account, action string) error {
	u, err := e.db.UserByAccountID(ctx, target.ID)
	if errors.Is(err, db.ErrNotFound) {
		return inputErr("", "@%s has no login on this server", target.Acct())
	} else if err != nil {
		return err
	}
	switch action {
	case ActionEnable:
		return e.db.SetUserDisabled(ctx, u.ID, false)
	case ActionDisable:
		var sole *db.SoleOwnerError
		if err := e.db.DisableUser(ctx, u.ID); errors.As(err, &sole) {
			return inputErr("", "@%s is the only owner of @%s: give each brand a new owner first", target.Acct(), strings.Join(sole.Brands, ", @"))
		} else if err != nil {
			return err
		}
		return nil
	case ActionApprove:
		if u.Approved {
			return nil
		}
		return e.db.ApproveUser(ctx, u.ID)
	}
	if u.Approved {
		return inputErr("", "@%s is not waiting for approval", target.Acct())
	}
	return e.db.RejectSignUp(ctx, target.ID)
}

// DeleteAccountData removes a suspended local account's data: its remote
// followers are sent a Delete of the actor, then its statuses, relations,
// login and media (the rows, then the files in the media store) go. The account row stays (suspended), so the actor keeps
// answering 410 and the username is never given to someone else.
func (e *Engine) DeleteAccountData(ctx context.Context, by Moderator, a *db.Account) error {
	switch {
	case !a.Local() || a.Username == InstanceActorUsername:
		return inputErr("", "only a local account's data can be removed")
	case !a.Suspended():
		return inputErr("", "@%s must be suspended before its data is removed", a.Username)
	}
	inboxes, err := e.db.RemoteFollowerInboxes(ctx, a.ID)
	if err != nil {
		return err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		actID := e.db.NewID()
		del := vocab.NewDelete(e.activityURI(a, actID), a.URI, a.URI)
		del.To = vocab.IRIs{publicIRI}
		return e.record(ctx, tx, a, actID, del, nil, inboxes)
	})
	if err != nil {
		return err
	}
	if err := e.db.DeleteLocalAccountData(ctx, a.ID); err != nil {
		return err
	}
	gone, err := e.db.DeleteAccountMedia(ctx, a.ID)
	if err != nil {
		return err
	}
	e.deleteFiles(ctx, gone)
	return e.db.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: "delete",
		TargetType: "Account", TargetID: a.ID, TargetLabel: "@" + a.Acct()})
}

// deleteFiles removes the files of removed attachments from the media
// store. A file that cannot be removed is logged and left (wasted space only).
func (e *Engine) deleteFiles(ctx context.Context, list []*db.MediaAttachment) {
	if e.opts.Media == nil {
		return
	}
	for _, m := range list {
		for _, key := range []string{m.FileKey, m.PreviewKey} {
			if key == "" {
				continue
			}
			if err := e.opts.Media.Delete(ctx, key); err != nil && !errors.Is(err, media.ErrNotFound) {
				e.log.Warn("media: delete file of a removed account", "key", key, "err", err)
			}
		}
	}
}

// Changes of a report by admins and moderators (Mastodon's report actions).
const (
	ReportResolve      = "resolve"
	ReportReopen       = "reopen"
	ReportAssignToSelf = "assign_to_self"
	ReportUnassign     = "unassign"
	ReportUpdate       = "update"
)

// ReportChange is one change of a report; Category and RuleIDs are for
// ReportUpdate (nil RuleIDs leaves them).
type ReportChange struct {
	Kind     string
	Category string
	RuleIDs  []int64
	Text     string
}

// ChangeReport applies a change to report id and records it in the audit
// log. The command line (no moderator account) cannot take a report.
func (e *Engine) ChangeReport(ctx context.Context, by Moderator, id int64, c ReportChange) error {
	r, err := e.db.ReportByID(ctx, id)
	if err != nil {
		return err
	}
	switch c.Kind {
	case ReportResolve:
		_, err = e.db.ResolveReport(ctx, id, by.AccountID)
	case ReportReopen:
		err = e.db.ReopenReport(ctx, id)
	case ReportAssignToSelf:
		if by.AccountID == nil {
			return inputErr("", "only an admin's or moderator's account can take a report")
		}
		err = e.db.AssignReport(ctx, id, by.AccountID)
	case ReportUnassign:
		err = e.db.AssignReport(ctx, id, nil)
	case ReportUpdate:
		if c.Category == "" {
			c.Category = r.Category
		}
		if !db.ValidReportCategory(c.Category) {
			return inputErr("category", "must be one of other, spam, legal, violation")
		}
		err = e.db.UpdateReportCategory(ctx, id, c.Category, c.RuleIDs)
	default:
		return inputErr("", "unknown report change %q", c.Kind)
	}
	if err != nil {
		return err
	}
	return e.db.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: c.Kind,
		TargetType: "Report", TargetID: id, TargetLabel: "report about @" + r.TargetAccount.Acct(), Text: c.Text})
}

// notifyStaff tells every admin and moderator (admin.sign_up, admin.report)
// in the caller's transaction; streaming hears it after commit.
func (e *Engine) notifyStaff(ctx context.Context, tx *db.Tx, typ string, fromID int64, reportID *int64) error {
	staff, err := tx.StaffAccountIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range staff {
		if err := e.notify(ctx, tx, &db.Notification{AccountID: id, Type: typ, FromAccountID: fromID, ReportID: reportID}); err != nil {
			return err
		}
	}
	return nil
}

// AnnounceSignUp tells admins and moderators of a new account (signed up
// through the API, the web form or single sign-on).
func (e *Engine) AnnounceSignUp(ctx context.Context, a *db.Account) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		return e.notifyStaff(ctx, tx, db.NotifyAdminSignUp, a.ID, nil)
	})
}
