package api

import (
	"context"
	"regexp"
	"slices"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// filterSet is a viewer's active filters, compiled once per request. The
// same matching serves REST timelines and streaming, so both hide exactly
// the same statuses.
type filterSet struct {
	filters []compiledFilter
}

type compiledFilter struct {
	f        *db.Filter
	entity   entity.Filter
	keywords []*regexp.Regexp
	words    []string
	statuses map[int64]bool
}

// loadFilters compiles the viewer's active filters.
func (h *Handlers) loadFilters(ctx context.Context, viewer int64) (*filterSet, error) {
	list, err := h.DB.ActiveFilters(ctx, viewer)
	if err != nil {
		return nil, err
	}
	return compileFilters(list), nil
}

// compileFilters compiles a viewer's active filters for matching.
func compileFilters(list []*db.Filter) *filterSet {
	fs := &filterSet{}
	for _, f := range list {
		cf := compiledFilter{f: f, entity: entity.FilterOf(f), statuses: map[int64]bool{}}
		for _, k := range f.Keywords {
			pattern := regexp.QuoteMeta(k.Keyword)
			if k.WholeWord {
				// Word boundaries only where the keyword starts or ends
				// with a word character, as Mastodon builds them.
				if first := k.Keyword[0]; isWordByte(first) {
					pattern = `\b` + pattern
				}
				if last := k.Keyword[len(k.Keyword)-1]; isWordByte(last) {
					pattern += `\b`
				}
			}
			re, err := regexp.Compile("(?i)" + pattern)
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
	}
	return fs
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// match returns the filter results for a status in a context, and whether
// a "hide" filter removes it altogether.
func (fs *filterSet) match(s *db.Status, scope string) ([]entity.FilterResult, bool) {
	results := []entity.FilterResult{}
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
		results = append(results, entity.FilterResult{Filter: cf.entity, KeywordMatches: words, StatusMatches: statuses})
	}
	return results, false
}
