package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// post publishes text as u through the engine.
func post(t *testing.T, in *kontortest.Instance, u *kontortest.User, text string, vis db.Visibility) *db.Status {
	t.Helper()
	s, err := in.Engine().PublishStatus(context.Background(), u.Account, activitypub.PostParams{Text: text, Visibility: vis})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNotificationsPage(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	jane, bob, carol := in.CreateUser("jane"), in.CreateUser("bob"), in.CreateUser("carol")
	e := in.Engine()
	before, locked := *jane.Account, *jane.Account
	locked.Locked = true
	if err := e.UpdateProfile(ctx, activitypub.ProfileUpdate{Before: &before, CredentialsUpdate: db.CredentialsUpdate{Account: &locked}}); err != nil {
		t.Fatal(err)
	}
	mine := post(t, in, jane, "Quarterly numbers are out", db.Public)
	post(t, in, bob, "@jane can you check <this>?", db.Public)
	if _, err := e.Favourite(ctx, bob.Account, mine.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reblog(ctx, bob.Account, mine.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Follow(ctx, carol.Account, &locked, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	b, home := signedIn(t, in, jane)
	if !strings.Contains(string(home), `id="unread-count">4</span>`) || !strings.Contains(string(home), "<title>(4) Home") {
		t.Errorf("home does not count 4 unread notifications")
	}
	resp, page := b.Get("/notifications")
	if resp.StatusCode != 200 {
		t.Fatalf("notifications: %d", resp.StatusCode)
	}
	for _, want := range []string{"mentioned you", "favourited your post", "boosted your post", "asks to follow you",
		"can you check &lt;this&gt;?", `action="/follow_requests/` + db.FormatID(carol.Account.ID) + `/authorize"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("notifications lack %q", want)
		}
	}
	if strings.Contains(string(page), `id="unread-count">`) && !strings.Contains(string(page), `id="unread-count" hidden>0<`) {
		t.Errorf("the notifications page still counts unread ones")
	}
	resp, _ = b.Submit(page, "/follow_requests/"+db.FormatID(carol.Account.ID)+"/authorize", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	if ok, _ := in.DB.IsFollowRequest(ctx, carol.Account.ID, jane.Account.ID); ok {
		t.Fatal("the request is still pending")
	}
	if resp, _ := b.Post("/follow_requests/"+db.FormatID(carol.Account.ID)+"/reject", kontortest.Form(t, page, "/follow_requests/"+db.FormatID(carol.Account.ID)+"/reject")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("answering twice: %d", resp.StatusCode)
	}
	_, home = b.Get("/")
	if !strings.Contains(string(home), `id="unread-count" hidden>0</span>`) {
		t.Errorf("read notifications still counted")
	}
}

func TestConversationsPage(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane, bob := in.CreateUser("jane"), in.CreateUser("bob")
	dm := post(t, in, bob, "@jane the contract draft, privately", db.Direct)
	b, _ := signedIn(t, in, jane)
	_, page := b.Get("/conversations")
	if !strings.Contains(string(page), "the contract draft, privately") || !strings.Contains(string(page), `<option value="direct" selected>`) {
		t.Fatalf("conversations:\n%s", page)
	}
	id := strings.Split(strings.Split(string(page), `href="/conversations/`)[1], `"`)[0]
	resp, thread := b.Get("/conversations/" + id)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/statuses/"+db.FormatID(dm.ID) || !strings.Contains(string(thread), `name="in_reply_to_id" value="`+db.FormatID(dm.ID)+`"`) {
		t.Fatalf("open: %d %s", resp.StatusCode, resp.Request.URL)
	}
	resp, _ = b.Submit(thread, "/compose", map[string]string{"status": "@bob signed, thanks"})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/statuses/"+db.FormatID(dm.ID) {
		t.Fatalf("reply: %d %s", resp.StatusCode, resp.Request.URL)
	}
	replies, err := in.DB.StatusReplies(context.Background(), dm.ID, db.ViewerOf(bob.Account.ID), 5)
	if err != nil || len(replies) != 1 || replies[0].Visibility != db.Direct {
		t.Fatalf("reply stored: %v %+v", err, replies)
	}
}

func TestDeleteOwnPostAndVote(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	jane, bob := in.CreateUser("jane"), in.CreateUser("bob")
	if _, err := in.Engine().Follow(ctx, jane.Account, bob.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	poll, err := in.Engine().PublishStatus(ctx, bob.Account, activitypub.PostParams{Text: "Lunch?", Visibility: db.Public,
		Poll: &activitypub.PollParams{Options: []string{"Pizza", "Salad"}, ExpiresIn: 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	mine := post(t, in, jane, "A post with a typo", db.Public)
	b, home := signedIn(t, in, jane)
	if strings.Contains(string(home), `action="/statuses/`+db.FormatID(poll.ID)+`/delete"`) {
		t.Error("someone else's post offers delete")
	}
	// Vote for Salad.
	pollID := strings.Split(strings.Split(string(home), `action="/polls/`)[1], `/votes"`)[0]
	v := kontortest.Form(t, home, "/polls/"+pollID+"/votes")
	v.Set("choices[]", "1")
	resp, after := b.Post("/polls/"+pollID+"/votes", v)
	if resp.StatusCode != 200 || !strings.Contains(string(after), "Salad — 1") {
		t.Fatalf("vote: %d", resp.StatusCode)
	}
	if resp, _ := b.Post("/polls/"+pollID+"/votes", v); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("voting twice: %d", resp.StatusCode)
	}
	// Delete one's own post; someone else's is refused.
	resp, _ = b.Submit(home, "/statuses/"+db.FormatID(mine.ID)+"/delete", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, err := in.DB.StatusByID(ctx, mine.ID, db.ViewerOf(jane.Account.ID)); err == nil {
		t.Fatal("the post is still there")
	}
	v = kontortest.Form(t, home, "/statuses/"+db.FormatID(poll.ID)+"/favourite")
	if resp, _ := b.Post("/statuses/"+db.FormatID(poll.ID)+"/delete", v); resp.StatusCode != http.StatusForbidden {
		t.Errorf("deleting someone else's post: %d", resp.StatusCode)
	}
}
