package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice on A posts a poll; bob on B (who follows her) votes through B's
// API and A counts it; carol on A votes and A's Update brings the new
// counts to B; when the poll ends, alice and carol on A and bob on B are
// told so.
func TestPollVotesAcrossInstances(t *testing.T) {
	a, b := plStart(t), plStart(t)
	alice, carol, bob := a.CreateUser("alice"), a.CreateUser("carol"), b.CreateUser("bob")
	b.Follow(bob, a, alice)
	s, onA := plPost(t, a, alice, db.Public, false, "Lunch?", "soup", "salad")
	sb := b.WaitStatus(s.URI)
	if sb.PollID == nil {
		t.Fatal("B stored the poll's status without its poll")
	}
	onB := db.FormatID(*sb.PollID)

	p, err := plClient(b.URL, bob.Token).PollVote(plCtx, mastodon.ID(onB), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Voted || len(p.OwnVotes) != 1 || p.OwnVotes[0] != 1 || p.Options[1].VotesCount != 1 {
		t.Errorf("B right after bob's vote: %+v", p)
	}
	kontortest.Eventually(t, kontortest.Wait, "bob's vote to be counted on A", func() bool {
		v := plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+onA, alice.Token, nil)
		return v["votes_count"] == float64(1) && v.votes()[1] == float64(1)
	})
	if n, err := a.DB.CountStatuses(plCtx); err != nil || n != 1 {
		t.Errorf("A stored the vote as a status? %d statuses (%v)", n, err)
	}
	plFails(t, b, "POST", "/api/v1/polls/"+onB+"/votes", bob.Token, `{"choices":[0]}`, 422, "already voted")

	plOK[plPollJSON](t, a, "POST", "/api/v1/polls/"+onA+"/votes", carol.Token, `{"choices":[0]}`)
	// Read anonymously (a user's read would refetch the poll from A).
	kontortest.Eventually(t, kontortest.Wait, "A's results Update to reach B", func() bool {
		v := plOK[plPollJSON](t, b, "GET", "/api/v1/polls/"+onB, "", nil)
		return v["votes_count"] == float64(2) && v.votes()[0] == float64(1) && v.votes()[1] == float64(1)
	})
	plCheckPoll(t, plOK[plPollJSON](t, b, "GET", "/api/v1/polls/"+onB, bob.Token, nil), []float64{1, 1}, 2, true, []float64{1})

	// The end: A notifies its author and its voter and sends the final
	// results, after which B notifies bob.
	if err := a.DB.EndPollAt(plCtx, *s.PollID, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := a.Engine().RunPollJobs(plCtx); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*kontortest.User{alice, carol} {
		if n := plNotified(t, a, u, s, db.NotifyPoll); n != 1 {
			t.Errorf("%s has %d poll notifications on A", u.Handle, n)
		}
	}
	kontortest.Eventually(t, kontortest.Wait, "bob to hear of the end on B", func() bool {
		return plNotified(t, b, bob, sb, db.NotifyPoll) == 1
	})
	v := plOK[plPollJSON](t, b, "GET", "/api/v1/polls/"+onB, bob.Token, nil)
	if v["expired"] != true {
		t.Errorf("B's copy is not expired: %v", v)
	}
}

// plVote is a vote as Mastodon sends it: Create{Note{name, inReplyTo}}
// addressed to the poll's author, without content.
func plVote(actor *kontortest.FakeActor, id, question, author, name string, extra map[string]any) []byte {
	note := map[string]any{"id": actor.ID + "#votes/" + id, "type": "Note", "name": name,
		"attributedTo": actor.ID, "inReplyTo": question, "to": author}
	for k, v := range extra {
		note[k] = v
	}
	return actor.Activity("Create", "votes/"+id+"/activity", note, map[string]any{"to": author})
}

// plUpdates returns the Questions of the Updates a fake server received.
func plUpdates(t *testing.T, fs *kontortest.FakeServer, question string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range fs.Received() {
		var act map[string]any
		if err := json.Unmarshal(r.Body, &act); err != nil {
			t.Fatal(err)
		}
		if obj, ok := act["object"].(map[string]any); ok && act["type"] == "Update" && obj["id"] == question {
			out = append(out, obj)
		}
	}
	return out
}

// Votes from another server arrive in alice's inbox: a good one counts and
// its results go out in an Update{Question} (to followers and voters);
// votes on an ended poll, second votes on a single-choice poll, unknown
// options, and votes on a poll the voter may not see are dropped, and none
// of them becomes a status. A reply with content stays a reply.
func TestPollRemoteVotesAtTheInbox(t *testing.T) {
	a := plStart(t)
	alice := a.CreateUser("alice")
	fs := kontortest.NewFakeServer(t)
	eve, mallory := fs.Actor("eve"), fs.Actor("mallory")
	eve.FollowLocal(a, alice)
	s, id := plPost(t, a, alice, db.Public, false, "Tea?", "green", "black")
	private, privateID := plPost(t, a, alice, db.Private, false, "Followers only?", "yes", "no")
	inbox := a.URL + "/users/alice/inbox"
	send := func(actor *kontortest.FakeActor, body []byte) {
		t.Helper()
		if code, out := actor.SignedPost(inbox, body); code != http.StatusAccepted {
			t.Fatalf("inbox: %d %s", code, out)
		}
	}

	send(eve, plVote(eve, "1", s.URI, alice.Account.URI, "black", nil))
	kontortest.Eventually(t, kontortest.Wait, "eve's vote to count", func() bool {
		return plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, alice.Token, nil)["votes_count"] == float64(1)
	})
	// Results go out (debounced) to eve's server: a follower and a voter,
	// one delivery to its shared inbox.
	var update map[string]any
	kontortest.Eventually(t, kontortest.Wait, "an Update{Question} at eve's server", func() bool {
		ups := plUpdates(t, fs, s.URI)
		if len(ups) > 0 {
			update = ups[len(ups)-1]
		}
		return update != nil
	})
	if update["type"] != "Question" || update["votersCount"] != float64(1) || update["closed"] != nil {
		t.Errorf("update: %v", update)
	}
	opts, _ := update["oneOf"].([]any)
	if len(opts) != 2 {
		t.Fatalf("oneOf %v", update["oneOf"])
	}
	if r := opts[1].(map[string]any)["replies"].(map[string]any); r["totalItems"] != float64(1) || opts[1].(map[string]any)["name"] != "black" {
		t.Errorf("option black: %v", opts[1])
	}

	send(eve, plVote(eve, "2", s.URI, alice.Account.URI, "green", nil))                   // second vote, single choice
	send(eve, plVote(eve, "1", s.URI, alice.Account.URI, "black", nil))                   // the same activity again
	send(mallory, plVote(mallory, "3", s.URI, alice.Account.URI, "oolong", nil))          // no such option
	send(mallory, plVote(mallory, "4", private.URI, alice.Account.URI, "yes", nil))       // cannot see the poll
	send(mallory, plVote(mallory, "5", s.URI, alice.Account.URI, "green", map[string]any{ // a reply, not a vote
		"content": "<p>green, obviously</p>", "name": "green", "to": []any{"https://www.w3.org/ns/activitystreams#Public"}}))
	plInboxSettled(t, a)
	plCheckPoll(t, plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, alice.Token, nil), []float64{0, 1}, 1, true, nil)
	plCheckPoll(t, plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+privateID, alice.Token, nil), []float64{0, 0}, 0, true, nil)
	if n, _ := a.DB.CountStatuses(plCtx); n != 3 {
		t.Errorf("%d statuses on A, want the two polls and mallory's reply", n)
	}
	if r := a.StatusByURI(mallory.ID + "#votes/5"); r == nil || r.InReplyToID == nil || *r.InReplyToID != s.ID {
		t.Errorf("mallory's reply: %+v", r)
	}

	// Ended: no more votes, and a final Update with closed.
	if err := a.DB.EndPollAt(plCtx, *s.PollID, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	send(mallory, plVote(mallory, "6", s.URI, alice.Account.URI, "green", nil))
	plInboxSettled(t, a)
	plCheckPoll(t, plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, alice.Token, nil), []float64{0, 1}, 1, true, nil)
	if err := a.Engine().RunPollJobs(plCtx); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the closing Update at eve's server", func() bool {
		for _, u := range plUpdates(t, fs, s.URI) {
			if closed, _ := u["closed"].(string); closed != "" {
				return true
			}
		}
		return false
	})
}

