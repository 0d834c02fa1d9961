package db

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/template"

	"github.com/kontor-social/kontor/migrations"
)

// Test hooks of home_feed_test.go.

// HomeTimelineReference is the home timeline as one scan of statuses: the
// query HomeTimeline ran before the home feed existed.
func (d *DB) HomeTimelineReference(ctx context.Context, viewer int64, p Page) ([]*Status, error) {
	var list []*Status
	if err := d.homeTimelineQuery(&list, viewer, p).Scan(ctx); err != nil {
		return nil, err
	}
	return newestFirst(p, list), nil
}

// SetHomeFeedBounds changes the feed's bounds (rows kept, statuses per
// backfilled source, replies looked at on a follow) until restore.
func SetHomeFeedBounds(keep, backfill, replies int) (restore func()) {
	k, b, r := homeFeedKeep, homeFeedBackfill, homeFeedReplyWindow
	homeFeedKeep, homeFeedBackfill, homeFeedReplyWindow = keep, backfill, replies
	return func() { homeFeedKeep, homeFeedBackfill, homeFeedReplyWindow = k, b, r }
}

// HomeFeedFloor is an account's feed floor (0: none).
func (d *DB) HomeFeedFloor(ctx context.Context, viewer int64) (int64, error) {
	return d.homeFeedFloor(ctx, viewer)
}

// HomeFeedRows is the number of rows in an account's feed.
func (d *DB) HomeFeedRows(ctx context.Context, viewer int64) (int64, error) {
	return d.r.NewSelect().Table("home_feed").Where("account_id = ?", viewer).Count(ctx)
}

// BreakHomeFeed runs SQL on the store (to simulate a broken fan-out).
func (d *DB) BreakHomeFeed(ctx context.Context, query string, args ...any) error {
	_, err := d.w.NewRaw(query, args...).Exec(ctx)
	return err
}

// RunHomeFeedMigrationBackfill empties every home feed and runs the
// backfill statements of the migration that created them again, its bounds
// (the newest 400 of each source, 800 rows kept) replaced by the current
// ones.
func (d *DB) RunHomeFeedMigrationBackfill(ctx context.Context) error {
	text, err := os.ReadFile("../migrations/sql/20261126000013_home_feed.tx.up.sql")
	if err != nil {
		return err
	}
	words, err := migrations.TemplateData(d.dialect)
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := template.Must(template.New("m").Parse(string(text))).Execute(&b, words); err != nil {
		return err
	}
	sql := b.String()
	for from, to := range map[string]string{"OFFSET 399": fmt.Sprintf("OFFSET %d", homeFeedBackfill-1), "OFFSET 799": fmt.Sprintf("OFFSET %d", homeFeedKeep-1)} {
		if !strings.Contains(sql, from) {
			return fmt.Errorf("the migration has no %q", from)
		}
		sql = strings.ReplaceAll(sql, from, to)
	}
	return d.InTx(ctx, func(t *Tx) error {
		for _, q := range []string{"DELETE FROM home_feed", "DELETE FROM home_feed_floors"} {
			if _, err := t.tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		for _, stmt := range strings.Split(sql, "--bun:split") {
			var code []string
			for _, line := range strings.Split(stmt, "\n") {
				if !strings.HasPrefix(strings.TrimSpace(line), "--") {
					code = append(code, line)
				}
			}
			q := strings.TrimSpace(strings.Join(code, "\n"))
			if q == "" || strings.HasPrefix(q, "CREATE") {
				continue
			}
			if _, err := t.tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%w in\n%s", err, q)
			}
		}
		return nil
	})
}
