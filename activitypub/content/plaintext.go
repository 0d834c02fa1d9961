package content

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText turns status HTML into plain text, for notifications, search, the
// text of remote statuses and content-warning fallbacks: <br> becomes a
// newline, paragraphs and other blocks are separated by a blank line (list
// items by a newline), entities are decoded, tags are stripped and runs of
// source whitespace collapse as a browser would collapse them (not in <pre>).
// The hidden parts of Mastodon's shortened links are kept, so a link reads as
// its full URL. Content of script, style and similar elements is dropped.
func PlainText(s string) string {
	var p plainWriter
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0         // depth inside elements whose content is never text
	pre := 0          // depth inside <pre>
	preStart := false // the parser drops one newline right after <pre>
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(p.b.String())
		case html.TextToken:
			if skip == 0 {
				t := string(z.Text())
				if preStart {
					t, preStart = strings.TrimPrefix(t, "\n"), false
				}
				p.text(t, pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			preStart = false
			start := tt != html.EndTagToken
			if isSkippedContent(a) {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.Br:
				if start {
					p.newline()
				}
			case atom.Pre:
				p.block(2)
				if tt == html.StartTagToken {
					pre++
					preStart = true
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
			case atom.P, atom.Blockquote, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5,
				atom.H6, atom.Hr, atom.Table, atom.Figure, atom.Details:
				p.block(2)
			case atom.Li, atom.Div, atom.Tr, atom.Dt, atom.Dd, atom.Section, atom.Article, atom.Header,
				atom.Footer, atom.Aside, atom.Figcaption, atom.Summary:
				p.block(1)
			case atom.Td, atom.Th:
				p.gap()
			}
		}
	}
}

// isSkippedContent lists the elements whose content Mastodon removes before
// taking the text (raw-text elements and foreign content).
func isSkippedContent(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Template, atom.Iframe, atom.Noscript, atom.Noembed, atom.Noframes,
		atom.Svg, atom.Math, atom.Xmp, atom.Title, atom.Object:
		return true
	}
	return false
}

// plainWriter collects text, collapsing whitespace and separating blocks.
type plainWriter struct {
	b       strings.Builder
	pending int  // newlines owed before the next text
	space   bool // a collapsed space is owed before the next text
}

func (p *plainWriter) text(s string, pre bool) {
	if pre {
		p.flush()
		p.b.WriteString(s)
		return
	}
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return !isHTMLSpace(r) })
		if i != 0 {
			p.space = true // whitespace collapses to one space, if text follows inline
		}
		if i < 0 {
			return
		}
		s = s[i:]
		j := strings.IndexFunc(s, isHTMLSpace)
		if j < 0 {
			j = len(s)
		}
		p.flush()
		p.b.WriteString(s[:j])
		s = s[j:]
	}
}

func (p *plainWriter) flush() {
	if p.pending > 0 {
		if p.b.Len() > 0 {
			have := trailingNewlines(p.b.String())
			for ; have < p.pending; have++ {
				p.b.WriteByte('\n')
			}
		}
		p.pending, p.space = 0, false
		return
	}
	if p.space {
		if s := p.b.String(); s != "" && !strings.HasSuffix(s, "\n") {
			p.b.WriteByte(' ')
		}
		p.space = false
	}
}

func (p *plainWriter) newline() {
	if p.pending > 0 {
		p.space = false
		p.flush()
	}
	p.pending, p.space = 0, false
	p.b.WriteByte('\n')
}

func (p *plainWriter) block(n int) {
	if n > p.pending {
		p.pending = n
	}
	p.space = false
}

func (p *plainWriter) gap() {
	p.space = true
}

func trailingNewlines(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\n'; i-- {
		n++
	}
	return n
}
