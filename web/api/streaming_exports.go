package api

import (
	"context"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// What web/streaming shares with the REST API: the same filter matching
// and the same status rendering, so that a socket hides exactly the
// statuses the REST timelines hide.

// FilterSet is an account's active filters, compiled once.
type FilterSet struct {
	set     *filterSet
	expires time.Time
}

// LoadFilterSets compiles the active filters of many accounts, loaded in a
// fixed number of queries; every account gets a set.
func (h *Handlers) LoadFilterSets(ctx context.Context, accountIDs []int64) (map[int64]*FilterSet, error) {
	byAccount, err := h.DB.ActiveFiltersOf(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*FilterSet, len(accountIDs))
	for _, id := range accountIDs {
		out[id] = newFilterSet(compileFilters(byAccount[id]))
	}
	return out, nil
}

func newFilterSet(fs *filterSet) *FilterSet {
	out := &FilterSet{set: fs}
	for _, cf := range fs.filters {
		if e := cf.f.ExpiresAt; e != nil && (out.expires.IsZero() || e.Before(out.expires)) {
			out.expires = *e
		}
	}
	return out
}

// Match returns the filter results for a status in a context (home,
// notifications, public, thread, account) and whether a "hide" filter
// removes it, as the REST timelines decide.
func (f *FilterSet) Match(s *db.Status, scope string) ([]entity.FilterResult, bool) {
	if f == nil {
		return []entity.FilterResult{}, false
	}
	return f.set.match(s, scope)
}

// Expires is when the first of the filters expires (zero: none does), after
// which the set must be loaded again.
func (f *FilterSet) Expires() time.Time { return f.expires }

// StatusesIn renders statuses for a viewer with the viewer's filters of a
// context applied (statuses a "hide" filter removes are left out).
func (h *Handlers) StatusesIn(ctx context.Context, viewer int64, list []*db.Status, scope string) ([]entity.Status, error) {
	return h.statusesIn(ctx, viewer, list, scope)
}
