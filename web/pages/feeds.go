package pages

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"html"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// Feed formats, the suffixes of /@user.rss, /@user.atom and /tags/NAME.rss.
const (
	feedRSS  = "rss"
	feedAtom = "atom"
)

// feedFormat splits "alice.rss" into "alice" and "rss".
func feedFormat(name string) (base, format string, ok bool) {
	for _, f := range []string{feedRSS, feedAtom} {
		if b, found := strings.CutSuffix(name, "."+f); found {
			return b, f, true
		}
	}
	return name, "", false
}

// feed is what both formats say: a channel and its newest posts.
type feed struct {
	Title, Description string
	Page               string // the HTML page the feed follows
	Self               string
	Image              string
	Items              []statusView
}

// accountFeed serves /@user.rss and /@user.atom: the account's newest
// public posts (never unlisted, followers-only or direct; no replies to
// others, no boosts), through the query the API uses, seen by nobody.
func (p *Pages) accountFeed(w http.ResponseWriter, r *http.Request, name, format string) {
	a, ok := p.publicAccount(w, r, name)
	if !ok {
		return
	}
	f := db.AccountStatusesFilter{ExcludeReplies: true, ExcludeReblogs: true, ListedOnly: true}
	list, err := p.DB.AccountStatuses(r.Context(), a.ID, db.Anonymous, f, db.Page{Limit: profilePageSize})
	if err != nil {
		p.Logger.Error("account feed", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	images, err := p.accountImages(r.Context(), []*db.Account{a})
	if err != nil {
		p.Logger.Error("account feed", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	page := p.Engine.URLs().Profile(a.Username)
	title := a.DisplayName
	if title == "" {
		title = a.Username
	}
	fd := feed{Title: title + " (@" + a.Username + "@" + p.Engine.URLs().AccountDomain() + ")",
		Description: "Public posts from @" + a.Username + "@" + p.Engine.URLs().AccountDomain(),
		Page:        page, Self: page + "." + format, Image: images[a.ID].avatar}
	p.writeFeed(w, r, fd, list, format)
}

// writeFeed renders list into fd and writes it in format.
func (p *Pages) writeFeed(w http.ResponseWriter, r *http.Request, fd feed, list []*db.Status, format string) {
	items, err := p.statusViews(r.Context(), list)
	if err != nil {
		p.Logger.Error("feed", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	fd.Items = items
	var doc any
	contentType := "application/rss+xml; charset=utf-8"
	if format == feedAtom {
		doc, contentType = atomDocument(fd), "application/atom+xml; charset=utf-8"
	} else {
		doc = rssDocument(fd)
	}
	out, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		p.Logger.Error("feed", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	// Feed readers poll: an unchanged feed is answered 304 by its ETag.
	sum := sha256.Sum256(out)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write([]byte(xml.Header))
	w.Write(out)
}

// feedHTML is an item's HTML: the content warning, the post (sanitized when
// stored), and its images.
func feedHTML(v statusView) string {
	var b strings.Builder
	if v.SpoilerText != "" {
		b.WriteString("<p><strong>" + html.EscapeString(v.SpoilerText) + "</strong></p>")
	}
	b.WriteString(string(v.Content))
	for _, m := range v.Media {
		if m.Kind == "image" {
			b.WriteString(`<p><img src="` + html.EscapeString(m.URL) + `" alt="` + html.EscapeString(m.Description) + `"></p>`)
		}
	}
	return b.String()
}

// feedTitle names an item: its content warning, or the start of its text.
func feedTitle(v statusView) string {
	if v.SpoilerText != "" {
		return v.SpoilerText
	}
	text := strings.Join(strings.Fields(content.PlainText(string(v.Content))), " ")
	if utf8.RuneCountInString(text) > 80 {
		runes := []rune(text)
		text = strings.TrimSpace(string(runes[:79])) + "…"
	}
	if text == "" {
		text = "New post by @" + v.Handle
	}
	return text
}

// RSS 2.0 (https://www.rssboard.org/rss-specification), with the Atom self
// link and Media RSS for images, as Mastodon writes it.
type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Media   string     `xml:"xmlns:media,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          rssSelf   `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Generator     string    `xml:"generator"`
	Image         *rssImage `xml:"image,omitempty"`
	Items         []rssItem `xml:"item"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssImage struct {
	URL   string `xml:"url"`
	Title string `xml:"title"`
	Link  string `xml:"link"`
}

type rssItem struct {
	Title       string     `xml:"title"`
	Link        string     `xml:"link"`
	GUID        rssGUID    `xml:"guid"`
	PubDate     string     `xml:"pubDate"`
	Description string     `xml:"description"`
	Media       []rssMedia `xml:"media:content"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssMedia struct {
	URL         string `xml:"url,attr"`
	Type        string `xml:"type,attr,omitempty"`
	Medium      string `xml:"medium,attr"`
	Description string `xml:"media:description,omitempty"`
}

func rssDocument(fd feed) rss {
	ch := rssChannel{Title: fd.Title, Link: fd.Page, Description: fd.Description, Generator: "Kontor",
		Self: rssSelf{Href: fd.Self, Rel: "self", Type: "application/rss+xml"}}
	if fd.Image != "" {
		ch.Image = &rssImage{URL: fd.Image, Title: fd.Title, Link: fd.Page}
	}
	if len(fd.Items) > 0 {
		ch.LastBuildDate = fd.Items[0].CreatedAt.UTC().Format(time.RFC1123Z)
	}
	for _, v := range fd.Items {
		it := rssItem{Title: feedTitle(v), Link: v.URL, GUID: rssGUID{IsPermaLink: true, Value: v.URL},
			PubDate: v.CreatedAt.UTC().Format(time.RFC1123Z), Description: feedHTML(v)}
		for _, m := range v.Media {
			it.Media = append(it.Media, rssMedia{URL: m.URL, Type: m.ContentType, Medium: mediaMedium(m.Kind), Description: m.Description})
		}
		ch.Items = append(ch.Items, it)
	}
	return rss{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Media: "http://search.yahoo.com/mrss/", Channel: ch}
}

// mediaMedium is Media RSS's name for an attachment kind.
func mediaMedium(kind string) string {
	switch kind {
	case "image", "video", "audio":
		return kind
	case "gifv":
		return "video"
	}
	return "document"
}

// Atom (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Icon    string      `xml:"icon,omitempty"`
	Author  *atomAuthor `xml:"author,omitempty"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Links     []atomLink  `xml:"link"`
	Author    *atomAuthor `xml:"author"`
	Content   atomContent `xml:"content"`
}

type atomContent struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

func atomDocument(fd feed) atomFeed {
	out := atomFeed{ID: fd.Self, Title: fd.Title, Icon: fd.Image, Links: []atomLink{
		{Rel: "alternate", Type: "text/html", Href: fd.Page},
		{Rel: "self", Type: "application/atom+xml", Href: fd.Self},
	}}
	// A feed with no entries needs an updated time of its own; the newest
	// entry's is stable (the feed is unchanged until someone posts).
	out.Updated = time.Unix(0, 0).UTC().Format(time.RFC3339)
	if len(fd.Items) > 0 {
		out.Updated = fd.Items[0].CreatedAt.UTC().Format(time.RFC3339)
	}
	for _, v := range fd.Items {
		at := v.CreatedAt.UTC().Format(time.RFC3339)
		e := atomEntry{ID: v.URI, Title: feedTitle(v), Updated: at, Published: at,
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: v.URL}},
			Content: atomContent{Type: "html", Value: feedHTML(v)}}
		if v.Author != nil {
			e.Author = &atomAuthor{Name: "@" + v.Handle, URI: v.Author.URI}
			if v.Author.DisplayName != "" {
				e.Author.Name = v.Author.DisplayName + " (@" + v.Handle + ")"
			}
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}
