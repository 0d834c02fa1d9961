package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Helpers of the statuses and timelines tests (prefixed st so they do not
// meet other groups' helpers in this package).

var stCtx = context.Background()

// stStart runs an instance without API rate limits (the tests send many
// requests from one address and token).
func stStart(t *testing.T) *kontortest.Instance {
	t.Helper()
	return kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.APIRateLimit, c.APIRateLimitIP = 0, 0
	}})
}

// stClient is a go-mastodon client for a token.
func stClient(in *kontortest.Instance, token string) *mastodon.Client {
	return mastodon.NewClient(&mastodon.Config{Server: in.URL, AccessToken: token})
}

// stCall sends an API request: token "" is anonymous; body nil sends
// nothing, a url.Values is form-encoded, a string is sent as JSON text
// as is, anything else is marshalled to JSON.
func stCall(t *testing.T, in *kontortest.Instance, method, path, token string, body any, headers ...string) (*http.Response, []byte) {
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
		var err error
		if data, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
		headers = append(headers, "Content-Type: application/json")
	}
	if token != "" {
		headers = append(headers, "Authorization: Bearer "+token)
	}
	return in.Do(method, path, data, headers...)
}

// stOK is stCall that expects 200 and decodes the body into T.
func stOK[T any](t *testing.T, in *kontortest.Instance, method, path, token string, body any, headers ...string) T {
	t.Helper()
	resp, data := stCall(t, in, method, path, token, body, headers...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
	}
	return v
}

// stStatus is the part of a Status entity the tests look at.
type stStatus struct {
	ID          string    `json:"id"`
	URI         string    `json:"uri"`
	Content     string    `json:"content"`
	Visibility  string    `json:"visibility"`
	Text        *string   `json:"text"`
	Reblog      *stStatus `json:"reblog"`
	InReplyToID *string   `json:"in_reply_to_id"`
	Account     struct {
		ID   string `json:"id"`
		Acct string `json:"acct"`
	} `json:"account"`
	Favourited *bool `json:"favourited"`
	Reblogged  *bool `json:"reblogged"`
	Bookmarked *bool `json:"bookmarked"`
	Pinned     *bool `json:"pinned"`
	Muted      *bool `json:"muted"`
	EditedAt   *string
	Poll       *struct {
		Options []struct {
			Title string `json:"title"`
		} `json:"options"`
	} `json:"poll"`
	MediaAttachments []struct {
		ID          string  `json:"id"`
		Description *string `json:"description"`
		Meta        *struct {
			Focus *struct{ X, Y float64 } `json:"focus"`
		} `json:"meta"`
	} `json:"media_attachments"`
}

// stIDs are the ids of a list of statuses.
func stIDs(list []stStatus) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	return out
}

// stPost posts a status by the API (JSON body) and returns it.
func stPost(t *testing.T, in *kontortest.Instance, u *kontortest.User, fields map[string]any) stStatus {
	t.Helper()
	return stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses", u.Token, fields)
}

// stFollow makes a local user follow another (accepted at once).
func stFollow(t *testing.T, in *kontortest.Instance, who, whom *kontortest.User) {
	t.Helper()
	if _, err := in.Engine().Follow(stCtx, who.Account, whom.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
}

// stBlock makes a local user block another.
func stBlock(t *testing.T, in *kontortest.Instance, who, whom *kontortest.User) {
	t.Helper()
	if err := in.Engine().Block(stCtx, who.Account, whom.Account); err != nil {
		t.Fatal(err)
	}
}

// stTokenWith issues a token for u with only some scopes.
func stTokenWith(t *testing.T, in *kontortest.Instance, u *kontortest.User, scopes ...string) string {
	t.Helper()
	tok, err := in.DB.CreateToken(stCtx, db.NewToken{UserID: &u.User.ID, AccountID: &u.Account.ID, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// stExec runs SQL on an instance's database, for fixtures that belong to
// other endpoint groups (lists, apps). Placeholders are ?.
func stExec(t *testing.T, in *kontortest.Instance, query string, args ...any) {
	t.Helper()
	dialect, dsn, err := db.ParseDatabaseURL(in.Config.Database)
	if err != nil {
		t.Fatal(err)
	}
	var bdb *bun.DB
	if dialect == db.SQLite {
		sqldb, err := sql.Open(sqliteshim.ShimName, "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
		if err != nil {
			t.Fatal(err)
		}
		bdb = bun.NewDB(sqldb, sqlitedialect.New())
	} else {
		bdb = bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))), pgdialect.New())
	}
	defer bdb.Close()
	if _, err := bdb.NewRaw(query, args...).Exec(stCtx); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// stCount counts an account's stored statuses.
func stCount(t *testing.T, in *kontortest.Instance, u *kontortest.User) int {
	t.Helper()
	list, err := in.DB.AccountStatuses(stCtx, u.Account.ID, db.ViewerOf(u.Account.ID), db.AccountStatusesFilter{}, db.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// stMedia stores an attachment owned by u (not yet on a status).
func stMedia(t *testing.T, in *kontortest.Instance, u *kontortest.User) *db.MediaAttachment {
	t.Helper()
	m := &db.MediaAttachment{AccountID: u.Account.ID, Kind: "image", ContentType: "image/png",
		RemoteURL: "http://media.invalid/" + u.Account.Username + ".png", Meta: db.MediaMeta{Original: &db.MediaDimensions{Width: 10, Height: 10}}}
	if err := in.DB.InTx(stCtx, func(tx *db.Tx) error { return tx.InsertRemoteMedia(stCtx, []*db.MediaAttachment{m}) }); err != nil {
		t.Fatal(err)
	}
	return m
}

// stLink parses a Link header into rel → URL.
func stLink(resp *http.Response) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(resp.Header.Get("Link"), ",") {
		u, rel, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok {
			continue
		}
		rel = strings.TrimSpace(rel)
		rel = strings.TrimSuffix(strings.TrimPrefix(rel, `rel="`), `"`)
		out[rel] = strings.Trim(strings.TrimSpace(u), "<>")
	}
	return out
}

// stDecode decodes a JSON body.
func stDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// stCallGet is a GET that must answer 200; it returns the body.
func stCallGet(t *testing.T, in *kontortest.Instance, path, token string) []byte {
	t.Helper()
	resp, data := stCall(t, in, http.MethodGet, path, token, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, data)
	}
	return data
}
