package db

import (
	"context"
	"strings"
	"testing"
)

// On SQLite (no ANALYZE) the public timeline reads statuses_public newest
// first and stops at the page's limit: a plan that sorts ("TEMP B-TREE")
// checks and orders every public status of the instance on every request.
func TestPublicTimelinePlanWalksTheIndex(t *testing.T) {
	ctx := context.Background()
	d := openPlanDB(t)
	for _, c := range []struct {
		name string
		v    Viewer
		f    PublicTimelineFilter
		tag  int64
		p    Page
	}{
		{"anonymous", Viewer{}, PublicTimelineFilter{}, 0, Page{Limit: 20}},
		{"signed in", ViewerOf(5), PublicTimelineFilter{}, 0, Page{Limit: 20}},
		{"local, max_id", ViewerOf(5), PublicTimelineFilter{Local: true}, 0, Page{Limit: 20, MaxID: 1 << 60}},
		{"min_id", ViewerOf(5), PublicTimelineFilter{}, 0, Page{Limit: 20, MinID: 1}},
		{"hashtag", ViewerOf(5), PublicTimelineFilter{}, 7, Page{Limit: 20}},
		{"hashtag, anonymous, max_id", Viewer{}, PublicTimelineFilter{}, 7, Page{Limit: 20, MaxID: 1 << 60}},
		{"hashtag, min_id", ViewerOf(5), PublicTimelineFilter{}, 7, Page{Limit: 20, MinID: 1}},
	} {
		args := []any{}
		if c.v.AccountID != 0 {
			args = append(args, c.v.AccountID, d.timeParam(now()))
		}
		if c.tag != 0 {
			args = append(args, c.tag)
		}
		for _, b := range []int64{c.p.MaxID, c.p.SinceID, c.p.MinID} {
			if b > 0 {
				args = append(args, b)
			}
		}
		rows, err := d.r.DB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+d.publicStatusesSQL(c.v, c.f, c.tag, c.p, 20), args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int64
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			if parent == 0 {
				plan = append(plan, detail)
			}
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		// The public timeline walks its index, a hashtag's walks
		// status_tags by the tag: newest first, stopping at the limit.
		walk := "statuses_public"
		if c.tag != 0 {
			walk = "SEARCH tst USING COVERING INDEX sqlite_autoindex_status_tags_1 (tag_id=?"
		}
		if len(plan) == 0 || !strings.Contains(plan[0], walk) || strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: plan %s", c.name, all)
		}
	}
}
