package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// /api/oembed answers oEmbed 1.0 JSON for a local public or unlisted post,
// by its page URL or its ActivityPub id; 404 for anything anonymous may not
// see or that is not ours, 400 for a bad url.
func TestOEmbed(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	public := in.Post(alice, activitypub.PostParams{Text: "Hello <script>alert(1)</script> world", Visibility: db.Public})
	unlisted := in.Post(alice, activitypub.PostParams{Text: "quiet one", Visibility: db.Unlisted})
	private := in.Post(alice, activitypub.PostParams{Text: "followers only", Visibility: db.Private})
	direct := in.Post(alice, activitypub.PostParams{Text: "@alice direct", Visibility: db.Direct})
	boost, err := in.Engine().Reblog(context.Background(), alice.Account, public.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) (int, map[string]any) {
		t.Helper()
		resp, body := in.Get("/api/oembed?" + u)
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s: not JSON: %s", u, body)
		}
		return resp.StatusCode, v
	}
	q := func(u string) string { return "url=" + url.QueryEscape(u) }

	for _, u := range []string{public.URL, public.URI} {
		status, v := get(q(u))
		if status != 200 {
			t.Fatalf("%s: %d %v", u, status, v)
		}
		for k, want := range map[string]any{"type": "rich", "version": "1.0", "author_name": "alice",
			"author_url": in.URL + "/@alice", "provider_url": in.URL + "/", "width": float64(400), "height": nil} {
			if v[k] != want {
				t.Errorf("%s = %v, want %v", k, v[k], want)
			}
		}
		embed, _ := v["html"].(string)
		if !strings.HasPrefix(embed, "<blockquote") || !strings.Contains(embed, `href="`+public.URL+`"`) ||
			!strings.Contains(embed, "Hello &lt;script&gt;") || strings.Contains(embed, "<script") {
			t.Errorf("html %q", embed)
		}
	}
	if status, v := get(q(unlisted.URL) + "&maxwidth=300"); status != 200 || v["width"] != float64(300) {
		t.Errorf("unlisted with maxwidth: %d %v", status, v)
	}
	for name, c := range map[string]struct {
		query  string
		status int
	}{
		"followers-only": {q(private.URL), 404},
		"direct":         {q(direct.URL), 404},
		"boost":          {q(boost.URI), 404},
		"unknown":        {q(in.URL + "/@alice/123456789"), 404},
		"other server":   {q("https://elsewhere.example/@alice/" + db.FormatID(public.ID)), 404},
		"profile":        {q(in.URL + "/@alice"), 404},
		"no url":         {"", 400},
		"not a url":      {"url=%25zz", 400},
		"not http":       {q("javascript:alert(1)"), 400},
		"xml":            {q(public.URL) + "&format=xml", 501},
	} {
		if status, v := get(c.query); status != c.status || v["error"] == nil {
			t.Errorf("%s: %d %v, want %d", name, status, v, c.status)
		}
	}
}
