package activitypub

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub/cards"
	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// Link preview cards: a post (local, or remote on arrival) with a link and
// no attachments or poll queues a fetch of the linked page in its own
// transaction (status_cards); the card worker fetches it through the
// SSRF-guarded client, outside any transaction, stores one card per URL
// (fetched again after a day) with its image copied into the media store,
// attaches it and tells listeners the status changed (status.update).

// Defaults of the card options.
const (
	defaultCardTimeout  = 10 * time.Second
	defaultCardMaxBytes = 1 << 20
	cardImageMaxBytes   = 8 << 20
	cardFreshFor        = 24 * time.Hour
	cardLease           = 2 * time.Minute
	cardBatch           = 16
	cardParallel        = 4 // pages fetched at once
	cardAttempts        = 3 // temporary failures retried, then no card
	cardPollInterval    = 5 * time.Second
	cardImageKind       = "cards"
)

// queueCard queues the card fetch of a status being stored in tx, when it
// shows one (cardLink).
func (e *Engine) queueCard(ctx context.Context, tx *db.Tx, p *preparedStatus) error {
	s := p.status
	link := e.cardLink(s, p.poll != nil || len(p.media) > 0 || len(p.mediaIDs) > 0)
	if link == "" {
		return nil
	}
	if err := tx.QueueStatusCard(ctx, s.ID, link); err != nil {
		return err
	}
	tx.AfterCommit(e.wakeCards)
	return nil
}

// requeueCard follows an edit (in tx, after the status was updated): a
// changed link drops the old card and queues a fetch of the new one.
func (e *Engine) requeueCard(ctx context.Context, tx *db.Tx, s *db.Status) error {
	queued, err := tx.ReplaceStatusCard(ctx, s.ID, e.cardLink(s, s.HasMedia || s.PollID != nil))
	if queued {
		tx.AfterCommit(e.wakeCards)
	}
	return err
}

// cardLink is the link of a status that gets a card, by Mastodon's rule:
// the first that is not a mention, hashtag or attachment (nor a page of
// this instance); none for boosts and posts with attachments or a poll.
func (e *Engine) cardLink(s *db.Status, mediaOrPoll bool) string {
	if s.ReblogOfID != nil || mediaOrPoll {
		return ""
	}
	link := cards.FirstLink(s.Content, nil)
	if link == "" || e.urls.IsLocal(link) {
		return ""
	}
	return link
}

// wakeCards tells the card worker there is work, without blocking.
func (e *Engine) wakeCards() {
	select {
	case e.cardWake <- struct{}{}:
	default:
	}
}

