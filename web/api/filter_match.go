package api

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
)

// filterSet is a viewer's active filters, compiled once per request. The
// same matching serves REST timelines and streaming, so both hide exactly
// the same statuses.
type filterSet struct {
	filters []compiledFilter
}

type compiledFilter struct {
	f        *db.Filter
	entity   any
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
		cf := compiledFilter{f: f, entity: FilterEntity(f), statuses: map[int64]bool{}}
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
func (fs *filterSet) match(s *db.Status, scope string) ([]FilterResult, bool) {
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

// FilterEntity renders a filter (v2) without its keywords' ids when
// embedded in a FilterResult.
func FilterEntity(f *db.Filter) map[string]any {
	kws := make([]map[string]any, 0, len(f.Keywords))
	for _, k := range f.Keywords {
		kws = append(kws, map[string]any{"id": db.FormatID(k.ID), "keyword": k.Keyword, "whole_word": k.WholeWord})
	}
	sts := make([]map[string]any, 0, len(f.Statuses))
	for _, s := range f.Statuses {
		sts = append(sts, map[string]any{"id": db.FormatID(s.ID), "status_id": db.FormatID(s.StatusID)})
	}
	contexts := f.Contexts
	if contexts == nil {
		contexts = []string{}
	}
	return map[string]any{
		"id": db.FormatID(f.ID), "title": f.Title, "context": contexts, "expires_at": apiTimePtr(f.ExpiresAt),
		"filter_action": f.Action, "keywords": kws, "statuses": sts,
	}
}

// filterContexts are the contexts a filter may apply in.
var filterContexts = []string{"home", "notifications", "public", "thread", "account"}

// validFilterContext reports whether c is one of them.
func validFilterContext(c string) bool { return slices.Contains(filterContexts, strings.TrimSpace(c)) }
