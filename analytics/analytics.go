// Package analytics tells a local account what its posts achieved: per post
// the deliveries made (remote inboxes reached, plus local followers at the
// time of posting), favourites, boosts and replies and how they grew; per
// account its followers over time, its top posts in a period and the remote
// instances its deliveries reached.
//
// Every number comes from rows federation already writes (follows,
// favourites, statuses, activities, delivery_stats). Nothing tracks readers
// and nothing leaves the instance. Two tables keep history the live rows
// cannot tell: account_stats_daily (one row per local account per UTC day)
// and status_stats (a post's cumulative counts, hourly for 48 hours, then
// daily until 30 days), both written by Job.
//
// Who may see an account's analytics is decided in one place, MayView. The
// SQL is in db/analytics.go; web/api and web/pages present the results.
package analytics

import (
	"context"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Service computes analytics reports.
type Service struct {
	DB *db.DB
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// New returns the analytics of a store.
func New(store *db.DB) *Service { return &Service{DB: store} }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// MayView reports whether user may see the analytics of account. It is the
// only access rule of analytics (API, pages and CSV all ask it), backed by
// one query, db.MayViewAnalytics: the account's own user, the members of a
// brand account (any role: owner, editor or viewer) and admins. A nil user
// (anonymous) may see nothing, and remote accounts have no analytics.
func (s *Service) MayView(ctx context.Context, user *db.User, account *db.Account) (bool, error) {
	if user == nil || account == nil || !account.Local() {
		return false, nil
	}
	return s.DB.MayViewAnalytics(ctx, user.ID, account.ID)
}

// Post is a post's numbers as presented: Excerpt is a short plain-text
// reminder of what the post said, empty when the viewer may not read it.
type Post struct {
	db.PostStats
	Excerpt string
}

// Engagement is favourites + boosts + replies (the order of top posts).
func (p *Post) Engagement() int64 { return p.Favourites + p.Boosts + p.Replies }

// Reached is the deliveries made: remote inboxes reached plus local followers.
func (p *Post) Reached() int64 { return p.Delivered + p.LocalFollowers }

// excerptLength is the length of excerpts, in characters.
const excerptLength = 80

// present turns rows into Posts for a viewer (the account ID the viewer
// acts as). Public and unlisted posts show an excerpt to everyone allowed
// to see the analytics; followers-only ones only to their author, so an
// admin looking at someone's analytics does not read their private posts.
// The content warning stands in for the text when there is one.
func present(rows []db.PostStats, viewerAccountID int64) []Post {
	out := make([]Post, len(rows))
	for i, r := range rows {
		out[i] = Post{PostStats: r}
		if r.Visibility > db.Unlisted && r.AccountID != viewerAccountID {
			continue
		}
		text := r.Text
		if r.SpoilerText != "" {
			text = "CW: " + r.SpoilerText
		}
		out[i].Excerpt = shorten(text, excerptLength)
	}
	return out
}

// shorten collapses whitespace and cuts s to n characters, with an ellipsis.
func shorten(s string, n int) string {
	b := make([]rune, 0, n+1)
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			space = len(b) > 0
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, r)
		if len(b) > n {
			break
		}
	}
	if len(b) > n {
		return string(b[:n-1]) + "…"
	}
	return string(b)
}

// AccountReport is an account's analytics over a period.
type AccountReport struct {
	Account *db.Account
	Period  Period
	// Followers has one row per day of the period that has a snapshot.
	Followers []db.AccountDay
	// Totals sum the posts published in the period.
	Totals db.PostTotals
	// TopPosts are the period's posts with the most engagement.
	TopPosts []Post
	// Reach groups by remote host the deliveries of the posts and boosts
	// of the period.
	Reach []db.HostReach
}

// Reached is the period's deliveries made (remote inboxes plus local followers).
func (r *AccountReport) Reached() int64 { return r.Totals.Delivered + r.Totals.LocalFollowers }

