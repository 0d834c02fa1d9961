package content

import "testing"

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"text only", "hello", "hello"},
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"line breaks", "<p>one<br>two<br/>three<br />four</p>", "one\ntwo\nthree\nfour"},
		{"break before paragraph end", "<p>one<br></p><p>two</p>", "one\n\ntwo"},
		{"entities decoded", "<p>&lt;b&gt; &amp; &quot;q&quot; &#39;s&#39; caf&eacute; &#x1F44D;</p>", `<b> & "q" 's' café 👍`},
		{"tags stripped", `<p><b>bold</b> and <i>it</i><span>al</span>ic</p>`, "bold and italic"},
		{"source whitespace collapses", "<p>one\n   two</p>\n\n<p>  three  </p>\n", "one two\n\nthree"},
		{"shortened link reads as the full URL",
			`<p><a href="https://www.example.com/a/very/long/path/that/goes/on" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://www.</span><span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">hat/goes/on</span></a> ok</p>`,
			"https://www.example.com/a/very/long/path/that/goes/on ok"},
		{"mention and hashtag",
			`<p><span class="h-card" translate="no"><a href="https://a.example/@alice" class="u-url mention">@<span>alice</span></a></span> <a href="https://a.example/tags/cats" class="mention hashtag" rel="tag">#<span>Cats</span></a></p>`,
			"@alice #Cats"},
		{"lists", "<ul><li>a</li><li>b</li></ul><p>after</p>", "a\nb\n\nafter"},
		{"blockquote", "<p>x</p><blockquote><p>quoted</p></blockquote>y", "x\n\nquoted\n\ny"},
		{"pre keeps whitespace", "<pre>\nline 1\n  indented\n</pre><p>after</p>", "line 1\n  indented\n\nafter"},
		{"headings", "<h1>Title</h1>body", "Title\n\nbody"},
		{"script and style dropped", "<p>a<script>alert('x')</script>b</p><style>p{}</style>", "ab"},
		{"unclosed markup", "<p>one<b>two", "onetwo"},
		{"comments", "a<!-- hidden -->b", "ab"},
		{"div and table", "<div>a</div><div>b</div><table><tr><td>c</td><td>d</td></tr></table>", "a\nb\n\nc d"},
		{"non-breaking space kept", "a&nbsp;b", "a\u00a0b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q)\n got  %q\n want %q", tt.in, got, tt.want)
			}
		})
	}
}
