package activitypub

import (
	"slices"
	"testing"
)

func TestUsedShortcodes(t *testing.T) {
	for _, c := range []struct {
		texts []string
		want  []string
	}{
		{[]string{"hi :blobcat: and :blobcat:"}, []string{"blobcat"}},
		{[]string{":a: is too short, :ok_2: is fine"}, []string{"ok_2"}},
		{[]string{"time 10:30:45 and x:blobcat:y"}, nil},
		{[]string{":blobcat::blobfox:"}, nil}, // Mastodon: no colon next to a shortcode
		{[]string{"(:blobcat:)", "display :blobfox:!"}, []string{"blobcat", "blobfox"}},
		{[]string{"https://x.example/:blobcat:"}, []string{"blobcat"}},
		{[]string{":blob-cat:"}, nil},
	} {
		if got := usedShortcodes(c.texts...); !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.texts, got, c.want)
		}
	}
}
