package cards

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// OEmbed is an oEmbed document (https://oembed.com/, section 2.3.4).
type OEmbed struct {
	Type         string  `json:"type"`
	Title        string  `json:"title"`
	AuthorName   string  `json:"author_name"`
	AuthorURL    string  `json:"author_url"`
	ProviderName string  `json:"provider_name"`
	ProviderURL  string  `json:"provider_url"`
	URL          string  `json:"url"` // the photo, for type photo
	HTML         string  `json:"html"`
	Width        flexInt `json:"width"`
	Height       flexInt `json:"height"`
	ThumbnailURL string  `json:"thumbnail_url"`
}

// flexInt reads a number that providers write as 480 or "480".
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil // a provider's odd width is no reason to drop the card
	}
	*n = flexInt(f)
	return nil
}

// ParseOEmbed reads an oEmbed JSON document.
func ParseOEmbed(body []byte) (*OEmbed, error) {
	var o OEmbed
	if err := json.Unmarshal(body, &o); err != nil {
		return nil, fmt.Errorf("cards: oembed: %w", err)
	}
	return &o, nil
}

// Providers maps the host of an allowed oEmbed endpoint to the hosts its
// embeds may load from: only these providers' HTML is shown.
type Providers map[string][]string

// DefaultProviders are the video providers whose players Kontor embeds.
var DefaultProviders = Providers{
	"www.youtube.com": {"www.youtube.com", "www.youtube-nocookie.com"},
	"youtube.com":     {"www.youtube.com", "www.youtube-nocookie.com"},
	"vimeo.com":       {"player.vimeo.com"},
	"www.vimeo.com":   {"player.vimeo.com"},
}

// Merge applies an oEmbed document fetched from oembedURL to the page's
// card: its title, author, provider and type; the embed HTML only when the
// endpoint is an allowed provider and the HTML is a single iframe on that
// provider (Embed). A video or rich embed that is not allowed leaves the
// card a link.
func (c *Card) Merge(o *OEmbed, oembedURL string, allowed Providers) {
	setIf := func(dst *string, v string, n int) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = clip(v, n)
		}
	}
	setIf(&c.Title, o.Title, maxTitle)
	setIf(&c.AuthorName, o.AuthorName, maxTitle)
	setIf(&c.ProviderName, o.ProviderName, maxTitle)
	if u := resolve(nil, o.AuthorURL); u != "" {
		c.AuthorURL = u
	}
	if u := resolve(nil, o.ProviderURL); u != "" {
		c.ProviderURL = u
	}
	switch o.Type {
	case "photo":
		if u := resolve(nil, o.URL); u != "" {
			c.Type, c.ImageURL, c.EmbedURL = "photo", u, u
			c.Width, c.Height = int(o.Width), int(o.Height)
		}
	case "video", "rich":
		src, ok := Embed(o.HTML, oembedURL, allowed)
		if !ok {
			break
		}
		c.Type, c.EmbedURL = o.Type, src
		c.Width, c.Height = int(o.Width), int(o.Height)
		c.HTML = iframe(src, c.Width, c.Height)
	}
	if c.ImageURL == "" {
		c.ImageURL = resolve(nil, o.ThumbnailURL)
	}
}

// Embed checks an oEmbed document's HTML: the endpoint it came from must be
// an allowed provider, and the HTML a single iframe whose src is https on
// one of that provider's hosts. It returns the iframe's src: the HTML shown
// is built afresh from it (iframe), never passed through.
func Embed(embedHTML, oembedURL string, allowed Providers) (src string, ok bool) {
	endpoint, err := url.Parse(oembedURL)
	if err != nil {
		return "", false
	}
	hosts := allowed[strings.ToLower(endpoint.Hostname())]
	if len(hosts) == 0 {
		return "", false
	}
	nodes, err := xhtml.ParseFragment(strings.NewReader(embedHTML), &xhtml.Node{Type: xhtml.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return "", false
	}
	var frame *xhtml.Node
	for _, n := range nodes {
		switch {
		case n.Type == xhtml.TextNode && strings.TrimSpace(n.Data) == "":
		case n.Type == xhtml.ElementNode && n.DataAtom == atom.Iframe && frame == nil:
			frame = n
		default:
			return "", false // scripts, several elements: not a plain player
		}
	}
	if frame == nil {
		return "", false
	}
	for _, a := range frame.Attr {
		if a.Key == "src" {
			src = a.Val
		}
	}
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil || u.Scheme != "https" || u.User != nil {
		return "", false
	}
	for _, h := range hosts {
		if strings.EqualFold(u.Host, h) {
			return u.String(), true
		}
	}
	return "", false
}

// iframe is the embed HTML Kontor serves for an allowed player.
func iframe(src string, width, height int) string {
	var b strings.Builder
	b.WriteString(`<iframe src="`)
	b.WriteString(html.EscapeString(src))
	b.WriteString(`"`)
	if width > 0 && height > 0 {
		fmt.Fprintf(&b, ` width="%d" height="%d"`, width, height)
	}
	b.WriteString(` frameborder="0" allowfullscreen="true" sandbox="allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation"></iframe>`)
	return b.String()
}
