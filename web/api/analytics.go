package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Kontor's analytics API (not Mastodon's): what a local account's posts
// achieved, as JSON, for the account's own user and admins (the rule is
// analytics.MayView). The numbers and their meaning are package analytics';
// web/pages shows the same as HTML and CSV.
//
//	GET /api/v1/kontor/analytics/accounts/:id   summary, followers by day, top posts, reach by host
//	GET /api/v1/kontor/analytics/statuses/:id   one post: counts, time series, reach by host
//
// Both take since and until (a day YYYY-MM-DD, included, or an ISO 8601
// time; default: the last 30 days) and need a token with read or
// read:statuses of a user allowed to view: 401 without one, 403 for
// others, 404 for unknown IDs, remote accounts, boosts and direct messages.

// analyticsRoutes registers the analytics endpoints.
func (h *Handlers) analyticsRoutes(r chi.Router) {
	an := analytics.New(h.DB)
	r.Get("/kontor/analytics/accounts/{id}", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		return h.accountAnalytics(w, r, an)
	}))
	r.Get("/kontor/analytics/statuses/{id}", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		return h.statusAnalytics(w, r, an)
	}))
}

// analyticsDeliveries are the deliveries made of a post (or a period's posts).
type analyticsDeliveries struct {
	RemoteInboxes  int64 `json:"remote_inboxes"`  // remote inboxes reached (a shared inbox once per server)
	Failed         int64 `json:"failed"`          // remote inboxes given up
	Pending        int64 `json:"pending"`         // remote inboxes still queued
	LocalFollowers int64 `json:"local_followers"` // local followers when the post was published
	Reached        int64 `json:"reached"`         // remote_inboxes + local_followers
}

type analyticsPost struct {
	ID          string              `json:"id"`
	URI         string              `json:"uri"`
	URL         string              `json:"url"`
	CreatedAt   string              `json:"created_at"`
	Visibility  string              `json:"visibility"`
	InReplyToID *string             `json:"in_reply_to_id"`
	Excerpt     string              `json:"excerpt"`
	Favourites  int64               `json:"favourites"`
	Boosts      int64               `json:"boosts"`
	Replies     int64               `json:"replies"`
	Engagement  int64               `json:"engagement"`
	Deliveries  analyticsDeliveries `json:"deliveries"`
}

type analyticsDay struct {
	Day            string `json:"day"`
	FollowersCount int64  `json:"followers_count"`
	FollowingCount int64  `json:"following_count"`
	StatusesCount  int64  `json:"statuses_count"`
}

type analyticsTotals struct {
	Posts      int64               `json:"posts"`
	Favourites int64               `json:"favourites"`
	Boosts     int64               `json:"boosts"`
	Replies    int64               `json:"replies"`
	Engagement int64               `json:"engagement"`
	Deliveries analyticsDeliveries `json:"deliveries"`
}

type analyticsReach struct {
	Host       string `json:"host"`
	Delivered  int64  `json:"delivered"`
	Failed     int64  `json:"failed"`
	Activities int64  `json:"activities"`
}

type analyticsAccount struct {
	AccountID      string           `json:"account_id"`
	Acct           string           `json:"acct"`
	Since          string           `json:"since"`
	Until          string           `json:"until"`
	FollowersCount int64            `json:"followers_count"`
	FollowingCount int64            `json:"following_count"`
	StatusesCount  int64            `json:"statuses_count"`
	Followers      []analyticsDay   `json:"followers"`
	Totals         analyticsTotals  `json:"totals"`
	TopPosts       []analyticsPost  `json:"top_posts"`
	Reach          []analyticsReach `json:"reach"`
}

type analyticsPoint struct {
	Bucket     string              `json:"bucket"`
	SampledAt  string              `json:"sampled_at"`
	Favourites int64               `json:"favourites"`
	Boosts     int64               `json:"boosts"`
	Replies    int64               `json:"replies"`
	Engagement int64               `json:"engagement"`
	Deliveries analyticsDeliveries `json:"deliveries"`
}

type analyticsStatus struct {
	analyticsPost
	AccountID string           `json:"account_id"`
	Since     string           `json:"since"`
	Until     string           `json:"until"`
	Series    []analyticsPoint `json:"series"`
	Reach     []analyticsReach `json:"reach"`
}

func presentAnalyticsPost(p *analytics.Post) analyticsPost {
	out := analyticsPost{
		ID: db.FormatID(p.ID), URI: p.URI, URL: p.URL, CreatedAt: entity.Time(p.CreatedAt), Visibility: p.Visibility.String(),
		Excerpt: p.Excerpt, Favourites: p.Favourites, Boosts: p.Boosts, Replies: p.Replies, Engagement: p.Engagement(),
		Deliveries: analyticsDeliveries{RemoteInboxes: p.Delivered, Failed: p.Failed, Pending: p.Pending,
			LocalFollowers: p.LocalFollowers, Reached: p.Reached()},
	}
	if p.InReplyToID != nil {
		id := db.FormatID(*p.InReplyToID)
		out.InReplyToID = &id
	}
	return out
}

func presentReach(list []db.HostReach) []analyticsReach {
	out := make([]analyticsReach, len(list))
	for i, h := range list {
		out[i] = analyticsReach{Host: h.Host, Delivered: h.Delivered, Failed: h.Failed, Activities: h.Activities}
	}
	return out
}

