package activitypub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Scheduled statuses: a status validated like any new one, kept with its
// attachments, and published by a job when its time comes. The job claims
// due rows with a lease and removes each row in the transaction that stores
// its status, so a restart publishes what came due meanwhile and several
// processes on one database publish each status once.

// Rules of scheduling, as Mastodon.
const (
	MinScheduleOffset     = 5 * time.Minute // scheduled_at at least this far ahead
	MaxScheduledStatuses  = 300             // per account
	MaxScheduledPerDay    = 25              // per account and UTC day of scheduled_at
	scheduledLease        = 2 * time.Minute // a publisher's hold on a due row
	scheduledMaxAttempts  = 5
	scheduledJobInterval  = time.Second
	scheduledClaimBatch   = 20
	scheduledRetryBackoff = 30 * time.Second // doubled per attempt
)

// ScheduleStatus keeps a new status of author to publish at `at`: it is
// checked as PublishStatus would check it (and its reply target must be
// visible), its attachments are reserved for it. With an idempotency key
// already used by the author, the scheduled status made with it is
// returned instead.
func (e *Engine) ScheduleStatus(ctx context.Context, author *db.Account, at time.Time, p PostParams, idempotency string) (*db.ScheduledStatus, error) {
	if idempotency != "" {
		if ss, err := e.db.ScheduledStatusByIdempotency(ctx, author.ID, idempotency); err == nil {
			return ss, nil
		} else if !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
	}
	if err := e.checkScheduleTime(ctx, author, at, 0); err != nil {
		return nil, err
	}
	if err := e.validatePost(ctx, author, &p); err != nil {
		return nil, err
	}
	for _, id := range p.MediaIDs {
		m, err := e.db.MediaByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if m.ScheduledStatusID != nil {
			return nil, inputErr("media_ids", "contains attachment %d, which belongs to another scheduled status", id)
		}
	}
	if err := e.checkParent(ctx, author, p); err != nil {
		return nil, err
	}
	if err := e.gate(ctx, author, postChange(p, &at)); err != nil {
		return nil, err
	}
	ss := &db.ScheduledStatus{AccountID: author.ID, ScheduledAt: at, Params: scheduledParams(p), Idempotency: idempotency}
	if uid, ok := ActingMember(ctx); ok && author.IsBrand {
		ss.Params.ActingUserID = &uid
	}
	err := e.db.InsertScheduledStatus(ctx, ss)
	switch {
	case errors.Is(err, db.ErrConflict) && idempotency != "":
		// A concurrent request with the same key got there first.
		return e.db.ScheduledStatusByIdempotency(ctx, author.ID, idempotency)
	case errors.Is(err, db.ErrNotFound):
		return nil, inputErr("media_ids", "contains an attachment already used by another status")
	case err != nil:
		return nil, err
	}
	if rec := BrandAuditRecord(ctx, author, "status.schedule", nil, "for "+at.UTC().Format(time.RFC3339)+": "+auditExcerpt(p.Text, p.SpoilerText)); rec != nil {
		if err := e.db.RecordBrandAction(ctx, rec); err != nil {
			e.log.Warn("brand audit", "action", rec.Action, "err", err)
		}
	}
	return ss, nil
}

// RescheduleStatus moves one of author's scheduled statuses to a new time
// (the same rules as scheduling).
func (e *Engine) RescheduleStatus(ctx context.Context, author *db.Account, id int64, at time.Time) (*db.ScheduledStatus, error) {
	if _, err := e.db.ScheduledStatusByID(ctx, author.ID, id); err != nil {
		return nil, err
	}
	if err := e.checkScheduleTime(ctx, author, at, id); err != nil {
		return nil, err
	}
	if err := e.db.RescheduleStatus(ctx, author.ID, id, at); err != nil {
		return nil, err
	}
	if rec := BrandAuditRecord(ctx, author, "status.reschedule", nil, "scheduled status "+db.FormatID(id)+" to "+at.UTC().Format(time.RFC3339)); rec != nil {
		if err := e.db.RecordBrandAction(ctx, rec); err != nil {
			e.log.Warn("brand audit", "action", rec.Action, "err", err)
		}
	}
	return e.db.ScheduledStatusByID(ctx, author.ID, id)
}

// checkScheduleTime applies the rules of scheduled_at: far enough ahead,
// and within the account's limits (except: the status being rescheduled,
// 0 for a new one).
func (e *Engine) checkScheduleTime(ctx context.Context, author *db.Account, at time.Time, except int64) error {
	if at.Before(time.Now().Add(MinScheduleOffset)) {
		return inputErr("scheduled_at", "must be at least %d minutes in the future", int(MinScheduleOffset.Minutes()))
	}
	if except == 0 {
		n, err := e.db.CountScheduledStatuses(ctx, author.ID, time.Time{}, time.Time{}, 0)
		if err != nil {
			return err
		}
		if n >= MaxScheduledStatuses {
			return inputErr("scheduled_at", "exceeds the limit of %d scheduled statuses", MaxScheduledStatuses)
		}
	}
	day := at.UTC().Truncate(24 * time.Hour)
	n, err := e.db.CountScheduledStatuses(ctx, author.ID, day, day.Add(24*time.Hour), except)
	if err != nil {
		return err
	}
	if n >= MaxScheduledPerDay {
		return inputErr("scheduled_at", "exceeds the limit of %d scheduled statuses on one day", MaxScheduledPerDay)
	}
	return nil
}

