package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func TestTrends(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	u := map[string]*kontortest.User{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		u[name] = w.in.CreateUser(name)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		w.post(u[name], "we #Launch today", db.Public)
	}
	w.post(u["dave"], "#solo one", db.Public)
	w.post(u["dave"], "#solo two", db.Public) // one account: no trend
	w.post(u["erin"], "#hush", db.Private)
	w.post(u["frank"], "#hush", db.Private) // not public: not counted

	var tags []struct {
		Name    string `json:"name"`
		History []struct {
			Uses     string `json:"uses"`
			Accounts string `json:"accounts"`
		} `json:"history"`
	}
	w.call("GET", "/api/v1/trends/tags", "", nil, 200, &tags)
	if len(tags) != 1 || !strings.EqualFold(tags[0].Name, "launch") || tags[0].History[0].Accounts != "3" {
		t.Errorf("trending tags %+v, want only #Launch by 3 accounts today", tags)
	}

	popular := w.post(u["alice"], "a popular post", db.Public)
	boosted := w.post(u["bob"], "a boosted post", db.Public)
	private := w.post(u["carol"], "for followers", db.Private)
	for _, name := range []string{"carol", "dave", "erin"} {
		if _, err := w.in.Engine().Favourite(ctx, u[name].Account, popular.ID); err != nil {
			t.Fatal(err)
		}
	}
	w.follow(u["dave"], u["carol"])
	if _, err := w.in.Engine().Favourite(ctx, u["dave"].Account, private.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.in.Engine().Reblog(ctx, u["erin"].Account, boosted.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	ids := func(token string) []string {
		var list []struct {
			ID string `json:"id"`
		}
		w.call("GET", "/api/v1/trends/statuses", token, nil, 200, &list)
		var out []string
		for _, s := range list {
			out = append(out, s.ID)
		}
		return out
	}
	want := []string{db.FormatID(popular.ID), db.FormatID(boosted.ID)}
	if got := ids(""); !slices.Equal(got, want) {
		t.Errorf("trending statuses %v, want %v (3 favourites, then 1 boost; never the private post)", got, want)
	}
	if err := w.in.Engine().Block(ctx, u["frank"].Account, u["alice"].Account); err != nil {
		t.Fatal(err)
	}
	if got := ids(u["frank"].Token); !slices.Equal(got, want[1:]) {
		t.Errorf("frank blocks alice but trends show %v", got)
	}
	w.call("GET", "/api/v1/trends/tags?limit=abc", "", nil, 422, nil)
}

func TestSuggestions(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	u := map[string]*kontortest.User{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		u[name] = w.in.CreateUser(name)
	}
	w.follow(u["alice"], u["bob"])
	w.follow(u["bob"], u["carol"])
	w.follow(u["bob"], u["dave"])
	w.follow(u["erin"], u["carol"])
	w.follow(u["dave"], u["erin"])

	type sug struct {
		Source  string   `json:"source"`
		Sources []string `json:"sources"`
		Account struct {
			Acct string `json:"acct"`
		} `json:"account"`
	}
	suggested := func() ([]string, []string) {
		var list []sug
		w.call("GET", "/api/v2/suggestions", u["alice"].Token, nil, 200, &list)
		var accts, sources []string
		for _, s := range list {
			accts = append(accts, s.Account.Acct)
			sources = append(sources, s.Sources[0])
		}
		return accts, sources
	}
	accts, sources := suggested()
	if !slices.Equal(accts[:2], []string{"dave", "carol"}) || sources[0] != "friends_of_friends" || sources[1] != "friends_of_friends" {
		t.Errorf("suggestions %v from %v: want bob's follows first", accts, sources)
	}
	if slices.Contains(accts, "alice") || slices.Contains(accts, "bob") || !slices.Contains(accts, "erin") {
		t.Errorf("suggestions %v: never alice herself nor bob (followed); erin as most followed", accts)
	}
	w.call("DELETE", "/api/v1/suggestions/"+db.FormatID(u["carol"].Account.ID), u["alice"].Token, nil, 200, nil)
	if err := w.in.Engine().Block(ctx, u["alice"].Account, u["dave"].Account); err != nil {
		t.Fatal(err)
	}
	var v1 []struct {
		Acct string `json:"acct"`
	}
	w.call("GET", "/api/v1/suggestions", u["alice"].Token, nil, 200, &v1)
	if len(v1) != 1 || v1[0].Acct != "erin" {
		t.Errorf("after dismissing carol and blocking dave: %v, want erin only", v1)
	}
	w.call("GET", "/api/v2/suggestions", "", nil, 401, nil)
}
