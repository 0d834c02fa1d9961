package pages

import (
	"testing"

	"github.com/kontor-social/kontor/web/entity"
)

func TestEmojiHTML(t *testing.T) {
	emojis := []entity.Emoji{{Shortcode: "blobcat", URL: "https://k.example/media/emoji/b.png"}}
	img := `<img class="custom-emoji" src="https://k.example/media/emoji/b.png" alt=":blobcat:" title=":blobcat:">`
	for _, c := range []struct{ name, in, want string }{
		{"text", `<p>hi :blobcat:!</p>`, `<p>hi ` + img + `!</p>`},
		{"twice and unknown", `<p>:blobcat::blobcat: :other:</p>`, `<p>` + img + img + ` :other:</p>`},
		{"not in attributes", `<p><a href="https://x.example/:blobcat:" title=":blobcat:">:blobcat:</a></p>`,
			`<p><a href="https://x.example/:blobcat:" title=":blobcat:">` + img + `</a></p>`},
		{"text stays escaped", `<p>a &lt;b&gt; :blobcat: &amp;</p>`, `<p>a &lt;b&gt; ` + img + ` &amp;</p>`},
		{"no emoji", `<p>:blobcat:</p>`, `<p>:blobcat:</p>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			list := emojis
			if c.name == "no emoji" {
				list = nil
			}
			if got := string(emojiHTML(c.in, list)); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	if got := string(emojiText(`Jane <b> :blobcat:`, emojis)); got != `Jane &lt;b&gt; `+img {
		t.Errorf("emojiText: %s", got)
	}
}
