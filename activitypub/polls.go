package activitypub

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Polls: votes by local accounts (on local and remote polls), votes
// arriving from other servers, the Updates that carry results to the
// author's followers and the remote voters, and the end of polls.
//
// On the wire (as Mastodon): a vote is Create{Note{name: the option's
// title, inReplyTo: the Question, attributedTo: the voter}} sent to the
// poll's author, one Note per choice; results travel as Update{Question}.

// Timing of the poll jobs.
const (
	// pollResultsDelay is how long results wait after a vote before they
	// go out, so that a burst of votes gives one Update.
	pollResultsDelay = 3 * time.Second
	// pollJobInterval is how often the job looks for due results and
	// ended polls.
	pollJobInterval = time.Second
	// pollJobBatch bounds the polls handled per pass.
	pollJobBatch = 50
)

// VoteRefused is a vote the poll does not take (it ended, the account
// voted already, the choice does not exist …). The reason is Mastodon's
// wording; the API answers 422 with it.
type VoteRefused struct{ Reason string }

func (v *VoteRefused) Error() string { return v.Reason }

// Reasons of refused votes.
var (
	errPollEnded    = &VoteRefused{"The poll has already ended"}
	errAlreadyVoted = &VoteRefused{"You have already voted on this poll"}
	errOwnPoll      = &VoteRefused{"You cannot vote in your own polls"}
	errBadChoice    = &VoteRefused{"The chosen vote option does not exist"}
	errOneChoice    = &VoteRefused{"This poll allows only one choice"}
	errNoChoice     = &VoteRefused{"You must choose at least one option"}
	errRelayedVote  = &VoteRefused{"A vote is only taken from the voter's own server"}
)

// PollStatus returns a poll and its status if viewer may see the status
// (ErrNotFound otherwise: a poll is as visible as its status).
func (e *Engine) PollStatus(ctx context.Context, pollID int64, viewer db.Viewer) (*db.Poll, *db.Status, error) {
	p, err := e.db.PollByID(ctx, pollID)
	if err != nil {
		return nil, nil, err
	}
	if p.StatusID == nil {
		return nil, nil, ErrNotFound
	}
	s, err := e.db.StatusByID(ctx, *p.StatusID, viewer)
	if err != nil {
		return nil, nil, err
	}
	return p, s, nil
}

// pollRefreshInterval is the least time between two fetches of a remote
// poll shown to a user; pollRefreshTimeout bounds one fetch.
const (
	pollRefreshInterval = time.Minute
	pollRefreshTimeout  = 5 * time.Second
)

// RefreshPoll brings a remote poll's counts up to date from its origin
// when they may be stale (as Mastodon does when a poll is shown to a
// user): not fetched for a minute, and not fetched since it ended. It
// returns the poll as it then stands; a failed fetch leaves it as it was.
func (e *Engine) RefreshPoll(ctx context.Context, p *db.Poll, s *db.Status) (*db.Poll, error) {
	if s.Local || s.Account == nil || s.Account.Local() || !pollPossiblyStale(p) {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, pollRefreshTimeout)
	defer cancel()
	obj, err := e.resolver.Object(ctx, s.URI)
	if err != nil {
		return p, err
	}
	if !obj.Is("Question") || obj.ID != s.URI || obj.Author() != s.Account.URI {
		return p, errors.New("activitypub: refresh poll: not the same Question")
	}
	fresh := remotePoll(obj, s.AccountID)
	if fresh == nil {
		return p, errors.New("activitypub: refresh poll: a Question without options")
	}
	if err := e.db.InTx(ctx, func(tx *db.Tx) error { return tx.UpdatePollCounts(ctx, p.ID, fresh) }); err != nil {
		return p, err
	}
	return e.db.PollByID(ctx, p.ID)
}

// pollPossiblyStale reports whether a remote poll's counts may be out of
// date: not fetched for a while, and not fetched since it ended.
func pollPossiblyStale(p *db.Poll) bool {
	if p.LastFetchedAt == nil {
		return true
	}
	if p.ExpiresAt != nil && !p.LastFetchedAt.Before(*p.ExpiresAt) {
		return false
	}
	return time.Since(*p.LastFetchedAt) > pollRefreshInterval
}

