package mail

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

// Kinds of notice emails. Each is one template (templates/<kind>.txt:
// the first line is the subject) and one switch people may turn off in
// their settings.
const (
	KindDraftWaiting = "draft_waiting" // a brand draft waits for an owner's approval (to the owners)
	KindDraftDecided = "draft_decided" // a brand draft was approved or rejected (to its author)
	KindReport       = "report"        // a new moderation report (to admins)
	KindSignup       = "signup"        // a sign-up waits for approval (to admins)
)

// Kind is a kind of notice email and how the settings page names it.
type Kind struct {
	Name  string
	Label string
	Admin bool // only admins get it
}

// Kinds lists every kind of notice email, in the order of the settings page.
var Kinds = []Kind{
	{KindDraftWaiting, "A brand draft waits for my approval", false},
	{KindDraftDecided, "My brand draft was approved or rejected", false},
	{KindReport, "A new moderation report (administrators)", true},
	{KindSignup, "A sign-up waits for approval (administrators)", true},
}

// ValidKind reports whether name is a kind of notice email.
func ValidKind(name string) bool {
	for _, k := range Kinds {
		if k.Name == name {
			return true
		}
	}
	return false
}

//go:embed templates/*.txt
var templateFiles embed.FS

var notices = template.Must(template.ParseFS(templateFiles, "templates/*.txt"))

// Notice renders the notice email of a kind for data (the template's
// fields: see templates/). The first line of the template is the subject.
func Notice(kind, to string, data any) (Message, error) {
	if !ValidKind(kind) {
		return Message{}, fmt.Errorf("mail: unknown notice kind %q", kind)
	}
	var buf bytes.Buffer
	if err := notices.ExecuteTemplate(&buf, kind+".txt", data); err != nil {
		return Message{}, fmt.Errorf("mail: notice %s: %w", kind, err)
	}
	subject, body, _ := strings.Cut(buf.String(), "\n")
	return Message{To: to, Subject: strings.TrimSpace(subject), Body: strings.TrimLeft(body, "\n")}, nil
}
