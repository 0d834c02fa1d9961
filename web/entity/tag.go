package entity

import (
	"context"
	"strconv"
	"time"

	"github.com/kontor-social/kontor/db"
)

// TagHistory is one day of a hashtag's use (all values are strings, as Mastodon sends them).
type TagHistory struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// Tag is Mastodon's Tag entity. ID is empty for a tag nobody used yet;
// Following is sent to logged-in callers only.
type Tag struct {
	ID        string       `json:"id,omitempty"`
	Name      string       `json:"name"`
	URL       string       `json:"url"`
	History   []TagHistory `json:"history"`
	Following *bool        `json:"following,omitempty"`
}

// tagHistoryDays is how many days of history a Tag carries.
const tagHistoryDays = 7

// Tags renders hashtags with their history and, for a logged-in viewer,
// whether it follows them: two queries for the whole list.
func (p *Presenter) Tags(ctx context.Context, viewer int64, list []*db.Tag) ([]Tag, error) {
	var ids []int64
	for _, t := range list {
		if t.ID != 0 {
			ids = append(ids, t.ID)
		}
	}
	history, err := p.db.TagHistory(ctx, ids, tagHistoryDays)
	if err != nil {
		return nil, err
	}
	following, err := p.db.FollowedTagIDs(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Tag, 0, len(list))
	for _, t := range list {
		name := t.DisplayName
		if name == "" || db.NormalizeTagName(name) != t.Name {
			name = t.Name
		}
		e := Tag{Name: name, URL: p.tagURL(t.Name), History: []TagHistory{}}
		if t.ID != 0 {
			e.ID = db.FormatID(t.ID)
		}
		for _, d := range history[t.ID] {
			e.History = append(e.History, TagHistory{Day: strconv.FormatInt(d.Day.Unix(), 10),
				Uses: strconv.FormatInt(d.Uses, 10), Accounts: strconv.FormatInt(d.Accounts, 10)})
		}
		if len(e.History) == 0 {
			e.History = emptyTagHistory()
		}
		if viewer != 0 {
			e.Following = ptr(following[t.ID])
		}
		out = append(out, e)
	}
	return out, nil
}

// emptyTagHistory is the history of a tag nobody used: zero every day.
func emptyTagHistory() []TagHistory {
	h := make([]TagHistory, tagHistoryDays)
	today := time.Now().UTC().Truncate(24 * time.Hour).Unix()
	for i := range h {
		h[i] = TagHistory{Day: strconv.FormatInt(today-int64(i)*86400, 10), Uses: "0", Accounts: "0"}
	}
	return h
}