// cardJobs fetches queued cards when woken, and every few seconds for
// retries and for fetches a stopped process left behind.
func (e *Engine) cardJobs(ctx context.Context) {
	tick := time.NewTicker(cardPollInterval)
	defer tick.Stop()
	for {
		if _, err := e.FetchDueCards(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("cards: fetch", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-e.cardWake:
		}
	}
}

// FetchDueCards runs the due card fetches and returns how many statuses got
// a card. Statuses linking the same URL share one fetch.
func (e *Engine) FetchDueCards(ctx context.Context) (int, error) {
	attached := 0
	for {
		jobs, err := e.db.ClaimStatusCards(ctx, cardBatch, cardLease)
		if err != nil || len(jobs) == 0 {
			return attached, err
		}
		byURL := map[string][]*db.StatusCard{}
		var urls []string
		for _, j := range jobs {
			if byURL[j.URL] == nil {
				urls = append(urls, j.URL)
			}
			byURL[j.URL] = append(byURL[j.URL], j)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			slot = make(chan struct{}, cardParallel)
		)
		for _, u := range urls {
			wg.Add(1)
			slot <- struct{}{}
			go func() {
				defer func() { <-slot; wg.Done() }()
				n := e.cardForStatuses(ctx, u, byURL[u])
				mu.Lock()
				attached += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(jobs) < cardBatch {
			return attached, ctx.Err()
		}
	}
}

// cardForStatuses gets the card of url (stored, or fetched) and attaches it
// to the statuses waiting for it; a failure leaves them without a card
// (retried a few times when it may pass). It returns how many got it.
func (e *Engine) cardForStatuses(ctx context.Context, url string, jobs []*db.StatusCard) int {
	card, err := e.cardFor(ctx, url)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: hand them back for the next start at once
			// (a crash leaves them to the lease running out).
			for _, j := range jobs {
				if err := e.db.RetryStatusCard(context.WithoutCancel(ctx), j.StatusID, time.Now(), false); err != nil {
					e.log.Warn("cards: hand back", "status", j.StatusID, "err", err)
				}
			}
			return 0
		}
		final := !transport.IsTemporary(err)
		e.log.Info("cards: no card", "url", url, "err", err, "retry", !final)
		for _, j := range jobs {
			last := final || j.Attempts >= cardAttempts
			next := time.Now().Add(time.Duration(j.Attempts) * time.Minute)
			if err := e.db.RetryStatusCard(ctx, j.StatusID, next, last); err != nil {
				e.log.Warn("cards: requeue", "status", j.StatusID, "err", err)
			}
		}
		return 0
	}
	n := 0
	for _, j := range jobs {
		s, err := e.db.StatusByIDAny(ctx, j.StatusID)
		if errors.Is(err, db.ErrNotFound) {
			continue // deleted meanwhile; its row went with it
		}
		if err == nil {
			err = e.db.InTx(ctx, func(tx *db.Tx) error {
				if err := tx.AttachStatusCard(ctx, j.StatusID, card.ID); err != nil {
					return err
				}
				e.statusUpdated(tx, s) // streaming sends status.update with the card
				return nil
			})
		}
		if errors.Is(err, db.ErrNotFound) {
			continue
		}
		if err != nil {
			e.log.Warn("cards: attach", "status", j.StatusID, "err", err)
			continue
		}
		n++
	}
	return n
}

// errNoCard is a page that says nothing a card could show.
var errNoCard = errors.New("cards: page has no title")

// cardFor returns the card of url: the stored one when fetched within a
// day, else fetched afresh and stored (the stored one still, when the page
// cannot be fetched again).
func (e *Engine) cardFor(ctx context.Context, url string) (*db.PreviewCard, error) {
	old, err := e.db.PreviewCardByURL(ctx, url)
	switch {
	case err == nil && time.Since(old.FetchedAt) < cardFreshFor:
		return old, nil
	case errors.Is(err, db.ErrNotFound):
		old = nil
	case err != nil:
		return nil, err
	}
	c, err := e.fetchCard(ctx, url)
	if err != nil && old != nil && ctx.Err() == nil {
		e.log.Info("cards: kept the old card", "url", url, "err", err)
		return old, nil
	}
	if err != nil {
		return nil, err
	}
	if err := e.db.SavePreviewCard(ctx, c); err != nil {
		e.deleteCardImage(c.ImageKey)
		return nil, err
	}
	if old != nil && old.ImageKey != c.ImageKey {
		e.deleteCardImage(old.ImageKey)
	}
	return c, nil
}

// fetchCard reads the page at url, its oEmbed document when it names one,
// and copies its image.
func (e *Engine) fetchCard(ctx context.Context, url string) (*db.PreviewCard, error) {
	body, final, err := e.client.GetHTML(ctx, url, e.opts.CardMaxBytes, e.opts.CardTimeout)
	if err != nil {
		return nil, err
	}
	page := cards.ParsePage(body, final)
	if page.OEmbedURL != "" {
		if doc, err := e.client.GetJSON(ctx, page.OEmbedURL, "application/json+oembed, application/json"); err != nil {
			e.log.Debug("cards: oembed", "url", page.OEmbedURL, "err", err)
		} else if o, err := cards.ParseOEmbed(doc); err == nil {
			page.Merge(o, page.OEmbedURL, e.opts.CardProviders)
		}
	}
	if page.Title == "" && page.HTML == "" {
		return nil, errNoCard
	}
	pc := page.Card
	c := &db.PreviewCard{URL: url, Title: pc.Title, Description: pc.Description, Type: pc.Type,
		AuthorName: pc.AuthorName, AuthorURL: pc.AuthorURL, ProviderName: pc.ProviderName, ProviderURL: pc.ProviderURL,
		HTML: pc.HTML, Width: pc.Width, Height: pc.Height, ImageURL: pc.ImageURL, ImageDescription: pc.ImageDescription,
		EmbedURL: pc.EmbedURL, Language: pc.Language, PublishedAt: pc.PublishedAt}
	if c.ImageURL != "" {
		e.copyCardImage(ctx, c)
	}
	return c, nil
}

// copyCardImage stores the small version of a card's image in the media
// store (readers never load it from the linked site); a failure leaves the
// card without an image.
func (e *Engine) copyCardImage(ctx context.Context, c *db.PreviewCard) {
	if e.opts.Media == nil {
		return
	}
	data, _, err := e.client.GetMedia(ctx, c.ImageURL, cardImageMaxBytes)
	if err != nil {
		e.log.Debug("cards: image", "url", c.ImageURL, "err", err)
		return
	}
	limits := media.DefaultLimits()
	limits.MaxImageBytes, limits.PreviewSize = cardImageMaxBytes, 400
	p, err := media.Process(bytes.NewReader(data), limits, "")
	if err != nil || p.Kind != media.KindImage {
		e.log.Debug("cards: image", "url", c.ImageURL, "err", err)
		return
	}
	file, ct, dims := p.Original, p.ContentType, p.Meta.Original
	if len(p.Preview) > 0 {
		file, ct, dims = p.Preview, p.PreviewContentType, p.Meta.Small
	}
	key := media.Key(cardImageKind, db.FormatID(e.db.NewID()), "small", media.ExtFor(ct))
	if err := e.opts.Media.Put(ctx, key, ct, bytes.NewReader(file), int64(len(file))); err != nil {
		e.log.Warn("cards: store image", "err", err)
		return
	}
	c.ImageKey, c.Blurhash = key, p.Blurhash
	if c.Type != "video" && c.Type != "rich" && dims != nil {
		c.Width, c.Height = dims.Width, dims.Height
	}
}

func (e *Engine) deleteCardImage(key string) {
	if key == "" || e.opts.Media == nil {
		return
	}
	if err := e.opts.Media.Delete(context.Background(), key); err != nil {
		e.log.Warn("cards: delete image", "key", key, "err", err)
	}
}
