package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// keywordAttrs makes n keywords_attributes named prefix0, prefix1, ….
func keywordAttrs(prefix string, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"keyword": fmt.Sprintf("%s%d", prefix, i)}
	}
	return out
}

// wantLimit checks a 422 whose JSON error names the limit.
func (w *miscWorld) wantLimit(method, path, token string, body any, words string) {
	w.t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	w.call(method, path, token, body, http.StatusUnprocessableEntity, &e)
	if !strings.Contains(e.Error, words) {
		w.t.Errorf("%s %s: error %q does not say %q", method, path, e.Error, words)
	}
}

// A filter's keywords are matched against every status of its owner's
// timelines: their number is bounded per filter and per account, and so is
// the number of filters, on every endpoint that adds any.
func TestFilterLimits(t *testing.T) {
	w := newMiscWorld(t)
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")

	// Keywords per filter: on create, update and the keyword endpoint.
	w.wantLimit("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "big", "context": []string{"home"},
		"keywords_attributes": keywordAttrs("k", db.MaxKeywordsPerFilter+1)}, "keywords")
	var f miscFilterJSON
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "full", "context": []string{"home"},
		"keywords_attributes": keywordAttrs("k", db.MaxKeywordsPerFilter)}, 200, &f)
	if len(f.Keywords) != db.MaxKeywordsPerFilter {
		t.Fatalf("%d keywords stored", len(f.Keywords))
	}
	w.wantLimit("POST", "/api/v2/filters/"+f.ID+"/keywords", alice.Token, map[string]any{"keyword": "one more"}, "keywords")
	w.wantLimit("PUT", "/api/v2/filters/"+f.ID, alice.Token, map[string]any{"keywords_attributes": keywordAttrs("more", 1)}, "keywords")
	// Nothing of a refused update is kept, and a change that does not add is fine.
	w.call("PUT", "/api/v2/filters/"+f.ID, alice.Token, map[string]any{"title": "still full",
		"keywords_attributes": []map[string]any{{"id": f.Keywords[0].ID, "_destroy": true}, {"keyword": "swap"}}}, 200, &f)
	if len(f.Keywords) != db.MaxKeywordsPerFilter || f.Title != "still full" {
		t.Fatalf("after a swap: %d keywords, title %q", len(f.Keywords), f.Title)
	}

	// Keywords per account, across filters.
	for i := 1; i < db.MaxFilterKeywordsPerAccount/db.MaxKeywordsPerFilter; i++ {
		w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": fmt.Sprint("f", i), "context": []string{"home"},
			"keywords_attributes": keywordAttrs("k", db.MaxKeywordsPerFilter)}, 200, nil)
	}
	w.wantLimit("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "over", "context": []string{"home"},
		"keywords_attributes": keywordAttrs("k", 1)}, "keywords")
	w.wantLimit("POST", "/api/v1/filters", alice.Token, map[string]any{"phrase": "over", "context": []string{"home"}}, "keywords")

	// Filters per account (a filter of statuses only has no keywords).
	for i := range db.MaxFiltersPerAccount {
		w.call("POST", "/api/v2/filters", bob.Token, map[string]any{"title": fmt.Sprint("f", i), "context": []string{"home"}}, 200, nil)
	}
	w.wantLimit("POST", "/api/v2/filters", bob.Token, map[string]any{"title": "one too many", "context": []string{"home"}}, "filters")
	w.wantLimit("POST", "/api/v1/filters", bob.Token, map[string]any{"phrase": "one too many", "context": []string{"home"}}, "filters")
	var list []miscFilterJSON
	w.call("GET", "/api/v2/filters", bob.Token, nil, 200, &list)
	if len(list) != db.MaxFiltersPerAccount {
		t.Errorf("%d filters stored", len(list))
	}
}
