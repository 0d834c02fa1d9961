package metrics

import "testing"

func TestLabelsStayBounded(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{{"Create", "Create"}, {"Follow", "Follow"}, {"ChatMessage", "other"}, {"", "other"}, {"create", "other"}} {
		if got := typeLabel(c.in); got != c.want {
			t.Errorf("typeLabel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   int
		want string
	}{{200, "200"}, {404, "404"}, {599, "599"}, {0, "other"}, {1000, "other"}} {
		if got := codeLabel(c.in); got != c.want {
			t.Errorf("codeLabel(%d) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNilSetRecordsNothing(t *testing.T) {
	var s *Set
	s.HTTPRequest("/", "GET", 200, 0)
	s.Delivery("delivered", 0)
	s.InboxReceived("Create", "accepted")
	s.InboxApplied("Create", "applied")
	s.Gauge("kontor_x", "x", func() float64 { return 1 })
	s.Register(nil)
}
