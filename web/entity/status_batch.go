package entity

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// statusBatch is everything needed to render a page of statuses, loaded
// with a fixed number of queries.
type statusBatch struct {
	reblogs     map[int64]*db.Status // boosted statuses the viewer may see
	media       map[int64][]*db.MediaAttachment
	mentions    map[int64][]*db.Account
	tags        map[int64][]*db.Tag
	polls       map[int64]*db.Poll
	choices     map[int64][]int
	apps        map[int64]*db.App
	interacted  *db.Interactions
	images      map[int64]*db.MediaAttachment
	cards       map[int64]*db.PreviewCard
	filters     *FilterSet
	filterScope string
	// hits are the statuses whose shared part is kept (renderedCache);
	// fresh the fingerprints of the cacheable others, to keep them under
	// once rendered; kept the entries of the page, for its JSON.
	hits  map[int64]*rendered
	fresh map[int64]uint64
	kept  map[int64]*rendered
}

// statusRefs are the ids a page of statuses (and the statuses they boost)
// points at.
type statusRefs struct {
	ids, threads, polls []int64
	// withMedia are the statuses that can have attachments (has_media,
	// set whenever attachments are): a page without any skips that query.
	withMedia []int64
	statuses  []*db.Status
	// What only rendering the shared part needs, for the statuses whose
	// shared part is not kept (renderedCache).
	apps     []int64
	accounts []*db.Account
	missed   []*db.Status
}

func (r *statusRefs) add(s *db.Status) {
	r.ids = append(r.ids, s.ID)
	r.statuses = append(r.statuses, s)
	r.threads = append(r.threads, s.ThreadID)
	if s.HasMedia {
		r.withMedia = append(r.withMedia, s.ID)
	}
	if s.PollID != nil {
		r.polls = append(r.polls, *s.PollID)
	}
}

// miss notes a status whose shared part must be rendered.
func (r *statusRefs) miss(s *db.Status) {
	r.missed = append(r.missed, s)
	if s.ApplicationID != nil {
		r.apps = append(r.apps, *s.ApplicationID)
	}
	if s.Account != nil {
		r.accounts = append(r.accounts, s.Account)
	}
}

// loadBatch loads what rendering list for viewer needs, and the viewer's
// filters when a filter context (scope) is given.
func (p *Presenter) loadBatch(ctx context.Context, viewer int64, list []*db.Status, scope string) (*statusBatch, error) {
	b := &statusBatch{filterScope: scope}
	var boosted []int64
	for _, s := range list {
		if s.ReblogOfID != nil {
			boosted = append(boosted, *s.ReblogOfID)
		}
	}
	var err error
	if b.reblogs, err = p.db.VisibleStatusesByIDs(ctx, boosted, db.ViewerOf(viewer)); err != nil {
		return nil, err
	}
	var refs statusRefs
	for _, s := range list {
		refs.add(s)
	}
	for _, s := range b.reblogs {
		refs.add(s)
	}
	if b.media, err = p.db.MediaForStatuses(ctx, refs.withMedia); err != nil {
		return nil, err
	}
	p.findRendered(b, &refs)
	if err := p.loadRefs(ctx, viewer, b, &refs, scope != ""); err != nil {
		return nil, err
	}
	b.images = p.accountMedia(ctx, refs.accounts)
	if scope != "" && viewer != 0 && b.interacted.HasFilters {
		if b.filters, err = p.loadFilters(ctx, viewer); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// findRendered looks the page's statuses up in the rendered cache (their
// attachments loaded: they are part of the fingerprint); the others are
// noted in refs as missed.
func (p *Presenter) findRendered(b *statusBatch, refs *statusRefs) {
	n := len(refs.statuses)
	b.hits, b.fresh, b.kept = make(map[int64]*rendered, n), make(map[int64]uint64, n), make(map[int64]*rendered, n)
	for _, s := range refs.statuses {
		if _, seen := b.hits[s.ID]; seen {
			continue
		}
		if !cacheable(s) {
			refs.miss(s)
			continue
		}
		fp := p.rendered.fingerprint(s, b.media[s.ID])
		if e := p.rendered.get(s.ID, fp); e != nil {
			b.hits[s.ID] = e
			continue
		}
		b.fresh[s.ID] = fp
		refs.miss(s)
	}
}

// loadRefs loads the mentions, hashtags, polls, applications, cards and
// the viewer's interactions of the statuses refs names (mentions, hashtags
// and applications only of those not rendered already), and with filters
// whether the viewer has any.
func (p *Presenter) loadRefs(ctx context.Context, viewer int64, b *statusBatch, refs *statusRefs, filters bool) error {
	var err error
	if b.tags, b.mentions, err = p.db.TagsAndMentions(ctx, refs.missed); err != nil {
		return err
	}
	if b.polls, err = p.db.PollsByIDs(ctx, refs.polls); err != nil {
		return err
	}
	if b.choices, err = p.db.PollChoices(ctx, viewer, refs.polls); err != nil {
		return err
	}
	if b.apps, err = p.db.AppsByIDs(ctx, refs.apps); err != nil {
		return err
	}
	if err := p.loadCards(ctx, b, refs); err != nil {
		return err
	}
	b.interacted, err = p.db.ViewerInteractions(ctx, viewer, refs.ids, refs.threads, filters)
	return err
}

// loadCards loads the link preview cards of the page: which card each
// status shows is asked only for statuses not remembered (p.cards), the
// cards themselves in one query when any is shown.
func (p *Presenter) loadCards(ctx context.Context, b *statusBatch, refs *statusRefs) error {
	b.cards = map[int64]*db.PreviewCard{}
	shown := map[int64]int64{} // status id → card id
	var ask []*db.Status
	for _, s := range refs.statuses {
		f, ok := p.cards.get(s)
		switch {
		case ok && f.final:
			if f.cardID != 0 {
				shown[s.ID] = f.cardID
			}
		case ok || mayHaveCard(s):
			if !ok {
				p.cards.put(s, cardFact{}) // a link: the fetch may be under way
			}
			ask = append(ask, s)
		default:
			p.cards.put(s, cardFact{final: true})
		}
	}
	if len(ask) > 0 {
		ids := make([]int64, len(ask))
		for i, s := range ask {
			ids[i] = s.ID
		}
		states, err := p.db.CardStates(ctx, ids)
		if err != nil {
			return err
		}
		for _, s := range ask {
			sc, ok := states[s.ID]
			switch {
			case !ok, sc.State == db.CardFailed:
				p.cards.put(s, cardFact{final: true})
			case sc.State == db.CardDone && sc.CardID != nil:
				p.cards.put(s, cardFact{final: true, cardID: *sc.CardID})
				shown[s.ID] = *sc.CardID
			}
		}
	}
	if len(shown) == 0 {
		return nil
	}
	cardIDs := make([]int64, 0, len(shown))
	for _, id := range shown {
		cardIDs = append(cardIDs, id)
	}
	cards, err := p.db.PreviewCardsByIDs(ctx, cardIDs)
	if err != nil {
		return err
	}
	for statusID, cardID := range shown {
		if c := cards[cardID]; c != nil {
			b.cards[statusID] = c
		}
	}
	return nil
}
