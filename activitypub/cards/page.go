// Package cards reads link previews: which link of a post gets one
// (FirstLink), the OpenGraph and Twitter metadata of the linked page
// (ParsePage), its oEmbed document (ParseOEmbed) and the embed HTML Kontor
// agrees to show (Embed, for an allow-list of providers). It does no
// network work; the engine fetches through its SSRF-guarded client.
package cards

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Card is what a page (and its oEmbed document) says about itself, in the
// terms of Mastodon's PreviewCard.
type Card struct {
	Title, Description    string
	Type                  string // link, photo, video or rich
	AuthorName, AuthorURL string
	ProviderName          string
	ProviderURL           string
	HTML                  string // a sanitized embed (Embed), empty unless allowed
	Width, Height         int
	ImageURL              string
	ImageDescription      string
	EmbedURL              string
	Language              string
	PublishedAt           *time.Time
}

// Page is a parsed HTML page: its card and where its oEmbed document is.
type Page struct {
	Card
	OEmbedURL string // from <link rel="alternate" type="application/json+oembed">
}

// Limits of stored text (Mastodon's).
const (
	maxTitle       = 2000
	maxDescription = 2000
)

// ParsePage reads the metadata of an HTML page fetched from pageURL:
// OpenGraph (og:), Twitter (twitter:) and plain <title>/<meta name=…>, the
// first of each that is set winning in that order. Relative URLs are
// resolved against pageURL; only http(s) URLs are kept.
func ParsePage(body []byte, pageURL string) Page {
	base, _ := url.Parse(pageURL)
	meta := map[string]string{}
	var title, lang, oembed string
	z := html.NewTokenizer(bytes.NewReader(body))
	inTitle := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			tn, hasAttr := z.TagName()
			a := atom.Lookup(tn)
			if a == atom.Body {
				// Metadata lives in the head; the body can be large.
				goto done
			}
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			switch a {
			case atom.Html:
				lang = attrs["lang"]
			case atom.Title:
				inTitle = title == ""
			case atom.Meta:
				key := strings.ToLower(attrs["property"])
				if key == "" {
					key = strings.ToLower(attrs["name"])
				}
				if _, seen := meta[key]; key != "" && !seen {
					meta[key] = strings.TrimSpace(attrs["content"])
				}
			case atom.Link:
				if oembed == "" && hasToken(attrs["rel"], "alternate") && strings.EqualFold(strings.TrimSpace(attrs["type"]), "application/json+oembed") {
					oembed = resolve(base, attrs["href"])
				}
			}
		case html.TextToken:
			if inTitle {
				title += string(z.Text())
			}
		case html.EndTagToken:
			inTitle = false
		}
	}
done:
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := meta[k]; v != "" {
				return v
			}
		}
		return ""
	}
	p := Page{OEmbedURL: oembed}
	p.Type = "link"
	p.Title = clip(first("og:title", "twitter:title"), maxTitle)
	if p.Title == "" {
		p.Title = clip(strings.Join(strings.Fields(title), " "), maxTitle)
	}
	p.Description = clip(first("og:description", "twitter:description", "description"), maxDescription)
	p.ImageURL = resolve(base, first("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"))
	p.ImageDescription = clip(first("og:image:alt", "twitter:image:alt"), maxDescription)
	p.Width, _ = strconv.Atoi(first("og:image:width"))
	p.Height, _ = strconv.Atoi(first("og:image:height"))
	p.ProviderName = clip(first("og:site_name", "application-name"), maxTitle)
	p.AuthorName = clip(first("author", "article:author", "twitter:creator"), maxTitle)
	if u := resolve(base, p.AuthorName); strings.Contains(p.AuthorName, "://") && u != "" {
		p.AuthorName, p.AuthorURL = "", u // article:author is often a profile URL
	}
	p.Language = language(first("og:locale"), lang)
	if t, err := time.Parse(time.RFC3339, first("article:published_time", "og:published_time")); err == nil {
		t = t.UTC()
		p.PublishedAt = &t
	}
	return p
}

// language is a two- or three-letter language code from og:locale
// ("en_GB") or the page's lang ("en-GB"), or "".
func language(locale, lang string) string {
	for _, v := range []string{locale, lang} {
		v, _, _ = strings.Cut(strings.ReplaceAll(v, "_", "-"), "-")
		v = strings.ToLower(strings.TrimSpace(v))
		if n := len(v); n >= 2 && n <= 3 && strings.Trim(v, "abcdefghijklmnopqrstuvwxyz") == "" {
			return v
		}
	}
	return ""
}

// resolve returns ref as an absolute http(s) URL against base, or "".
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func hasToken(list, token string) bool {
	for _, t := range strings.Fields(list) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
