package pages

import (
	"context"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Default images of accounts without their own, as the API presents them.
const (
	defaultAvatarPath = "/static/avatar.png"
	defaultHeaderPath = "/static/header.png"
)

// publicDetails are the parts of a post the public pages show beyond its
// text: the author's avatar, the counts and the poll.
type publicDetails struct {
	URI                      string
	CreatedAt                time.Time
	Sensitive                bool
	AvatarURL                string
	Replies, Boosts, Favours int64
	Poll                     *pollView
}

type pollView struct {
	Options    []pollOptionView
	Voters     int64
	HideTotals bool // results are hidden until the poll closes
	Closed     bool
	EndsAt     string // RFC 3339, empty without an end
	EndsOn     string
}

type pollOptionView struct {
	Title   string
	Votes   int64
	Percent int
}

// addPublicDetails fills in views (rendered from shown, in order) with
// avatars, counts and polls, loading each kind in one query.
func (p *Pages) addPublicDetails(ctx context.Context, shown []*db.Status, views []statusView) error {
	authors := make([]*db.Account, 0, len(shown))
	var pollIDs []int64
	for _, s := range shown {
		authors = append(authors, s.Account)
		if s.PollID != nil {
			pollIDs = append(pollIDs, *s.PollID)
		}
	}
	images, err := p.accountImages(ctx, authors)
	if err != nil {
		return err
	}
	polls, err := p.DB.PollsByIDs(ctx, pollIDs)
	if err != nil {
		return err
	}
	for i, s := range shown {
		d := &views[i].publicDetails
		d.URI, d.CreatedAt, d.Sensitive = s.URI, s.CreatedAt, s.Sensitive
		d.Replies, d.Boosts, d.Favours = s.RepliesCount, s.ReblogsCount, s.FavouritesCount
		if s.Account != nil {
			d.AvatarURL = images[s.Account.ID].avatar
		}
		if s.PollID != nil && polls[*s.PollID] != nil {
			d.Poll = newPollView(polls[*s.PollID])
		}
	}
	return nil
}

func newPollView(pl *db.Poll) *pollView {
	v := &pollView{Voters: pl.VotersCount, Closed: pl.Expired()}
	v.HideTotals = pl.HideTotals && !v.Closed
	if pl.ExpiresAt != nil {
		v.EndsAt, v.EndsOn = pl.ExpiresAt.UTC().Format(time.RFC3339), pl.ExpiresAt.UTC().Format("2 Jan 2006 15:04")
	}
	// Shares of votes: a multiple-choice poll's votes exceed its voters,
	// so Mastodon divides by voters there.
	total := pl.VotesCount
	if pl.Multiple && pl.VotersCount > 0 {
		total = pl.VotersCount
	}
	for _, o := range pl.Options {
		ov := pollOptionView{Title: o.Title, Votes: o.VotesCount}
		if total > 0 {
			ov.Percent = int((o.VotesCount*100 + total/2) / total)
		}
		v.Options = append(v.Options, ov)
	}
	return v
}

type accountImageURLs struct{ avatar, header string }

// accountImages are the avatar and header URLs of accounts: the stored
// file, the remote URL, or the default image.
func (p *Pages) accountImages(ctx context.Context, list []*db.Account) (map[int64]accountImageURLs, error) {
	var ids []int64
	for _, a := range list {
		if a == nil {
			continue
		}
		if a.AvatarMediaID != nil {
			ids = append(ids, *a.AvatarMediaID)
		}
		if a.HeaderMediaID != nil {
			ids = append(ids, *a.HeaderMediaID)
		}
	}
	media, err := p.DB.MediaByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	image := func(id *int64, remote, fallback string) string {
		if id != nil && media[*id] != nil {
			return p.Engine.MediaURL(media[*id])
		}
		if remote != "" {
			return remote
		}
		return p.Engine.URLs().Base() + fallback
	}
	out := make(map[int64]accountImageURLs, len(list))
	for _, a := range list {
		if a == nil {
			continue
		}
		if a.Suspended() {
			out[a.ID] = accountImageURLs{image(nil, "", defaultAvatarPath), image(nil, "", defaultHeaderPath)}
			continue
		}
		out[a.ID] = accountImageURLs{image(a.AvatarMediaID, a.AvatarRemoteURL, defaultAvatarPath), image(a.HeaderMediaID, a.HeaderRemoteURL, defaultHeaderPath)}
	}
	return out, nil
}
