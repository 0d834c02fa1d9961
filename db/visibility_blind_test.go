package db

import (
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"
)

// On SQLite the viewer's id is written "+(id)" (blindID): the statement
// cache must still turn it into a placeholder, so that every viewer's
// query has one shape (one statement, prepared once) and the planner does
// not see the value. PostgreSQL gets the plain id.
func TestViewerIDIsOnePlaceholderShape(t *testing.T) {
	sqlite := schema.NewQueryGen(sqlitedialect.New())
	shape := func(viewer int64) (string, []int64) {
		cond, args := visibleTo("s", ViewerOf(viewer))
		query := "SELECT s.id FROM statuses AS s WHERE " + sqlite.FormatQuery(cond, args...)
		got, params, ok := parameterize(query, false)
		if !ok {
			t.Fatalf("not parameterized: %s", query)
		}
		var ids []int64
		for _, p := range params {
			if id, ok := p.Value.(int64); ok {
				ids = append(ids, id)
			}
		}
		return got, ids
	}
	a, aIDs := shape(117741177409394688)
	b, bIDs := shape(117741177409399999)
	if a != b {
		t.Errorf("two viewers, two shapes:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "+(?") || strings.Contains(a, "117741177409394688") {
		t.Errorf("the viewer is not a hidden placeholder: %s", a)
	}
	if len(aIDs) == 0 || slices.ContainsFunc(aIDs, func(id int64) bool { return id != 117741177409394688 }) || len(bIDs) != len(aIDs) {
		t.Errorf("arguments %v, %v: want only the viewer's id", aIDs, bIDs)
	}
	pg := schema.NewQueryGen(pgdialect.New())
	cond, args := visibleTo("s", ViewerOf(117741177409394688))
	if q := pg.FormatQuery(cond, args...); strings.Contains(q, "+(") || !strings.Contains(q, "= 117741177409394688") {
		t.Errorf("PostgreSQL: %s", q)
	}
}
