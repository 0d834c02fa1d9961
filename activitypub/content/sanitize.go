package content

import (
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// allowedElements is Mastodon's MASTODON_STRICT element list plus headings,
// which Sanitize downgrades to <p><strong> afterwards, as Mastodon does.
var allowedElements = []string{
	"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em",
	"ul", "ol", "li", "ruby", "rt", "rp",
	"h1", "h2", "h3", "h4", "h5", "h6",
}

// linkSchemes are the href schemes a remote link may keep (Mastodon's
// LINK_PROTOCOLS). Anything else, relative links included, loses its link
// and keeps its text.
var linkSchemes = []string{
	"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
}

// remotePolicy is the one bluemonday policy for HTML from other servers. It is
// built on first use; a built policy is safe for concurrent use.
var remotePolicy = sync.OnceValue(func() *bluemonday.Policy {
	integer := regexp.MustCompile(`^-?[0-9]{1,9}$`)
	p := bluemonday.NewPolicy()
	p.AllowElements(allowedElements...)
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes(linkSchemes...)
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowAttrs("rel").OnElements("a")
	p.AllowAttrs("target").Matching(regexp.MustCompile(`^_blank$`)).OnElements("a")
	p.AllowAttrs("class").OnElements("a", "span", "p")
	p.AllowAttrs("translate").Matching(regexp.MustCompile(`^no$`)).OnElements("a", "span")
	p.AllowAttrs("start").Matching(integer).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`^(?i:reversed)?$`)).OnElements("ol")
	p.AllowAttrs("value").Matching(integer).OnElements("li")
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)).Globally()
	// Mastodon drops these with their content; bluemonday already does so
	// for script, style, iframe, noscript and a few more.
	p.SkipElementsContent("math", "svg", "xmp", "plaintext", "template")
	return p
})

// Sanitize makes HTML from another server safe to store and show: only
// Mastodon's elements and attributes survive, links keep only safe schemes and
// open in a new tab with rel="nofollow noopener noreferrer", classes are cut
// down to the ones Mastodon keeps, headings become <p><strong>, and the result
// is well-formed, so an unclosed <a> or <b> cannot bleed into the page around
// it. The text of script and style elements is dropped, not shown.
func Sanitize(s string) string {
	if s == "" {
		return ""
	}
	clean := remotePolicy().Sanitize(spaceOutBlocks(s))
	// bluemonday filters tokens, not trees: re-parse its output as a browser
	// would, fix up what needs structure, and render it balanced.
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(clean), root)
	if err != nil {
		// The parser refuses nesting deeper than 512 elements. Keep what
		// the post says, as text, rather than losing it all.
		return textToHTML(PlainText(clean))
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	tidy(root)
	var b strings.Builder
	b.Grow(len(clean) + len(clean)/8)
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		render(&b, c)
	}
	return b.String()
}

// spaceOutBlocks keeps words apart where the policy drops a block element,
// as the Ruby Sanitize gem does for Mastodon (whitespace_elements): without
// it "<div>a</div><div>b</div>" would read "ab". It adds at most one space
// before a text that follows such a tag, only between two words, and copies
// every token's bytes as they were, so the policy sees the same markup.
func spaceOutBlocks(s string) string {
	if !mayHaveDroppedBlock(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	z := html.NewTokenizer(strings.NewReader(s))
	needSpace, wordBefore := false, false
	for {
		tt := z.Next()
		raw := z.Raw()
		switch tt {
		case html.ErrorToken:
			b.Write(raw)
			return b.String()
		case html.TextToken:
			if len(raw) == 0 {
				continue
			}
			if needSpace && wordBefore && !isHTMLSpace(rune(raw[0])) {
				b.WriteByte(' ')
			}
			needSpace = false
			wordBefore = !isHTMLSpace(rune(raw[len(raw)-1]))
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			if name, _ := z.TagName(); isDroppedBlock(atom.Lookup(name)) {
				needSpace = true
			}
		}
		b.Write(raw)
	}
}

// mayHaveDroppedBlock looks for a tag named like a dropped block without
// tokenizing, so Mastodon-shaped HTML skips the extra pass. A miss only costs
// a space between two words, never safety: the policy runs either way.
func mayHaveDroppedBlock(s string) bool {
	var name [12]byte
	for i := strings.IndexByte(s, '<'); i >= 0; {
		j := i + 1
		if j < len(s) && s[j] == '/' {
			j++
		}
		n := 0
		for ; j < len(s) && n < len(name) && isASCIIAlnum(rune(s[j])); j++ {
			name[n] = s[j] | 0x20 // ASCII lower case; digits are unaffected
			n++
		}
		if n > 0 && isDroppedBlock(atom.Lookup(name[:n])) {
			return true
		}
		k := strings.IndexByte(s[j:], '<')
		if k < 0 {
			return false
		}
		i = j + k
	}
	return false
}

func isDroppedBlock(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Caption, atom.Center, atom.Dd, atom.Details, atom.Dialog,
		atom.Div, atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form,
		atom.Header, atom.Hgroup, atom.Hr, atom.Main, atom.Nav, atom.Section, atom.Summary, atom.Table,
		atom.Tbody, atom.Td, atom.Tfoot, atom.Th, atom.Thead, atom.Tr:
		return true
	}
	return false
}

// textToHTML renders plain text as paragraphs and line breaks.
func textToHTML(text string) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("<p>")
	writeParagraphs(&b, text)
	b.WriteString("</p>")
	return b.String()
}

