package api

import (
	"slices"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// walkThread on a hand-built tree: order, invisible nodes walked through,
// limits and depth.
func TestWalkThread(t *testing.T) {
	// 1 ─┬─ 2 ─┬─ 4 ── 6(invisible) ── 8
	//    │     └─ 5
	//    └─ 3 ── 7
	id := func(n int64) *int64 { return &n }
	nodes := []db.ThreadNode{
		{ID: 1, Visible: 1}, {ID: 2, InReplyToID: id(1), Visible: 1}, {ID: 3, InReplyToID: id(1), Visible: 1},
		{ID: 4, InReplyToID: id(2), Visible: 1}, {ID: 5, InReplyToID: id(2), Visible: 1},
		{ID: 6, InReplyToID: id(4), Visible: 0}, {ID: 7, InReplyToID: id(3), Visible: 1}, {ID: 8, InReplyToID: id(6), Visible: 1},
	}
	all := threadLimits{ancestors: 100, descendants: 100}
	cases := []struct {
		name      string
		status    *db.Status
		lim       threadLimits
		anc, desc []int64
	}{
		{"root", &db.Status{ID: 1}, all, nil, []int64{2, 4, 8, 5, 3, 7}},
		{"below an invisible status", &db.Status{ID: 8, InReplyToID: id(6)}, all, []int64{1, 2, 4}, nil},
		{"middle", &db.Status{ID: 4, InReplyToID: id(2)}, all, []int64{1, 2}, []int64{8}},
		{"descendant limit", &db.Status{ID: 1}, threadLimits{ancestors: 100, descendants: 3}, nil, []int64{2, 4, 8}},
		{"nearest ancestors", &db.Status{ID: 8, InReplyToID: id(6)}, threadLimits{ancestors: 2, descendants: 10}, []int64{2, 4}, nil},
		{"depth limit", &db.Status{ID: 1}, threadLimits{ancestors: 10, descendants: 10, depth: 2}, nil, []int64{2, 4, 5, 3, 7}},
	}
	for _, c := range cases {
		anc, desc := walkThread(nodes, c.status, c.lim)
		if !slices.Equal(anc, c.anc) || !slices.Equal(desc, c.desc) {
			t.Errorf("%s: ancestors %v descendants %v, want %v %v", c.name, anc, desc, c.anc, c.desc)
		}
	}
	// A cycle (bad remote data) ends the walk instead of looping.
	loop := []db.ThreadNode{{ID: 1, InReplyToID: id(2), Visible: 1}, {ID: 2, InReplyToID: id(1), Visible: 1}}
	anc, desc := walkThread(loop, &db.Status{ID: 1, InReplyToID: id(2)}, all)
	if !slices.Equal(anc, []int64{2}) || len(desc) != 0 {
		t.Errorf("cycle: %v %v", anc, desc)
	}
}
