package analytics

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/kontor-social/kontor/db"
)

// CSV exports, one per kind.
const (
	KindPosts     = "posts"
	KindFollowers = "followers"
	KindReach     = "reach"
)

// ErrUnknownKind is an export kind other than posts, followers and reach.
var ErrUnknownKind = errors.New("kind must be posts, followers or reach")

// Header rows of the exports.
var (
	PostsHeader = []string{"id", "created_at", "url", "visibility", "excerpt", "favourites", "boosts", "replies", "engagement",
		"remote_inboxes", "failed", "pending", "local_followers", "reached"}
	FollowersHeader = []string{"day", "followers_count", "following_count", "statuses_count"}
	ReachHeader     = []string{"host", "delivered", "failed", "activities"}
)

// WriteCSV writes the export of kind for account over period (posts newest
// first, followers oldest first, reach most delivered first), as seen by
// viewerAccountID. It fails with ErrUnknownKind before writing anything.
func (s *Service) WriteCSV(ctx context.Context, w io.Writer, kind string, account *db.Account, period Period, viewerAccountID int64) error {
	switch kind {
	case KindPosts, KindFollowers, KindReach:
	default:
		return ErrUnknownKind
	}
	cw := csv.NewWriter(w)
	var err error
	switch kind {
	case KindPosts:
		err = s.postsCSV(ctx, cw, account, period, viewerAccountID)
	case KindFollowers:
		err = s.followersCSV(ctx, cw, account, period)
	case KindReach:
		err = s.reachCSV(ctx, cw, account, period)
	}
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (s *Service) postsCSV(ctx context.Context, cw *csv.Writer, account *db.Account, period Period, viewer int64) error {
	if err := cw.Write(PostsHeader); err != nil {
		return err
	}
	return s.Posts(ctx, account, period, viewer, func(posts []Post) error {
		for i := range posts {
			p := &posts[i]
			err := cw.Write([]string{db.FormatID(p.ID), p.CreatedAt.UTC().Format(time.RFC3339), cell(p.URL), p.Visibility.String(),
				cell(p.Excerpt), num(p.Favourites), num(p.Boosts), num(p.Replies), num(p.Engagement()),
				num(p.Delivered), num(p.Failed), num(p.Pending), num(p.LocalFollowers), num(p.Reached())})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) followersCSV(ctx context.Context, cw *csv.Writer, account *db.Account, period Period) error {
	if err := cw.Write(FollowersHeader); err != nil {
		return err
	}
	days, err := s.Followers(ctx, account, period)
	if err != nil {
		return err
	}
	for _, d := range days {
		if err := cw.Write([]string{d.Day, num(d.FollowersCount), num(d.FollowingCount), num(d.StatusesCount)}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) reachCSV(ctx context.Context, cw *csv.Writer, account *db.Account, period Period) error {
	if err := cw.Write(ReachHeader); err != nil {
		return err
	}
	from, to := period.IDs()
	hosts, err := s.DB.AccountReach(ctx, account.ID, from, to)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		if err := cw.Write([]string{cell(h.Host), num(h.Delivered), num(h.Failed), num(h.Activities)}); err != nil {
			return err
		}
	}
	return nil
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

// cell defuses text that a spreadsheet would run as a formula (CSV
// injection): a leading = + - @ or control character gets a quote in front.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	return s
}
