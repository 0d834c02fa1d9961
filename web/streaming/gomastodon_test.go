package streaming_test

import (
	"context"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func mastodonClient(in *kontortest.Instance, u *kontortest.User) *mastodon.Client {
	return mastodon.NewClient(&mastodon.Config{Server: in.URL, AccessToken: u.Token})
}

// nextEvent returns the next go-mastodon event that is not an error (the
// SSE client reports failed instance lookups and reconnects as errors).
func nextEvent(t testing.TB, events chan mastodon.Event) mastodon.Event {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("event channel closed")
			}
			if _, isErr := e.(*mastodon.ErrorEvent); isErr {
				continue
			}
			return e
		case <-timeout:
			t.Fatalf("no event within %s", wait)
		}
	}
}

func waitUpdate(t testing.TB, events chan mastodon.Event, id int64) *mastodon.Status {
	t.Helper()
	for {
		if u, ok := nextEvent(t, events).(*mastodon.UpdateEvent); ok && string(u.Status.ID) == db.FormatID(id) {
			return u.Status
		}
	}
}

// Every stream type through go-mastodon's WebSocket and SSE clients:
// update, notification, status.update, delete and conversation decode into
// its types.
func TestGoMastodonStreams(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	follow(t, in, bob, alice)
	f := newFixtures(t, in)
	list := f.list(bob, "list", alice)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := mastodonClient(in, bob)
	ws := c.NewWSClient()

	type opened struct {
		name   string
		events chan mastodon.Event
	}
	open := func(name string, ch chan mastodon.Event, err error) opened {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return opened{name, ch}
	}
	var user, direct []opened
	wsUser, err := ws.StreamingWSUser(ctx)
	user = append(user, open("ws user", wsUser, err))
	sseUser, err := c.StreamingUser(ctx)
	user = append(user, open("sse user", sseUser, err))
	var public []opened
	ch, err := ws.StreamingWSPublic(ctx, false)
	public = append(public, open("ws public", ch, err))
	ch, err = ws.StreamingWSPublic(ctx, true)
	public = append(public, open("ws public:local", ch, err))
	ch, err = ws.StreamingWSHashtag(ctx, "kontor", false)
	public = append(public, open("ws hashtag", ch, err))
	ch, err = ws.StreamingWSHashtag(ctx, "kontor", true)
	public = append(public, open("ws hashtag:local", ch, err))
	ch, err = ws.StreamingWSList(ctx, mastodon.ID(db.FormatID(list)))
	public = append(public, open("ws list", ch, err))
	ch, err = c.StreamingPublic(ctx, false)
	public = append(public, open("sse public", ch, err))
	ch, err = c.StreamingPublic(ctx, true)
	public = append(public, open("sse public:local", ch, err))
	ch, err = c.StreamingHashtag(ctx, "kontor", false)
	public = append(public, open("sse hashtag", ch, err))
	ch, err = c.StreamingHashtag(ctx, "kontor", true)
	public = append(public, open("sse hashtag:local", ch, err))
	ch, err = c.StreamingList(ctx, mastodon.ID(db.FormatID(list)))
	public = append(public, open("sse list", ch, err))
	ch, err = ws.StreamingWSDirect(ctx)
	direct = append(direct, open("ws direct", ch, err))
	ch, err = c.StreamingDirect(ctx)
	direct = append(direct, open("sse direct", ch, err))
	waitConnections(t, in, len(user)+len(public)+len(direct))

	s := post(t, in, alice, "hello #kontor", db.Public)
	for _, o := range append(append([]opened{}, user...), public...) {
		got := waitUpdate(t, o.events, s.ID)
		if got.Account.Username != "alice" || got.Visibility != "public" || len(got.Tags) != 1 || got.Tags[0].Name != "kontor" {
			t.Fatalf("%s: %+v", o.name, got)
		}
	}

	edited, err := in.Engine().EditStatus(context.Background(), alice.Account, s.ID, activitypub.PostParams{Text: "hello again #kontor", Visibility: db.Public})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range append(append([]opened{}, user...), public...) {
		e := nextEvent(t, o.events)
		up, ok := e.(*mastodon.UpdateEditEvent)
		if !ok || string(up.Status.ID) != db.FormatID(edited.ID) || up.Status.EditedAt.IsZero() {
			t.Fatalf("%s: want status.update, got %#v", o.name, e)
		}
	}

	if _, err := in.Engine().DeleteStatus(context.Background(), alice.Account, s.ID); err != nil {
		t.Fatal(err)
	}
	for _, o := range append(append([]opened{}, user...), public...) {
		e := nextEvent(t, o.events)
		if d, ok := e.(*mastodon.DeleteEvent); !ok || string(d.ID) != db.FormatID(s.ID) {
			t.Fatalf("%s: want delete %d, got %#v", o.name, s.ID, e)
		}
	}

	m := post(t, in, alice, "@bob a secret", db.Direct)
	for _, o := range direct {
		e := nextEvent(t, o.events)
		conv, ok := e.(*mastodon.ConversationEvent)
		if !ok || conv.Conversation.LastStatus == nil || string(conv.Conversation.LastStatus.ID) != db.FormatID(m.ID) {
			t.Fatalf("%s: want conversation, got %#v", o.name, e)
		}
		if len(conv.Conversation.Accounts) != 1 || conv.Conversation.Accounts[0].Username != "alice" || !conv.Conversation.Unread {
			t.Fatalf("%s: conversation %+v", o.name, conv.Conversation)
		}
	}
	for _, o := range user {
		// The direct message is on bob's home (he follows alice) and is a
		// mention notification; their order is not fixed.
		var sawUpdate, sawMention bool
		for !sawUpdate || !sawMention {
			switch e := nextEvent(t, o.events).(type) {
			case *mastodon.UpdateEvent:
				sawUpdate = string(e.Status.ID) == db.FormatID(m.ID) && e.Status.Visibility == "direct"
			case *mastodon.NotificationEvent:
				sawMention = e.Notification.Type == "mention" && e.Notification.Status != nil &&
					string(e.Notification.Status.ID) == db.FormatID(m.ID) && e.Notification.Account.Username == "alice"
			default:
				t.Fatalf("%s: unexpected %#v", o.name, e)
			}
		}
	}
}
