package pages

import (
	"testing"

	"github.com/kontor-social/kontor/web/oauth"
)

// The templates are parsed on first use (render.Template): this parses every
// page's, so a broken one fails here instead of on its first request.
func TestEveryTemplateParses(t *testing.T) {
	p := New(Deps{})
	auth := &oauth.Handlers{}
	p.Analytics(nil, nil)
	p.Brands(nil, auth)
	p.Portability(auth, nil)
	ws := p.Workspace(auth, nil, nil)
	if len(p.pages) < 10 || len(ws.pages) < 10 {
		t.Fatalf("%d pages and %d workspace pages: some are missing", len(p.pages), len(ws.pages))
	}
	for name, l := range p.pages {
		if _, err := l.Parse(); err != nil {
			t.Errorf("page %s: %v", name, err)
		}
	}
	for name, l := range ws.pages {
		if _, err := l.Parse(); err != nil {
			t.Errorf("workspace page %s: %v", name, err)
		}
	}
}
