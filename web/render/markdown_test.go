package render

import "testing"

func TestMarkdown(t *testing.T) {
	cases := []struct{ src, want string }{
		{"", ""},
		{"We keep little.\nVery little.", "<p>We keep little.<br>\nVery little.</p>"},
		{"Use it <well>.", "<p>Use it &lt;well&gt;.</p>"},
		{"<div>\nblock</div>\n\nafter", "<p>&lt;div&gt;<br>block&lt;/div&gt;</p>\n<p>after</p>"},
		{"## Data\n\n- **posts** [more](https://a.example)", "<h2>Data</h2>\n<ul>\n<li><strong>posts</strong> <a href=\"https://a.example\" rel=\"nofollow\">more</a></li>\n</ul>"},
		{"[x](javascript:alert(1)) `<b>`", "<p>x <code>&lt;b&gt;</code></p>"},
	}
	for _, c := range cases {
		if got := Markdown(c.src); got != c.want {
			t.Errorf("Markdown(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}
