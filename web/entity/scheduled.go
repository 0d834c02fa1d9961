package entity

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// ScheduledStatus is Mastodon's ScheduledStatus entity.
type ScheduledStatus struct {
	ID               string                `json:"id"`
	ScheduledAt      string                `json:"scheduled_at"`
	Params           ScheduledStatusParams `json:"params"`
	MediaAttachments []MediaAttachment     `json:"media_attachments"`
}

// ScheduledStatusParams are the parameters the status will be posted with.
// Defaults (visibility, sensitive, language) are filled in; in_reply_to_id
// is a string, as Mastodon stores what clients send (and Tusky reads it so).
type ScheduledStatusParams struct {
	Text          string               `json:"text"`
	Poll          *ScheduledPollParams `json:"poll"`
	MediaIDs      []string             `json:"media_ids"`
	Sensitive     bool                 `json:"sensitive"`
	SpoilerText   *string              `json:"spoiler_text"`
	Visibility    string               `json:"visibility"`
	InReplyToID   *string              `json:"in_reply_to_id"`
	Language      *string              `json:"language"`
	ApplicationID *int64               `json:"application_id"`
	ScheduledAt   *string              `json:"scheduled_at"`
	Idempotency   *string              `json:"idempotency"`
	WithRateLimit bool                 `json:"with_rate_limit"`
}

// ScheduledPollParams is the poll a scheduled status (or a brand's draft)
// will carry.
type ScheduledPollParams struct {
	Options    []string `json:"options"`
	ExpiresIn  int64    `json:"expires_in"`
	Multiple   bool     `json:"multiple"`
	HideTotals bool     `json:"hide_totals"`
}

// ScheduledStatuses renders scheduled statuses with their attachments
// (loaded in one query).
func (p *Presenter) ScheduledStatuses(ctx context.Context, list []*db.ScheduledStatus) ([]ScheduledStatus, error) {
	ids := make([]int64, len(list))
	for i, ss := range list {
		ids[i] = ss.ID
	}
	media, err := p.db.MediaForScheduledStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ScheduledStatus, 0, len(list))
	for _, ss := range list {
		e := ScheduledStatus{ID: db.FormatID(ss.ID), ScheduledAt: Time(ss.ScheduledAt), Params: scheduledParams(ss),
			MediaAttachments: []MediaAttachment{}}
		for _, m := range media[ss.ID] {
			e.MediaAttachments = append(e.MediaAttachments, p.Media(m))
		}
		out = append(out, e)
	}
	return out, nil
}

// scheduledParams renders what a scheduled status will be posted with.
func scheduledParams(ss *db.ScheduledStatus) ScheduledStatusParams {
	sp := ss.Params
	out := ScheduledStatusParams{
		Text: sp.Text, Sensitive: sp.Sensitive, SpoilerText: OptString(sp.SpoilerText),
		Visibility: sp.Visibility.String(), Language: OptString(sp.Language), ApplicationID: sp.ApplicationID,
		Idempotency: OptString(ss.Idempotency), Poll: ScheduledPollOf(sp.Poll),
	}
	if sp.InReplyToID != nil {
		out.InReplyToID = ptr(db.FormatID(*sp.InReplyToID))
	}
	if len(sp.MediaIDs) > 0 {
		out.MediaIDs = make([]string, len(sp.MediaIDs))
		for i, id := range sp.MediaIDs {
			out.MediaIDs[i] = db.FormatID(id)
		}
	}
	return out
}

// ScheduledPollOf renders the poll a stored post will carry (nil: none).
func ScheduledPollOf(pp *db.ScheduledPoll) *ScheduledPollParams {
	if pp == nil {
		return nil
	}
	return &ScheduledPollParams{Options: pp.Options, ExpiresIn: pp.ExpiresIn, Multiple: pp.Multiple, HideTotals: pp.HideTotals}
}
