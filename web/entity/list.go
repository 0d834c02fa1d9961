package entity

import "github.com/kontor-social/kontor/db"

// List is Mastodon's List entity.
type List struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

// ListOf renders a list.
func ListOf(l *db.List) List {
	return List{ID: db.FormatID(l.ID), Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}
