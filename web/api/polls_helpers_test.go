package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Helpers of the polls and scheduled statuses tests (prefixed pl so they
// do not meet other groups' helpers in this package).

var plCtx = context.Background()

// plStart runs an instance without API rate limits.
func plStart(t *testing.T) *kontortest.Instance {
	t.Helper()
	return kontortest.Start(t, kontortest.Options{Configure: plNoLimits})
}

func plNoLimits(c *config.Config) { c.APIRateLimit, c.APIRateLimitIP = 0, 0 }

// plClient is a go-mastodon client of a token on a server URL.
func plClient(serverURL, token string) *mastodon.Client {
	return mastodon.NewClient(&mastodon.Config{Server: serverURL, AccessToken: token})
}

// plCall sends an API request: token "" is anonymous; body nil sends
// nothing, url.Values is form-encoded, a string is JSON text.
func plCall(t *testing.T, in *kontortest.Instance, method, path, token string, body any, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case url.Values:
		data = []byte(b.Encode())
		headers = append(headers, "Content-Type: application/x-www-form-urlencoded")
	case string:
		data = []byte(b)
		headers = append(headers, "Content-Type: application/json")
	default:
		t.Fatalf("plCall: body of type %T", body)
	}
	if token != "" {
		headers = append(headers, "Authorization: Bearer "+token)
	}
	resp, out := in.Do(method, path, data, headers...)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q: %s", method, path, ct, out)
	}
	return resp.StatusCode, resp.Header, out
}

// plOK is plCall expecting 200, decoding the body into T.
func plOK[T any](t *testing.T, in *kontortest.Instance, method, path, token string, body any, headers ...string) T {
	t.Helper()
	code, _, out := plCall(t, in, method, path, token, body, headers...)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	var v T
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, path, out, err)
	}
	return v
}

// plFails expects a refusal with status want and a JSON error mentioning
// mention.
func plFails(t *testing.T, in *kontortest.Instance, method, path, token string, body any, want int, mention string) {
	t.Helper()
	code, _, out := plCall(t, in, method, path, token, body)
	if code != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s %s: error body %s: %v", method, path, out, err)
	}
	if msg, _ := v["error"].(string); msg == "" || !strings.Contains(msg, mention) {
		t.Fatalf("%s %s: error %q does not mention %q", method, path, msg, mention)
	}
}

// plToken issues a token of u with only these scopes.
func plToken(t *testing.T, in *kontortest.Instance, u *kontortest.User, scopes ...string) string {
	t.Helper()
	tok, err := in.DB.CreateToken(plCtx, db.NewToken{UserID: &u.User.ID, AccountID: &u.Account.ID, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// plPost publishes a status with a poll by u and returns it with the poll's ID.
func plPost(t *testing.T, in *kontortest.Instance, u *kontortest.User, v db.Visibility, multiple bool, text string, options ...string) (*db.Status, string) {
	t.Helper()
	s := in.Post(u, activitypub.PostParams{Text: text, Visibility: v,
		Poll: &activitypub.PollParams{Options: options, ExpiresIn: time.Hour, Multiple: multiple}})
	if s.PollID == nil {
		t.Fatal("the status has no poll")
	}
	return s, db.FormatID(*s.PollID)
}

// plPollJSON is a Poll entity as decoded from JSON.
type plPollJSON map[string]any

// votes returns the options' votes_count (nil entries for hidden totals).
func (p plPollJSON) votes() []any {
	var out []any
	for _, o := range p["options"].([]any) {
		out = append(out, o.(map[string]any)["votes_count"])
	}
	return out
}

// plCheckPoll checks the shape of a Poll entity and its counts: every
// field present with its JSON type.
func plCheckPoll(t *testing.T, p plPollJSON, wantVotes []float64, votesCount float64, voted bool, own []float64) {
	t.Helper()
	for _, k := range []string{"id", "expires_at", "expired", "multiple", "votes_count", "voters_count", "options", "emojis", "voted", "own_votes"} {
		if _, ok := p[k]; !ok {
			t.Errorf("poll without %q: %v", k, p)
		}
	}
	if _, ok := p["id"].(string); !ok {
		t.Errorf("poll id is not a string: %v", p["id"])
	}
	if e, ok := p["expires_at"].(string); !ok || len(e) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("expires_at %v", p["expires_at"])
	}
	var got []float64
	for _, v := range p.votes() {
		f, _ := v.(float64)
		got = append(got, f)
	}
	if !reflect.DeepEqual(got, wantVotes) || p["votes_count"] != votesCount {
		t.Errorf("votes %v (total %v), want %v (total %v)", got, p["votes_count"], wantVotes, votesCount)
	}
	if p["voted"] != voted {
		t.Errorf("voted %v, want %v", p["voted"], voted)
	}
	var ownGot []float64
	for _, v := range p["own_votes"].([]any) {
		ownGot = append(ownGot, v.(float64))
	}
	if !reflect.DeepEqual(ownGot, own) {
		t.Errorf("own_votes %v, want %v", ownGot, own)
	}
}

// plNotified returns the types of u's notifications about status s.
func plNotified(t *testing.T, in *kontortest.Instance, u *kontortest.User, s *db.Status, typ string) int {
	t.Helper()
	list, err := in.DB.Notifications(plCtx, u.Account.ID, db.NotificationFilter{Types: []string{typ}}, db.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range list {
		if x.StatusID != nil && *x.StatusID == s.ID {
			n++
		}
	}
	return n
}

// plInboxSettled waits until in has applied every activity it received.
func plInboxSettled(t *testing.T, in *kontortest.Instance) {
	t.Helper()
	kontortest.Eventually(t, kontortest.Wait, in.Host+" to apply its inbox", func() bool {
		n, err := in.DB.InboxBacklog(plCtx)
		return err == nil && n == 0
	})
}
