package oauth

import "testing"

// Sign-in comes back only to this server's authorize page and analytics
// pages: anything else (other hosts, scheme-relative URLs, other paths)
// would make the sign-in page an open redirect.
func TestSafeReturnTo(t *testing.T) {
	for in, want := range map[string]string{
		"/oauth/authorize":                                    "/oauth/authorize",
		"/oauth/authorize?client_id=x&scope=read":             "/oauth/authorize?client_id=x&scope=read",
		"/@alice/analytics":                                   "/@alice/analytics",
		"/@alice/analytics?since=2026-01-01&until=2026-01-31": "/@alice/analytics?since=2026-01-01&until=2026-01-31",
		"":                               "",
		"/":                              "",
		"https://evil.example/":          "",
		"//evil.example/@a/analytics":    "",
		"/@alice/analytics.csv":          "",
		"/@alice/analytics/../../x":      "",
		"/@alice/analytics?x=<script>":   "",
		"/@alice/analytics?x=1#frag":     "",
		"/@al/ice/analytics":             "",
		"/@alice/analytics\nLocation: x": "",
	} {
		if got := safeReturnTo(in); got != want {
			t.Errorf("safeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}