// Alice votes on a poll of eve's server: each choice goes to eve's inbox as
// a Note, as Mastodon sends them; eve's Update{Question} then sets the
// counts, and the end of the poll notifies alice.
func TestPollLocalVoteOnRemotePoll(t *testing.T) {
	a := plStart(t)
	alice := a.CreateUser("alice")
	fs := kontortest.NewFakeServer(t)
	eve := fs.Actor("eve")
	question := func(red, blue int, end time.Time) map[string]any {
		q := map[string]any{
			"id": eve.ID + "/statuses/q1", "type": "Question", "attributedTo": eve.ID,
			"content": "<p>Colours?</p>", "published": time.Now().UTC().Format(time.RFC3339),
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{alice.Account.URI},
			"anyOf": []any{
				map[string]any{"type": "Note", "name": "red", "replies": map[string]any{"type": "Collection", "totalItems": red}},
				map[string]any{"type": "Note", "name": "blue", "replies": map[string]any{"type": "Collection", "totalItems": blue}},
			},
			"endTime": end.UTC().Format(time.RFC3339), "votersCount": max(red, blue),
			"tag": []any{map[string]any{"type": "Mention", "href": alice.Account.URI, "name": "@alice"}},
		}
		return q
	}
	end := time.Now().Add(time.Hour)
	if code, out := eve.SignedPost(a.URL+"/inbox", eve.Activity("Create", "statuses/q1/activity", question(3, 0, end), nil)); code != http.StatusAccepted {
		t.Fatalf("create: %d %s", code, out)
	}
	s := a.WaitStatus(eve.ID + "/statuses/q1")
	if s.PollID == nil {
		t.Fatal("no poll")
	}
	id := db.FormatID(*s.PollID)
	got := plOK[plPollJSON](t, a, "POST", "/api/v1/polls/"+id+"/votes", alice.Token, `{"choices":["0","1"]}`)
	plCheckPoll(t, got, []float64{4, 1}, 5, true, []float64{0, 1})

	var votes []map[string]any
	kontortest.Eventually(t, kontortest.Wait, "alice's votes at eve's inbox", func() bool {
		votes = votes[:0]
		for _, r := range fs.Received() {
			var act map[string]any
			json.Unmarshal(r.Body, &act)
			if act["type"] == "Create" && r.Path == "/users/eve/inbox" {
				votes = append(votes, act)
			}
		}
		return len(votes) == 2
	})
	names := map[string]bool{}
	for _, act := range votes {
		note := act["object"].(map[string]any)
		names[note["name"].(string)] = true
		if act["actor"] != alice.Account.URI || note["type"] != "Note" || note["inReplyTo"] != s.URI ||
			note["attributedTo"] != alice.Account.URI || note["content"] != nil || !strings.HasPrefix(note["id"].(string), alice.Account.URI+"#votes/") {
			t.Errorf("vote: %v", act)
		}
		if to := note["to"]; to != alice.Account.URI && !strings.Contains(toString(to), eve.ID) {
			t.Errorf("vote addressed to %v", to)
		}
	}
	if !names["red"] || !names["blue"] {
		t.Errorf("voted for %v", names)
	}

	// Eve's results: counts come from her, alice's choices stay hers.
	update := eve.Activity("Update", "statuses/q1/updates/1", question(7, 2, end), map[string]any{"to": []any{"https://www.w3.org/ns/activitystreams#Public"}})
	if code, out := eve.SignedPost(a.URL+"/inbox", update); code != http.StatusAccepted {
		t.Fatalf("update: %d %s", code, out)
	}
	kontortest.Eventually(t, kontortest.Wait, "eve's counts", func() bool {
		return plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, alice.Token, nil)["votes_count"] == float64(9)
	})
	p := plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, alice.Token, nil)
	plCheckPoll(t, p, []float64{7, 2}, 9, true, []float64{0, 1})
	if s2 := a.StatusByURI(s.URI); s2.EditedAt != nil {
		t.Errorf("a results Update counted as an edit")
	}

	// The poll ends (eve's closing Update): alice is told, once.
	closed := question(7, 2, time.Now().Add(-time.Second))
	closed["closed"] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	if code, out := eve.SignedPost(a.URL+"/inbox", eve.Activity("Update", "statuses/q1/updates/2", closed, nil)); code != http.StatusAccepted {
		t.Fatalf("update: %d %s", code, out)
	}
	kontortest.Eventually(t, kontortest.Wait, "alice to hear of the end", func() bool {
		return plNotified(t, a, alice, s, db.NotifyPoll) == 1
	})
	if err := a.Engine().RunPollJobs(plCtx); err != nil {
		t.Fatal(err)
	}
	if n := plNotified(t, a, alice, s, db.NotifyPoll); n != 1 {
		t.Errorf("%d poll notifications", n)
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A user reading a remote poll gets its counts fetched from its server, at
// most once a minute; anonymous readers get what is stored.
func TestPollRefreshOnRead(t *testing.T) {
	a := plStart(t)
	alice := a.CreateUser("alice")
	fs := kontortest.NewFakeServer(t)
	eve := fs.Actor("eve")
	question := func(yes, no int) map[string]any {
		return map[string]any{
			"id": eve.ID + "/statuses/q2", "type": "Question", "attributedTo": eve.ID,
			"content": "<p>Rain?</p>", "published": time.Now().UTC().Format(time.RFC3339),
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{alice.Account.URI},
			"oneOf": []any{
				map[string]any{"type": "Note", "name": "yes", "replies": map[string]any{"type": "Collection", "totalItems": yes}},
				map[string]any{"type": "Note", "name": "no", "replies": map[string]any{"type": "Collection", "totalItems": no}},
			},
			"endTime": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "votersCount": yes + no,
		}
	}
	if code, out := eve.SignedPost(a.URL+"/inbox", eve.Activity("Create", "statuses/q2/activity", question(1, 1), nil)); code != http.StatusAccepted {
		t.Fatalf("create: %d %s", code, out)
	}
	s := a.WaitStatus(eve.ID + "/statuses/q2")
	id := db.FormatID(*s.PollID)
	fs.Object("/users/eve/statuses/q2", question(5, 2))

	if v := plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, "", nil); v["votes_count"] != float64(2) {
		t.Errorf("anonymous read: %v", v.votes())
	}
	plCheckPoll(t, plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, alice.Token, nil), []float64{5, 2}, 7, false, nil)
	fs.Object("/users/eve/statuses/q2", question(9, 9))
	plCheckPoll(t, plOK[plPollJSON](t, a, "GET", "/api/v1/polls/"+id, alice.Token, nil), []float64{5, 2}, 7, false, nil)
}
