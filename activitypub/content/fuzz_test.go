package content

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Run with: go test -run '^$' -fuzz FuzzSanitize -fuzztime 60s ./activitypub/content/
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<p>hi<script>alert(1)</script></p>`,
		`<scr<script>ipt>alert(1)</scr</script>ipt>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<img src=x onerror=alert(1)>`,
		`<p><a href="https://a.example/">x</p><p>y`,
		`<h1><p>a</p>b</h1><h2>c</h2>`,
		`<svg><style><img src=x onerror=alert(1)></style></svg>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<div>a</div><table><td>b</td></table>`,
		`<ol start=3 reversed><li value=2>x</li></ol><pre>` + "\n\n" + `x</pre>`,
		`<p><span class="h-card" translate="no"><a href="https://mamot.fr/@r" class="u-url mention">@<span>r</span></a></span></p>`,
	} {
		f.Add(s)
	}
	corpus, _ := readCorpus(func(string, ...any) {}) // real content as seeds, when present
	for _, c := range corpus {
		f.Add(c.html)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		if err := checkSafeHTML(out); err != nil {
			t.Fatalf("Sanitize(%q) = %q: %v", in, out, err)
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent for %q:\n once  %q\n twice %q", in, out, again)
		}
		_ = PlainText(in)
	})
}

// Run with: go test -run '^$' -fuzz FuzzFormat -fuzztime 60s ./activitypub/content/
func FuzzFormat(f *testing.F) {
	for _, s := range []string{
		"Hello world",
		"a\nb\n\nc & <d> \"q\" 'x'",
		"see https://example.com/short. and (https://en.wikipedia.org/wiki/Foo_(bar)) ok",
		"@alice @bob@remote.example @Alice jane@acme.example @@x @a@b@c",
		"#Tag #123 #日本語 #foo_bar https://x.org/#notatag #TAG #foohttps://x.org",
		"xmpp:me@chat.example/res. magnet:?xt=urn:btih:abc&dn=x gemini://g.example",
		"https://例え.jp/ありがとう?q=(x) https://a.example:8080/p?q=1#f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Every mention resolves, and shows as @user (see reading).
		resolve := func(u, d string) (Mention, bool) {
			return Mention{Username: u, Href: "https://remote.example/users/" + u}, true
		}
		fm := &Formatter{TagURL: func(tag string) string { return "https://social.example/tags/" + tag }}
		out := fm.Format(in, resolve)
		_ = CountCharacters(in)
		if got := ExtractTags(in); !slices.Equal(got, out.Tags) && utf8.ValidString(in) && !strings.ContainsRune(in, '\r') {
			t.Fatalf("ExtractTags(%q) = %q, Format found %q", in, got, out.Tags)
		}
		clean := Sanitize(out.HTML)
		if err := checkSafeHTML(clean); err != nil {
			t.Fatalf("Format(%q) = %q does not sanitize cleanly: %v", in, out.HTML, err)
		}
		if !utf8.ValidString(in) || strings.IndexFunc(in, isOddRune) >= 0 {
			return // the HTML parser rewrites these, so text comparison is moot
		}
		plain := PlainText(out.HTML)
		if !sameWords(plain, reading(in)) {
			t.Fatalf("Format(%q) reads %q", in, plain)
		}
		if p := PlainText(clean); p != plain {
			t.Fatalf("Sanitize changed the text of Format(%q):\n %q\n %q", in, plain, p)
		}
	})
}

// isOddRune marks control characters (other than whitespace) and
// noncharacters, which HTML parsing replaces or drops.
func isOddRune(r rune) bool {
	return unicode.IsControl(r) && !unicode.IsSpace(r) || r == utf8.RuneError || r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}

// reading is what Format's output should read like: the text, with each
// mention shown as @user.
func reading(in string) string {
	var b strings.Builder
	last := 0
	for _, e := range extractEntities(in, wantAll) {
		if e.kind == entityMention {
			b.WriteString(in[last:e.start])
			b.WriteString("@" + e.username)
			last = e.end
		}
	}
	b.WriteString(in[last:])
	return b.String()
}

// sameWords compares texts ignoring how whitespace is laid out, and the case
// of deduplicated mentions.
func sameWords(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}