// Vote records a local account's choices (option indexes) on a poll it
// may see, and returns the poll with the new counts. On a local poll the
// results go out in an Update shortly after; on a remote poll each choice
// is sent to the author as a Note, and the author's Update later brings the
// real counts.
func (e *Engine) Vote(ctx context.Context, voter *db.Account, pollID int64, choices []int) (*db.Poll, error) {
	p, s, err := e.PollStatus(ctx, pollID, db.ViewerOf(voter.ID))
	if err != nil {
		return nil, err
	}
	if len(choices) == 0 {
		return nil, errNoChoice
	}
	if p.Expired() {
		return nil, errPollEnded
	}
	if p.AccountID == voter.ID || s.AccountID == voter.ID {
		return nil, errOwnPoll
	}
	seen := map[int]bool{}
	for _, c := range choices {
		if c < 0 || c >= len(p.Options) || seen[c] {
			return nil, errBadChoice
		}
		seen[c] = true
	}
	if !p.Multiple && len(choices) > 1 {
		return nil, errOneChoice
	}
	author := s.Account
	var out *db.Poll
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		lp, err := tx.LockPoll(ctx, p.ID)
		if err != nil {
			return err
		}
		if lp.Expired() {
			return errPollEnded
		}
		voted, err := tx.VotedOn(ctx, lp.ID, voter.ID)
		if err != nil {
			return err
		}
		if voted {
			return errAlreadyVoted
		}
		votes := make([]*db.PollVote, len(choices))
		for i, c := range choices {
			votes[i] = &db.PollVote{ID: e.db.NewID(), PollID: lp.ID, AccountID: voter.ID, Choice: int64(c)}
			if !author.Local() {
				votes[i].URI = voter.URI + "#votes/" + db.FormatID(votes[i].ID)
			}
		}
		if err := tx.InsertPollVotes(ctx, votes); errors.Is(err, db.ErrConflict) {
			return errAlreadyVoted
		} else if err != nil {
			return err
		}
		tally(lp, choices, true)
		if err := tx.SavePollTallies(ctx, lp); err != nil {
			return err
		}
		titles := make([]string, len(choices))
		for i, c := range choices {
			titles[i] = lp.Options[c].Title
		}
		if err := e.auditBrand(ctx, tx, voter, "poll.vote", &s.ID, strings.Join(titles, ", ")); err != nil {
			return err
		}
		out = lp
		if author.Local() {
			if lp.HideTotals {
				return nil // results stay hidden until the end (Mastodon sends none either)
			}
			return tx.MarkPollResultsDue(ctx, lp.ID, time.Now().Add(pollResultsDelay))
		}
		for i, v := range votes {
			note := vocab.NewNote(v.URI)
			note.Name = lp.Options[choices[i]].Title
			note.AttributedTo = vocab.NewRef(voter.URI)
			note.InReplyTo = s.URI
			note.To = vocab.IRIs{author.URI}
			actID := e.db.NewID()
			create := vocab.NewCreate(v.URI+"/activity", voter.URI, note)
			if err := e.record(ctx, tx, voter, actID, create, nil, nonEmpty(personalInbox(author))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// tally counts new votes of one account in a poll's counters.
func tally(p *db.Poll, choices []int, newVoter bool) {
	for _, c := range choices {
		p.Options[c].VotesCount++
	}
	p.VotesCount += int64(len(choices))
	if newVoter {
		p.VotersCount++
	}
}

// receiveVote recognises a remote vote on a local poll: a Note with a name,
// no content, in reply to a local status with a poll. It reports whether
// obj was one (then it is never stored as a status) and records it, unless
// the poll refuses it (ended, already voted, no such option, a poll the
// voter may not see): such votes are dropped.
func (e *Engine) receiveVote(ctx context.Context, ic *inboxContext, obj *vocab.Object) (bool, error) {
	if !obj.Is("Note") || obj.Name == "" || obj.InReplyTo == "" || !e.urls.IsLocal(obj.InReplyTo) {
		return false, nil
	}
	if body, _ := obj.ContentOrMap(""); strings.TrimSpace(body) != "" {
		return false, nil
	}
	s, err := e.db.StatusByURI(ctx, obj.InReplyTo)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if s.PollID == nil || !s.Local {
		return false, nil
	}
	err = e.recordRemoteVote(ctx, ic, obj, s)
	var refused *VoteRefused
	if errors.As(err, &refused) || errors.Is(err, db.ErrNotFound) {
		e.log.Info("inbox: vote refused", "voter", ic.actor.URI, "poll", s.URI, "choice", obj.Name, "reason", err)
		return true, errIgnored
	}
	return true, err
}

func (e *Engine) recordRemoteVote(ctx context.Context, ic *inboxContext, obj *vocab.Object, s *db.Status) error {
	if ic.forwarded() {
		return errRelayedVote
	}
	// The voter must be able to see the poll (a followers-only poll takes
	// votes from followers only; blocks keep voters out).
	if _, err := e.db.StatusByID(ctx, s.ID, db.ViewerOf(ic.actor.ID)); err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		lp, err := tx.LockPoll(ctx, *s.PollID)
		if err != nil {
			return err
		}
		if lp.Expired() {
			return errPollEnded
		}
		choice := -1
		for i, o := range lp.Options {
			if o.Title == obj.Name {
				choice = i
				break
			}
		}
		if choice < 0 {
			return errBadChoice
		}
		voted, err := tx.VotedOn(ctx, lp.ID, ic.actor.ID)
		if err != nil {
			return err
		}
		if voted && !lp.Multiple {
			return errAlreadyVoted
		}
		vote := &db.PollVote{PollID: lp.ID, AccountID: ic.actor.ID, Choice: int64(choice), URI: obj.ID}
		if err := tx.InsertPollVotes(ctx, []*db.PollVote{vote}); errors.Is(err, db.ErrConflict) {
			return errAlreadyVoted
		} else if err != nil {
			return err
		}
		tally(lp, []int{choice}, !voted)
		if err := tx.SavePollTallies(ctx, lp); err != nil {
			return err
		}
		if lp.HideTotals {
			return nil
		}
		return tx.MarkPollResultsDue(ctx, lp.ID, time.Now().Add(pollResultsDelay))
	})
}

// pollJobs sends due poll results and handles ended polls, every second,
// until ctx is done.
func (e *Engine) pollJobs(ctx context.Context) {
	tick := time.NewTicker(pollJobInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := e.RunPollJobs(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("poll jobs", "err", err)
		}
	}
}

// RunPollJobs does once what the background job does every second: send
// the results of local polls that got votes (an Update of the Question to
// the author's followers, the accounts it mentions, those who boosted or
// replied to it, and the remote voters), and handle polls that ended:
// notify their local voters and local author, once, and send the final
// Update of a local poll. Several processes may run it at once: each poll
// is claimed in the transaction that acts on it.
func (e *Engine) RunPollJobs(ctx context.Context) error {
	return errors.Join(e.sendPollResults(ctx), e.closeEndedPolls(ctx))
}

func (e *Engine) sendPollResults(ctx context.Context) error {
	polls, err := e.db.PollsWithResultsDue(ctx, pollJobBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range polls {
		s, err := e.db.StatusByIDAny(ctx, *p.StatusID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = e.db.InTx(ctx, func(tx *db.Tx) error {
			claimed, err := tx.ClaimPollResults(ctx, p.ID)
			if err != nil || !claimed {
				return err
			}
			if !s.Local {
				return nil
			}
			// Rendered after the claim, so every vote committed before it
			// is counted; a later vote marks the poll due again.
			return e.recordPollUpdate(ctx, tx, s)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// recordPollUpdate sends the Question of a local status as it now stands.
func (e *Engine) recordPollUpdate(ctx context.Context, tx *db.Tx, s *db.Status) error {
	author := s.Account
	doc, err := e.NoteDocument(ctx, s, author)
	if err != nil {
		return err
	}
	mentioned, err := e.db.StatusMentions(ctx, s.ID)
	if err != nil {
		return err
	}
	inboxes, err := e.statusInboxes(ctx, author, s.Visibility, mentioned)
	if err != nil {
		return err
	}
	voters, err := e.db.RemoteVoterInboxes(ctx, *s.PollID)
	if err != nil {
		return err
	}
	inboxes = append(inboxes, voters...)
	if s.Visibility != db.Direct {
		interacted, err := e.db.InteractedInboxes(ctx, s.ID)
		if err != nil {
			return err
		}
		inboxes = append(inboxes, interacted...)
	}
	actID := e.db.NewID()
	update := vocab.NewUpdate(e.activityURI(author, actID), author.URI, doc)
	return e.record(ctx, tx, author, actID, update, &s.ID, inboxes)
}

func (e *Engine) closeEndedPolls(ctx context.Context) error {
	polls, err := e.db.EndedPolls(ctx, pollJobBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range polls {
		s, err := e.db.StatusByIDAny(ctx, *p.StatusID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recipients, err := e.db.LocalVoters(ctx, p.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if s.Local {
			recipients = append(recipients, s.AccountID)
		}
		err = e.db.InTx(ctx, func(tx *db.Tx) error {
			closed, err := tx.ClosePoll(ctx, p.ID)
			if err != nil || !closed {
				return err
			}
			for _, id := range recipients {
				if err := e.notify(ctx, tx, &db.Notification{AccountID: id, Type: db.NotifyPoll, FromAccountID: s.AccountID, StatusID: &s.ID}); err != nil {
					return err
				}
			}
			if !s.Local {
				return nil
			}
			return e.recordPollUpdate(ctx, tx, s) // with closed: the final results
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
