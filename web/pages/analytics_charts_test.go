package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
)

func TestFollowersChart(t *testing.T) {
	period := analytics.Period{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)}
	if c := followersChart(nil, period); !c.Empty || c.Points != "" {
		t.Errorf("no days: %+v", c)
	}
	c := followersChart([]db.AccountDay{
		{Day: "2026-11-01", FollowersCount: 100},
		{Day: "2026-11-06", FollowersCount: 150},
		{Day: "2026-11-10", FollowersCount: 120},
	}, period)
	// x: the period's first day at the left edge, its last at the right;
	// y: the highest value at the top, the lowest at the bottom.
	if c.Points != "56.0,192.0 371.6,16.0 624.0,121.6" {
		t.Errorf("points %q", c.Points)
	}
	if len(c.Dots) != 3 || c.Dots[1].Title != "2026-11-06: 150 followers" {
		t.Errorf("dots %+v", c.Dots)
	}
	var labels []string
	for _, tk := range c.YTicks {
		labels = append(labels, tk.Label)
	}
	if strings.Join(labels, " ") != "150 125 100" {
		t.Errorf("y ticks %v", labels)
	}
	if c.XLabels[0].Label != "2026-11-01" || c.XLabels[1].Label != "2026-11-10" {
		t.Errorf("x labels %+v", c.XLabels)
	}
	// A flat line sits between the ticks; one follower is singular.
	c = followersChart([]db.AccountDay{{Day: "2026-11-03", FollowersCount: 1}, {Day: "2026-11-04", FollowersCount: 1}}, period)
	if len(c.YTicks) != 3 || c.YTicks[0].Label != "2" || c.YTicks[2].Label != "0" || c.Dots[0].Y != "104.0" || c.Dots[0].Title != "2026-11-03: 1 follower" {
		t.Errorf("flat line: %+v %+v", c.YTicks, c.Dots)
	}
}

func TestEngagementChart(t *testing.T) {
	if c := engagementChart(nil); !c.Empty || len(c.Legend) != 3 {
		t.Errorf("no posts: %+v", c)
	}
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	posts := []analytics.Post{
		{PostStats: db.PostStats{CreatedAt: at, Favourites: 2, Boosts: 1, Replies: 1}, Excerpt: "A rather long first post, longer than a label"},
		{PostStats: db.PostStats{CreatedAt: at, Favourites: 1}},
		{PostStats: db.PostStats{CreatedAt: at}},
	}
	c := engagementChart(posts)
	if len(c.Rows) != 3 || c.Height != barTop+3*barRowHeight+4 {
		t.Fatalf("rows %d, height %d", len(c.Rows), c.Height)
	}
	first := c.Rows[0]
	if first.Label != "2026-11-26 A rather long fir…" || first.Total != 4 || len(first.Segments) != 3 {
		t.Errorf("first row %+v", first)
	}
	// One scale: the largest total fills the bar area, segments follow each other.
	if s := first.Segments; s[0].X != "220.0" || s[0].W != "186.0" || s[1].X != "406.0" || s[1].W != "93.0" || s[2].X != "499.0" || s[2].Title != "1 reply" {
		t.Errorf("segments %+v", s)
	}
	if s := c.Rows[1].Segments; len(s) != 1 || s[0].W != "93.0" || s[0].Title != "1 favourite" {
		t.Errorf("second row %+v", s)
	}
	if r := c.Rows[2]; len(r.Segments) != 0 || r.Total != 0 {
		t.Errorf("a post without engagement has no bar: %+v", r)
	}
}
