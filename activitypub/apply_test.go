package activitypub_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// The tests in this file and apply_social_test.go drive each activity
// family twice against the same target: once through the local entry (a
// local account, carol, acting through the engine as the API does) and
// once through the remote entry (a fake remote actor, rem, POSTing a signed
// activity to the inbox). Both must end in the same rows, the same
// notifications and the same streaming events.

// recorder is an activitypub.Events that keeps what it hears.
type recorder struct {
	mu   sync.Mutex
	list []heard
}

// heard is one event: its kind, the notification type, and the ids it
// names (the recipient, who acted, the status, the boosted status).
type heard struct {
	kind, typ                  string
	to, from, status, reblogOf int64
}

func (r *recorder) add(h heard) {
	r.mu.Lock()
	r.list = append(r.list, h)
	r.mu.Unlock()
}

func (r *recorder) StatusCreated(s *db.Status) {
	h := heard{kind: "status.created", from: s.AccountID, status: s.ID}
	if s.ReblogOfID != nil {
		h.reblogOf = *s.ReblogOfID
	}
	r.add(h)
}

func (r *recorder) StatusUpdated(s *db.Status) {
	r.add(heard{kind: "status.updated", from: s.AccountID, status: s.ID})
}

func (r *recorder) StatusDeleted(s *db.Status) {
	r.add(heard{kind: "status.deleted", from: s.AccountID, status: s.ID})
}

func (r *recorder) Notified(n *db.Notification) {
	h := heard{kind: "notified", typ: n.Type, to: n.AccountID, from: n.FromAccountID}
	if n.StatusID != nil {
		h.status = *n.StatusID
	}
	r.add(h)
}

// take returns what was heard since the last take, in order, each event
// written with the ids replaced by their names ("?" for an id not named,
// "-" for none).
func (r *recorder) take(names map[int64]string) []string {
	r.mu.Lock()
	list := r.list
	r.list = nil
	r.mu.Unlock()
	name := func(id int64) string {
		if id == 0 {
			return "-"
		}
		if n, ok := names[id]; ok {
			return n
		}
		return "?"
	}
	out := make([]string, 0, len(list))
	for _, h := range list {
		out = append(out, fmt.Sprintf("%s %s to=%s from=%s status=%s reblog_of=%s",
			h.kind, h.typ, name(h.to), name(h.from), name(h.status), name(h.reblogOf)))
	}
	return out
}

// world is one instance with local users alice (the target of every
// action), carol (the local actor) and dave, and rem, an actor on a fake
// remote server that the instance already knows.
type world struct {
	t                  *testing.T
	in                 *kontortest.Instance
	e                  *activitypub.Engine
	rec                *recorder
	fs                 *kontortest.FakeServer
	alice, carol, dave *kontortest.User
	rem                *kontortest.FakeActor
	remAcct            *db.Account
}

