package entity

import (
	"reflect"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

func TestFilterSetMatch(t *testing.T) {
	soon := time.Now().Add(time.Hour).UTC()
	later := soon.Add(time.Hour)
	warn := &db.Filter{ID: 1, Title: "cats", Contexts: []string{"home", "public"}, Action: "warn", ExpiresAt: &later,
		Keywords: []*db.FilterKeyword{{ID: 11, Keyword: "cat", WholeWord: true}, {ID: 12, Keyword: "#dog", WholeWord: true}}}
	hide := &db.Filter{ID: 2, Title: "spoilers", Contexts: []string{"home"}, Action: "hide", ExpiresAt: &soon,
		Keywords: []*db.FilterKeyword{{ID: 21, Keyword: "ending", WholeWord: false}},
		Statuses: []*db.FilterStatus{{ID: 22, StatusID: 99}}}
	fs := compileFilters([]*db.Filter{warn, hide})
	if !fs.Expires().Equal(soon) {
		t.Fatalf("expires %v, want the first expiry %v", fs.Expires(), soon)
	}
	for _, tc := range []struct {
		name     string
		s        *db.Status
		scope    string
		words    []string
		statuses []string
		hidden   bool
	}{
		{"whole word", &db.Status{ID: 1, Content: "<p>A CAT!</p>"}, "home", []string{"cat"}, []string{}, false},
		{"not inside a word", &db.Status{ID: 2, Content: "<p>concatenate</p>"}, "public", nil, nil, false},
		{"non-word start needs no boundary", &db.Status{ID: 3, Content: "<p>a#dog</p>"}, "public", []string{"#dog"}, []string{}, false},
		{"spoiler text counts", &db.Status{ID: 4, SpoilerText: "cat pics", Content: "<p>x</p>"}, "public", []string{"cat"}, []string{}, false},
		{"other context", &db.Status{ID: 5, Content: "<p>cat</p>"}, "thread", nil, nil, false},
		{"hide by keyword part", &db.Status{ID: 6, Content: "<p>the endings</p>"}, "home", nil, nil, true},
		{"hide by status", &db.Status{ID: 99, Content: "<p>x</p>"}, "home", nil, nil, true},
		{"hide filter not in public", &db.Status{ID: 99, Content: "<p>x</p>"}, "public", nil, nil, false},
	} {
		got, hidden := fs.Match(tc.s, tc.scope)
		if hidden != tc.hidden {
			t.Errorf("%s: hidden %v", tc.name, hidden)
			continue
		}
		if hidden {
			continue
		}
		if tc.words == nil {
			if len(got) != 0 {
				t.Errorf("%s: matched %+v", tc.name, got)
			}
			continue
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0].KeywordMatches, tc.words) || !reflect.DeepEqual(got[0].StatusMatches, tc.statuses) ||
			got[0].Filter.ID != "1" || len(got[0].Filter.Keywords) != 2 {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
	var none *FilterSet
	if got, hidden := none.Match(&db.Status{ID: 1, Content: "cat"}, "home"); hidden || got == nil || len(got) != 0 {
		t.Fatalf("a nil set: %v %v", got, hidden)
	}
}
