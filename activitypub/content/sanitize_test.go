package content

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// checkSafeHTML parses sanitized output as a browser would and reports the
// first thing that should not be there. It is the oracle for the XSS table,
// the corpus test and FuzzSanitize.
func checkSafeHTML(s string) error {
	lower := strings.ToLower(s)
	if strings.Contains(lower, "<script") {
		return fmt.Errorf("contains <script")
	}
	if m := onAttrRe.FindString(s); m != "" {
		return fmt.Errorf("contains event handler %q", m)
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return err
	}
	var check func(n *html.Node) error
	check = func(n *html.Node) error {
		switch n.Type {
		case html.TextNode:
			return nil
		case html.ElementNode:
		default:
			return fmt.Errorf("node of type %v", n.Type)
		}
		allowed, ok := safeAttrs[n.Data]
		if !ok || n.Namespace != "" {
			return fmt.Errorf("element <%s>", n.Data)
		}
		for _, a := range n.Attr {
			if a.Key != "lang" && !slices.Contains(allowed, a.Key) {
				return fmt.Errorf("attribute %s on <%s>", a.Key, n.Data)
			}
			if a.Key == "class" {
				for _, c := range strings.Fields(a.Val) {
					if !keepClass(c) {
						return fmt.Errorf("class %q kept", c)
					}
				}
			}
		}
		if n.Data == "a" {
			href := attrVal(n, "href")
			u, err := url.Parse(href)
			if err != nil || !slices.Contains(linkSchemes, strings.ToLower(u.Scheme)) {
				return fmt.Errorf("link to %q", href)
			}
			if attrVal(n, "target") != "_blank" {
				return fmt.Errorf("link without target=_blank")
			}
			rel := strings.Fields(attrVal(n, "rel"))
			for _, want := range []string{"nofollow", "noopener", "noreferrer"} {
				if !slices.Contains(rel, want) {
					return fmt.Errorf("link rel %q lacks %s", rel, want)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if err := check(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range nodes {
		if err := check(n); err != nil {
			return err
		}
	}
	return nil
}

var onAttrRe = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)

// safeAttrs is what the sanitized output may contain (lang is allowed
// everywhere); headings must be gone.
var safeAttrs = map[string][]string{
	"p": {"class"}, "br": nil, "span": {"class", "translate"}, "a": {"href", "class", "target", "rel", "translate"},
	"del": nil, "s": nil, "pre": nil, "blockquote": nil, "code": nil, "b": nil, "strong": nil, "u": nil,
	"i": nil, "em": nil, "ul": nil, "ol": {"start", "reversed"}, "li": {"value"}, "ruby": nil, "rt": nil, "rp": nil,
}

func attrVal(n *html.Node, key string) string {
	if a := attr(n, key); a != nil {
		return a.Val
	}
	return ""
}

func TestSanitizeRemovesDangerousMarkup(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // exact output; "" means only the safety checks
		gone     []string
	}{
		{name: "script element", in: `<p>hi<script>alert(1)</script></p>`, want: `<p>hi</p>`, gone: []string{"alert"}},
		{name: "script unclosed", in: `<p>hi</p><script>alert(1)`, want: `<p>hi</p>`, gone: []string{"alert"}},
		{name: "style element", in: `<style>body{display:none}</style><p>x</p>`, want: `<p>x</p>`, gone: []string{"display"}},
		{name: "nested script trick", in: `<scr<script>ipt>alert(1)</scr</script>ipt>`, gone: []string{"<script", "<scr"}},
		{name: "uppercase script", in: `<SCRIPT SRC=//evil.example/x.js></SCRIPT>ok`, want: `ok`},
		{name: "img onerror", in: `<img src=x onerror="alert(1)">text`, want: `text`},
		{name: "onclick on allowed element", in: `<p onclick="alert(1)" onmouseover=alert(2)>x</p>`, want: `<p>x</p>`},
		{name: "javascript href", in: `<a href="javascript:alert(1)">click</a>`, want: `click`},
		{name: "javascript href mixed case and spaces", in: `<a href="  JaVaScRiPt:alert(1)">click</a>`, want: `click`},
		{name: "javascript href with tab", in: "<a href=\"java\tscript:alert(1)\">click</a>", want: `click`},
		{name: "entity-encoded javascript href", in: `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>`, want: `click`},
		{name: "hex-entity javascript href", in: `<a href="&#x6A;avascript&colon;alert(1)">click</a>`, want: `click`},
		{name: "data href", in: `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, want: `x`},
		{name: "vbscript href", in: `<a href="vbscript:msgbox(1)">x</a>`, want: `x`},
		{name: "relative href is unlinked", in: `<a href="/@/Trinity%20/">@Trinity</a>`, want: `@Trinity`},
		{name: "protocol-relative href is unlinked", in: `<a href="//evil.example/">x</a>`, want: `x`},
		{name: "style attribute", in: `<p style="position:fixed;top:0">x</p><span style="color:red">y</span>`, want: `<p>x</p><span>y</span>`},
		{name: "iframe", in: `<iframe src="https://evil.example/"></iframe>after`, want: `after`},
		{name: "iframe text content", in: `<iframe>secret</iframe>after`, want: `after`, gone: []string{"secret"}},
		{name: "svg with script", in: `<svg><script>alert(1)</script><a xlink:href="javascript:alert(2)">x</a></svg>ok`, want: `ok`},
		{name: "math", in: `<math><mi href="javascript:alert(1)">x</mi></math>ok`, want: `ok`},
		{name: "object and embed", in: `<object data="x.swf"></object><embed src="x.swf">ok`, want: `ok`},
		{name: "form elements", in: `<form action="https://evil.example"><input name=p><button>go</button></form>`, want: `go`},
		{name: "meta refresh", in: `<meta http-equiv="refresh" content="0;url=https://evil.example">ok`, want: `ok`},
		{name: "base href", in: `<base href="https://evil.example/">ok`, want: `ok`},
		{name: "comment", in: `a<!-- <script>alert(1)</script> -->b`, want: `ab`},
		{name: "conditional comment", in: `<!--[if IE]><script>alert(1)</script><![endif]-->ok`, want: `ok`},
		{name: "cdata", in: `<![CDATA[<script>alert(1)</script>]]>ok`, gone: []string{"<script"}},
		{name: "unclosed attribute quote", in: `<a href="https://ok.example/ onmouseover="alert(1)">x</a>`},
		{name: "unclosed tag at end", in: `<p>text<a href="https://ok.example/"`, want: `<p>text</p>`},
		{name: "unclosed link does not bleed", in: `<p><a href="https://ok.example/">x</p><p>y</p>`,
			want: `<p><a href="https://ok.example/" target="_blank" rel="nofollow noopener noreferrer">x</a></p><p><a href="https://ok.example/" target="_blank" rel="nofollow noopener noreferrer">y</a></p>`},
		{name: "unclosed bold is closed", in: `<b>bold`, want: `<b>bold</b>`},
		{name: "stray end tags dropped", in: `</div></p>x</li></ul>`, want: `<p></p>x`},
		{name: "target other than _blank", in: `<a href="https://ok.example/" target="_top">x</a>`,
			want: `<a href="https://ok.example/" target="_blank" rel="nofollow noopener noreferrer">x</a>`},
		{name: "rel opener dropped", in: `<a href="https://ok.example/" rel="opener">x</a>`,
			want: `<a href="https://ok.example/" target="_blank" rel="nofollow noopener noreferrer">x</a>`},
		{name: "translate only no", in: `<span translate="yes">a</span><span translate="no">b</span>`, want: `<span>a</span><span translate="no">b</span>`},
		{name: "data attributes", in: `<a href="https://ok.example/" data-user="x" title="t" id="i">x</a>`,
			want: `<a href="https://ok.example/" target="_blank" rel="nofollow noopener noreferrer">x</a>`},
		{name: "doctype and html wrapper", in: `<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>`, want: `<p>x</p>`},
		{name: "noscript", in: `<noscript><p>hidden</p></noscript>shown`, want: `shown`},
		{name: "template", in: `<template><p>hidden</p></template>shown`, want: `shown`},
		{name: "textarea and title end tricks", in: `<textarea></textarea><script>alert(1)</script></textarea>ok`, gone: []string{"alert"}},
		{name: "entities in text stay text", in: `&lt;script&gt;alert(1)&lt;/script&gt;`, want: `&lt;script&gt;alert(1)&lt;/script&gt;`},
		{name: "lang kept when well-formed", in: `<p lang="en-GB">x</p><p lang="x onmouseover=y">z</p>`, want: `<p lang="en-GB">x</p><p>z</p>`},
		{name: "list attributes", in: `<ol start="3" reversed type="a"><li value="7" class="x">a</li></ol>`,
			want: `<ol start="3" reversed=""><li value="7">a</li></ol>`},
		{name: "list attribute values must be numbers", in: `<ol start="x"><li value="1e9999">a</li></ol>`, want: `<ol><li>a</li></ol>`},
		{name: "unknown elements keep their text", in: `<div><font color=red>red</font> <marquee>go</marquee></div>`, want: `red go`},
		{name: "table keeps text only, words apart", in: `<table><tr><td>a</td><td>b</td></tr></table>`, want: `a b`},
		{name: "dropped blocks keep words apart", in: `<div>one</div><div>two</div><figure><figcaption>three</figcaption></figure> <div><b>four</b></div>`,
			want: `one two three <b>four</b>`},
		{name: "safe schemes kept", in: `<a href="gemini://g.example/">g</a> <a href="magnet:?xt=urn:btih:abc">m</a>`,
			want: `<a href="gemini://g.example/" target="_blank" rel="nofollow noopener noreferrer">g</a> <a href="magnet:?xt=urn:btih:abc" target="_blank" rel="nofollow noopener noreferrer">m</a>`},
		{name: "mailto is not a link scheme", in: `<a href="mailto:a@b.example">mail</a>`, want: `mail`},
		{name: "empty", in: ``, want: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			if err := checkSafeHTML(got); err != nil {
				t.Errorf("Sanitize(%q) = %q: %v", tt.in, got, err)
			}
			if tt.want != "" || tt.in == "" {
				if got != tt.want {
					t.Errorf("Sanitize(%q)\n got  %q\n want %q", tt.in, got, tt.want)
				}
			}
			for _, g := range tt.gone {
				if strings.Contains(got, g) {
					t.Errorf("Sanitize(%q) = %q still contains %q", tt.in, got, g)
				}
			}
			if again := Sanitize(got); again != got {
				t.Errorf("Sanitize is not idempotent:\n once  %q\n twice %q", got, again)
			}
		})
	}
}

func TestSanitizeKeepsMastodonMarkup(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" means unchanged
	}{
		{name: "paragraphs and line breaks", in: `<p>one<br />two</p><p>three</p>`},
		{name: "shortened link",
			in: `<p><a href="https://kde.org/donate/" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">kde.org/donate/</span><span class="invisible"></span></a></p>`},
		{name: "long link with ellipsis",
			in: `<p><a href="https://fedibird.com/@yamako/107699333438289729" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="ellipsis">fedibird.com/@yamako/107699333</span><span class="invisible">438289729</span></a></p>`},
		{name: "mention h-card",
			in:   `<p><span class="h-card" translate="no"><a href="https://mamot.fr/@retiolus" class="u-url mention">@<span>retiolus</span></a></span> hi</p>`,
			want: `<p><span class="h-card" translate="no"><a href="https://mamot.fr/@retiolus" class="u-url mention" target="_blank" rel="nofollow noopener noreferrer">@<span>retiolus</span></a></span> hi</p>`},
		{name: "hashtag",
			in:   `<p><a href="https://mastodon.social/tags/Prague" class="mention hashtag" rel="tag">#<span>Prague</span></a></p>`,
			want: `<p><a href="https://mastodon.social/tags/Prague" class="mention hashtag" target="_blank" rel="tag nofollow noopener noreferrer">#<span>Prague</span></a></p>`},
		{name: "quote-inline", in: `<p>x<span class="quote-inline"><br />RE: y</span></p>`},
		{name: "formatting", in: `<p><b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <s>s</s> <del>d</del> <code>c</code></p><pre><code>x = 1</code></pre><blockquote><p>q</p></blockquote><ul><li>a</li></ul><ol start="2" reversed=""><li value="5">b</li></ol>`},
		{name: "ruby", in: `<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>`},
		{name: "headings downgraded", in: `<h1>Title</h1><h4 lang="en">Sub</h4><p>x</p>`, want: `<p><strong>Title</strong></p><p><strong lang="en">Sub</strong></p><p>x</p>`},
		{name: "heading holding a block is unwrapped", in: `<h2><p>a</p>b</h2>`, want: `<p>a</p>b`},
		{name: "class filtering", in: `<p class="foo e-content bar">x <span class="status-url-link invisible h-entry">y</span> <a href="https://a.example/" class="zrl u-url p-name dt-x mention hashtag ellipsis">z</a></p>`,
			want: `<p class="e-content">x <span class="invisible h-entry">y</span> <a href="https://a.example/" class="u-url p-name dt-x mention hashtag ellipsis" target="_blank" rel="nofollow noopener noreferrer">z</a></p>`},
		{name: "class emptied but kept like Mastodon", in: `<span class="foo">x</span>`, want: `<span class="">x</span>`},
		{name: "rel values kept and completed", in: `<a href="https://a.example/" rel="external ugc NoFollow">x</a>`,
			want: `<a href="https://a.example/" target="_blank" rel="external ugc nofollow noopener noreferrer">x</a>`},
		{name: "entities normalized, text kept", in: `<p>the name&apos;s jond &amp; &quot;bond&quot; &lt;3 &nbsp;ok</p>`,
			want: "<p>the name&#39;s jond &amp; &#34;bond&#34; &lt;3 \u00a0ok</p>"},
		{name: "pre keeps a leading newline that is content", in: "<pre>\n\nx\n</pre>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				want = tt.in
			}
			got := Sanitize(tt.in)
			if got != want {
				t.Errorf("Sanitize(%q)\n got  %q\n want %q", tt.in, got, want)
			}
			if err := checkSafeHTML(got); err != nil {
				t.Error(err)
			}
			if again := Sanitize(got); again != got {
				t.Errorf("not idempotent: %q", again)
			}
		})
	}
}

// TestSanitizeConcurrent lets the race detector see the shared policy in use.
func TestSanitizeConcurrent(t *testing.T) {
	const in = `<p><a href="https://a.example/" class="mention">@<span>a</span></a><script>x</script></p>`
	want := Sanitize(in)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := Sanitize(in); got != want {
					t.Errorf("got %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestSanitizeDeepNesting: the HTML parser gives up past 512 open elements;
// the post must then keep its text rather than vanish.
func TestSanitizeDeepNesting(t *testing.T) {
	in := strings.Repeat("<blockquote>", 600) + "deep <b>words</b>" + strings.Repeat("</blockquote>", 600) + "<p>after</p>"
	got := Sanitize(in)
	if err := checkSafeHTML(got); err != nil {
		t.Fatal(err)
	}
	if want := "<p>deep words</p><p>after</p>"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if Sanitize(got) != got {
		t.Errorf("not idempotent")
	}
}
