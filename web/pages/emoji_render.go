package pages

import (
	"html"
	"html/template"
	"regexp"
	"strings"

	xhtml "golang.org/x/net/html"

	"github.com/kontor-social/kontor/web/entity"
)

// Custom emoji in the workspace: ":shortcode:" of an emoji the entity
// carries becomes an <img class="custom-emoji">, only inside text (never
// inside a tag or an attribute), with the shortcode as its alt text. The
// stylesheet gives it a fixed height.

var shortcodeInText = regexp.MustCompile(`:([a-zA-Z0-9_]{2,64}):`)

// emojiImages maps the shortcodes of emojis to their <img> tags.
func emojiImages(emojis []entity.Emoji) map[string]string {
	if len(emojis) == 0 {
		return nil
	}
	out := make(map[string]string, len(emojis))
	for _, e := range emojis {
		alt := html.EscapeString(":" + e.Shortcode + ":")
		out[e.Shortcode] = `<img class="custom-emoji" src="` + html.EscapeString(e.URL) + `" alt="` + alt + `" title="` + alt + `">`
	}
	return out
}

// emojifyText escapes plain text and puts in the images of imgs.
func emojifyText(text string, imgs map[string]string) string {
	var b strings.Builder
	last := 0
	for _, m := range shortcodeInText.FindAllStringSubmatchIndex(text, -1) {
		img, ok := imgs[text[m[2]:m[3]]]
		if !ok {
			continue
		}
		b.WriteString(html.EscapeString(text[last:m[0]]))
		b.WriteString(img)
		last = m[1]
	}
	b.WriteString(html.EscapeString(text[last:]))
	return b.String()
}

// emojiText renders plain text (a display name, a content warning) with
// its custom emoji.
func emojiText(text string, emojis []entity.Emoji) template.HTML {
	return template.HTML(emojifyText(text, emojiImages(emojis)))
}

// emojiHTML renders stored HTML (sanitized when it was stored, or made by
// the engine) with custom emoji in its text nodes.
func emojiHTML(content string, emojis []entity.Emoji) template.HTML {
	imgs := emojiImages(emojis)
	if imgs == nil || !strings.Contains(content, ":") {
		return template.HTML(content)
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(content))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return template.HTML(b.String())
		case xhtml.TextToken:
			b.WriteString(emojifyText(string(z.Text()), imgs))
		default:
			b.WriteString(z.Token().String())
		}
	}
}
