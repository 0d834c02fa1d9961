package api_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

type miscSearchJSON struct {
	Accounts []struct {
		ID   string `json:"id"`
		Acct string `json:"acct"`
	} `json:"accounts"`
	Statuses []struct {
		ID      string `json:"id"`
		Content string `json:"content"`
	} `json:"statuses"`
	Hashtags []struct {
		Name string `json:"name"`
	} `json:"hashtags"`
}

func (s miscSearchJSON) accts() []string {
	out := []string{}
	for _, a := range s.Accounts {
		out = append(out, a.Acct)
	}
	return out
}

func (s miscSearchJSON) statusIDs() []string {
	out := []string{}
	for _, st := range s.Statuses {
		out = append(out, st.ID)
	}
	return out
}

func (w *miscWorld) search(token, query string) miscSearchJSON {
	w.t.Helper()
	var res miscSearchJSON
	w.call("GET", "/api/v2/search?"+query, token, nil, 200, &res)
	if res.Accounts == nil || res.Statuses == nil || res.Hashtags == nil {
		w.t.Fatalf("search %s: a list is null: %+v", query, res)
	}
	return res
}

func TestSearchAccountsAndHashtags(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")
	alina := w.in.CreateUser("alina")
	albert := w.in.CreateUser("albert")
	mallory := w.in.CreateUser("almallory")
	alex := w.in.CreateUser("alex")
	w.follow(bob, alina)
	// Display names are searched too (from the start of a word).
	albert.Account.DisplayName = "Bert the Gardener"
	if err := w.in.DB.UpdateAccountProfile(ctx, albert.Account); err != nil {
		t.Fatal(err)
	}
	if err := w.in.Engine().Block(ctx, mallory.Account, bob.Account); err != nil {
		t.Fatal(err)
	}
	if err := w.in.DB.SuspendAccount(ctx, alex.Account.ID); err != nil {
		t.Fatal(err)
	}
	w.post(bob, "#gardening #garden #gardenparty #other", db.Public)

	cases := []struct {
		token, query string
		want         []string
	}{
		{bob.Token, "q=al", []string{"albert", "alice", "alina"}}, // no blocker, no suspended
		{bob.Token, "q=alice", []string{"alice"}},
		{bob.Token, "q=@alice", []string{"alice"}},
		{bob.Token, "q=alice@" + url.QueryEscape(w.in.Config.AccountDomain), []string{"alice"}},
		{bob.Token, "q=@ALICE@" + url.QueryEscape(w.in.Config.AccountDomain), []string{"alice"}},
		{bob.Token, "q=gardener", []string{"albert"}},
		{bob.Token, "q=al&following=true", []string{"alina"}},
		// The most followed first (alina), then the newest.
		{bob.Token, "q=al&limit=1", []string{"alina"}},
		{bob.Token, "q=al&limit=2&offset=1", []string{"albert", "alice"}},
		{alice.Token, "q=al", []string{"albert", "alice", "alina", "almallory"}},
		{"", "q=al", []string{"albert", "alice", "alina", "almallory"}},
		{bob.Token, "q=instance", []string{}},
		{bob.Token, "q=%25", []string{}}, // LIKE wildcards are literal
		{bob.Token, "q=al&type=hashtags", []string{}},
		{bob.Token, "q=nobody@elsewhere.example", []string{}},
	}
	for _, tc := range cases {
		got := w.search(tc.token, tc.query).accts()
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	// Exact username matches come first.
	if got := w.search(bob.Token, "q=alina").accts(); len(got) != 1 || got[0] != "alina" {
		t.Errorf("exact: %v", got)
	}

	tags := func(query string) []string {
		var out []string
		for _, h := range w.search(bob.Token, query).Hashtags {
			out = append(out, h.Name)
		}
		return out
	}
	if got := tags("q=%23garden&type=hashtags"); len(got) != 3 || got[0] != "garden" {
		t.Errorf("hashtags: %v", got)
	}
	if got := tags("q=gardenp"); !slices.Equal(got, []string{"gardenparty"}) {
		t.Errorf("hashtag prefix: %v", got)
	}
	if got := tags("q=garden&type=accounts"); len(got) != 0 {
		t.Errorf("type=accounts returned hashtags: %v", got)
	}
	// v1 answers hashtag names.
	var v1 struct {
		Accounts []any    `json:"accounts"`
		Statuses []any    `json:"statuses"`
		Hashtags []string `json:"hashtags"`
	}
	w.call("GET", "/api/v1/search?q=gardenp", bob.Token, nil, 200, &v1)
	if !slices.Equal(v1.Hashtags, []string{"gardenparty"}) || v1.Accounts == nil || v1.Statuses == nil {
		t.Errorf("v1: %+v", v1)
	}
	// go-mastodon.
	res, err := w.client(bob).Search(ctx, "alin", false)
	if err != nil || len(res.Accounts) != 1 || res.Accounts[0].Username != "alina" {
		t.Errorf("go-mastodon search: %+v %v", res, err)
	}

	for _, tc := range []struct {
		query, token string
		want         int
	}{
		{"", bob.Token, 400},
		{"q=", bob.Token, 400},
		{"q=al&resolve=true", "", 401},
		{"q=al&offset=5", "", 401},
		{"q=al&offset=-1", bob.Token, 422},
		{"q=al&limit=x", bob.Token, 422},
		{"q=al&account_id=x", bob.Token, 422},
		{"q=al", w.token(bob, "read:accounts"), 403},
		{"q=al", w.token(bob, "read:search"), 200},
		{"q=al&type=bogus", bob.Token, 200},
	} {
		if resp, data := w.do("GET", "/api/v2/search?"+tc.query, tc.token, nil); resp.StatusCode != tc.want {
			t.Errorf("%q: %d, want %d: %s", tc.query, resp.StatusCode, tc.want, data)
		}
	}
	if res := w.search(bob.Token, "q=al&type=bogus"); len(res.Accounts) != 0 {
		t.Errorf("unknown type found accounts: %v", res.accts())
	}
}

// Status search never shows what the searcher may not see, and within that
// only public statuses, the searcher's own and those it interacted with.
func TestSearchStatusesVisibility(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol, dave := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol"), w.in.CreateUser("dave")
	w.follow(alice, bob)
	pub := w.post(bob, "zebra public", db.Public)
	unl := w.post(bob, "zebra unlisted", db.Unlisted)
	priv := w.post(bob, "zebra private", db.Private)
	favd := w.post(bob, "zebra private liked", db.Private)
	dm := w.post(bob, "@dave zebra direct", db.Direct)
	own := w.post(carol, "zebra mine", db.Private)
	w.post(bob, "no stripes", db.Public)
	if _, err := w.in.Engine().Favourite(ctx, alice.Account, favd.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.in.Engine().Favourite(ctx, carol.Account, unl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.in.Engine().Reblog(ctx, alice.Account, pub.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	id := db.FormatID
	cases := []struct {
		who   string
		token string
		want  []string
	}{
		{"alice (follower)", alice.Token, []string{id(favd.ID), id(pub.ID)}},
		{"carol (stranger)", carol.Token, []string{id(own.ID), id(unl.ID), id(pub.ID)}},
		{"dave (mentioned)", dave.Token, []string{id(dm.ID), id(pub.ID)}},
		{"bob (author)", bob.Token, []string{id(dm.ID), id(favd.ID), id(priv.ID), id(unl.ID), id(pub.ID)}},
		{"anonymous", "", []string{id(pub.ID)}},
	}
	for _, tc := range cases {
		if got := w.search(tc.token, "q=zebra&type=statuses").statusIDs(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.who, got, tc.want)
		}
	}
	// Every word must match; case does not matter.
	if got := w.search(bob.Token, "q=ZEBRA+liked").statusIDs(); !slices.Equal(got, []string{id(favd.ID)}) {
		t.Errorf("two words: %v", got)
	}
	// account_id, paging.
	if got := w.search(carol.Token, "q=zebra&account_id="+id(carol.Account.ID)).statusIDs(); !slices.Equal(got, []string{id(own.ID)}) {
		t.Errorf("account_id: %v", got)
	}
	if got := w.search(bob.Token, "q=zebra&type=statuses&limit=2&max_id="+id(favd.ID)).statusIDs(); !slices.Equal(got, []string{id(priv.ID), id(unl.ID)}) {
		t.Errorf("max_id: %v", got)
	}
	if got := w.search(bob.Token, "q=zebra&type=statuses&limit=2&offset=3").statusIDs(); !slices.Equal(got, []string{id(unl.ID), id(pub.ID)}) {
		t.Errorf("offset: %v", got)
	}
	// Blocks hide everything of the other side.
	if err := w.in.Engine().Block(ctx, dave.Account, bob.Account); err != nil {
		t.Fatal(err)
	}
	if got := w.search(dave.Token, "q=zebra").statusIDs(); len(got) != 0 {
		t.Errorf("dave after blocking bob: %v", got)
	}

	// A status URL: found when visible, whichever URL form.
	for _, u := range []string{priv.URI, priv.URL} {
		if got := w.search(alice.Token, "q="+url.QueryEscape(u)).statusIDs(); !slices.Equal(got, []string{id(priv.ID)}) {
			t.Errorf("alice, %s: %v", u, got)
		}
		if got := w.search(carol.Token, "q="+url.QueryEscape(u)+"&resolve=true").statusIDs(); len(got) != 0 {
			t.Errorf("carol (stranger) found the private status by URL %s", u)
		}
	}
	// An account URL.
	res := w.search(carol.Token, "q="+url.QueryEscape(bob.Account.URI))
	if !slices.Equal(res.accts(), []string{"bob"}) {
		t.Errorf("account by URL: %v", res.accts())
	}
}

// resolve=true fetches remote accounts and statuses, but a fetched or
// stored copy of a private status reaches only its audience.
func TestSearchResolveRemote(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	w := &miscWorld{t: t, in: a}
	alice, carol := a.CreateUser("alice"), a.CreateUser("carol")
	bob := b.CreateUser("bob")

	handle := "bob@" + b.Config.AccountDomain
	if got := w.search(alice.Token, "q="+url.QueryEscape(handle)).accts(); len(got) != 0 {
		t.Errorf("unknown account found without resolve: %v", got)
	}
	if got := w.search(alice.Token, "q="+url.QueryEscape("@"+handle)+"&resolve=true").accts(); !slices.Equal(got, []string{handle}) {
		t.Fatalf("resolve handle: %v", got)
	}
	// Now known: found without resolving, by prefix of the domain too.
	if got := w.search(alice.Token, "q="+url.QueryEscape("bob@"+b.Config.AccountDomain[:5])).accts(); !slices.Equal(got, []string{handle}) {
		t.Errorf("known remote account: %v", got)
	}

	pub := b.Post(bob, activitypub.PostParams{Text: "public words", Visibility: db.Public})
	res := w.search(alice.Token, "q="+url.QueryEscape(pub.URI)+"&resolve=true")
	if len(res.Statuses) != 1 || !strings.Contains(res.Statuses[0].Content, "public words") {
		t.Fatalf("resolve status: %+v", res)
	}

	// carol on A follows bob: A stores his followers-only post. alice, who
	// does not follow him, must not get it by URL, stored or fetched.
	a.Follow(carol, b, bob)
	priv := b.Post(bob, activitypub.PostParams{Text: "for followers", Visibility: db.Private})
	a.WaitStatus(priv.URI)
	for _, q := range []string{priv.URI, priv.URL} {
		if got := w.search(alice.Token, "q="+url.QueryEscape(q)+"&resolve=true"); len(got.Statuses) != 0 {
			t.Errorf("alice got bob's private post by %s", q)
		}
		if got := w.search(carol.Token, "q="+url.QueryEscape(q)+"&resolve=true"); len(got.Statuses) != 1 {
			t.Errorf("carol (follower) did not get it by %s: %+v", q, got)
		}
	}
	// A private post A never received: fetching it is refused by B.
	other := b.Post(bob, activitypub.PostParams{Text: "@" + "bob another secret", Visibility: db.Direct})
	if got := w.search(alice.Token, "q="+url.QueryEscape(other.URI)+"&resolve=true"); len(got.Statuses) != 0 {
		t.Errorf("a direct post was fetched and shown: %+v", got)
	}
}
