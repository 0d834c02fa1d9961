package content

import "testing"

// Run with: go test -run '^$' -bench . -benchmem ./activitypub/content/

// mastodonNote is a typical note as Mastodon renders it: a mention, two
// paragraphs, a shortened link and hashtags.
const mastodonNote = `<p><span class="h-card" translate="no"><a href="https://mamot.fr/@retiolus" class="u-url mention">@<span>retiolus</span></a></span> i have never been disappointed by a thinkpad. if you want to save money, get a model from a few years ago, there isn&#39;t a huge difference anyway.</p><p>We also need funding 💶 to keep the gears turning! Please support us: <a href="https://kde.org/community/donations/index.php" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="ellipsis">kde.org/community/donations/in</span><span class="invisible">dex.php</span></a></p><p><a href="https://mastodon.social/tags/KDE" class="mention hashtag" rel="tag">#<span>KDE</span></a> <a href="https://mastodon.social/tags/Linux" class="mention hashtag" rel="tag">#<span>Linux</span></a></p>`

// localText is what a user types for a note of about the same size.
const localText = "@retiolus i have never been disappointed by a thinkpad. if you want to save money, get a model from a few years ago, there isn't a huge difference anyway.\n\nWe also need funding 💶 to keep the gears turning! Please support us: https://kde.org/community/donations/index.php\n\n#KDE #Linux"

func BenchmarkSanitize(b *testing.B) {
	b.SetBytes(int64(len(mastodonNote)))
	for b.Loop() {
		Sanitize(mastodonNote)
	}
}

func BenchmarkPlainText(b *testing.B) {
	b.SetBytes(int64(len(mastodonNote)))
	for b.Loop() {
		PlainText(mastodonNote)
	}
}

func BenchmarkFormat(b *testing.B) {
	b.SetBytes(int64(len(localText)))
	for b.Loop() {
		testFormatter.Format(localText, testResolver)
	}
}

func BenchmarkCountCharacters(b *testing.B) {
	b.SetBytes(int64(len(localText)))
	for b.Loop() {
		CountCharacters(localText)
	}
}