// analyticsPeriod reads since and until (422 naming the parameter).
func analyticsPeriod(p *Params) (analytics.Period, error) {
	period, err := analytics.ParsePeriod(p.String("since"), p.String("until"), time.Now())
	var pe *analytics.PeriodError
	if errors.As(err, &pe) {
		return period, fieldErr(pe.Param, pe.Msg)
	}
	return period, err
}

// mayViewAnalytics answers 403 unless the caller's user may see the
// analytics of account.
func mayViewAnalytics(ctx context.Context, an *analytics.Service, auth *auth.Caller, account *db.Account) error {
	ok, err := an.MayView(ctx, auth.User, account)
	if err != nil {
		return err
	}
	if !ok {
		return errForbidden
	}
	return nil
}

func (h *Handlers) accountAnalytics(w http.ResponseWriter, r *http.Request, an *analytics.Service) error {
	auth, id, ok, err := h.requireID(w, r, "read:statuses")
	if !ok {
		return err
	}
	ctx := r.Context()
	account, err := h.DB.AccountByID(ctx, id)
	if err != nil {
		return err
	}
	if !account.Local() {
		return errNotFound
	}
	if err := mayViewAnalytics(ctx, an, auth, account); err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	period, err := analyticsPeriod(p)
	if err != nil {
		return err
	}
	top := analytics.DefaultTopPosts
	if n, ok, err := p.Int("limit"); err != nil {
		return err
	} else if ok {
		top = int(max(1, min(n, analytics.MaxTopPosts)))
	}
	rep, err := an.Account(ctx, account, period, top, auth.Account.ID)
	if err != nil {
		return err
	}
	out := analyticsAccount{
		AccountID: db.FormatID(account.ID), Acct: account.Acct(), Since: entity.Time(period.Since), Until: entity.Time(period.Until),
		FollowersCount: account.FollowersCount, FollowingCount: account.FollowingCount, StatusesCount: account.StatusesCount,
		Followers: make([]analyticsDay, len(rep.Followers)), TopPosts: make([]analyticsPost, len(rep.TopPosts)), Reach: presentReach(rep.Reach),
		Totals: analyticsTotals{Posts: rep.Totals.Posts, Favourites: rep.Totals.Favourites, Boosts: rep.Totals.Boosts,
			Replies: rep.Totals.Replies, Engagement: rep.Engagement(),
			Deliveries: analyticsDeliveries{RemoteInboxes: rep.Totals.Delivered, Failed: rep.Totals.Failed, Pending: rep.Totals.Pending,
				LocalFollowers: rep.Totals.LocalFollowers, Reached: rep.Reached()}},
	}
	for i, d := range rep.Followers {
		out.Followers[i] = analyticsDay{Day: d.Day, FollowersCount: d.FollowersCount, FollowingCount: d.FollowingCount, StatusesCount: d.StatusesCount}
	}
	for i := range rep.TopPosts {
		out.TopPosts[i] = presentAnalyticsPost(&rep.TopPosts[i])
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) statusAnalytics(w http.ResponseWriter, r *http.Request, an *analytics.Service) error {
	auth, id, ok, err := h.requireID(w, r, "read:statuses")
	if !ok {
		return err
	}
	ctx := r.Context()
	s, err := h.DB.StatusByIDAny(ctx, id)
	if err != nil {
		return err
	}
	if !s.Local || s.ReblogOfID != nil || s.Visibility == db.Direct || s.Account == nil {
		return errNotFound
	}
	if err := mayViewAnalytics(ctx, an, auth, s.Account); err != nil {
		// Refusing to show the numbers of a post the caller cannot even
		// see would tell that it exists.
		if _, verr := h.DB.StatusByID(ctx, id, db.ViewerOf(auth.Account.ID)); errors.Is(verr, db.ErrNotFound) {
			return errNotFound
		}
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	period, err := analyticsPeriod(p)
	if err != nil {
		return err
	}
	if !p.Has("since") && !p.Has("until") {
		// A post's series starts when it was published, whatever its age.
		period.Since = s.CreatedAt.UTC().Truncate(time.Hour)
	}
	rep, err := an.Status(ctx, id, period, auth.Account.ID)
	if err != nil {
		return err
	}
	out := analyticsStatus{
		analyticsPost: presentAnalyticsPost(&rep.Post), AccountID: db.FormatID(rep.Post.AccountID),
		Since: entity.Time(period.Since), Until: entity.Time(period.Until),
		Series: make([]analyticsPoint, len(rep.Series)), Reach: presentReach(rep.Reach),
	}
	for i, sm := range rep.Series {
		out.Series[i] = analyticsPoint{Bucket: entity.Time(sm.Bucket), SampledAt: entity.Time(sm.SampledAt),
			Favourites: sm.Favourites, Boosts: sm.Boosts, Replies: sm.Replies, Engagement: sm.Favourites + sm.Boosts + sm.Replies,
			Deliveries: analyticsDeliveries{RemoteInboxes: sm.Delivered, Failed: sm.Failed, LocalFollowers: sm.LocalFollowers,
				Reached: sm.Delivered + sm.LocalFollowers}}
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}
