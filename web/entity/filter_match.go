package entity

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
)

// FilterSet is an account's active filters, compiled once. The same
// matching serves the REST timelines and streaming, so that both hide
// exactly the same statuses.
type FilterSet struct {
	filters []compiledFilter
	expires time.Time
}

type compiledFilter struct {
	f        *db.Filter
	entity   Filter
	keywords []*regexp.Regexp
	words    []string
	statuses map[int64]bool
}

// loadFilters compiles the viewer's active filters.
func (p *Presenter) loadFilters(ctx context.Context, viewer int64) (*FilterSet, error) {
	list, err := p.db.ActiveFilters(ctx, viewer)
	if err != nil {
		return nil, err
	}
	return compileFilters(list), nil
}

// LoadFilterSets compiles the active filters of many accounts, loaded in a
// fixed number of queries; every account gets a set.
func (p *Presenter) LoadFilterSets(ctx context.Context, accountIDs []int64) (map[int64]*FilterSet, error) {
	byAccount, err := p.db.ActiveFiltersOf(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*FilterSet, len(accountIDs))
	for _, id := range accountIDs {
		out[id] = compileFilters(byAccount[id])
	}
	return out, nil
}

// compileFilters compiles a viewer's active filters for matching.
func compileFilters(list []*db.Filter) *FilterSet {
	fs := &FilterSet{}
	for _, f := range list {
		cf := compiledFilter{f: f, entity: FilterOf(f), statuses: map[int64]bool{}}
		for _, k := range f.Keywords {
			re, err := keywordPattern(k)
			if err != nil {
				continue
			}
			cf.keywords = append(cf.keywords, re)
			cf.words = append(cf.words, k.Keyword)
		}
		for _, s := range f.Statuses {
			cf.statuses[s.StatusID] = true
		}
		fs.filters = append(fs.filters, cf)
		if e := f.ExpiresAt; e != nil && (fs.expires.IsZero() || e.Before(fs.expires)) {
			fs.expires = *e
		}
	}
	return fs
}

// keywordPattern compiles a keyword, case-insensitive; a whole-word keyword
// gets word boundaries only where it starts or ends with a word character,
// as Mastodon builds them.
func keywordPattern(k *db.FilterKeyword) (*regexp.Regexp, error) {
	pattern := regexp.QuoteMeta(k.Keyword)
	if k.WholeWord {
		if first := k.Keyword[0]; isWordByte(first) {
			pattern = `\b` + pattern
		}
		if last := k.Keyword[len(k.Keyword)-1]; isWordByte(last) {
			pattern += `\b`
		}
	}
	return regexp.Compile("(?i)" + pattern)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Expires is when the first of the filters expires (zero: none does), after
// which the set must be loaded again.
func (fs *FilterSet) Expires() time.Time { return fs.expires }

// Match returns the filter results for a status in a context (home,
// notifications, public, thread, account), and whether a "hide" filter
// removes it altogether. A nil set matches nothing.
func (fs *FilterSet) Match(s *db.Status, scope string) ([]FilterResult, bool) {
	results := []FilterResult{}
	if fs == nil || len(fs.filters) == 0 {
		return results, false
	}
	text := ""
	for _, cf := range fs.filters {
		if !slices.Contains(cf.f.Contexts, scope) {
			continue
		}
		var words, statuses []string
		if cf.statuses[s.ID] {
			statuses = append(statuses, db.FormatID(s.ID))
		}
		if len(cf.keywords) > 0 {
			if text == "" {
				text = s.SpoilerText + "\n" + content.PlainText(s.Content)
			}
			for i, re := range cf.keywords {
				if re.MatchString(text) {
					words = append(words, cf.words[i])
				}
			}
		}
		if len(words) == 0 && len(statuses) == 0 {
			continue
		}
		if cf.f.Action == "hide" {
			return nil, true
		}
		if words == nil {
			words = []string{}
		}
		if statuses == nil {
			statuses = []string{}
		}
		results = append(results, FilterResult{Filter: cf.entity, KeywordMatches: words, StatusMatches: statuses})
	}
	return results, false
}
