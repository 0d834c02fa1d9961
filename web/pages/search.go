package pages

import (
	"net/http"
	"strings"
)

// search is GET /search?q=: accounts, hashtags and posts, by the API's
// search (remote handles and URLs resolved as GET /api/v2/search with
// resolve=true does).
func (ws *Workspace) search(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := map[string]any{"Title": "Search", "Nav": "search", "Q": q}
	if q != "" && ws.Search != nil {
		accounts, statuses, tags, err := ws.Search(r.Context(), v.Account.ID, q)
		if err != nil {
			if msg, _, ok := userMessage(err); ok {
				data["Error"] = msg
			} else {
				ws.fail(w, r, err)
				return
			}
		}
		posts := make([]postView, len(statuses))
		for i, s := range statuses {
			posts[i] = ws.postView(v, s)
		}
		data["Accounts"], data["Tags"], data["Posts"] = accounts, tags, posts
		data["Nothing"] = err == nil && len(accounts)+len(tags)+len(posts) == 0
	}
	ws.render(w, r, http.StatusOK, "search", v, data)
}
