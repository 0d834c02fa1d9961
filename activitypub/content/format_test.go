package content

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// testFormatter is the instance social.example with accounts on
// acme.example, as Kontor's host/account-domain split allows.
var testFormatter = &Formatter{
	TagURL:      func(tag string) string { return "https://social.example/tags/" + url.PathEscape(tag) },
	LocalDomain: "acme.example",
}

// testResolver knows local alice and carol, bob on remote.example and alice
// on other.example; everyone else is unknown.
func testResolver(username, domain string) (Mention, bool) {
	switch strings.ToLower(username) + "@" + strings.ToLower(domain) {
	case "alice@":
		return Mention{Username: "alice", Href: "https://social.example/users/alice", URL: "https://social.example/@alice"}, true
	case "carol@":
		return Mention{Username: "carol", Href: "https://social.example/users/carol"}, true
	case "bob@remote.example":
		return Mention{Username: "Bob", Domain: "remote.example", Href: "https://remote.example/users/bob", URL: "https://remote.example/@Bob"}, true
	case "alice@other.example":
		return Mention{Username: "alice", Domain: "other.example", Href: "https://other.example/ap/alice"}, true
	case "mallory@evil.example":
		return Mention{Username: "mallory", Domain: "evil.example", Href: "javascript:alert(1)", URL: "javascript:alert(2)"}, true
	}
	return Mention{}, false
}

const (
	aliceHTML = `<span class="h-card" translate="no"><a href="https://social.example/@alice" class="u-url mention">@<span>alice</span></a></span>`
	bobHTML   = `<span class="h-card" translate="no"><a href="https://remote.example/@Bob" class="u-url mention">@<span>Bob</span></a></span>`
	carolHTML = `<span class="h-card" translate="no"><a href="https://social.example/users/carol" class="u-url mention">@<span>carol</span></a></span>`
)

func TestFormatHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text", "Hello world", `<p>Hello world</p>`},
		{"empty", "", ``},
		{"only whitespace", " \n\t\n ", ``},
		{"trimmed", "\n\n  hi  \n\n", `<p>hi</p>`},
		{"line break", "one\ntwo", `<p>one<br />two</p>`},
		{"paragraphs", "one\n\ntwo\n\n\n\nthree", `<p>one</p><p>two</p><p>three</p>`},
		{"blank line with spaces", "one\n  \t\ntwo", `<p>one</p><p>two</p>`},
		{"spaces kept around a line break", "one \n two", `<p>one <br /> two</p>`},
		{"CRLF and CR", "a\r\nb\r\n\r\nc\rd", `<p>a<br />b</p><p>c<br />d</p>`},
		{"escaping", `<script>alert("x") & 'y'</script>`, `<p>&lt;script&gt;alert(&#34;x&#34;) &amp; &#39;y&#39;&lt;/script&gt;</p>`},
		{"entities are not decoded", `&lt; &amp;amp;`, `<p>&amp;lt; &amp;amp;amp;</p>`},
		{"URL",
			"see https://example.com/short",
			`<p>see <a href="https://example.com/short" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">example.com/short</span><span class="invisible"></span></a></p>`},
		{"URL with trailing period",
			"Go to http://example.com/a.",
			`<p>Go to <a href="http://example.com/a" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">http://</span><span class="">example.com/a</span><span class="invisible"></span></a>.</p>`},
		{"URL in parentheses",
			"(https://example.com/a)",
			`<p>(<a href="https://example.com/a" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">example.com/a</span><span class="invisible"></span></a>)</p>`},
		{"long URL with www is shortened",
			"https://www.example.com/a/very/long/path/that/goes/on?x=1&y=2",
			`<p><a href="https://www.example.com/a/very/long/path/that/goes/on?x=1&amp;y=2" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://www.</span><span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">hat/goes/on?x=1&amp;y=2</span></a></p>`},
		{"URL of exactly 30 characters is not shortened",
			"https://abcdefghijklmnopqrstuvwxyz.com",
			`<p><a href="https://abcdefghijklmnopqrstuvwxyz.com" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">abcdefghijklmnopqrstuvwxyz.com</span><span class="invisible"></span></a></p>`},
		{"shortening counts characters, not bytes",
			"https://例え.jp/ありがとうございますありがとうございますありがとうございます",
			`<p><a href="https://例え.jp/ありがとうございますありがとうございますありがとうございます" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="ellipsis">例え.jp/ありがとうございますありがとうございますありがと</span><span class="invisible">うございます</span></a></p>`},
		{"local mention", "hi @alice!", `<p>hi ` + aliceHTML + `!</p>`},
		{"remote mention uses the resolved name", "@bob@Remote.Example hello", `<p>` + bobHTML + ` hello</p>`},
		{"mention of the account domain is local", "@carol@ACME.example", `<p>` + carolHTML + `</p>`},
		{"unresolved mentions stay text", "@nobody and @nobody@nowhere.example", `<p>@nobody and @nobody@nowhere.example</p>`},
		{"unsafe profile URL is not linked", "@mallory@evil.example", `<p>@mallory@evil.example</p>`},
		{"email is not a mention", "mail jane@acme.example", `<p>mail jane@acme.example</p>`},
		{"same username on two servers shows domains",
			"@alice @alice@other.example",
			`<p>` + aliceHTML + ` <span class="h-card" translate="no"><a href="https://other.example/ap/alice" class="u-url mention">@<span>alice@other.example</span></a></span></p>`},
		{"hashtag keeps the user's case",
			"I like #GoLang",
			`<p>I like <a href="https://social.example/tags/golang" class="mention hashtag" rel="tag">#<span>GoLang</span></a></p>`},
		{"unicode hashtag",
			"#Kraków",
			`<p><a href="https://social.example/tags/krak%C3%B3w" class="mention hashtag" rel="tag">#<span>Kraków</span></a></p>`},
		{"digits-only hashtag is text", "#2024 #1", `<p>#2024 #1</p>`},
		{"hashtag inside a URL is not a hashtag",
			"https://example.com/page#section",
			`<p><a href="https://example.com/page#section" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">example.com/page#section</span><span class="invisible"></span></a></p>`},
		{"mixed",
			"@alice look: https://example.com/x #Cats\n\n@nobody <3",
			`<p>` + aliceHTML + ` look: <a href="https://example.com/x" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">example.com/x</span><span class="invisible"></span></a> <a href="https://social.example/tags/cats" class="mention hashtag" rel="tag">#<span>Cats</span></a></p><p>@nobody &lt;3</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testFormatter.Format(tt.in, testResolver).HTML
			if got != tt.want {
				t.Errorf("Format(%q)\n got  %s\n want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatCollects(t *testing.T) {
	tests := []struct {
		name, in  string
		mentions  []string // username@domain of the resolved mentions
		tags      []string
		links     []string
		linkCount int // <a> elements in the HTML
	}{
		{name: "nothing", in: "just words", linkCount: 0},
		{name: "mentions deduplicated in order",
			in:       "@bob@remote.example @alice @nobody @Alice @BOB@remote.example @carol@acme.example",
			mentions: []string{"Bob@remote.example", "alice@", "carol@"}, linkCount: 5},
		{name: "tags normalized and deduplicated",
			in:   "#Go #go #GO #Ünïcode #ÜNÏCODE #foo_bar #1_2 #123",
			tags: []string{"go", "ünïcode", "foo_bar", "1_2"}, linkCount: 7},
		{name: "links deduplicated, only http(s)",
			in:        "https://a.example/1 http://b.example https://a.example/1 gemini://c.example/ xmpp:me@d.example",
			links:     []string{"https://a.example/1", "http://b.example"},
			linkCount: 5},
		{name: "nothing inside URLs",
			in:        "https://example.com/?q=#notag&u=.@alice https://example.com/tags/#x",
			links:     []string{"https://example.com/?q=#notag&u=.@alice", "https://example.com/tags/#x"},
			linkCount: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := testFormatter.Format(tt.in, testResolver)
			var mentions []string
			for _, m := range out.Mentions {
				mentions = append(mentions, m.Username+"@"+m.Domain)
				if m.Href == "" {
					t.Errorf("mention %v has no Href", m)
				}
			}
			if !slices.Equal(mentions, tt.mentions) {
				t.Errorf("Mentions = %q, want %q", mentions, tt.mentions)
			}
			if !slices.Equal(out.Tags, tt.tags) {
				t.Errorf("Tags = %q, want %q", out.Tags, tt.tags)
			}
			if !slices.Equal(out.Links, tt.links) {
				t.Errorf("Links = %q, want %q", out.Links, tt.links)
			}
			if n := strings.Count(out.HTML, "<a "); n != tt.linkCount {
				t.Errorf("%d links in %s, want %d", n, out.HTML, tt.linkCount)
			}
			if got := ExtractTags(tt.in); !slices.Equal(got, out.Tags) {
				t.Errorf("ExtractTags = %q, Format found %q", got, out.Tags)
			}
		})
	}
}

func TestFormatResolvesEachMentionOnce(t *testing.T) {
	calls := map[string]int{}
	resolve := func(u, d string) (Mention, bool) {
		calls[u+"@"+d]++
		return testResolver(u, d)
	}
	testFormatter.Format("@alice @Alice @alice@acme.example @nobody @nobody @bob@remote.example", resolve)
	want := map[string]int{"alice@": 1, "nobody@": 1, "bob@remote.example": 1}
	if len(calls) != len(want) {
		t.Fatalf("calls = %v, want %v", calls, want)
	}
	for k, n := range want {
		if calls[k] != n {
			t.Errorf("resolver called %d times for %s, want %d (all calls: %v)", calls[k], k, n, calls)
		}
	}
}

func TestFormatZeroConfig(t *testing.T) {
	var f *Formatter // nil works like the zero value
	out := f.Format("#tag @alice@acme.example https://x.example", nil)
	want := `<p>#tag @alice@acme.example <a href="https://x.example" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">x.example</span><span class="invisible"></span></a></p>`
	if out.HTML != want {
		t.Errorf("got  %s\nwant %s", out.HTML, want)
	}
	if !slices.Equal(out.Tags, []string{"tag"}) || len(out.Mentions) != 0 {
		t.Errorf("Tags %q, Mentions %v", out.Tags, out.Mentions)
	}
	// Without LocalDomain, @user@domain is asked for as a remote account.
	var got string
	(&Formatter{}).Format("@alice@acme.example", func(u, d string) (Mention, bool) { got = d; return Mention{}, false })
	if got != "acme.example" {
		t.Errorf("domain passed to resolver = %q", got)
	}
}

