package streaming

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// dispatch handles one event on this node.
func (h *Hub) dispatch(ctx context.Context, e busEvent) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var err error
	switch e.Kind {
	case kindCreate:
		err = h.dispatchStatus(ctx, e, "update")
	case kindUpdate:
		err = h.dispatchStatus(ctx, e, "status.update")
	case kindDelete:
		err = h.dispatchDelete(ctx, e)
	case kindNotify:
		err = h.dispatchNotification(ctx, e)
	case kindFilters:
		h.forgetFilters(e.AccountID)
		for _, c := range h.connsOf(e.AccountID) {
			for _, st := range c.subscriptions() {
				if st.name == streamUser {
					c.send(c.frame(message{stream: st.array(), event: "filters_changed"}))
				}
			}
		}
	case kindDisconnect:
		for _, c := range h.connsOf(e.AccountID) {
			c.close(errKicked)
		}
	case kindTokens: // another node revoked tokens
		h.recheckSoon()
	}
	if err != nil && ctx.Err() == nil {
		h.log.Warn("streaming: dispatch", "kind", e.Kind, "status_id", e.StatusID, "err", err)
	}
}

// delivery is one subscription an event goes to.
type delivery struct {
	c  *conn
	st stream
}

// dispatchStatus sends a new (update) or edited (status.update) status to
// the subscriptions whose REST timeline would show it: user = the home
// timeline, public* and hashtag* = public originals (local/remote/media,
// with the tag), list = statuses the list shows, direct = direct statuses
// the account is party to (as a conversation). Who may see it, and who
// mutes its author, is decided for every candidate in one query.
func (h *Hub) dispatchStatus(ctx context.Context, e busEvent, event string) error {
	p := h.presenter()
	if p == nil {
		return errNoPresenter
	}
	subs := h.snapshot()
	if len(subs) == 0 {
		return nil
	}
	s, orig, err := h.loadStatusEvent(ctx, e)
	if err != nil || s == nil {
		return err
	}
	m, err := h.matchStatus(ctx, s, subs)
	if err != nil || len(m.pending) == 0 {
		return err
	}
	out, viewers, err := h.reachable(ctx, s, m)
	if err != nil || len(out) == 0 {
		return err
	}
	r, err := h.newRendering(ctx, p, s, orig, e.Kind == kindCreate, viewers)
	if err != nil {
		return err
	}
	return r.send(ctx, out, event)
}