// scheduledParams is what is kept of a new status to publish it later.
func scheduledParams(p PostParams) db.ScheduledParams {
	sp := db.ScheduledParams{Text: p.Text, SpoilerText: p.SpoilerText, Visibility: p.Visibility, Sensitive: p.Sensitive,
		Language: p.Language, InReplyToID: p.InReplyToID, MediaIDs: p.MediaIDs, ApplicationID: p.ApplicationID}
	if pp := p.Poll; pp != nil {
		sp.Poll = &db.ScheduledPoll{Options: pp.Options, ExpiresIn: int64(pp.ExpiresIn / time.Second),
			Multiple: pp.Multiple, HideTotals: pp.HideTotals}
	}
	return sp
}

// PostParamsOf turns the kept fields of a scheduled status back into the
// parameters of PublishStatus.
func PostParamsOf(sp db.ScheduledParams) PostParams {
	p := PostParams{Text: sp.Text, SpoilerText: sp.SpoilerText, Visibility: sp.Visibility, Sensitive: sp.Sensitive,
		Language: sp.Language, InReplyToID: sp.InReplyToID, MediaIDs: sp.MediaIDs, ApplicationID: sp.ApplicationID}
	if sp.Poll != nil {
		p.Poll = &PollParams{Options: sp.Poll.Options, ExpiresIn: time.Duration(sp.Poll.ExpiresIn) * time.Second,
			Multiple: sp.Poll.Multiple, HideTotals: sp.Poll.HideTotals}
	}
	return p
}

// scheduledJobs publishes due scheduled statuses at start-up (what came due
// while the instance was down) and then every second, until ctx is done.
func (e *Engine) scheduledJobs(ctx context.Context) {
	tick := time.NewTicker(scheduledJobInterval)
	defer tick.Stop()
	for {
		if _, err := e.PublishDueStatuses(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("scheduled statuses", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// PublishDueStatuses publishes the scheduled statuses whose time has come
// (what the background job does every second) and returns how many it
// published. Statuses another process is publishing are left to it.
func (e *Engine) PublishDueStatuses(ctx context.Context) (int, error) {
	published := 0
	for {
		list, err := e.db.ClaimDueScheduledStatuses(ctx, scheduledClaimBatch, scheduledLease)
		if err != nil {
			return published, err
		}
		for _, ss := range list {
			if e.publishScheduled(ctx, ss) {
				published++
			}
		}
		if len(list) < scheduledClaimBatch || ctx.Err() != nil {
			return published, ctx.Err()
		}
	}
}

// errLostClaim: the scheduled row is no longer ours to publish.
var errLostClaim = errors.New("scheduled status claimed elsewhere, rescheduled or deleted")

// publishScheduled publishes one claimed scheduled status. A status that
// can no longer be published (its reply target is gone, its author
// suspended, it no longer validates) is dropped; other failures are tried
// again later, a few times.
func (e *Engine) publishScheduled(ctx context.Context, ss *db.ScheduledStatus) bool {
	author, err := e.db.AccountByID(ctx, ss.AccountID)
	if err == nil && (author.Suspended() || !author.Local()) {
		err = ErrForbidden
	}
	if err == nil {
		p := PostParamsOf(ss.Params)
		p.MediaIDs = e.usableMedia(ctx, author, p.MediaIDs)
		p.inTx = func(ctx context.Context, tx *db.Tx) error {
			if err := tx.PublishedScheduledStatus(ctx, ss); errors.Is(err, db.ErrNotFound) {
				return errLostClaim
			} else if err != nil {
				return err
			}
			return nil
		}
		pctx := ctx
		if uid := ss.Params.ActingUserID; uid != nil {
			pctx = WithAuditNote(WithActingMember(ctx, *uid), "scheduled")
		}
		_, err = e.PublishStatus(pctx, author, p)
	}
	var inErr *InputError
	var held *HeldError
	switch {
	case err == nil:
		return true
	case errors.As(err, &held):
		// Scheduled by an editor before approval was required: it waits
		// for an owner now, as a draft.
		if derr := e.db.DropScheduledStatus(context.WithoutCancel(ctx), ss); derr != nil {
			e.log.Warn("drop scheduled status", "id", ss.ID, "err", derr)
		}
		return true
	case errors.Is(err, errLostClaim):
		return false
	case errors.As(err, &inErr), errors.Is(err, db.ErrNotFound), errors.Is(err, ErrForbidden), ss.Attempts+1 >= scheduledMaxAttempts:
		e.log.Warn("scheduled status dropped", "id", ss.ID, "account", ss.AccountID, "err", err)
		if derr := e.db.DropScheduledStatus(context.WithoutCancel(ctx), ss); derr != nil {
			e.log.Warn("drop scheduled status", "id", ss.ID, "err", derr)
		}
	default:
		if ctx.Err() != nil {
			// Shutting down: hand it back for the next start (a crash
			// leaves the lease to run out instead).
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if rerr := e.db.ReleaseScheduledStatus(bg, ss); rerr != nil {
				e.log.Warn("release scheduled status", "id", ss.ID, "err", rerr)
			}
			return false
		}
		next := time.Now().Add(scheduledRetryBackoff << min(ss.Attempts, 6))
		e.log.Warn("scheduled status not published, will retry", "id", ss.ID, "attempt", ss.Attempts+1, "at", next, "err", err)
		if rerr := e.db.RetryScheduledStatus(ctx, ss, next, fmt.Sprint(err)); rerr != nil {
			e.log.Warn("retry scheduled status", "id", ss.ID, "err", rerr)
		}
	}
	return false
}

// usableMedia keeps the attachments that are still the author's and
// unused by a status (deleted ones are left out, as Mastodon does).
func (e *Engine) usableMedia(ctx context.Context, author *db.Account, ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if m, err := e.db.MediaByID(ctx, id); err == nil && m.AccountID == author.ID && m.StatusID == nil {
			out = append(out, id)
		}
	}
	return out
}
