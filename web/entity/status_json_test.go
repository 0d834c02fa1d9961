package entity

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// A status written from its kept shared part plus the per-request fields
// is the JSON encoding/json writes of the whole entity, for a signed-in
// viewer (filters matched or not) and an anonymous one, boosts included;
// and the kept part is used, not the whole-entity fallback.
func TestAppendStatusMatchesEncoding(t *testing.T) {
	shared := func(id int64, content string) Status {
		return Status{ID: db.FormatID(id), URI: "https://example.com/s/1", URL: ptr("https://example.com/@a/1"),
			CreatedAt: "2026-12-06T10:00:00.000Z", Content: content, Visibility: "public", SpoilerText: "",
			Account: Account{ID: "7", Username: "alice", Acct: "alice", DisplayName: `Alice "A" <b>`, Fields: []Field{{Name: "site", Value: "x"}},
				Emojis: []Emoji{}, Roles: []Role{}, Discoverable: ptr(true)},
			MediaAttachments: []MediaAttachment{{ID: "9", Type: "image", URL: ptr("https://example.com/m.png"), Description: ptr("a harbour"), Meta: &MediaMeta{}}},
			Mentions:         []Mention{{ID: "8", Username: "bob", URL: "https://example.com/@bob", Acct: "bob"}},
			Tags:             []TagRef{{Name: "bench", URL: "https://example.com/tags/bench"}}, Emojis: []Emoji{},
			Application: &Application{Name: "Tusky"}, FavouritesCount: 3, Language: ptr("en")}
	}
	cache := newRenderedCache()
	inner := cache.put(1, 11, shared(1, "<p>the post</p>"))
	boost := cache.put(2, 22, shared(2, ""))
	kept := map[int64]*rendered{1: inner, 2: boost}

	full := func(viewer bool, filtered []FilterResult) Status {
		in := inner.status
		in.Card = &PreviewCard{URL: "https://news.example.com/", Title: "News"}
		out := boost.status
		out.Reblog = &in
		if viewer {
			for _, st := range []*Status{&in, &out} {
				st.Favourited, st.Reblogged, st.Muted, st.Bookmarked = ptr(true), ptr(false), ptr(false), ptr(true)
				st.Filtered = filtered
			}
			out.Pinned = ptr(false)
		}
		return out
	}
	cases := map[string]Status{
		"anonymous":       full(false, nil),
		"viewer":          full(true, []FilterResult{}),
		"viewer, matched": full(true, []FilterResult{{Filter: Filter{ID: "5", Title: "spoilers", Context: []string{"home"}, FilterAction: "warn"}, KeywordMatches: []string{"post"}}}),
	}
	poll := full(true, []FilterResult{})
	poll.Reblog.Poll = &Poll{ID: "4", Options: []PollOption{{Title: "this"}}, Emojis: []Emoji{}}
	cases["with a poll"] = poll
	for name, st := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := appendStatus(nil, &st, kept)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("%v: %s", err, got)
			}
			json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("written\n%s\nencoding/json\n%s", got, want)
			}
		})
	}
	if inner.encoded() == nil || boost.encoded() == nil {
		t.Error("the kept JSON could not be cut: statuses are encoded whole")
	}
}