// loadStatusEvent loads the status of an event and the status it boosts;
// s is nil when either is gone meanwhile.
func (h *Hub) loadStatusEvent(ctx context.Context, e busEvent) (s, orig *db.Status, err error) {
	s, err = h.db.StatusByIDAny(ctx, e.StatusID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if s.ReblogOfID != nil {
		if orig, err = h.db.StatusByIDAny(ctx, *s.ReblogOfID); errors.Is(err, db.ErrNotFound) {
			return nil, nil, nil
		} else if err != nil {
			return nil, nil, err
		}
	}
	return s, orig, nil
}

// statusMatch is the subscriptions a status may go to (pending) and their
// accounts (candidates), before who may see it is decided.
type statusMatch struct {
	pending    []delivery
	candidates []int64
}

// matchStatus finds the subscriptions whose stream shows s if their
// account may see it.
func (h *Hub) matchStatus(ctx context.Context, s *db.Status, subs []subscriber) (*statusMatch, error) {
	publicOriginal := s.Visibility == db.Public && s.ReblogOfID == nil
	isDirect := s.Visibility == db.Direct && s.ReblogOfID == nil
	tags, listOwner, err := h.statusLookups(ctx, s, subs, publicOriginal)
	if err != nil {
		return nil, err
	}
	m := &statusMatch{}
	seen := map[int64]bool{}
	for _, sub := range subs {
		acct := sub.c.account.ID
		for _, st := range sub.streams {
			ok := false
			switch {
			case st.name == streamUser:
				ok = true
			case st.isPublic(), st.name == streamHashtag, st.name == streamHashtagLocal:
				ok = publicOriginal && st.shows(s.Local, s.HasMedia, tags)
			case st.name == streamList:
				owner, shows := listOwner[st.list]
				ok = shows && owner == acct
			case st.name == streamDirect:
				ok = isDirect
			}
			if !ok {
				continue
			}
			m.pending = append(m.pending, delivery{sub.c, st})
			if !seen[acct] {
				seen[acct] = true
				m.candidates = append(m.candidates, acct)
			}
		}
	}
	return m, nil
}

// statusLookups are the hashtags of s and the owners of the subscribed
// lists that show s, looked up only when someone subscribes to them.
func (h *Hub) statusLookups(ctx context.Context, s *db.Status, subs []subscriber, publicOriginal bool) (tags map[string]bool, listOwner map[int64]int64, err error) {
	var listIDs []int64
	needTags := false
	for _, sub := range subs {
		for _, st := range sub.streams {
			switch st.name {
			case streamHashtag, streamHashtagLocal:
				needTags = needTags || publicOriginal
			case streamList:
				listIDs = append(listIDs, st.list)
			}
		}
	}
	tags, listOwner = map[string]bool{}, map[int64]int64{}
	if needTags {
		byStatus, err := h.db.TagsForStatuses(ctx, []int64{s.ID})
		if err != nil {
			return nil, nil, err
		}
		for _, t := range byStatus[s.ID] {
			tags[t.Name] = true
		}
	}
	if len(listIDs) > 0 {
		targets, err := h.db.ListsShowing(ctx, s.ID, listIDs)
		if err != nil {
			return nil, nil, err
		}
		for _, t := range targets {
			listOwner[t.ListID] = t.OwnerID
		}
	}
	return tags, listOwner, nil
}

// reachable keeps the matched subscriptions whose account may see s (the
// user stream: only where s is on the home timeline), and their accounts.
func (h *Hub) reachable(ctx context.Context, s *db.Status, m *statusMatch) (out []delivery, viewers []int64, err error) {
	reach, err := h.db.StatusAudience(ctx, s.ID, m.candidates)
	if err != nil {
		return nil, nil, err
	}
	counted := map[int64]bool{}
	for _, d := range m.pending {
		acct := d.c.account.ID
		home, ok := reach[acct]
		if !ok || d.st.name == streamUser && !home {
			continue
		}
		out = append(out, d)
		if !counted[acct] {
			counted[acct] = true
			viewers = append(viewers, acct)
		}
	}
	return out, viewers, nil
}

// send renders the status for each delivery (a conversation on direct
// streams) and queues the frames; a filter may hide it from a viewer.
func (r *rendering) send(ctx context.Context, out []delivery, event string) error {
	frames := map[frameKey]*frame{}
	for _, d := range out {
		ev := event
		var payload string
		var variant int
		var ok bool
		var err error
		if d.st.name == streamDirect {
			ev = "conversation"
			payload, ok, err = r.conversation(ctx, d.c.account.ID)
			variant = -1
		} else {
			variant, payload, ok, err = r.status(ctx, d.c.account.ID, d.st.scope())
		}
		if err != nil {
			return err
		}
		if ok {
			d.c.send(memoFrame(frames, d.c, d.st, ev, payload, variant))
		}
	}
	return nil
}

// frameKey memoizes frames: subscriptions of one transport and stream that
// get the same payload variant share one frame.
type frameKey struct {
	sse     bool
	stream  string
	event   string
	variant int
}

func memoFrame(frames map[frameKey]*frame, c *conn, st stream, event, payload string, variant int) *frame {
	m := message{stream: st.array(), event: event, payload: payload, hasPayload: true}
	if variant < 0 {
		return c.frame(m)
	}
	k := frameKey{c.sse, strings.Join(m.stream, "\x00"), event, variant}
	if f, ok := frames[k]; ok {
		return f
	}
	f := c.frame(m)
	frames[k] = f
	return f
}

// dispatchDelete sends a delete (the bare id) to whoever could have seen
// the status. It is gone from the database, so the event carries what is
// needed: public and unlisted deletes go to every timeline subscriber;
// private and direct ones to their author, followers (private) and
// mentioned accounts when the event knows them, else to every subscriber
// of the user, list and direct streams — an unknown id is harmless.
func (h *Hub) dispatchDelete(ctx context.Context, e busEvent) error {
	subs := h.snapshot()
	if len(subs) == 0 {
		return nil
	}
	vis := db.Visibility(e.Visibility)
	publicOriginal := vis == db.Public && !e.Reblog
	var audience map[int64]bool // nil: everyone who subscribes
	if vis >= db.Private && e.Known {
		audience = map[int64]bool{e.AccountID: true}
		for _, id := range e.Mentions {
			audience[id] = true
		}
		if vis == db.Private {
			var cands []int64
			for _, sub := range subs {
				cands = append(cands, sub.c.account.ID)
			}
			followers, err := h.db.FollowersAmong(ctx, e.AccountID, cands)
			if err != nil {
				return err
			}
			for _, id := range followers {
				audience[id] = true
			}
		}
	}
	payload := db.FormatID(e.StatusID)
	frames := map[frameKey]*frame{}
	for _, sub := range subs {
		acct := sub.c.account.ID
		for _, st := range sub.streams {
			ok := false
			switch {
			case st.name == streamUser, st.name == streamList:
				ok = audience == nil || audience[acct]
			case st.name == streamDirect:
				ok = vis == db.Direct && (audience == nil || audience[acct])
			case st.isPublic():
				ok = publicOriginal && st.shows(e.Local, e.Media, nil)
			case st.name == streamHashtag, st.name == streamHashtagLocal:
				ok = publicOriginal && (st.name == streamHashtag || e.Local)
			}
			if ok {
				sub.c.send(memoFrame(frames, sub.c, st, "delete", payload, 0))
			}
		}
	}
	return nil
}

// dispatchNotification sends a notification to its recipient's user and
// user:notification streams, if the notifications API would list it (the
// same query) and no "hide" filter of the notifications context removes
// its status.
func (h *Hub) dispatchNotification(ctx context.Context, e busEvent) error {
	var targets []delivery
	for _, c := range h.connsOf(e.AccountID) {
		for _, st := range c.subscriptions() {
			if st.name == streamUser || st.name == streamNotification {
				targets = append(targets, delivery{c, st})
			}
		}
	}
	if len(targets) == 0 {
		return nil
	}
	p := h.presenter()
	if p == nil {
		return errNoPresenter
	}
	n, err := h.db.NotificationShown(ctx, e.AccountID, e.NotifyID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	payload, ok, err := renderNotification(ctx, p, n)
	if err != nil || !ok {
		return err
	}
	frames := map[frameKey]*frame{}
	for _, d := range targets {
		d.c.send(memoFrame(frames, d.c, d.st, "notification", payload, 0))
	}
	return nil
}

// renderNotification renders a notification as the notifications API
// does (false: the API would leave it out).
func renderNotification(ctx context.Context, p *entity.Presenter, n *db.Notification) (string, bool, error) {
	list, err := p.Notifications(ctx, n.AccountID, []*db.Notification{n})
	if err != nil || len(list) == 0 {
		return "", false, err
	}
	return marshal(list[0]), true, nil
}
