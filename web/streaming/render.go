package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// rendering renders one status event for many viewers: the entity once as
// anonymous, then per viewer only what differs (favourited, reblogged,
// bookmarked, muted, the poll's own votes, filtered), from a fixed number of
// batch queries. Viewers with the same personal part share one payload.
type rendering struct {
	h      *Hub
	p      *entity.Presenter
	s      *db.Status
	orig   *db.Status     // boosted status, or nil
	base   *entity.Status // anonymous rendering; nil if anonymous may not see the boosted status
	inter  map[int64]*db.Interactions
	fsets  map[int64]*entity.FilterSet
	votes  map[int64][]int // viewer → own choices in the poll
	pollID int64

	variants map[string]int // personal key → index in payloads
	payloads []string
	mine     map[string]string // viewer+scope → payload (authors, unique variants)
}

func (h *Hub) newRendering(ctx context.Context, p *entity.Presenter, s, orig *db.Status, created bool, viewers []int64) (*rendering, error) {
	r := &rendering{h: h, p: p, s: s, orig: orig, variants: map[string]int{}, mine: map[string]string{}}
	list, err := p.Statuses(ctx, 0, []*db.Status{s})
	if err != nil {
		return nil, err
	}
	if len(list) == 1 {
		r.base = &list[0]
	}
	// Nobody has favourited, boosted, bookmarked or pinned a status that
	// is new (a boost's original, though, may have been), nor muted the
	// thread a new status starts.
	var ids, threads []int64
	if !created || orig != nil {
		ids = append(ids, s.ID)
	}
	if !created || s.InReplyToID != nil || orig != nil {
		threads = append(threads, s.ThreadID)
	}
	withPoll := s
	if orig != nil {
		ids, threads, withPoll = append(ids, orig.ID), append(threads, orig.ThreadID), orig
	}
	if r.inter, err = h.db.InteractionsOfViewers(ctx, viewers, ids, threads); err != nil {
		return nil, err
	}
	r.fsets = h.filtersFor(ctx, p, viewers)
	if withPoll.PollID != nil {
		r.pollID = *withPoll.PollID
		if r.votes, err = h.db.PollChoicesOfViewers(ctx, r.pollID, viewers); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// authorOf reports whether viewer wrote the status or the boosted one: the
// entity then differs in more ways (pinned, poll totals, no filters), so it
// is rendered for that viewer in full.
func (r *rendering) authorOf(viewer int64) bool {
	return r.s.AccountID == viewer || r.orig != nil && r.orig.AccountID == viewer
}

// status returns the status payload for a viewer in a filter context, and
// false when a filter hides it from the viewer.
func (r *rendering) status(ctx context.Context, viewer int64, scope string) (variant int, payload string, ok bool, err error) {
	if r.base == nil || r.authorOf(viewer) {
		key := db.FormatID(viewer) + "\x00" + scope
		if p, done := r.mine[key]; done {
			return -1, p, p != "", nil
		}
		list, err := r.p.StatusesIn(ctx, viewer, []*db.Status{r.s}, scope)
		if err != nil {
			return 0, "", false, err
		}
		if len(list) == 1 {
			r.mine[key] = marshal(list[0])
		} else {
			r.mine[key] = ""
		}
		return -1, r.mine[key], r.mine[key] != "", nil
	}
	fs, loaded := r.fsets[viewer]
	if !loaded {
		return 0, "", false, nil // unfiltered is not an option: this viewer misses the event
	}
	st, key, hidden := personalize(*r.base, r.s, r.orig, viewer, r.inter[viewer], r.votes, r.pollID, fs, scope)
	if hidden {
		return 0, "", false, nil
	}
	if key == "" { // matched filters: its own payload
		return -1, marshal(st), true, nil
	}
	if i, ok := r.variants[key]; ok {
		return i, r.payloads[i], true, nil
	}
	r.payloads = append(r.payloads, marshal(st))
	r.variants[key] = len(r.payloads) - 1
	return len(r.payloads) - 1, r.payloads[len(r.payloads)-1], true, nil
}

// personalize applies a viewer's part to the anonymous rendering of s (orig:
// the boosted status), as the REST presenter sets it for a logged-in
// viewer who is not the author. key describes that part ("" when filters
// matched, so the result is the viewer's own); hidden: a "hide" filter
// removes the status.
func personalize(base entity.Status, s, orig *db.Status, viewer int64, in *db.Interactions, votes map[int64][]int, pollID int64,
	fs *entity.FilterSet, scope string) (out entity.Status, key string, hidden bool) {
	out = base
	var k strings.Builder
	unique := false
	if base.Reblog != nil && orig != nil {
		inner, ik, hide := personalize(*base.Reblog, orig, nil, viewer, in, votes, pollID, fs, scope)
		if hide {
			return out, "", true
		}
		out.Reblog = &inner
		unique = ik == ""
		k.WriteString(ik)
		k.WriteByte('|')
	}
	if base.Poll != nil && s.PollID != nil && *s.PollID == pollID {
		pl := *base.Poll
		own := votes[viewer]
		voted := len(own) > 0
		pl.Voted = &voted
		if own == nil {
			own = []int{}
		}
		pl.OwnVotes = own
		out.Poll = &pl
		fmt.Fprint(&k, own)
	}
	if in == nil {
		in = &db.Interactions{}
	}
	fav, reb, bm, muted := in.Favourited[s.ID], in.Reblogged[s.ID], in.Bookmarked[s.ID], in.MutedThreads[s.ThreadID]
	out.Favourited, out.Reblogged, out.Bookmarked, out.Muted = &fav, &reb, &bm, &muted
	fmt.Fprint(&k, fav, reb, bm, muted)
	out.Filtered = []entity.FilterResult{}
	if s.AccountID != viewer {
		results, hide := fs.Match(s, scope)
		if hide {
			return out, "", true
		}
		if len(results) > 0 {
			out.Filtered = results
			unique = true
		}
	}
	if unique {
		return out, "", false
	}
	return out, k.String(), false
}

// conversation returns the conversation payload of a direct status for one
// of its participants: the conversation row of the thread when there is
// one, the other participants, and the status rendered for the viewer.
func (r *rendering) conversation(ctx context.Context, viewer int64) (string, bool, error) {
	_, payload, ok, err := r.status(ctx, viewer, "thread")
	if err != nil || !ok {
		return "", false, err
	}
	var last entity.Status
	if err := json.Unmarshal([]byte(payload), &last); err != nil {
		return "", false, err
	}
	out := entity.Conversation{ID: db.FormatID(r.s.ThreadID), Unread: viewer != r.s.AccountID, Accounts: []entity.Account{}, LastStatus: &last}
	var others []int64
	c, err := r.h.db.ConversationOf(ctx, viewer, r.s.ThreadID)
	switch {
	case err == nil:
		out.ID, out.Unread, others = db.FormatID(c.ID), c.Unread, c.ParticipantIDs
	case errors.Is(err, db.ErrNotFound):
		if r.s.AccountID != viewer {
			others = append(others, r.s.AccountID)
		}
		for _, m := range last.Mentions {
			if id, ok := db.ParseID(m.ID); ok && id != viewer {
				others = append(others, id)
			}
		}
	default:
		return "", false, err
	}
	if len(others) == 0 {
		others = []int64{viewer} // a note to oneself
	}
	accounts, err := r.h.db.AccountsByIDs(ctx, others)
	if err != nil {
		return "", false, err
	}
	var list []*db.Account
	for _, id := range others {
		if a := accounts[id]; a != nil && !a.Suspended() {
			list = append(list, a)
		}
	}
	out.Accounts = append(out.Accounts, r.p.Accounts(ctx, list)...)
	return marshal(out), true, nil
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
