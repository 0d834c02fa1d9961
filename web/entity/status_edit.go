package entity

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// StatusEdit is Mastodon's StatusEdit entity: one version of a status.
type StatusEdit struct {
	Content          string            `json:"content"`
	SpoilerText      string            `json:"spoiler_text"`
	Sensitive        bool              `json:"sensitive"`
	CreatedAt        string            `json:"created_at"`
	Account          Account           `json:"account"`
	Poll             *StatusEditPoll   `json:"poll"`
	MediaAttachments []MediaAttachment `json:"media_attachments"`
	Emojis           []Emoji           `json:"emojis"`
}

// StatusEditPoll is the poll of a version (its options' titles).
type StatusEditPoll struct {
	Options []StatusEditPollOption `json:"options"`
}

// StatusEditPollOption is one option's title.
type StatusEditPollOption struct {
	Title string `json:"title"`
}

// StatusHistory renders every version of a status, the original first; a
// status never edited has one, the current one.
func (p *Presenter) StatusHistory(ctx context.Context, s *db.Status) ([]StatusEdit, error) {
	edits, err := p.versions(ctx, s)
	if err != nil {
		return nil, err
	}
	var mediaIDs []int64
	for _, e := range edits {
		mediaIDs = append(mediaIDs, e.MediaIDs...)
	}
	media, err := p.db.MediaByIDs(ctx, mediaIDs)
	if err != nil {
		return nil, err
	}
	pollTitles := p.pollTitles(ctx, s)
	account := p.Account(ctx, s.Account)
	out := make([]StatusEdit, 0, len(edits))
	for _, e := range edits {
		v := StatusEdit{Content: e.Content, SpoilerText: e.SpoilerText, Sensitive: e.Sensitive, CreatedAt: Time(e.CreatedAt),
			Account: account, MediaAttachments: []MediaAttachment{}, Emojis: []Emoji{}}
		for _, id := range e.MediaIDs {
			if m := media[id]; m != nil {
				v.MediaAttachments = append(v.MediaAttachments, p.Media(m))
			}
		}
		if s.PollID != nil {
			titles := e.PollOptions
			if len(titles) == 0 {
				titles = pollTitles // polls are not edited: every version has the poll as it is
			}
			v.Poll = &StatusEditPoll{Options: []StatusEditPollOption{}}
			for _, t := range titles {
				v.Poll.Options = append(v.Poll.Options, StatusEditPollOption{Title: t})
			}
		}
		out = append(out, v)
	}
	p.addEditEmojis(ctx, s.ID, out)
	return out, nil
}

// versions are the stored versions of s, or the current one alone when it
// was never edited.
func (p *Presenter) versions(ctx context.Context, s *db.Status) ([]*db.StatusEdit, error) {
	edits, err := p.db.StatusEdits(ctx, s.ID)
	if err != nil || len(edits) > 0 {
		return edits, err
	}
	current, err := p.db.StatusMedia(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(current))
	for i, m := range current {
		ids[i] = m.ID
	}
	return []*db.StatusEdit{{StatusID: s.ID, Content: s.Content, SpoilerText: s.SpoilerText, Sensitive: s.Sensitive,
		MediaIDs: ids, CreatedAt: s.CreatedAt}}, nil
}

// pollTitles are the option titles of the poll of s (none without one).
func (p *Presenter) pollTitles(ctx context.Context, s *db.Status) []string {
	var titles []string
	if s.PollID != nil {
		if pl, err := p.db.PollByID(ctx, *s.PollID); err == nil {
			for _, o := range pl.Options {
				titles = append(titles, o.Title)
			}
		}
	}
	return titles
}
