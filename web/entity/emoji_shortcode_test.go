package entity

import "testing"

func TestHasShortcode(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"", false},
		{"no colons here", false},
		{":blobcat:", true},
		{"hello :blobcat: world", true},
		{"<p>so :a_1: there</p>", true},
		{":a:", false},            // one letter is not a shortcode
		{"::ab:", true},           // a colon may start the next one
		{"at 12:30 sharp", false}, // one colon between digits
		{"at 12:30:45", true},     // looks like one: a query too many, never one too few
		{"ratio 1: 2: 3", false},  // spaces break it
		{"https://x.example/", false},
		{"trailing :blob", false},
		{":emoji-with-dash:", false},
	} {
		if got := hasShortcode(tc.text); got != tc.want {
			t.Errorf("hasShortcode(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
