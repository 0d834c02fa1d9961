package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kontor-social/kontor/web/render"
)

// authorizeInteraction is where other servers send a person who wants to
// follow or answer something from their Kontor account (the subscribe
// template of our WebFinger): it finds uri (an account or a post, by URL or
// handle) as search does and opens its page here, where the buttons are.
func (ws *Workspace) authorizeInteraction(w http.ResponseWriter, r *http.Request) {
	uri := strings.TrimSpace(r.URL.Query().Get("uri"))
	if uri == "" {
		render.Error(w, r, http.StatusBadRequest, "Which account or post? The link gave none (uri is empty).")
		return
	}
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	if ws.Search != nil {
		accounts, statuses, _, err := ws.Search(r.Context(), v.Account.ID, strings.TrimPrefix(uri, "acct:"))
		switch {
		case err == nil && len(accounts) == 1 && len(statuses) == 0:
			http.Redirect(w, r, "/accounts/"+url.PathEscape(accounts[0].ID), http.StatusSeeOther)
			return
		case err == nil && len(statuses) == 1:
			http.Redirect(w, r, "/statuses/"+url.PathEscape(statuses[0].ID), http.StatusSeeOther)
			return
		}
	}
	// Nothing single found: the search page says what there is, or why not.
	http.Redirect(w, r, "/search?"+url.Values{"q": {uri}}.Encode(), http.StatusSeeOther)
}
