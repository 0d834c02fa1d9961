package render

import (
	"html/template"
	"strings"
	"testing"
)

func TestLazyTemplateParsesOnceOnFirstUse(t *testing.T) {
	parses := 0
	l := LazyTemplate(func() (*template.Template, error) {
		parses++
		return template.New("page").Parse(`{{define "layout"}}<p>{{.}}</p>{{end}}`)
	})
	if parses != 0 {
		t.Fatal("parsed before first use")
	}
	for range 2 {
		var b strings.Builder
		if err := l.ExecuteTemplate(&b, "layout", "<hi>"); err != nil {
			t.Fatal(err)
		}
		if b.String() != "<p>&lt;hi&gt;</p>" {
			t.Fatalf("rendered %q", b.String())
		}
	}
	if parses != 1 {
		t.Fatalf("parsed %d times, want once", parses)
	}
	broken := LazyTemplate(func() (*template.Template, error) { return template.New("x").Parse(`{{if}}`) })
	if err := broken.ExecuteTemplate(&strings.Builder{}, "x", nil); err == nil {
		t.Fatal("a broken template rendered")
	}
}
