package api

import (
	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// The JSON of Kontor's analytics API: the reports of package analytics,
// rendered.

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

// deliveriesOf renders deliveries: reached is remote inboxes plus local
// followers.
func deliveriesOf(delivered, failed, pending, localFollowers int64) analyticsDeliveries {
	return analyticsDeliveries{RemoteInboxes: delivered, Failed: failed, Pending: pending, LocalFollowers: localFollowers,
		Reached: delivered + localFollowers}
}

func presentAnalyticsPost(p *analytics.Post) analyticsPost {
	out := analyticsPost{
		ID: db.FormatID(p.ID), URI: p.URI, URL: p.URL, CreatedAt: entity.Time(p.CreatedAt), Visibility: p.Visibility.String(),
		Excerpt: p.Excerpt, Favourites: p.Favourites, Boosts: p.Boosts, Replies: p.Replies, Engagement: p.Engagement(),
		Deliveries: deliveriesOf(p.Delivered, p.Failed, p.Pending, p.LocalFollowers),
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

// presentAccountReport renders an account's report for a period.
func presentAccountReport(account *db.Account, period analytics.Period, rep *analytics.AccountReport) analyticsAccount {
	t := rep.Totals
	out := analyticsAccount{
		AccountID: db.FormatID(account.ID), Acct: account.Acct(), Since: entity.Time(period.Since), Until: entity.Time(period.Until),
		FollowersCount: account.FollowersCount, FollowingCount: account.FollowingCount, StatusesCount: account.StatusesCount,
		Followers: make([]analyticsDay, len(rep.Followers)), TopPosts: make([]analyticsPost, len(rep.TopPosts)), Reach: presentReach(rep.Reach),
		Totals: analyticsTotals{Posts: t.Posts, Favourites: t.Favourites, Boosts: t.Boosts, Replies: t.Replies, Engagement: rep.Engagement(),
			Deliveries: deliveriesOf(t.Delivered, t.Failed, t.Pending, t.LocalFollowers)},
	}
	for i, d := range rep.Followers {
		out.Followers[i] = analyticsDay{Day: d.Day, FollowersCount: d.FollowersCount, FollowingCount: d.FollowingCount, StatusesCount: d.StatusesCount}
	}
	for i := range rep.TopPosts {
		out.TopPosts[i] = presentAnalyticsPost(&rep.TopPosts[i])
	}
	return out
}

// presentStatusReport renders a post's report for a period.
func presentStatusReport(period analytics.Period, rep *analytics.StatusReport) analyticsStatus {
	out := analyticsStatus{
		analyticsPost: presentAnalyticsPost(&rep.Post), AccountID: db.FormatID(rep.Post.AccountID),
		Since: entity.Time(period.Since), Until: entity.Time(period.Until),
		Series: make([]analyticsPoint, len(rep.Series)), Reach: presentReach(rep.Reach),
	}
	for i, sm := range rep.Series {
		out.Series[i] = analyticsPoint{Bucket: entity.Time(sm.Bucket), SampledAt: entity.Time(sm.SampledAt),
			Favourites: sm.Favourites, Boosts: sm.Boosts, Replies: sm.Replies, Engagement: sm.Favourites + sm.Boosts + sm.Replies,
			Deliveries: deliveriesOf(sm.Delivered, sm.Failed, 0, sm.LocalFollowers)}
	}
	return out
}
