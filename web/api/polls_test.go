package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice posts a poll; anonymous visitors read it, bob votes with
// go-mastodon, carol with a JSON body, and everyone sees the counts and
// their own votes.
func TestPollReadAndVote(t *testing.T) {
	in := plStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	_, id := plPost(t, in, alice, db.Public, false, "Lunch?", "soup", "salad", "bread")
	path := "/api/v1/polls/" + id

	anon := plOK[plPollJSON](t, in, "GET", path, "", nil)
	if anon["id"] != id || anon["expired"] != false || anon["multiple"] != false || anon["voters_count"] != nil {
		t.Errorf("poll as anonymous sees it: %v", anon)
	}
	if opts := anon["options"].([]any); len(opts) != 3 || opts[0].(map[string]any)["title"] != "soup" {
		t.Errorf("options %v", opts)
	}
	plCheckPoll(t, plOK[plPollJSON](t, in, "GET", path, bob.Token, nil), []float64{0, 0, 0}, 0, false, nil)
	plCheckPoll(t, plOK[plPollJSON](t, in, "GET", path, alice.Token, nil), []float64{0, 0, 0}, 0, true, nil)

	p, err := plClient(in.URL, bob.Token).PollVote(plCtx, mastodon.ID(id), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Voted || len(p.OwnVotes) != 1 || p.OwnVotes[0] != 1 || p.Options[1].VotesCount != 1 || p.VotesCount != 1 {
		t.Errorf("after bob's vote: %+v", p)
	}
	got := plOK[plPollJSON](t, in, "POST", path+"/votes", carol.Token, `{"choices":[2]}`)
	plCheckPoll(t, got, []float64{0, 1, 1}, 2, true, []float64{2})
	plCheckPoll(t, plOK[plPollJSON](t, in, "GET", path, alice.Token, nil), []float64{0, 1, 1}, 2, true, nil)
	plCheckPoll(t, plOK[plPollJSON](t, in, "GET", path, bob.Token, nil), []float64{0, 1, 1}, 2, true, []float64{1})

	// The status carries the same poll.
	st, err := plClient(in.URL, bob.Token).GetPoll(plCtx, mastodon.ID(id))
	if err != nil || st.VotesCount != 2 {
		t.Errorf("go-mastodon GetPoll: %v %+v", err, st)
	}
}

// A multiple-choice poll counts votes and voters apart.
func TestPollMultipleChoice(t *testing.T) {
	in := plStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	_, id := plPost(t, in, alice, db.Public, true, "Toppings?", "cheese", "olives", "basil")
	path := "/api/v1/polls/" + id + "/votes"
	got := plOK[plPollJSON](t, in, "POST", path, bob.Token, url.Values{"choices[]": {"0", "2"}})
	plCheckPoll(t, got, []float64{1, 0, 1}, 2, true, []float64{0, 2})
	if got["voters_count"] != float64(1) || got["multiple"] != true {
		t.Errorf("voters_count %v multiple %v", got["voters_count"], got["multiple"])
	}
	got = plOK[plPollJSON](t, in, "POST", path, carol.Token, url.Values{"choices[0]": {"2"}})
	plCheckPoll(t, got, []float64{1, 0, 2}, 3, true, []float64{2})
	if got["voters_count"] != float64(2) {
		t.Errorf("voters_count %v", got["voters_count"])
	}
}

// Votes the poll does not take are 422 (404 for polls one cannot see), and
// store nothing.
func TestPollVoteRefusals(t *testing.T) {
	in := plStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	_, single := plPost(t, in, alice, db.Public, false, "One?", "a", "b")
	_, multi := plPost(t, in, alice, db.Public, true, "Some?", "a", "b", "c")
	_, ended := plPost(t, in, alice, db.Public, false, "Over?", "a", "b")
	endedID, _ := db.ParseID(ended)
	if err := in.DB.EndPollAt(plCtx, endedID, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	plOK[plPollJSON](t, in, "POST", "/api/v1/polls/"+single+"/votes", bob.Token, url.Values{"choices[]": {"0"}})
	readOnly := plToken(t, in, carol, "read")

	for _, tc := range []struct {
		name, poll, token string
		body              any
		want              int
		mention           string
	}{
		{"no choices", single, carol.Token, url.Values{}, 422, "at least one option"},
		{"empty choices", single, carol.Token, `{"choices":[]}`, 422, "at least one option"},
		{"index out of range", single, carol.Token, url.Values{"choices[]": {"2"}}, 422, "does not exist"},
		{"negative index", single, carol.Token, url.Values{"choices[]": {"-1"}}, 422, "does not exist"},
		{"not a number", single, carol.Token, url.Values{"choices[]": {"b"}}, 422, "choices"},
		{"second choice on a single-choice poll", single, carol.Token, url.Values{"choices[]": {"0", "1"}}, 422, "only one choice"},
		{"the same option twice", multi, carol.Token, `{"choices":[1,1]}`, 422, "does not exist"},
		{"already voted", single, bob.Token, url.Values{"choices[]": {"1"}}, 422, "already voted"},
		{"own poll", single, alice.Token, url.Values{"choices[]": {"0"}}, 422, "your own polls"},
		{"expired", ended, carol.Token, url.Values{"choices[]": {"0"}}, 422, "already ended"},
		{"unknown poll", "1234567", carol.Token, url.Values{"choices[]": {"0"}}, 404, "Record not found"},
		{"malformed id", "abc", carol.Token, url.Values{"choices[]": {"0"}}, 404, "Record not found"},
		{"no token", single, "", url.Values{"choices[]": {"0"}}, 401, "token"},
		{"read-only token", single, readOnly, url.Values{"choices[]": {"0"}}, 403, "scopes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plFails(t, in, "POST", "/api/v1/polls/"+tc.poll+"/votes", tc.token, tc.body, tc.want, tc.mention)
		})
	}
	// Nothing was stored by the refusals.
	plCheckPoll(t, plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+single, carol.Token, nil), []float64{1, 0}, 1, false, nil)
	plCheckPoll(t, plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+multi, carol.Token, nil), []float64{0, 0, 0}, 0, false, nil)
	plCheckPoll(t, plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+single, bob.Token, nil), []float64{1, 0}, 1, true, []float64{0})
	if p := plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+ended, carol.Token, nil); p["expired"] != true || p["votes_count"] != float64(0) {
		t.Errorf("ended poll: %v", p)
	}
	// Reading needs read:statuses when a token is sent.
	plFails(t, in, "GET", "/api/v1/polls/"+single, plToken(t, in, carol, "read:accounts"), nil, 403, "scopes")
}

