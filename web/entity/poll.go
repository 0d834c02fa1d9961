package entity

import "github.com/kontor-social/kontor/db"

// PollOption is one choice of a poll.
type PollOption struct {
	Title      string `json:"title"`
	VotesCount *int64 `json:"votes_count"`
}

// Poll is Mastodon's Poll entity.
type Poll struct {
	ID          string       `json:"id"`
	ExpiresAt   *string      `json:"expires_at"`
	Expired     bool         `json:"expired"`
	Multiple    bool         `json:"multiple"`
	VotesCount  int64        `json:"votes_count"`
	VotersCount *int64       `json:"voters_count"`
	Options     []PollOption `json:"options"`
	Emojis      []Emoji      `json:"emojis"`
	Voted       *bool        `json:"voted"`
	OwnVotes    []int        `json:"own_votes"`
}

// Poll renders a poll for viewer (0: anonymous), own being the viewer's
// choices; totals stay hidden until it ends when the author asked so
// (except to the author).
func (p *Presenter) Poll(pl *db.Poll, viewer int64, own []int) *Poll {
	out := &Poll{ID: db.FormatID(pl.ID), ExpiresAt: TimePtr(pl.ExpiresAt), Expired: pl.Expired(), Multiple: pl.Multiple,
		VotesCount: pl.VotesCount, Options: make([]PollOption, 0, len(pl.Options)), Emojis: []Emoji{}}
	if pl.Multiple {
		out.VotersCount = ptr(pl.VotersCount)
	}
	hide := pl.HideTotals && !pl.Expired() && pl.AccountID != viewer
	for _, o := range pl.Options {
		opt := PollOption{Title: o.Title}
		if !hide {
			opt.VotesCount = ptr(o.VotesCount)
		}
		out.Options = append(out.Options, opt)
	}
	if viewer != 0 {
		out.Voted = ptr(len(own) > 0 || pl.AccountID == viewer)
		out.OwnVotes = own
		if out.OwnVotes == nil {
			out.OwnVotes = []int{}
		}
	}
	return out
}
