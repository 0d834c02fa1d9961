package pages

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub/content"
)

// statusMeta is what link previews (OpenGraph, Twitter cards) and oEmbed
// consumers read from a status page's head.
type statusMeta struct {
	Title, Description, Image, URL, OEmbedURL string
	Card                                      string // summary_large_image with a picture, else summary
}

// maxMetaDescription bounds og:description (in runes), as previews cut it.
const maxMetaDescription = 300

func (p *Pages) statusMeta(v statusView) statusMeta {
	name := v.Author.DisplayName
	if name == "" {
		name = v.Author.Username
	}
	m := statusMeta{Title: name + " (@" + v.Handle + ")", URL: v.URL, Image: v.AvatarURL, Card: "summary",
		OEmbedURL: p.Engine.URLs().Base() + "/api/oembed?url=" + url.QueryEscape(v.URL)}
	// A content warning is all a preview shows of a post behind one.
	m.Description = v.SpoilerText
	if m.Description == "" {
		m.Description = strings.Join(strings.Fields(content.PlainText(string(v.Content))), " ")
	}
	if v.Poll != nil && v.SpoilerText == "" {
		for _, o := range v.Poll.Options {
			m.Description += "\n[ ] " + o.Title
		}
	}
	if utf8.RuneCountInString(m.Description) > maxMetaDescription {
		m.Description = string([]rune(m.Description)[:maxMetaDescription-1]) + "…"
	}
	for _, media := range v.Media {
		// Sensitive pictures stay out of previews.
		if media.Kind == "image" && v.SpoilerText == "" && !v.Sensitive {
			m.Image, m.Card = media.URL, "summary_large_image"
			break
		}
	}
	return m
}
