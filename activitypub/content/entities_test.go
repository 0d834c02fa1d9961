package content

import (
	"slices"
	"strings"
	"testing"
)

func extractKind(text string, kind entityKind) []string {
	var out []string
	for _, e := range extractEntities(text, wantAll) {
		if e.kind == kind {
			out = append(out, text[e.start:e.end])
		}
	}
	return out
}

func TestExtractURLs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://example.com", []string{"https://example.com"}},
		{"HTTPS://EXAMPLE.COM/X", []string{"HTTPS://EXAMPLE.COM/X"}},
		{"no scheme: example.com or www.example.com", nil},
		{"end of sentence https://example.com/a.", []string{"https://example.com/a"}},
		{"https://example.com/a, https://example.com/b; https://example.com/c: https://example.com/d! https://example.com/e?",
			[]string{"https://example.com/a", "https://example.com/b", "https://example.com/c", "https://example.com/d", "https://example.com/e"}},
		{"quoted \"https://example.com/q\" and 'https://example.com/s'", []string{"https://example.com/q", "https://example.com/s"}},
		{"(https://example.com/a)", []string{"https://example.com/a"}},
		{"(see https://en.wikipedia.org/wiki/Foo_(bar))", []string{"https://en.wikipedia.org/wiki/Foo_(bar)"}},
		{"https://example.com/a_(b_(c))_d", []string{"https://example.com/a_(b_(c))_d"}},
		{"https://example.com/a_(b_(c)(d))", []string{"https://example.com/a_"}},
		{"https://example.com/()", []string{"https://example.com/"}},
		{"https://example.com/path/", []string{"https://example.com/path/"}},
		{"https://example.com:8443/x?y=1&z=2#frag", []string{"https://example.com:8443/x?y=1&z=2#frag"}},
		{"https://example.com/search?q=a+b.", []string{"https://example.com/search?q=a+b"}},
		{"is it https://example.com?", []string{"https://example.com"}},
		// Mastodon's query grammar may not end in ')', balanced or not.
		{"https://example.com/?q=(x)", []string{"https://example.com/?q=(x"}},
		{"https://example.com#frag", []string{"https://example.com"}},
		{"<https://example.com/a>", []string{"https://example.com/a"}},
		{"https://例え.jp/パス。", []string{"https://例え.jp/パス。"}},
		{"https://例え.jp、です", []string{"https://例え.jp"}},
		{"https://xn--r8jz45g.xn--q9jyb4c/", []string{"https://xn--r8jz45g.xn--q9jyb4c/"}},
		{"https://sub_domain.my-site.example.org/", []string{"https://sub_domain.my-site.example.org/"}},
		{"https://localhost:3000/ http://192.168.1.1/ https://example.1", nil},
		{"https://user:pw@example.com/ https://example.com-x", nil},
		{"https://example.com.x1/ok", []string{"https://example.com"}},
		{"glued:xhttps://example.com or 1https://example.com or @https://example.com", nil},
		{"ok.https://example.com", []string{"https://example.com"}},
		{"https://a.example/https://b.example/", []string{"https://a.example/https://b.example/"}},
		{"gemini://g.example/x dat://d.example/ gopher://h.example ipfs://i.example", []string{"gemini://g.example/x", "dat://d.example/", "gopher://h.example", "ipfs://i.example"}},
		{"ftp://example.com/ mailto:a@b.example javascript:alert(1)", nil},
		{"xmpp:me@chat.example/phone. and xmpp:room.example?join", []string{"xmpp:me@chat.example/phone", "xmpp:room.example?join"}},
		{"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=x. magnet:?", []string{"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=x"}},
		{"https://", nil},
	}
	for _, tt := range tests {
		if got := extractKind(tt.in, entityURL); !slices.Equal(got, tt.want) {
			t.Errorf("URLs in %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExtractMentions(t *testing.T) {
	tests := []struct {
		in   string
		want []string // username@domain
	}{
		{"@alice", []string{"alice@"}},
		{"hi @alice, @bob@remote.example.", []string{"alice@", "bob@remote.example"}},
		{"@Alice_99@Sub.Domain-Name.example", []string{"Alice_99@Sub.Domain-Name.example"}},
		{"@foo.bar@misskey.example @a-b", []string{"foo.bar@misskey.example", "a-b@"}},
		{"@alice.", []string{"alice@"}},
		{"(@alice)", []string{"alice@"}},
		{"jane@acme.example and x@y", nil},
		{"=@alice /@alice _@alice é@alice", nil},
		{"@alice@", nil},
		{"@alice@bob@carol", nil},
		{"@josé", nil},
		{"@alice://x", nil},
		{"@", nil},
		{"@@alice", []string{"alice@"}}, // '@' is not in MENTION_RE's look-behind
		{"@alice@пример.рф", []string{"alice@пример.рф"}},
		{"日本@alice", nil},
		{"日本 @alice", []string{"alice@"}},
		{"https://mastodon.example/@alice", nil},
		{"https://example.com/a.@alice", nil},
		// Ports, for instances on development hosts.
		{"hi @bob@127.0.0.1:8080 there", []string{"bob@127.0.0.1:8080"}},
		{"@bob@host.example:443.", []string{"bob@host.example:443"}},
		{"@bob@host.example: hi", []string{"bob@host.example"}},
		{"@bob@host.example:80x", []string{"bob@host.example"}},
		{"@bob@host.example:123456", []string{"bob@host.example"}},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range extractEntities(tt.in, wantAll) {
			if e.kind == entityMention {
				got = append(got, e.username+"@"+e.domain)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("mentions in %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExtractTags(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"#tag", []string{"tag"}},
		{"#Tag, #tag. #TAG!", []string{"tag"}},
		{"#日本語 #Ünïcode #Кириллица #ελληνικά", []string{"日本語", "ünïcode", "кириллица", "ελληνικά"}},
		{"#123 #1 #2024", nil},
		{"#123abc #a1 #1_2 #_a #1_", []string{"123abc", "a1", "1_2", "_a"}},
		{"#foo·bar #foo· #·foo", []string{"foo·bar", "foo"}},
		{"#foo_ #_ #___", []string{"foo_", "___"}},
		{"a#tag &#123; /#tag )#tag _#tag 1#tag", nil},
		{"(#tag) \"#tag2\" !#tag3", []string{"tag", "tag2", "tag3"}},
		{"日本語#タグ café#tag", []string{"タグ", "tag"}},
		{"#foo#bar", []string{"foo"}},
		{"https://example.com/?q=#notag https://example.com/#notag2", nil},
		{"#foohttps://example.com", []string{"foo"}},
		{"#https://example.com", []string{"https"}},
		{"# tag #", nil},
		{"#café and #CAFE\u0301", []string{"café"}}, // decomposed é normalizes to the same tag
	}
	for _, tt := range tests {
		if got := ExtractTags(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ExtractTags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Tag", "tag"},
		{"#Tag", "tag"},
		{"  ##GoLang ", "golang"},
		{"ÜNÏCODE", "ünïcode"},
		{"Cafe\u0301", "café"},
		{"日本語", "日本語"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeTag(tt.in); got != tt.want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCountCharacters(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", 200)
	tests := []struct {
		name, in string
		want     int
	}{
		{"empty", "", 0},
		{"ascii", "hello", 5},
		{"short URL counts 23", "https://x.co", 23},
		{"long URL counts 23", long, 23},
		{"URL with text", "see " + long + " ok", 4 + 23 + 3},
		{"URL trailing punctuation counted as text", "https://example.com/a.", 24},
		{"local mention counts fully", "@alice", 6},
		{"remote mention counts without domain", "@alice@very.long.domain.example", 6},
		{"unresolvable remote mention counts the same", "@nobody@nowhere.example hi", 10},
		{"email counts fully", "jane@acme.example", 17},
		{"hashtags count fully", "#hashtag", 8},
		{"emoji by code points", "👍", 1},
		{"emoji with modifier is two code points", "👍🏽", 2},
		{"family emoji with joiners", "👨‍👩‍👧", 5},
		{"CJK", "日本語のテキスト", 8},
		{"accents", "café", 4},
		{"decomposed accent is two code points", "cafe\u0301", 5},
		{"newlines count", "a\n\nb", 4},
		{"mixed", "@bob@remote.example 日本 https://example.com/x 👍", 4 + 1 + 2 + 1 + 23 + 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountCharacters(tt.in); got != tt.want {
				t.Errorf("CountCharacters(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}
