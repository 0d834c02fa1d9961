package pages

import (
	"context"
	"net/url"
	"strings"

	"github.com/kontor-social/kontor/db"
)

// cardView is a status's link preview on the public pages.
type cardView struct {
	URL, Title, Description, Image, Domain string
}

// cardViews loads the cards of statuses in one query, keyed by status ID.
func (p *Pages) cardViews(ctx context.Context, ids []int64) (map[int64]*cardView, error) {
	cards, err := p.DB.CardsForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*cardView, len(cards))
	for id, c := range cards {
		v := &cardView{URL: c.URL, Title: c.Title, Description: c.Description}
		if c.ImageKey != "" {
			v.Image = p.Engine.MediaURL(&db.MediaAttachment{FileKey: c.ImageKey})
		}
		if u, err := url.Parse(c.URL); err == nil {
			v.Domain = strings.TrimPrefix(u.Hostname(), "www.")
		}
		out[id] = v
	}
	return out, nil
}
