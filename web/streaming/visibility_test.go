package streaming_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/entity"
)

// subscribe opens one WebSocket of u with several streams.
func subscribe(t testing.TB, in *kontortest.Instance, u *kontortest.User, streams ...map[string]string) *client {
	t.Helper()
	c := dialWS(t, in.URL, "", bearer(u))
	for _, st := range streams {
		m := map[string]string{"type": "subscribe"}
		for k, v := range st {
			m[k] = v
		}
		c.send(m)
	}
	c.sync()
	return c
}

func st(name string, kv ...string) map[string]string {
	m := map[string]string{"stream": name}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// anyOf matches events about any of the statuses.
func anyOf(list ...*db.Status) func(event) bool {
	return func(e event) bool {
		for _, s := range list {
			if aboutStatus(s.ID)(e) {
				return true
			}
		}
		return false
	}
}

// Who gets what, on which stream: followers-only reaches followers' user
// streams only, direct only the mentioned (as a conversation), unlisted
// never a public stream; nothing reaches a stranger.
func TestVisibilityAcrossStreams(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	fol := in.CreateUser("fol")
	stranger := in.CreateUser("stranger")
	carol := in.CreateUser("carol")
	follow(t, in, fol, alice)
	everything := []map[string]string{st("user"), st("public"), st("public:local"), st("public:media"), st("hashtag", "tag", "x"),
		st("hashtag:local", "tag", "x"), st("direct"), st("user:notification")}
	cFol := subscribe(t, in, fol, everything...)
	cStranger := subscribe(t, in, stranger, everything...)
	cCarol := subscribe(t, in, carol, everything...)
	sseFol := dialSSE(t, in.URL, "/public", bearer(fol))
	waitConnections(t, in, 4)

	private := post(t, in, alice, "for followers #x", db.Private)
	e := cFol.next()
	if !isStatus("update", private.ID)(e) || !slices.Equal(e.Stream, []string{"user"}) {
		t.Fatalf("follower: %s on %v", e.Event, e.Stream)
	}
	if vis := e.status(t)["visibility"]; vis != "private" {
		t.Fatalf("visibility %v", vis)
	}
	unlisted := post(t, in, alice, "quietly #x", db.Unlisted)
	e = cFol.next()
	if !isStatus("update", unlisted.ID)(e) || !slices.Equal(e.Stream, []string{"user"}) {
		t.Fatalf("follower, unlisted: %s on %v", e.Event, e.Stream)
	}
	direct := post(t, in, alice, "@carol between us #x", db.Direct)
	// carol does not follow alice: it is not on her home, but it is a
	// conversation and a mention.
	got := map[string]bool{}
	for range 3 {
		e := cCarol.next()
		if !aboutStatus(direct.ID)(e) {
			t.Fatalf("carol: %s %v", e.Event, e.Stream)
		}
		got[e.Event+" "+e.Stream[0]] = true
	}
	if !got["conversation direct"] || !got["notification user"] || !got["notification user:notification"] {
		t.Fatalf("carol got %v", got)
	}

	secret := anyOf(private, unlisted, direct)
	marker(t, in, alice, secret, cFol, cStranger, sseFol)
	marker(t, in, alice, secret, cCarol)
}

// Mutes (boosts of the muted included) and blocks either way keep an
// author's statuses off every stream.
func TestMutesAndBlocks(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	alice := in.CreateUser("alice")
	muter := in.CreateUser("muter")
	blocker := in.CreateUser("blocker")
	blocked := in.CreateUser("blocked")
	dave := in.CreateUser("dave")
	follow(t, in, muter, alice)
	follow(t, in, muter, dave)
	follow(t, in, blocker, alice)
	follow(t, in, blocked, alice)
	if err := in.DB.MuteAccount(ctx, &db.Mute{AccountID: muter.Account.ID, TargetAccountID: alice.Account.ID, HideNotifications: true}); err != nil {
		t.Fatal(err)
	}
	if err := in.Engine().Block(ctx, blocker.Account, alice.Account); err != nil {
		t.Fatal(err)
	}
	if err := in.Engine().Block(ctx, alice.Account, blocked.Account); err != nil {
		t.Fatal(err)
	}
	streams := []map[string]string{st("user"), st("public"), st("public:local"), st("hashtag", "tag", "x"), st("user:notification")}
	cMuter := subscribe(t, in, muter, streams...)
	cBlocker := subscribe(t, in, blocker, streams...)
	cBlocked := subscribe(t, in, blocked, streams...)

	s := post(t, in, alice, "@muter @blocker @blocked hello #x", db.Public)
	boost, err := in.Engine().Reblog(ctx, dave.Account, s.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	bad := anyOf(s, boost)
	marker(t, in, dave, bad, cMuter, cBlocker, cBlocked)
}

// The user stream is the home timeline: own posts, boosts unless turned
// off, replies only to people one follows, followed hashtags.
func TestUserStreamIsHome(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	carol := in.CreateUser("carol")
	dave := in.CreateUser("dave")
	tagger := in.CreateUser("tagger")
	follow(t, in, bob, alice)
	if _, err := in.Engine().Follow(ctx, carol.Account, alice.Account, activitypub.FollowOptions{ShowReblogs: false}); err != nil {
		t.Fatal(err)
	}
	newFixtures(t, in).followTag(tagger, "golang")
	cAlice := subscribe(t, in, alice, st("user"))
	cBob := subscribe(t, in, bob, st("user"))
	cCarol := subscribe(t, in, carol, st("user"))
	cTagger := subscribe(t, in, tagger, st("user"))

	own := post(t, in, alice, "mine", db.Public)
	cAlice.until(isStatus("update", own.ID), nil)
	cBob.until(isStatus("update", own.ID), nil)
	cCarol.until(isStatus("update", own.ID), nil)

	daves := post(t, in, dave, "by dave", db.Public)
	boost, err := in.Engine().Reblog(ctx, alice.Account, daves.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	e := cBob.next()
	if !isStatus("update", boost.ID)(e) {
		t.Fatalf("bob: want the boost, got %s %s", e.Event, deref(e.Payload))
	}
	if r, _ := e.status(t)["reblog"].(map[string]any); r == nil || r["id"] != db.FormatID(daves.ID) {
		t.Fatalf("boost without its status: %s", *e.Payload)
	}
	reply := in.Post(alice, activitypub.PostParams{Text: "@dave indeed", InReplyToID: &daves.ID})
	replyToBob := in.Post(alice, activitypub.PostParams{Text: "@bob indeed", InReplyToID: &own.ID})
	cBob.until(isStatus("update", replyToBob.ID), anyOf(reply))

	tagged := post(t, in, dave, "about #golang", db.Public)
	cTagger.until(isStatus("update", tagged.ID), nil)
	unlistedTag := post(t, in, dave, "quiet #golang", db.Unlisted)

	marker(t, in, alice, anyOf(boost, reply, daves), cCarol)
	m := post(t, in, dave, "marker #golang", db.Public)
	cTagger.until(isStatus("update", m.ID), anyOf(unlistedTag))
	// Boosting one's own post is no news to one's own home.
	selfBoost, err := in.Engine().Reblog(ctx, alice.Account, own.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	marker(t, in, alice, anyOf(selfBoost), cAlice)

	// A boost anonymous may not see (of a followers-only post, by its
	// author) is rendered for each viewer instead.
	private := post(t, in, alice, "followers only", db.Private)
	cBob.until(isStatus("update", private.ID), nil)
	privateBoost, err := in.Engine().Reblog(ctx, alice.Account, private.ID, db.Private)
	if err != nil {
		t.Fatal(err)
	}
	e = cBob.until(isStatus("update", privateBoost.ID), nil)
	if r, _ := e.status(t)["reblog"].(map[string]any); r == nil || r["id"] != db.FormatID(private.ID) || r["favourited"] != false {
		t.Fatalf("private boost: %s", *e.Payload)
	}
}

// A list stream shows its members' statuses, replies as its policy says,
// to its owner only.
func TestListStream(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	carol := in.CreateUser("carol")
	dave := in.CreateUser("dave")
	follow(t, in, bob, alice)
	f := newFixtures(t, in)
	none := f.list(bob, "none", alice, carol)
	members := f.list(bob, "list", alice, carol)
	c := subscribe(t, in, bob, st("list", "list", db.FormatID(none)), st("list", "list", db.FormatID(members)))

	s := post(t, in, alice, "to my lists", db.Public)
	seen := map[string]bool{}
	for range 2 {
		e := c.next()
		if !isStatus("update", s.ID)(e) || e.Stream[0] != "list" {
			t.Fatalf("got %s %v", e.Event, e.Stream)
		}
		seen[e.Stream[1]] = true
	}
	if !seen[db.FormatID(none)] || !seen[db.FormatID(members)] {
		t.Fatalf("streams %v", seen)
	}
	daves := post(t, in, dave, "not a member", db.Public)
	carols := post(t, in, carol, "a member", db.Public)
	c.until(isStatus("update", carols.ID), anyOf(daves))
	c.until(isStatus("update", carols.ID), anyOf(daves))
	toCarol := in.Post(alice, activitypub.PostParams{Text: "@carol yes", InReplyToID: &carols.ID})
	e := c.next()
	if !isStatus("update", toCarol.ID)(e) || e.Stream[1] != db.FormatID(members) {
		t.Fatalf("reply to a member: %s on %v (policy none must not show it)", e.Event, e.Stream)
	}
	toDave := in.Post(alice, activitypub.PostParams{Text: "@dave no", InReplyToID: &daves.ID})
	marker(t, in, carol, anyOf(toDave, daves), c)
}

// Filters apply as on the REST timelines: "hide" keeps a status off the
// stream of its context, "warn" marks it filtered; a filters_changed
// (sent when filters change) reloads them.
func TestFilters(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	follow(t, in, bob, alice)
	f := newFixtures(t, in)
	f.filter(bob, "hide", "spoiler", "home")
	warn := f.filter(bob, "warn", "cats", "home", "public")
	c := subscribe(t, in, bob, st("user"), st("public"))

	hidden := post(t, in, alice, "a big spoiler", db.Public)
	e := c.next()
	if !isStatus("update", hidden.ID)(e) || e.Stream[0] != "public" {
		t.Fatalf("hide filter of home: want it on public only, got %s on %v", e.Event, e.Stream)
	}
	cats := post(t, in, alice, "cats!", db.Public)
	for range 2 {
		e := c.next()
		if !isStatus("update", cats.ID)(e) {
			t.Fatalf("got %s", e.Event)
		}
		var st struct {
			Filtered []struct {
				Filter         struct{ ID string }
				KeywordMatches []string `json:"keyword_matches"`
			}
		}
		json.Unmarshal([]byte(*e.Payload), &st)
		if len(st.Filtered) != 1 || st.Filtered[0].Filter.ID != db.FormatID(warn) || !slices.Equal(st.Filtered[0].KeywordMatches, []string{"cats"}) {
			t.Fatalf("%v: filtered %s", e.Stream, *e.Payload)
		}
	}
	marker(t, in, alice, anyOf(hidden), c)
	marker(t, in, alice, anyOf(hidden), c) // the public copy came before the marker

	f.filter(bob, "hide", "dogs", "home", "public")
	in.Server.Streaming.FiltersChanged(bob.Account.ID)
	e = c.until(func(e event) bool { return e.Event == "filters_changed" }, nil)
	if e.Event != "filters_changed" || e.Payload != nil || !slices.Equal(e.Stream, []string{"user"}) {
		t.Fatalf("want filters_changed without payload, got %s %v %s", e.Event, e.Stream, deref(e.Payload))
	}
	dogs := post(t, in, alice, "dogs!", db.Public)
	marker(t, in, alice, anyOf(dogs), c)
	marker(t, in, alice, anyOf(dogs), c)
}

// Per-viewer fields equal what the REST API renders for that viewer:
// favourited, bookmarked, muted (thread), pinned (author), the poll's own
// votes and hidden totals, on an edit and on a boost.
func TestPersonalizedAsREST(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	carol := in.CreateUser("carol")
	dave := in.CreateUser("dave")
	for _, u := range []*kontortest.User{bob, carol} {
		follow(t, in, u, alice)
		follow(t, in, u, dave)
	}
	f := newFixtures(t, in)
	f.filter(carol, "warn", "poll", "home")
	s := in.Post(alice, activitypub.PostParams{Text: "a poll", Poll: &activitypub.PollParams{Options: []string{"a", "b"}, ExpiresIn: time.Hour, HideTotals: true}})
	if _, err := in.Engine().Favourite(ctx, bob.Account, s.ID); err != nil {
		t.Fatal(err)
	}
	f.bookmark(bob, s)
	f.muteThread(bob, s)
	f.pin(alice, s)
	f.exec("INSERT INTO poll_votes (id, poll_id, account_id, choice, uri, created_at) VALUES (?, ?, ?, 1, '', ?)", in.DB.NewID(), *s.PollID, bob.Account.ID, time.Now().UTC())
	f.exec("UPDATE polls SET votes_count = 1, voters_count = 1 WHERE id = ?", *s.PollID)

	viewers := map[*kontortest.User]*client{alice: nil, bob: nil, carol: nil}
	for u := range viewers {
		viewers[u] = subscribe(t, in, u, st("user"))
	}
	rest := entity.New(entity.Deps{DB: in.DB, MediaURL: in.Engine().MediaURL, MediaPreviewURL: in.Engine().MediaPreviewURL,
		TagURL: in.Engine().URLs().Tag, BaseURL: in.Config.BaseURL(), Logger: kontortest.Logger(t)})
	check := func(u *kontortest.User, e event, id int64) {
		t.Helper()
		target, err := in.DB.StatusByIDAny(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		list, err := rest.StatusesIn(ctx, u.Account.ID, []*db.Status{target}, "home")
		if err != nil || len(list) != 1 {
			t.Fatalf("REST rendering for %s: %v", u.Handle, err)
		}
		b, _ := json.Marshal(list[0])
		var want, got map[string]any
		json.Unmarshal(b, &want)
		json.Unmarshal([]byte(*e.Payload), &got)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%s: streamed\n%s\nREST\n%s", u.Handle, *e.Payload, b)
		}
	}

	if _, err := in.Engine().EditStatus(ctx, alice.Account, s.ID, activitypub.PostParams{Text: "a poll, edited"}); err != nil {
		t.Fatal(err)
	}
	for u, c := range viewers {
		e := c.until(isStatus("status.update", s.ID), nil)
		check(u, e, s.ID)
	}
	boost, err := in.Engine().Reblog(ctx, dave.Account, s.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*kontortest.User{bob, carol} {
		e := viewers[u].until(isStatus("update", boost.ID), nil)
		check(u, e, boost.ID)
	}
}

// Notifications reach the user and user:notification streams unless the
// notifications API would leave them out.
func TestNotificationsStream(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	muter := in.CreateUser("muter")
	if err := in.DB.MuteAccount(ctx, &db.Mute{AccountID: muter.Account.ID, TargetAccountID: alice.Account.ID, HideNotifications: true}); err != nil {
		t.Fatal(err)
	}
	cBob := subscribe(t, in, bob, st("user:notification"))
	sseBob := dialSSE(t, in.URL, "/user/notification", bearer(bob))
	cMuter := subscribe(t, in, muter, st("user:notification"))
	cAlice := subscribe(t, in, alice, st("user:notification"))
	waitConnections(t, in, 4)

	follow(t, in, bob, alice)
	e := cAlice.next()
	var n entity.Notification
	json.Unmarshal([]byte(*e.Payload), &n)
	if e.Event != "notification" || n.Type != "follow" || n.Account.Username != "bob" || !strings.HasPrefix(n.GroupKey, "follow-") || n.Status != nil {
		t.Fatalf("follow notification: %s %s", e.Event, deref(e.Payload))
	}
	s := post(t, in, alice, "@bob @muter hi", db.Public)
	for _, c := range []*client{cBob, sseBob} {
		e := c.next()
		json.Unmarshal([]byte(*e.Payload), &n)
		if e.Event != "notification" || n.Type != "mention" || n.Status == nil || n.Status.ID != db.FormatID(s.ID) {
			t.Fatalf("mention: %s %s", e.Event, deref(e.Payload))
		}
	}
	if _, err := in.Engine().Favourite(ctx, bob.Account, s.ID); err != nil {
		t.Fatal(err)
	}
	e = cAlice.next()
	json.Unmarshal([]byte(*e.Payload), &n)
	if n.Type != "favourite" || n.Account.Username != "bob" {
		t.Fatalf("favourite: %s", deref(e.Payload))
	}
	cMuter.none()
}

// Deletes go to whoever could have seen the status; for private and
// direct statuses whose audience the event names, to that audience only.
func TestDeleteAudience(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	fol := in.CreateUser("fol")
	carol := in.CreateUser("carol")
	stranger := in.CreateUser("stranger")
	follow(t, in, fol, alice)
	streams := []map[string]string{st("user"), st("public"), st("direct")}
	clients := map[*kontortest.User]*client{}
	for _, u := range []*kontortest.User{fol, carol, stranger} {
		clients[u] = subscribe(t, in, u, streams...)
	}
	hub := in.Server.Streaming
	deleted := func(u *kontortest.User, id int64, streams ...string) {
		t.Helper()
		for _, name := range streams {
			e := clients[u].next()
			if e.Event != "delete" || e.Payload == nil || *e.Payload != db.FormatID(id) || e.Stream[0] != name {
				t.Fatalf("%s: want delete %d on %s, got %s %v %s", u.Handle, id, name, e.Event, e.Stream, deref(e.Payload))
			}
		}
	}
	id := in.DB.NewID()
	hub.StatusDeleted(&db.Status{ID: id, AccountID: alice.Account.ID, Visibility: db.Private, MentionedAccountIDs: []int64{carol.Account.ID}})
	deleted(fol, id, "user")
	deleted(carol, id, "user")
	id = in.DB.NewID()
	hub.StatusDeleted(&db.Status{ID: id, AccountID: alice.Account.ID, Visibility: db.Direct, MentionedAccountIDs: []int64{carol.Account.ID}})
	deleted(carol, id, "user", "direct")
	id = in.DB.NewID()
	hub.StatusDeleted(&db.Status{ID: id, AccountID: alice.Account.ID, Visibility: db.Public, Local: true})
	for _, u := range []*kontortest.User{fol, carol, stranger} {
		deleted(u, id, "user", "public")
	}
	clients[fol].none()
}

// The public stream variants: local or remote only, with media only
// (only_media=true on the SSE endpoints).
func TestPublicVariants(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	f := newFixtures(t, in)
	c := subscribe(t, in, bob, st("public"), st("public:media"), st("public:local"), st("public:local:media"), st("public:remote"), st("public:remote:media"))
	sseMedia := dialSSE(t, in.URL, "/public/local?only_media=true", bearer(bob))
	waitConnections(t, in, 2)

	mediaID := in.DB.NewID()
	f.exec("INSERT INTO media_attachments (id, account_id, kind, content_type, file_key, created_at, updated_at) VALUES (?, ?, 'image', 'image/png', 'x.png', ?, ?)",
		mediaID, alice.Account.ID, time.Now().UTC(), time.Now().UTC())
	withMedia := in.Post(alice, activitypub.PostParams{Text: "look", MediaIDs: []int64{mediaID}})
	got := map[string]bool{}
	for range 4 {
		e := c.next()
		if !isStatus("update", withMedia.ID)(e) {
			t.Fatalf("got %s", e.Event)
		}
		got[e.Stream[0]] = true
	}
	if !got["public"] || !got["public:media"] || !got["public:local"] || !got["public:local:media"] {
		t.Fatalf("streams %v", got)
	}
	if e := sseMedia.next(); !isStatus("update", withMedia.ID)(e) {
		t.Fatalf("SSE only_media: %s", e.Event)
	}
	plain := post(t, in, alice, "no media", db.Public)
	for range 2 {
		e := c.next()
		if !isStatus("update", plain.ID)(e) || e.Stream[0] != "public" && e.Stream[0] != "public:local" {
			t.Fatalf("without media: %s on %v", e.Event, e.Stream)
		}
	}
	in.Server.Streaming.Flush()
	c.none()
	sseMedia.none()
}