func newWorld(t *testing.T) *world {
	t.Helper()
	in := kontortest.Start(t, kontortest.Options{})
	w := &world{t: t, in: in, e: in.Engine(), rec: &recorder{}, fs: kontortest.NewFakeServer(t)}
	w.e.SetEvents(w.rec)
	w.alice, w.carol, w.dave = in.CreateUser("alice"), in.CreateUser("carol"), in.CreateUser("dave")
	w.rem = w.fs.Actor("rem")
	w.rem.Doc["featured"] = w.rem.ID + "/collections/featured"
	a, err := w.e.Resolver().Actor(ctx, w.rem.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	w.remAcct = a
	return w
}

// send POSTs a signed activity by rem to the shared inbox and waits until
// the instance has applied it (or dropped it).
func (w *world) send(body []byte) {
	w.t.Helper()
	if status, out := w.rem.SignedPost(w.in.URL+"/inbox", body); status != 202 {
		w.t.Fatalf("inbox: %d %s", status, out)
	}
	kontortest.Eventually(w.t, kontortest.Wait, "the inbox to settle", func() bool {
		n, err := w.in.DB.InboxBacklog(ctx)
		return err == nil && n == 0
	})
}

// names is the naming of ids for one side: the actor (carol or rem) is
// "actor", the other ids are given.
func (w *world) names(actor int64, more map[int64]string) map[int64]string {
	m := map[int64]string{actor: "actor", w.alice.Account.ID: "alice", w.dave.Account.ID: "dave"}
	for k, v := range more {
		m[k] = v
	}
	return m
}

// same checks that the local and the remote side heard the same events,
// and that they heard what the test expects (so that two empty lists do
// not pass for a working rule).
func same(t *testing.T, what string, local, remote, want []string) {
	t.Helper()
	for side, list := range map[string][]string{"local": local, "remote": remote} {
		// Clients expect a status before the notifications about it.
		if i := slices.IndexFunc(list, func(e string) bool { return strings.HasPrefix(e, "notified") }); i >= 0 &&
			slices.ContainsFunc(list[i:], func(e string) bool { return strings.HasPrefix(e, "status.") }) {
			t.Errorf("%s, %s: a status event after a notification: %q", what, side, list)
		}
	}
	local, remote = slices.Sorted(slices.Values(local)), slices.Sorted(slices.Values(remote))
	if !slices.Equal(local, remote) {
		t.Errorf("%s: local and remote events differ\nlocal:  %q\nremote: %q", what, local, remote)
	}
	slices.Sort(want)
	if !slices.Equal(local, want) {
		t.Errorf("%s: events %q, want %q", what, local, want)
	}
}

// notifiedBy returns alice's (or anyone's) notifications of a type, by sender.
func notifiedBy(t *testing.T, in *kontortest.Instance, to int64, typ string) map[int64]*db.Notification {
	t.Helper()
	list, err := in.DB.Notifications(ctx, to, db.NotificationFilter{Types: []string{typ}}, db.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]*db.Notification{}
	for _, n := range list {
		out[n.FromAccountID] = n
	}
	return out
}

// checkNotified checks that both actors notified `to` once with typ about
// status (0: none).
func (w *world) checkNotified(to int64, typ string, statusOf map[int64]int64) {
	w.t.Helper()
	got := notifiedBy(w.t, w.in, to, typ)
	for from, status := range statusOf {
		n := got[from]
		switch {
		case n == nil:
			w.t.Errorf("no %s notification from %d", typ, from)
		case status == 0 && n.StatusID != nil, status != 0 && (n.StatusID == nil || *n.StatusID != status):
			w.t.Errorf("%s notification from %d is about %v, want %d", typ, from, n.StatusID, status)
		}
	}
	if len(got) != len(statusOf) {
		w.t.Errorf("%d %s notifications, want %d", len(got), typ, len(statusOf))
	}
}

func (w *world) status(id int64) *db.Status {
	w.t.Helper()
	s, err := w.in.DB.StatusByIDAny(ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// remNote is a public Note by rem mentioning the given local accounts.
func (w *world) remNote(id, text string, mention ...*kontortest.User) map[string]any {
	var tags, cc []any
	cc = append(cc, w.rem.ID+"/followers")
	for _, u := range mention {
		tags = append(tags, map[string]any{"type": "Mention", "href": u.Account.URI, "name": "@" + u.Account.Username})
		cc = append(cc, u.Account.URI)
	}
	return w.rem.Note(id, text, map[string]any{"tag": tags, "cc": cc})
}

// Like: carol's favourite and rem's Like of alice's post.
func TestApplyLikeSameBothWays(t *testing.T) {
	w := newWorld(t)
	post := w.in.Post(w.alice, activitypub.PostParams{Text: "like me", Visibility: db.Public})
	w.rec.take(nil)

	if _, err := w.e.Favourite(ctx, w.carol.Account, post.ID); err != nil {
		t.Fatal(err)
	}
	local := w.rec.take(w.names(w.carol.Account.ID, map[int64]string{post.ID: "post"}))
	w.send(w.rem.Activity("Like", "likes/1", post.URI, nil))
	remote := w.rec.take(w.names(w.remAcct.ID, map[int64]string{post.ID: "post"}))
	same(t, "like", local, remote, []string{"notified favourite to=alice from=actor status=post reblog_of=-"})

	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		favs, _, err := w.in.DB.FavouritedStatuses(ctx, a, db.Page{Limit: 5})
		if err != nil || len(favs) != 1 || favs[0].ID != post.ID {
			t.Errorf("favourites of %d: %v %v", a, favs, err)
		}
	}
	w.checkNotified(w.alice.Account.ID, db.NotifyFavourite, map[int64]int64{w.carol.Account.ID: post.ID, w.remAcct.ID: post.ID})
	if s := w.status(post.ID); s.FavouritesCount != 2 {
		t.Errorf("favourites_count %d", s.FavouritesCount)
	}

	// Undo: both likes and both notifications go.
	if _, err := w.e.Unfavourite(ctx, w.carol.Account, post.ID); err != nil {
		t.Fatal(err)
	}
	w.send(w.rem.Activity("Undo", "likes/1/undo", w.rem.ID+"/likes/1", nil))
	if n := notifiedBy(t, w.in, w.alice.Account.ID, db.NotifyFavourite); len(n) != 0 {
		t.Errorf("notifications left after the undo: %v", n)
	}
	if s := w.status(post.ID); s.FavouritesCount != 0 {
		t.Errorf("favourites_count after the undo %d", s.FavouritesCount)
	}
}

// Announce: carol's boost and rem's Announce of alice's post, then undone.
func TestApplyAnnounceSameBothWays(t *testing.T) {
	w := newWorld(t)
	post := w.in.Post(w.alice, activitypub.PostParams{Text: "boost me", Visibility: db.Public})
	w.rec.take(nil)

	if _, err := w.e.Reblog(ctx, w.carol.Account, post.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	local := w.rec.take(w.names(w.carol.Account.ID, map[int64]string{post.ID: "post"}))
	w.send(w.rem.Activity("Announce", "announces/1", post.URI, map[string]any{
		"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{w.rem.ID + "/followers", w.alice.Account.URI},
		"published": time.Now().UTC().Format(time.RFC3339)}))
	remote := w.rec.take(w.names(w.remAcct.ID, map[int64]string{post.ID: "post"}))
	same(t, "announce", local, remote, []string{
		"notified reblog to=alice from=actor status=post reblog_of=-",
		"status.created  to=- from=actor status=? reblog_of=post",
	})
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		boost, err := w.in.DB.ReblogBy(ctx, a, post.ID)
		if err != nil || boost.Visibility != db.Public {
			t.Errorf("boost by %d: %+v %v", a, boost, err)
		}
	}
	w.checkNotified(w.alice.Account.ID, db.NotifyReblog, map[int64]int64{w.carol.Account.ID: post.ID, w.remAcct.ID: post.ID})
	if s := w.status(post.ID); s.ReblogsCount != 2 {
		t.Errorf("reblogs_count %d", s.ReblogsCount)
	}

	if _, err := w.e.Unreblog(ctx, w.carol.Account, post.ID); err != nil {
		t.Fatal(err)
	}
	local = w.rec.take(w.names(w.carol.Account.ID, map[int64]string{post.ID: "post"}))
	w.send(w.rem.Activity("Undo", "announces/1/undo", w.rem.ID+"/announces/1", nil))
	remote = w.rec.take(w.names(w.remAcct.ID, map[int64]string{post.ID: "post"}))
	same(t, "undo announce", local, remote, []string{"status.deleted  to=- from=actor status=? reblog_of=-"})
	// The notification of the boost goes with it, on both sides (a remote
	// Undo left it behind before).
	if n := notifiedBy(t, w.in, w.alice.Account.ID, db.NotifyReblog); len(n) != 0 {
		t.Errorf("reblog notifications left: %v", n)
	}
	if s := w.status(post.ID); s.ReblogsCount != 0 {
		t.Errorf("reblogs_count after the undo %d", s.ReblogsCount)
	}
}

// Create, Update and Delete: carol and rem each post mentioning alice,
// edit the post (adding a mention of dave) after alice boosted it, and
// delete it.
func TestApplyStatusSameBothWays(t *testing.T) {
	w := newWorld(t)
	remNoteURI := w.rem.ID + "/statuses/1"

	// Create.
	own, err := w.e.PublishStatus(ctx, w.carol.Account, activitypub.PostParams{Text: "@alice hello", Visibility: db.Public})
	if err != nil {
		t.Fatal(err)
	}
	local := w.rec.take(w.names(w.carol.Account.ID, map[int64]string{own.ID: "own"}))
	w.send(w.rem.Activity("Create", "statuses/1/activity", w.remNote("1", "<p>@alice hello</p>", w.alice), nil))
	remOwn := w.in.StatusByURI(remNoteURI)
	if remOwn == nil {
		t.Fatal("rem's post was not stored")
	}
	remote := w.rec.take(w.names(w.remAcct.ID, map[int64]string{remOwn.ID: "own"}))
	same(t, "create", local, remote, []string{
		"notified mention to=alice from=actor status=own reblog_of=-",
		"status.created  to=- from=actor status=own reblog_of=-",
	})
	w.checkNotified(w.alice.Account.ID, db.NotifyMention, map[int64]int64{w.carol.Account.ID: own.ID, w.remAcct.ID: remOwn.ID})
	for _, s := range []*db.Status{own, remOwn} {
		m, err := w.in.DB.StatusMentions(ctx, s.ID)
		if err != nil || len(m) != 1 || m[0].ID != w.alice.Account.ID {
			t.Errorf("mentions of %d: %v %v", s.ID, m, err)
		}
	}

	// Update, after alice boosted both posts: she hears of the edits, and
	// dave, newly mentioned, of the mention (on both sides now).
	for _, s := range []*db.Status{own, remOwn} {
		if _, err := w.e.Reblog(ctx, w.alice.Account, s.ID, db.Public); err != nil {
			t.Fatal(err)
		}
	}
	w.rec.take(nil)
	if _, err := w.e.EditStatus(ctx, w.carol.Account, own.ID, activitypub.PostParams{Text: "@alice hello again @dave"}); err != nil {
		t.Fatal(err)
	}
	local = w.rec.take(w.names(w.carol.Account.ID, map[int64]string{own.ID: "own"}))
	edited := w.remNote("1", "<p>@alice hello again @dave</p>", w.alice, w.dave)
	edited["updated"] = time.Now().UTC().Format(time.RFC3339)
	w.send(w.rem.Activity("Update", "statuses/1#updates/1", edited, nil))
	remote = w.rec.take(w.names(w.remAcct.ID, map[int64]string{remOwn.ID: "own"}))
	same(t, "update", local, remote, []string{
		"notified mention to=dave from=actor status=own reblog_of=-",
		"notified update to=alice from=actor status=own reblog_of=-",
		"status.updated  to=- from=actor status=own reblog_of=-",
	})
	w.checkNotified(w.alice.Account.ID, db.NotifyUpdate, map[int64]int64{w.carol.Account.ID: own.ID, w.remAcct.ID: remOwn.ID})
	w.checkNotified(w.dave.Account.ID, db.NotifyMention, map[int64]int64{w.carol.Account.ID: own.ID, w.remAcct.ID: remOwn.ID})
	for _, s := range []*db.Status{own, remOwn} {
		if got := w.status(s.ID); !strings.Contains(got.Content, "again") || got.EditedAt == nil {
			t.Errorf("status %d after the edit: %q %v", s.ID, got.Content, got.EditedAt)
		}
		if edits, err := w.in.DB.StatusEdits(ctx, s.ID); err != nil || len(edits) != 2 {
			t.Errorf("edits of %d: %d %v", s.ID, len(edits), err)
		}
	}

	// Delete.
	if _, err := w.e.DeleteStatus(ctx, w.carol.Account, own.ID); err != nil {
		t.Fatal(err)
	}
	local = w.rec.take(w.names(w.carol.Account.ID, map[int64]string{own.ID: "own"}))
	w.send(w.rem.Activity("Delete", "statuses/1#delete", map[string]any{"id": remNoteURI, "type": "Tombstone"}, nil))
	remote = w.rec.take(w.names(w.remAcct.ID, map[int64]string{remOwn.ID: "own"}))
	same(t, "delete", local, remote, []string{"status.deleted  to=- from=actor status=own reblog_of=-"})
	for _, s := range []*db.Status{own, remOwn} {
		if w.in.StatusByURI(s.URI) != nil {
			t.Errorf("%s is still there", s.URI)
		}
		if gone, err := w.in.DB.IsTombstoned(ctx, s.URI); err != nil || !gone {
			t.Errorf("no tombstone for %s: %v", s.URI, err)
		}
		if _, err := w.in.DB.ReblogBy(ctx, w.alice.Account.ID, s.ID); err == nil {
			t.Errorf("alice's boost of %s outlived it", s.URI)
		}
	}
}

// A new post tells the local followers who asked to hear of its author's
// posts, carol's and rem's alike; once they stop asking, nobody is told.
func TestApplyCreateNotifiesSubscribersBothWays(t *testing.T) {
	w := newWorld(t)
	subscribe := func(notify bool) {
		t.Helper()
		if _, err := w.e.Follow(ctx, w.dave.Account, w.carol.Account, activitypub.FollowOptions{Notify: notify}); err != nil {
			t.Fatal(err)
		}
		// rem's Accept is not part of this test: the follow is stored accepted.
		err := w.in.DB.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: w.dave.Account.ID, TargetAccountID: w.remAcct.ID, Accepted: true, Notify: notify})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		w.rec.take(nil)
	}
	post := func(n string) (local, remote []string, own, remOwn int64) {
		t.Helper()
		s, err := w.e.PublishStatus(ctx, w.carol.Account, activitypub.PostParams{Text: "news " + n, Visibility: db.Public})
		if err != nil {
			t.Fatal(err)
		}
		local = w.rec.take(w.names(w.carol.Account.ID, map[int64]string{s.ID: "own"}))
		w.send(w.rem.Activity("Create", "statuses/"+n+"/activity", w.remNote(n, "<p>news "+n+"</p>"), nil))
		r := w.in.StatusByURI(w.rem.ID + "/statuses/" + n)
		if r == nil {
			t.Fatalf("rem's post %s was not stored", n)
		}
		remote = w.rec.take(w.names(w.remAcct.ID, map[int64]string{r.ID: "own"}))
		return local, remote, s.ID, r.ID
	}

	subscribe(true)
	local, remote, own, remOwn := post("1")
	same(t, "subscribed", local, remote, []string{
		"notified status to=dave from=actor status=own reblog_of=-",
		"status.created  to=- from=actor status=own reblog_of=-",
	})
	w.checkNotified(w.dave.Account.ID, db.NotifyStatus, map[int64]int64{w.carol.Account.ID: own, w.remAcct.ID: remOwn})

	subscribe(false)
	local, remote, _, _ = post("2")
	same(t, "unsubscribed", local, remote, []string{
		"status.created  to=- from=actor status=own reblog_of=-",
	})
}
