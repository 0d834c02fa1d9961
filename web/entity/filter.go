package entity

import (
	"slices"
	"strings"

	"github.com/kontor-social/kontor/db"
)

// Filter is Mastodon's v2 Filter entity.
type Filter struct {
	ID           string          `json:"id"`
	Title        string          `json:"title"`
	Context      []string        `json:"context"`
	ExpiresAt    *string         `json:"expires_at"`
	FilterAction string          `json:"filter_action"`
	Keywords     []FilterKeyword `json:"keywords"`
	Statuses     []FilterStatus  `json:"statuses"`
}

// FilterKeyword is Mastodon's FilterKeyword entity.
type FilterKeyword struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

// FilterStatus is Mastodon's FilterStatus entity.
type FilterStatus struct {
	ID       string `json:"id"`
	StatusID string `json:"status_id"`
}

// FilterV1 is the v1 Filter entity: one per keyword, as Mastodon maps them.
type FilterV1 struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	WholeWord    bool     `json:"whole_word"`
	ExpiresAt    *string  `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
}

// FilterResult tells a client that a status matched one of its filters.
type FilterResult struct {
	Filter         Filter   `json:"filter"`
	KeywordMatches []string `json:"keyword_matches"`
	StatusMatches  []string `json:"status_matches"`
}

// FilterOf renders a filter (v2) with its keywords and statuses.
func FilterOf(f *db.Filter) Filter {
	out := Filter{ID: db.FormatID(f.ID), Title: f.Title, Context: filterContexts(f), ExpiresAt: TimePtr(f.ExpiresAt),
		FilterAction: f.Action, Keywords: make([]FilterKeyword, 0, len(f.Keywords)), Statuses: make([]FilterStatus, 0, len(f.Statuses))}
	for _, k := range f.Keywords {
		out.Keywords = append(out.Keywords, FilterKeywordOf(k))
	}
	for _, s := range f.Statuses {
		out.Statuses = append(out.Statuses, FilterStatusOf(s))
	}
	return out
}

// FilterKeywordOf renders a filter's keyword.
func FilterKeywordOf(k *db.FilterKeyword) FilterKeyword {
	return FilterKeyword{ID: db.FormatID(k.ID), Keyword: k.Keyword, WholeWord: k.WholeWord}
}

// FilterStatusOf renders a status on a filter.
func FilterStatusOf(s *db.FilterStatus) FilterStatus {
	return FilterStatus{ID: db.FormatID(s.ID), StatusID: db.FormatID(s.StatusID)}
}

// FilterV1Of renders a keyword of a filter as a v1 filter (its ID is the
// keyword's).
func FilterV1Of(f *db.Filter, k *db.FilterKeyword) FilterV1 {
	return FilterV1{ID: db.FormatID(k.ID), Phrase: k.Keyword, Context: filterContexts(f), WholeWord: k.WholeWord,
		ExpiresAt: TimePtr(f.ExpiresAt), Irreversible: f.Action == "hide"}
}

// filterContexts is a filter's contexts, [] rather than null.
func filterContexts(f *db.Filter) []string {
	if f.Contexts == nil {
		return []string{}
	}
	return f.Contexts
}

// FilterContexts are the contexts a filter may apply in.
var FilterContexts = []string{"home", "notifications", "public", "thread", "account"}

// ValidFilterContext reports whether c is one of them.
func ValidFilterContext(c string) bool { return slices.Contains(FilterContexts, strings.TrimSpace(c)) }
