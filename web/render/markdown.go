package render

import (
	"bytes"
	"html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
)

// markdown renders CommonMark (with tables and strikethrough); a newline
// breaks a line, as admins who write plain text expect. Raw HTML is shown
// as text (escapedHTML).
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(gmhtml.WithHardWraps(),
		renderer.WithNodeRenderers(util.Prioritized(escapedHTML{}, 100))),
)

// markdownPolicy keeps what the renderer makes, and nothing a script could use.
var markdownPolicy = bluemonday.UGCPolicy()

// Markdown renders an admin's Markdown text (the privacy policy, the terms
// of service) as HTML. It is called when the text is saved, not when it is
// served.
func Markdown(src string) string {
	src = strings.TrimSpace(strings.ReplaceAll(src, "\r\n", "\n"))
	if src == "" {
		return ""
	}
	var b bytes.Buffer
	if err := markdown.Convert([]byte(src), &b); err != nil {
		return string(Paragraphs(src)) // goldmark fails only on a failing writer
	}
	return strings.TrimSpace(markdownPolicy.Sanitize(b.String()))
}

// escapedHTML renders HTML written in the Markdown as the text it is: an
// admin writing "<well>" sees "<well>".
type escapedHTML struct{}

func (escapedHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				s := segs.At(i)
				w.WriteString(html.EscapeString(string(s.Value(src))))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		b := n.(*ast.HTMLBlock)
		w.WriteString("<p>")
		lines := b.Lines()
		for i := 0; i < lines.Len(); i++ {
			s := lines.At(i)
			if i > 0 {
				w.WriteString("<br>")
			}
			w.WriteString(html.EscapeString(strings.TrimRight(string(s.Value(src)), "\n")))
		}
		if b.HasClosure() {
			w.WriteString("<br>" + html.EscapeString(strings.TrimRight(string(b.ClosureLine.Value(src)), "\n")))
		}
		w.WriteString("</p>\n")
		return ast.WalkSkipChildren, nil
	})
}

// RenderPolicies fills in the HTML of t's privacy policy (the default one
// when it has none) and terms of service: whoever saves the texts (the
// seeding from the configuration, the settings page) calls it, so that
// serving them renders nothing.
func RenderPolicies(t *db.SiteText, title string) {
	policy := t.PrivacyPolicy
	if strings.TrimSpace(policy) == "" {
		policy = config.DefaultPrivacyPolicy(title, t.ContactEmail)
	}
	t.PrivacyPolicyHTML = Markdown(policy)
	t.TermsOfServiceHTML = Markdown(t.TermsOfService)
}
