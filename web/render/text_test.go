package render

import "testing"

func TestParagraphs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"one line", "<p>one line</p>"},
		{"a\nb", "<p>a<br>b</p>"},
		{"first\n\nsecond\r\n\r\nthird", "<p>first</p><p>second</p><p>third</p>"},
		{"\n\n  spaced  \n\n\n\n", "<p>spaced</p>"},
		{`<script>alert("x")</script> & more`, "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more</p>"},
	} {
		if got := string(Paragraphs(c.in)); got != c.want {
			t.Errorf("Paragraphs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
