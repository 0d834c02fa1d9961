package oauth

import "testing"

// The templates are parsed on first use (render.Template): this parses every
// sign-in and settings page's, so a broken one fails here instead of on its
// first request.
func TestEveryTemplateParses(t *testing.T) {
	pages := parsePages()
	if len(pages) < 10 {
		t.Fatalf("%d pages: some are missing", len(pages))
	}
	for name, l := range pages {
		if _, err := l.Parse(); err != nil {
			t.Errorf("page %s: %v", name, err)
		}
	}
}
