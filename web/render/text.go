package render

import (
	"html"
	"html/template"
	"strings"
)

// Paragraphs renders configured plain text (the instance description,
// policies) as HTML: a blank line starts a paragraph, a newline breaks a
// line, and everything is escaped.
func Paragraphs(s string) template.HTML {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>")
		}
	}
	return template.HTML(b.String())
}