func TestFormatProfileNoteMatchesFormat(t *testing.T) {
	in := "Go programmer at @alice's. #golang https://example.com"
	if a, b := testFormatter.FormatProfileNote(in, testResolver), testFormatter.Format(in, testResolver); a.HTML != b.HTML {
		t.Errorf("note %s\nstatus %s", a.HTML, b.HTML)
	}
}

func TestFormatFieldValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain & <simple>", `plain &amp; &lt;simple&gt;`},
		{"  https://example.com/me  ",
			`<a href="https://example.com/me" target="_blank" rel="nofollow noopener noreferrer me" translate="no"><span class="invisible">https://</span><span class="">example.com/me</span><span class="invisible"></span></a>`},
		{"xmpp:me@chat.example #nottag @notmention",
			`<a href="xmpp:me@chat.example" target="_blank" rel="nofollow noopener noreferrer me" translate="no"><span class="invisible">xmpp:</span><span class="">me@chat.example</span><span class="invisible"></span></a> #nottag @notmention`},
		{"", ``},
	}
	for _, tt := range tests {
		if got := FormatFieldValue(tt.in); got != tt.want {
			t.Errorf("FormatFieldValue(%q)\n got  %s\n want %s", tt.in, got, tt.want)
		}
	}
}

// TestFormatSurvivesSanitize: local HTML goes through the same policy when it
// comes back from other servers, so nothing Format writes may be dropped.
func TestFormatSurvivesSanitize(t *testing.T) {
	in := "@alice @bob@remote.example #Tag https://www.example.com/a/very/long/path/that/goes/on?x=1&y=2\n\nxmpp:me@chat.example <b>"
	out := testFormatter.Format(in, testResolver).HTML
	clean := Sanitize(out)
	if err := checkSafeHTML(clean); err != nil {
		t.Fatal(err)
	}
	if PlainText(clean) != PlainText(out) {
		t.Errorf("text changed:\n%q\n%q", PlainText(out), PlainText(clean))
	}
	if strings.Count(clean, "<a ") != strings.Count(out, "<a ") || strings.Count(clean, "<span") != strings.Count(out, "<span") {
		t.Errorf("markup lost:\n%s\n%s", out, clean)
	}
}
