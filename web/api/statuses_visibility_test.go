package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/kontortest"
)

// The visibility matrix: every read endpoint of this group, for a status of
// each visibility, as seen by its author, a follower, a mentioned account,
// a stranger, an anonymous caller, an account the author blocks and an
// account that blocks the author (../shared/docs/visibility.md).
func TestVisibilityMatrix(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	bob, carol, dave := in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave")
	frank, gina := in.CreateUser("frank"), in.CreateUser("gina")
	stFollow(t, in, bob, alice)
	stFollow(t, in, frank, alice) // ended by the block below
	stFollow(t, in, gina, alice)  // ended by gina's block

	// alice's public root P; X[v] replies to P with visibility v and
	// mentions carol; Y[v] is alice's public reply to X[v].
	root := stPost(t, in, alice, map[string]any{"status": "root #matrix"})
	visibilities := []string{"public", "unlisted", "private", "direct"}
	x, y := map[string]stStatus{}, map[string]stStatus{}
	for _, v := range visibilities {
		x[v] = stPost(t, in, alice, map[string]any{"status": "@carol " + v + " #matrix", "visibility": v, "in_reply_to_id": root.ID})
		y[v] = stPost(t, in, alice, map[string]any{"status": "under " + v, "in_reply_to_id": x[v].ID})
		stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+x[v].ID+"/favourite", alice.Token, nil)
		if v != "direct" {
			stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+x[v].ID+"/reblog", alice.Token, nil)
		}
	}
	stBlock(t, in, alice, frank)
	stBlock(t, in, gina, alice)

	type viewer struct {
		name               string
		u                  *kontortest.User // nil: anonymous
		follows, mentioned bool
		blocked            bool
	}
	viewers := []viewer{
		{name: "author", u: alice},
		{name: "follower", u: bob, follows: true},
		{name: "mentioned", u: carol, mentioned: true},
		{name: "stranger", u: dave},
		{name: "anonymous"},
		{name: "blocked by author", u: frank, blocked: true},
		{name: "blocking author", u: gina, blocked: true},
	}
	// may is THE rule, written out independently of the code under test.
	may := func(w viewer, v string) bool {
		switch {
		case w.blocked:
			return false
		case w.u == alice:
			return true
		case v == "public" || v == "unlisted":
			return true
		case v == "private":
			return w.follows || w.mentioned
		}
		return w.mentioned
	}
	listOf := map[*kontortest.User]string{}
	for _, w := range viewers {
		if w.u != nil && w.u != alice {
			listOf[w.u] = stList(t, in, w.u, "list", alice)
		}
	}

	for _, w := range viewers {
		t.Run(w.name, func(t *testing.T) {
			token := ""
			if w.u != nil {
				token = w.u.Token
			}
			get := func(path string) (int, []byte) {
				resp, data := stCall(t, in, http.MethodGet, path, token, nil)
				return resp.StatusCode, data
			}
			// seen lists the statuses a page shows, boosted ones included.
			seen := func(path string) []string {
				t.Helper()
				code, data := get(path)
				if code != 200 {
					t.Fatalf("%s: %d %s", path, code, data)
				}
				var list []stStatus
				stDecode(t, data, &list)
				var ids []string
				for _, s := range list {
					ids = append(ids, s.ID)
					if s.Reblog != nil {
						ids = append(ids, s.Reblog.ID)
					}
				}
				return ids
			}
			expectIn := func(what string, ids []string, v string, want bool) {
				t.Helper()
				if got := slices.Contains(ids, x[v].ID); got != want {
					t.Errorf("%s, %s status: shown=%v, want %v", what, v, got, want)
				}
			}
			for _, v := range visibilities {
				id, ok := x[v].ID, may(w, v)
				want := map[bool]int{true: 200, false: 404}[ok]
				for _, p := range []string{"", "/context", "/history", "/favourited_by", "/reblogged_by"} {
					if code, data := get("/api/v1/statuses/" + id + p); code != want {
						t.Errorf("GET %s status%s: %d, want %d (%s)", v, p, code, want, data)
					}
				}
				if w.u != nil {
					if code, _ := get("/api/v1/statuses/" + id + "/source"); code != want {
						t.Errorf("source of %s status: %d, want %d", v, code, want)
					}
				}
				if ok {
					var by []struct{ Acct string }
					_, data := get("/api/v1/statuses/" + id + "/favourited_by")
					stDecode(t, data, &by)
					// alice favourited first; earlier viewers of the matrix since.
					if len(by) == 0 || by[len(by)-1].Acct != "alice" {
						t.Errorf("favourited_by of %s status: %+v", v, by)
					}
					_, data = get("/api/v1/statuses/" + id + "/reblogged_by")
					by = nil
					stDecode(t, data, &by)
					boostSeen := v == "public" || v == "unlisted" || w.u == alice || w.follows
					if v == "direct" {
						boostSeen = false
					}
					if (len(by) == 1) != boostSeen {
						t.Errorf("reblogged_by of %s status: %+v, want the boost shown=%v", v, by, boostSeen)
					}
				}
				// Context from below: Y[v] is public, its ancestors show X[v] only to those who may see it.
				code, data := get("/api/v1/statuses/" + y[v].ID + "/context")
				if w.blocked {
					if code != 404 {
						t.Errorf("context below %s status: %d", v, code)
					}
				} else {
					var c struct{ Ancestors, Descendants []stStatus }
					stDecode(t, data, &c)
					expectIn("ancestors", stIDs(c.Ancestors), v, ok)
					if len(c.Ancestors) == 0 || c.Ancestors[0].ID != root.ID {
						t.Errorf("ancestors below %s status: %v", v, stIDs(c.Ancestors))
					}
				}
				if w.u != nil {
					for _, action := range []string{"bookmark", "favourite"} {
						resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+id+"/"+action, token, nil)
						if resp.StatusCode != want {
							t.Errorf("%s %s status: %d, want %d", action, v, resp.StatusCode, want)
						}
					}
				}
			}

			// Context from above, the timelines and the lists.
			code, data := get("/api/v1/statuses/" + root.ID + "/context")
			var c struct{ Ancestors, Descendants []stStatus }
			if w.blocked {
				if code != 404 {
					t.Errorf("context of the root: %d", code)
				}
			} else {
				stDecode(t, data, &c)
			}
			byID := "/api/v1/statuses?"
			for _, v := range visibilities {
				byID += "id[]=" + x[v].ID + "&"
			}
			lists := map[string][]string{
				"descendants":   stIDs(c.Descendants),
				"public":        seen("/api/v1/timelines/public"),
				"tag":           seen("/api/v1/timelines/tag/matrix"),
				"statuses?id[]": seen(byID),
			}
			if w.u != nil {
				lists["home"] = seen("/api/v1/timelines/home")
				lists["direct"] = seen("/api/v1/timelines/direct")
				lists["bookmarks"] = seen("/api/v1/bookmarks")
				lists["favourites"] = seen("/api/v1/favourites")
			}
			for _, v := range visibilities {
				ok := may(w, v)
				expectIn("context descendants", lists["descendants"], v, ok)
				expectIn("GET statuses?id[]", lists["statuses?id[]"], v, ok)
				expectIn("public timeline", lists["public"], v, ok && v == "public")
				expectIn("tag timeline", lists["tag"], v, ok && v == "public")
				if w.u == nil {
					continue
				}
				expectIn("home", lists["home"], v, ok && (w.u == alice || w.follows))
				expectIn("direct timeline", lists["direct"], v, ok && v == "direct")
				expectIn("bookmarks", lists["bookmarks"], v, ok)
				expectIn("favourites", lists["favourites"], v, ok)
			}
			if w.u != nil && w.u != alice {
				ids := seen("/api/v1/timelines/list/" + listOf[w.u])
				for _, v := range visibilities {
					expectIn("list timeline", ids, v, may(w, v))
				}
			}
			// No endpoint shows anything of alice's to those who block or are blocked.
			if w.blocked {
				for name, ids := range lists {
					for _, id := range ids {
						if id == root.ID || strings.Contains(strings.Join(stIDs(mapValues(x)), ","), id) {
							t.Errorf("%s shows %s to %s", name, id, w.name)
						}
					}
				}
			}
		})
	}
}

func mapValues(m map[string]stStatus) []stStatus {
	out := make([]stStatus, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	return out
}
