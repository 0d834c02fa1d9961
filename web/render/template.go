package render

import (
	"html/template"
	"io"
	"sync"
)

// Template is an HTML page template parsed on its first use. Parsed at
// start, the pages' ~40 templates (each with its layout parsed again) held
// ~3 MB of a bare server's heap, and an instance that only answers apps
// never shows most of them. The packages holding pages test that every one
// parses, so a broken template still fails before it ships.
type Template struct {
	once  sync.Once
	parse func() (*template.Template, error)
	t     *template.Template
	err   error
}

// LazyTemplate returns a Template that parse makes on first use.
func LazyTemplate(parse func() (*template.Template, error)) *Template {
	return &Template{parse: parse}
}

// Parse parses the template the first time and returns that result ever after.
func (l *Template) Parse() (*template.Template, error) {
	l.once.Do(func() {
		l.t, l.err = l.parse()
		l.parse = nil
	})
	return l.t, l.err
}

// ExecuteTemplate parses the template if it is the first use, then applies
// its template called name to data.
func (l *Template) ExecuteTemplate(w io.Writer, name string, data any) error {
	t, err := l.Parse()
	if err != nil {
		return err
	}
	return t.ExecuteTemplate(w, name, data)
}