// Engagement is the period's favourites + boosts + replies.
func (r *AccountReport) Engagement() int64 {
	return r.Totals.Favourites + r.Totals.Boosts + r.Totals.Replies
}

// DefaultTopPosts and MaxTopPosts bound the top posts of a report.
const (
	DefaultTopPosts = 10
	MaxTopPosts     = 40
)

// Account builds the report of account over period, with top top posts,
// as seen by viewerAccountID (see present). Today's followers row is
// refreshed first when the period includes today.
func (s *Service) Account(ctx context.Context, account *db.Account, period Period, top int, viewerAccountID int64) (*AccountReport, error) {
	if top <= 0 {
		top = DefaultTopPosts
	}
	top = min(top, MaxTopPosts)
	r := &AccountReport{Account: account, Period: period}
	var err error
	if r.Followers, err = s.Followers(ctx, account, period); err != nil {
		return nil, err
	}
	fromID, toID := period.IDs()
	if r.Totals, err = s.DB.AccountPostTotals(ctx, account.ID, fromID, toID); err != nil {
		return nil, err
	}
	rows, err := s.DB.AccountPosts(ctx, db.PostQuery{AccountID: account.ID, FromID: fromID, ToID: toID, Order: db.TopEngagement, Limit: top})
	if err != nil {
		return nil, err
	}
	r.TopPosts = present(rows, viewerAccountID)
	if r.Reach, err = s.DB.AccountReach(ctx, account.ID, fromID, toID); err != nil {
		return nil, err
	}
	return r, nil
}

// Followers returns the account's daily rows in the period, oldest first.
// When the period includes today, today's row is written (or refreshed)
// first, so the series ends with the current numbers.
func (s *Service) Followers(ctx context.Context, account *db.Account, period Period) ([]db.AccountDay, error) {
	from, to := period.Days()
	if today := Day(s.now()); from <= today && today <= to {
		if err := s.DB.SnapshotAccount(ctx, account.ID, today); err != nil {
			return nil, err
		}
	}
	return s.DB.AccountDays(ctx, account.ID, from, to)
}

// StatusReport is one post's analytics.
type StatusReport struct {
	Post   Post
	Period Period
	// Series are the stored samples in the period, oldest first; the
	// post's current numbers are in Post.
	Series []db.StatusSample
	// Reach groups by remote host the deliveries of the post's Create.
	Reach []db.HostReach
}

// Status builds the report of a post, or db.ErrNotFound when statusID is
// no post (unknown, remote, a boost, direct). The caller checks MayView on
// the post's account (Post.AccountID) before showing it.
func (s *Service) Status(ctx context.Context, statusID int64, period Period, viewerAccountID int64) (*StatusReport, error) {
	row, err := s.DB.AnalyticsPost(ctx, statusID)
	if err != nil {
		return nil, err
	}
	r := &StatusReport{Post: present([]db.PostStats{*row}, viewerAccountID)[0], Period: period}
	if r.Series, err = s.DB.StatusSamples(ctx, statusID, period.Since, period.Until); err != nil {
		return nil, err
	}
	if r.Reach, err = s.DB.StatusReach(ctx, statusID); err != nil {
		return nil, err
	}
	return r, nil
}

// Posts calls fn with the posts of account in period, newest first, in
// pages (for exports: memory stays bounded whatever the period).
func (s *Service) Posts(ctx context.Context, account *db.Account, period Period, viewerAccountID int64, fn func([]Post) error) error {
	fromID, toID := period.IDs()
	before := int64(0)
	for {
		rows, err := s.DB.AccountPosts(ctx, db.PostQuery{AccountID: account.ID, FromID: fromID, ToID: toID, Before: before, Limit: 500})
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(present(rows, viewerAccountID)); err != nil {
			return err
		}
		if len(rows) < 500 {
			return nil
		}
		before = rows[len(rows)-1].ID
	}
}
