package cards

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FirstLink returns the first http(s) link of a post's HTML that gets a
// card, as Mastodon picks it: not a mention or hashtag (class "mention" or
// "hashtag", rel="tag"), and not one skip refuses (the URLs of mentioned
// accounts, hashtags and attachments). "" when there is none.
func FirstLink(content string, skip func(href string) bool) string {
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			tn, hasAttr := z.TagName()
			if atom.Lookup(tn) != atom.A {
				continue
			}
			var href, class, rel string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = strings.TrimSpace(string(v))
				case "class":
					class = string(v)
				case "rel":
					rel = string(v)
				}
			}
			if hasToken(class, "mention") || hasToken(class, "hashtag") || hasToken(rel, "tag") {
				continue
			}
			u, err := url.Parse(href)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				continue
			}
			if skip != nil && skip(href) {
				continue
			}
			u.Fragment, u.RawFragment = "", ""
			return u.String()
		}
	}
}