// A poll is exactly as visible as its status: followers-only polls are
// hidden from strangers and anonymous visitors, direct ones from everyone
// but the mentioned, and blocks hide them; voting follows reading.
func TestPollVisibility(t *testing.T) {
	in := plStart(t)
	alice, follower, stranger, mentioned, blocked := in.CreateUser("alice"), in.CreateUser("follower"), in.CreateUser("stranger"), in.CreateUser("dora"), in.CreateUser("blocked")
	if _, err := in.Engine().Follow(plCtx, follower.Account, alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Engine().Follow(plCtx, blocked.Account, alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "local follows", func() bool {
		f, err := in.DB.FollowBetween(plCtx, follower.Account.ID, alice.Account.ID)
		return err == nil && f.Accepted
	})
	_, public := plPost(t, in, alice, db.Public, false, "Public?", "a", "b")
	_, unlisted := plPost(t, in, alice, db.Unlisted, false, "Unlisted?", "a", "b")
	_, private := plPost(t, in, alice, db.Private, false, "Followers only?", "a", "b")
	_, direct := plPost(t, in, alice, db.Direct, false, "@dora secret?", "a", "b")
	if err := in.Engine().Block(plCtx, alice.Account, blocked.Account); err != nil {
		t.Fatal(err)
	}
	users := map[string]*kontortest.User{"author": alice, "follower": follower, "stranger": stranger, "mentioned": mentioned, "blocked": blocked}
	see := map[string]map[string]bool{
		public:   {"anonymous": true, "author": true, "follower": true, "stranger": true, "mentioned": true},
		unlisted: {"anonymous": true, "author": true, "follower": true, "stranger": true, "mentioned": true},
		private:  {"author": true, "follower": true},
		direct:   {"author": true, "mentioned": true},
	}
	names := map[string]string{public: "public", unlisted: "unlisted", private: "private", direct: "direct"}
	for poll, allowed := range see {
		for _, who := range []string{"anonymous", "author", "follower", "stranger", "mentioned", "blocked"} {
			t.Run(names[poll]+"/"+who, func(t *testing.T) {
				token := ""
				if u := users[who]; u != nil {
					token = u.Token
				}
				code, _, out := plCall(t, in, "GET", "/api/v1/polls/"+poll, token, nil)
				want := http.StatusNotFound
				if allowed[who] {
					want = http.StatusOK
				}
				if code != want {
					t.Fatalf("GET: %d, want %d: %s", code, want, out)
				}
				if who == "anonymous" || who == "author" {
					return
				}
				code, _, out = plCall(t, in, "POST", "/api/v1/polls/"+poll+"/votes", token, url.Values{"choices[]": {"1"}})
				if code != want {
					t.Fatalf("vote: %d, want %d: %s", code, want, out)
				}
			})
		}
	}
	// Only the votes of those who may see counted.
	for poll, want := range map[string][]float64{public: {0, 3}, unlisted: {0, 3}, private: {0, 1}, direct: {0, 1}} {
		plCheckPoll(t, plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+poll, alice.Token, nil), want, want[1], true, nil)
	}
}

