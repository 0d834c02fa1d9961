package pages_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// withCard gives a status a stored preview card, as the card worker does,
// once the worker's own fetch of the link (a host that is not there) has
// failed, so that it cannot overwrite the card.
func withCard(t *testing.T, in *kontortest.Instance, s *db.Status, c *db.PreviewCard) {
	t.Helper()
	ctx := context.Background()
	kontortest.Eventually(t, kontortest.Wait, "the card fetch of "+db.FormatID(s.ID)+" to fail", func() bool {
		sc, err := in.DB.StatusCardOf(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		return sc.State == db.CardFailed || (sc.Attempts >= 1 && sc.ClaimedUntil == nil)
	})
	if err := in.DB.SavePreviewCard(ctx, c); err != nil {
		t.Fatal(err)
	}
	err := in.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueueStatusCard(ctx, s.ID, c.URL); err != nil {
			return err
		}
		return tx.AttachStatusCard(ctx, s.ID, c.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Jane's post with a link shows its card under the text in the workspace:
// title, description and the linked domain, the link leaving Kontor.
func TestWorkspaceShowsCard(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	// Only a post linking a page can have its card (the engine fetches the first link).
	s := in.Post(jane, activitypub.PostParams{Text: "Our harbour story https://www.news.example.com/harbour?x=1", Visibility: db.Public})
	withCard(t, in, s, &db.PreviewCard{URL: "https://www.news.example.com/harbour?x=1", Title: "Harbour <opens>",
		Description: "The new harbour opened today.", Type: "link"})
	b, home := signedIn(t, in, jane)
	_, page := b.Get("/statuses/" + db.FormatID(s.ID))
	for name, html := range map[string][]byte{"home": home, "status": page} {
		for _, want := range []string{`<a class="card" href="https://www.news.example.com/harbour?x=1" rel="nofollow noopener noreferrer" target="_blank">`,
			`<strong class="card-title">Harbour &lt;opens&gt;</strong>`, `<span class="card-description">The new harbour opened today.</span>`,
			`<small class="card-domain">news.example.com</small>`} {
			if !strings.Contains(string(html), want) {
				t.Errorf("%s page lacks %s", name, want)
			}
		}
	}
}

// The public page of the post shows the card too (for anonymous visitors).
func TestPublicStatusPageShowsCard(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	s := in.Post(jane, activitypub.PostParams{Text: "Our harbour story https://news.example.com/harbour", Visibility: db.Public})
	withCard(t, in, s, &db.PreviewCard{URL: "https://news.example.com/harbour", Title: "Harbour opens", Type: "link"})
	resp, page := in.Get("/@jane/"+db.FormatID(s.ID), "Accept: text/html")
	if resp.StatusCode != 200 || !strings.Contains(string(page), `<a class="card" href="https://news.example.com/harbour"`) ||
		!strings.Contains(string(page), "<strong>Harbour opens</strong>") || !strings.Contains(string(page), "<small>news.example.com</small>") {
		t.Errorf("public page: %d\n%s", resp.StatusCode, page)
	}
}
