package activitypub

import (
	"strings"
	"testing"
)

func TestCheckPushEndpoint(t *testing.T) {
	for _, c := range []struct {
		protocol, endpoint string
		ok                 bool
	}{
		{"https", "https://fcm.googleapis.com/fcm/send/abc", true},
		{"https", "http://push.example/abc", false},
		{"http", "http://127.0.0.1:9000/push", true},
		{"http", "https://push.example/abc", true},
		{"https", "ftp://push.example/abc", false},
		{"https", "https://user:pw@push.example/abc", false},
		{"https", "https:///no-host", false},
		{"https", "push.example/abc", false},
		{"https", "https://push.example/" + strings.Repeat("a", 2048), false},
	} {
		e := &Engine{opts: Options{Protocol: c.protocol}}
		if err := e.CheckPushEndpoint(c.endpoint); (err == nil) != c.ok {
			t.Errorf("%s instance, %.40s: %v, want ok=%v", c.protocol, c.endpoint, err, c.ok)
		}
	}
}

func TestShortenText(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 140, "short"},
		{"ünïcödé!", 8, "ünïcödé!"},
		{"ünïcödé!!", 8, "ünïcödé…"},
		{strings.Repeat("x", 141), 140, strings.Repeat("x", 139) + "…"},
	} {
		if got := shortenText(c.in, c.n); got != c.want {
			t.Errorf("shortenText(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