// Totals of a poll that hides them are shown to its author only, until it ends.
func TestPollHiddenTotals(t *testing.T) {
	in := plStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	s := in.Post(alice, activitypub.PostParams{Text: "Secret ballot", Poll: &activitypub.PollParams{
		Options: []string{"yes", "no"}, ExpiresIn: time.Hour, HideTotals: true}})
	id := db.FormatID(*s.PollID)
	got := plOK[plPollJSON](t, in, "POST", "/api/v1/polls/"+id+"/votes", bob.Token, url.Values{"choices[]": {"0"}})
	if v := got.votes(); v[0] != nil || v[1] != nil {
		t.Errorf("a voter sees hidden totals: %v", v)
	}
	if v := plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+id, alice.Token, nil).votes(); v[0] != float64(1) {
		t.Errorf("the author sees %v", v)
	}
	if err := in.DB.EndPollAt(plCtx, *s.PollID, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if v := plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+id, bob.Token, nil).votes(); v[0] != float64(1) {
		t.Errorf("after the end bob sees %v", v)
	}
}

// When a poll ends its author and its voters get a poll notification,
// once, and the poll takes no more votes.
func TestPollEndNotifies(t *testing.T) {
	in := plStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	s, id := plPost(t, in, alice, db.Public, false, "Soon over", "a", "b")
	plOK[plPollJSON](t, in, "POST", "/api/v1/polls/"+id+"/votes", bob.Token, url.Values{"choices[]": {"1"}})
	if err := in.DB.EndPollAt(plCtx, *s.PollID, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	for range 3 { // the background job may run too: still once
		if err := in.Engine().RunPollJobs(plCtx); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		u    *kontortest.User
		want int
	}{{alice, 1}, {bob, 1}, {carol, 0}} {
		if n := plNotified(t, in, tc.u, s, db.NotifyPoll); n != tc.want {
			t.Errorf("%s has %d poll notifications, want %d", tc.u.Handle, n, tc.want)
		}
	}
	p := plOK[plPollJSON](t, in, "GET", "/api/v1/polls/"+id, bob.Token, nil)
	plCheckPoll(t, p, []float64{0, 1}, 1, true, []float64{1})
	if p["expired"] != true {
		t.Errorf("expired %v", p["expired"])
	}
	plFails(t, in, "POST", "/api/v1/polls/"+id+"/votes", carol.Token, url.Values{"choices[]": {"0"}}, 422, "already ended")
}