// tidy applies the Mastodon rules bluemonday cannot express, children first.
func tidy(parent *html.Node) {
	for c := parent.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.TextNode:
		case html.ElementNode:
			tidy(c)
			switch c.DataAtom {
			case atom.A:
				if attr(c, "href") == nil {
					unwrap(c) // its href was unsafe: keep the text, as Mastodon does
					break
				}
				filterClass(c)
				forceLinkAttrs(c)
			case atom.Span, atom.P:
				filterClass(c)
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				downgradeHeading(c)
			}
		default:
			parent.RemoveChild(c) // comments and doctypes; bluemonday drops them already
		}
		c = next
	}
}

// filterClass keeps Mastodon's classes: microformats (h-, p-, u-, dt-, e-),
// mention, hashtag, ellipsis, invisible and quote-inline. Like Mastodon it
// keeps an emptied class attribute, so its own link markup survives as is.
func filterClass(n *html.Node) {
	a := attr(n, "class")
	if a == nil {
		return
	}
	var kept []string
	for _, c := range strings.FieldsFunc(a.Val, isHTMLSpace) {
		if keepClass(c) {
			kept = append(kept, c)
		}
	}
	a.Val = strings.Join(kept, " ")
}

func keepClass(c string) bool {
	switch c {
	case "mention", "hashtag", "ellipsis", "invisible", "quote-inline":
		return true
	}
	for _, p := range []string{"h-", "p-", "u-", "dt-", "e-"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// linkAttrOrder is the order of a link's attributes after Sanitize: the
// parser sorts a formatting element's attributes, and this order leaves
// Mastodon's own link markup byte-for-byte as it was.
var linkAttrOrder = []string{"href", "class", "target", "rel", "translate", "lang"}

// forceLinkAttrs makes every link open in a new tab and carry
// nofollow noopener noreferrer, keeping other well-formed rel values (tag, me).
func forceLinkAttrs(n *html.Node) {
	var rel []string
	if a := attr(n, "rel"); a != nil {
		for _, v := range strings.FieldsFunc(strings.ToLower(a.Val), isHTMLSpace) {
			if v != "opener" && isRelToken(v) {
				rel = appendUnique(rel, v)
			}
		}
	}
	for _, v := range []string{"nofollow", "noopener", "noreferrer"} {
		rel = appendUnique(rel, v)
	}
	setAttr(n, "target", "_blank")
	setAttr(n, "rel", strings.Join(rel, " "))
	ordered := make([]html.Attribute, 0, len(n.Attr))
	for _, k := range linkAttrOrder {
		if a := attr(n, k); a != nil {
			ordered = append(ordered, *a)
		}
	}
	n.Attr = ordered // the policy allows no other attribute on <a>
}

func isRelToken(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return v != ""
}

// downgradeHeading turns <hN> into <p><strong>, as Mastodon does, so a remote
// article's title does not shout in a timeline. A heading that holds blocks
// (which <strong> may not) is simply unwrapped.
func downgradeHeading(n *html.Node) {
	if hasBlock(n) {
		unwrap(n)
		return
	}
	n.Data, n.DataAtom = "strong", atom.Strong
	p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
	n.Parent.InsertBefore(p, n)
	n.Parent.RemoveChild(n)
	p.AppendChild(n)
}

func hasBlock(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.P, atom.Ul, atom.Ol, atom.Li, atom.Blockquote, atom.Pre,
			atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			return true
		}
		if hasBlock(c) {
			return true
		}
	}
	return false
}

// unwrap replaces n by its children.
func unwrap(n *html.Node) {
	parent := n.Parent
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		parent.InsertBefore(c, n)
		c = next
	}
	parent.RemoveChild(n)
}

func attr(n *html.Node, key string) *html.Attribute {
	for i := range n.Attr {
		if n.Attr[i].Key == key && n.Attr[i].Namespace == "" {
			return &n.Attr[i]
		}
	}
	return nil
}

func setAttr(n *html.Node, key, val string) {
	if a := attr(n, key); a != nil {
		a.Val = val
		return
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

// isAllowedElement guards the renderer: only elements the policy allows (and
// headings were already renamed) are written as tags.
func isAllowedElement(name string) bool {
	for _, e := range allowedElements {
		if e == name {
			return true
		}
	}
	return false
}

// render writes a tidied tree. html.Render would do, but it writes <br/>
// where Mastodon writes <br />, and owning the few lines keeps the output
// byte-stable for content that was already clean.
func render(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		writeEscaped(b, n.Data)
		return
	case html.ElementNode:
	default:
		return
	}
	if !isAllowedElement(n.Data) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			render(b, c)
		}
		return
	}
	b.WriteByte('<')
	b.WriteString(n.Data)
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteString(`="`)
		writeEscaped(b, a.Val)
		b.WriteByte('"')
	}
	if n.DataAtom == atom.Br {
		b.WriteString(" />")
		return
	}
	b.WriteByte('>')
	// The parser drops a newline right after <pre>; keep one that was content.
	if n.DataAtom == atom.Pre {
		if c := n.FirstChild; c != nil && c.Type == html.TextNode && strings.HasPrefix(c.Data, "\n") {
			b.WriteByte('\n')
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		render(b, c)
	}
	b.WriteString("</")
	b.WriteString(n.Data)
	b.WriteByte('>')
}
