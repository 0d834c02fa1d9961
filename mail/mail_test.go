package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/mail"
	"github.com/kontor-social/kontor/mail/mailtest"
)

func TestSendPlainText(t *testing.T) {
	srv := mailtest.Start(t)
	s, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, From: "Kontor <noreply@social.example>", TLS: mail.None})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "jane@acme.example", Subject: "Bestätigen Sie", Body: "Hello\n.leading dot\nhttp://x/confirm?token=abc\n"})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 5*time.Second)
	if m.From != "noreply@social.example" || len(m.To) != 1 || m.To[0] != "jane@acme.example" {
		t.Errorf("envelope: %+v", m)
	}
	for _, want := range []string{"From: \"Kontor\" <noreply@social.example>\r\n", "To: <jane@acme.example>\r\n",
		"Subject: =?utf-8?q?Best=C3=A4tigen_Sie?=\r\n", "Content-Type: text/plain; charset=utf-8\r\n", "\r\n\r\nHello\r\n.leading dot\r\nhttp://x/confirm?token=abc\r\n"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("message lacks %q:\n%s", want, m.Data)
		}
	}
}

func TestStartTLSRequired(t *testing.T) {
	srv := mailtest.Start(t) // offers no STARTTLS
	s, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, From: "noreply@social.example", TLS: mail.StartTLS})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "jane@acme.example", Subject: "x", Body: "y"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("want a STARTTLS refusal, got %v", err)
	}
	if srv.Pending() != 0 {
		t.Fatal("a message went out without TLS")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []mail.Config{
		{Host: "h", Port: 25, From: "not an address"},
		{Host: "", Port: 25, From: "a@b.c"},
		{Host: "h", Port: 25, From: "a@b.c", TLS: "ssl"},
	} {
		if _, err := mail.New(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
