package pages

import (
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// tagPage serves /tags/NAME (the public posts with a hashtag, paged with
// ?max_id=) and its feeds /tags/NAME.rss and /tags/NAME.atom, through the
// query of the API's hashtag timeline, seen by nobody.
func (p *Pages) tagPage(w http.ResponseWriter, r *http.Request) {
	name, format, isFeed := feedFormat(chi.URLParam(r, "name"))
	name = db.NormalizeTagName(name)
	if !hashtagName(name) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	page, ok := pageParam(w, r)
	if !ok {
		return
	}
	if isFeed {
		page.MaxID = 0
	}
	list, err := p.DB.TagTimeline(r.Context(), db.Anonymous, db.TagTimelineFilter{Any: []string{name}}, page)
	if err != nil {
		p.Logger.Error("tag page", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	tagURL := p.Engine.URLs().Tag(name)
	if isFeed {
		p.writeFeed(w, r, feed{Title: "#" + name + " - " + p.Config.InstanceTitle,
			Description: "Public posts tagged #" + name + " on " + p.Config.InstanceTitle,
			Page:        tagURL, Self: tagURL + "." + format}, list, format)
		return
	}
	posts, err := p.statusViews(r.Context(), list)
	if err != nil {
		p.Logger.Error("tag page", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	p.render(w, r, "tag", map[string]any{"Tag": name, "Posts": posts, "TagURL": tagURL,
		"RSSURL": tagURL + ".rss", "AtomURL": tagURL + ".atom", "OlderURL": olderLink(tagURL, list, page.Limit)})
}

// hashtagName reports whether s can be a hashtag: word characters
// (letters, digits, marks, _, ·, ZWNJ), not only digits, at most 100.
func hashtagName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 100 {
		return false
	}
	word := false
	for _, c := range s {
		switch {
		case unicode.IsDigit(c):
		case unicode.IsLetter(c) || unicode.IsMark(c) || c == '_' || c == '·' || c == '\u200c':
			word = true
		default:
			return false
		}
	}
	return word
}
