package entity

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/kontor-social/kontor/db"
)

// PreviewCard is Mastodon's PreviewCard entity: the preview of the link a
// status shows.
type PreviewCard struct {
	URL              string       `json:"url"`
	Title            string       `json:"title"`
	Description      string       `json:"description"`
	Type             string       `json:"type"`
	AuthorName       string       `json:"author_name"`
	AuthorURL        string       `json:"author_url"`
	ProviderName     string       `json:"provider_name"`
	ProviderURL      string       `json:"provider_url"`
	HTML             string       `json:"html"`
	Width            int          `json:"width"`
	Height           int          `json:"height"`
	Image            *string      `json:"image"`
	ImageDescription string       `json:"image_description"`
	EmbedURL         string       `json:"embed_url"`
	Blurhash         *string      `json:"blurhash"`
	Language         *string      `json:"language"`
	PublishedAt      *string      `json:"published_at"`
	Authors          []CardAuthor `json:"authors"`
}

// CardAuthor is Mastodon's PreviewCardAuthor (no fediverse account here).
type CardAuthor struct {
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	Account *Account `json:"account"`
}

// TrendsLink is Mastodon's Trends::Link: a card and its week of use.
type TrendsLink struct {
	PreviewCard
	History []TagHistory `json:"history"`
}

// Card renders a stored card; its image is the copy in the media store
// (never the linked site's, which would see every reader).
func (p *Presenter) Card(c *db.PreviewCard) *PreviewCard {
	if c == nil {
		return nil
	}
	out := &PreviewCard{URL: c.URL, Title: c.Title, Description: c.Description, Type: c.Type,
		AuthorName: c.AuthorName, AuthorURL: c.AuthorURL, ProviderName: c.ProviderName, ProviderURL: c.ProviderURL,
		HTML: c.HTML, Width: c.Width, Height: c.Height, ImageDescription: c.ImageDescription, EmbedURL: c.EmbedURL,
		Blurhash: OptString(c.Blurhash), Language: OptString(c.Language), PublishedAt: TimePtr(c.PublishedAt),
		Authors: []CardAuthor{}}
	if c.ImageKey != "" {
		// The media store's URL of a key, as for attachments.
		out.Image = OptString(p.mediaURL(&db.MediaAttachment{FileKey: c.ImageKey}))
	}
	if c.AuthorName != "" || c.AuthorURL != "" {
		out.Authors = append(out.Authors, CardAuthor{Name: c.AuthorName, URL: c.AuthorURL})
	}
	return out
}

// TrendsLinks renders trending cards with their history (today first).
func (p *Presenter) TrendsLinks(list []*db.PreviewCard, history map[int64][]db.CardUsage) []TrendsLink {
	out := make([]TrendsLink, 0, len(list))
	for _, c := range list {
		t := TrendsLink{PreviewCard: *p.Card(c), History: []TagHistory{}}
		for _, d := range history[c.ID] {
			t.History = append(t.History, TagHistory{Day: strconv.FormatInt(d.Day.Unix(), 10),
				Uses: strconv.FormatInt(d.Uses, 10), Accounts: strconv.FormatInt(d.Accounts, 10)})
		}
		out = append(out, t)
	}
	return out
}

// Domain is the host a card links to, without "www." (shown under it).
func (c *PreviewCard) Domain() string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}
