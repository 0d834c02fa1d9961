package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Helpers of the account endpoint tests (prefixed acct so they do not clash
// with the other endpoint groups' test helpers in this package).

var acctCtx = context.Background()

// acctClient calls the API of one instance with one token ("" anonymous).
type acctClient struct {
	t   *testing.T
	in  *kontortest.Instance
	tok string
}

func acctAs(t *testing.T, in *kontortest.Instance, u *kontortest.User) *acctClient {
	if u == nil {
		return &acctClient{t: t, in: in}
	}
	return &acctClient{t: t, in: in, tok: u.Token}
}

// acctJSON is a raw JSON request body.
type acctJSON string

// acctForm is a multipart body: fields and files (name → content).
type acctForm struct {
	fields map[string]string
	files  map[string][]byte
}

// do sends a request; body is nil, url.Values (form), acctJSON or acctForm.
func (c *acctClient) do(method, path string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var data []byte
	var headers []string
	if c.tok != "" {
		headers = append(headers, "Authorization: Bearer "+c.tok)
	}
	switch b := body.(type) {
	case nil:
	case url.Values:
		data = []byte(b.Encode())
		headers = append(headers, "Content-Type: application/x-www-form-urlencoded")
	case acctJSON:
		data = []byte(b)
		headers = append(headers, "Content-Type: application/json")
	case acctForm:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range b.fields {
			mw.WriteField(k, v)
		}
		for k, v := range b.files {
			fw, _ := mw.CreateFormFile(k, k+".png")
			fw.Write(v)
		}
		mw.Close()
		data = buf.Bytes()
		headers = append(headers, "Content-Type: "+mw.FormDataContentType())
	default:
		c.t.Fatalf("unknown body type %T", body)
	}
	resp, out := c.in.Do(method, path, data, headers...)
	return resp.StatusCode, resp.Header, out
}

// call sends a request, checks the status and the JSON content type, and
// decodes the answer.
func (c *acctClient) call(method, path string, body any, want int) any {
	c.t.Helper()
	code, h, out := c.do(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, out)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		c.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		c.t.Fatalf("%s %s: %v: %s", method, path, err, out)
	}
	return v
}

func (c *acctClient) obj(method, path string, body any) map[string]any {
	c.t.Helper()
	v, ok := c.call(method, path, body, http.StatusOK).(map[string]any)
	if !ok {
		c.t.Fatalf("%s %s: not an object", method, path)
	}
	return v
}

func (c *acctClient) list(path string) []any {
	c.t.Helper()
	v, ok := c.call("GET", path, nil, http.StatusOK).([]any)
	if !ok {
		c.t.Fatalf("GET %s: not an array", path)
	}
	return v
}

// fails checks that a request is refused with status want and a JSON error
// whose message contains mention.
func (c *acctClient) fails(method, path string, body any, want int, mention string) {
	c.t.Helper()
	v, ok := c.call(method, path, body, want).(map[string]any)
	if !ok {
		c.t.Fatalf("%s %s: error is not an object", method, path)
	}
	msg, _ := v["error"].(string)
	if msg == "" || !strings.Contains(msg, mention) {
		c.t.Fatalf("%s %s: error %q does not mention %q", method, path, msg, mention)
	}
}

func (c *acctClient) masto() *mastodon.Client {
	return mastodon.NewClient(&mastodon.Config{Server: c.in.URL, AccessToken: c.tok})
}

// acctToken issues a token of u with only these scopes.
func acctToken(t *testing.T, in *kontortest.Instance, u *kontortest.User, scopes ...string) *kontortest.User {
	t.Helper()
	tok, err := in.DB.CreateToken(acctCtx, db.NewToken{UserID: &u.User.ID, AccountID: &u.Account.ID, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	cp := *u
	cp.Token = tok.AccessToken
	return &cp
}

func acctID(u *kontortest.User) string { return db.FormatID(u.Account.ID) }

// acctIDs returns the "id" of each object of a JSON array.
func acctIDs(list []any) []string {
	out := []string{}
	for _, v := range list {
		out = append(out, v.(map[string]any)["id"].(string))
	}
	return out
}

func acctPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	acctTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	acctDateRE = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
)

// acctAccountKeys are the fields every Account carries.
var acctAccountKeys = []string{"id", "username", "acct", "url", "uri", "display_name", "note", "avatar", "avatar_static",
	"header", "header_static", "locked", "fields", "emojis", "bot", "group", "discoverable", "indexable",
	"hide_collections", "created_at", "last_status_at", "statuses_count", "followers_count", "following_count", "roles"}

// acctCheckAccount checks an Account's shape: every field, the types and
// formats Mastodon clients rely on.
func acctCheckAccount(t *testing.T, a map[string]any) {
	t.Helper()
	for _, k := range acctAccountKeys {
		if _, ok := a[k]; !ok {
			t.Errorf("account %v lacks %q", a["acct"], k)
		}
	}
	for _, k := range []string{"id", "username", "acct", "url", "uri", "display_name", "note", "avatar", "avatar_static", "header", "header_static"} {
		if _, ok := a[k].(string); !ok {
			t.Errorf("account %s: %q is %T, want a string", a["acct"], k, a[k])
		}
	}
	for _, k := range []string{"statuses_count", "followers_count", "following_count"} {
		if _, ok := a[k].(float64); !ok {
			t.Errorf("account %s: %q is %T, want a number", a["acct"], k, a[k])
		}
	}
	if s, _ := a["created_at"].(string); !acctTimeRE.MatchString(s) {
		t.Errorf("created_at %q", s)
	}
	if s, ok := a["last_status_at"].(string); ok && !acctDateRE.MatchString(s) {
		t.Errorf("last_status_at %q is not a date", s)
	}
	for _, k := range []string{"fields", "emojis", "roles"} {
		if _, ok := a[k].([]any); !ok {
			t.Errorf("%q is %T, want an array", k, a[k])
		}
	}
}

// acctRelationshipKeys are the fields of a Relationship.
var acctRelationshipKeys = []string{"id", "following", "showing_reblogs", "notifying", "languages", "followed_by", "blocking",
	"blocked_by", "muting", "muting_notifications", "muting_expires_at", "requested", "requested_by", "domain_blocking", "endorsed", "note"}

func acctCheckRelationship(t *testing.T, r map[string]any, want map[string]any) {
	t.Helper()
	var keys []string
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want2 := slices.Clone(acctRelationshipKeys)
	sort.Strings(want2)
	if !slices.Equal(keys, want2) {
		t.Errorf("relationship keys %v, want %v", keys, want2)
	}
	for k, v := range want {
		if fmt.Sprint(r[k]) != fmt.Sprint(v) {
			t.Errorf("relationship %s = %v, want %v (%v)", k, r[k], v, r)
		}
	}
}

func acctPost(t *testing.T, in *kontortest.Instance, u *kontortest.User, text string, v db.Visibility) *db.Status {
	t.Helper()
	return in.Post(u, activitypub.PostParams{Text: text, Visibility: v})
}

func TestVerifyCredentials(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	acctPost(t, in, alice, "hello", db.Public)

	me, err := acctAs(t, in, alice).masto().GetAccountCurrentUser(acctCtx)
	if err != nil {
		t.Fatal(err)
	}
	if string(me.ID) != acctID(alice) || me.Username != "alice" || me.Acct != "alice" || me.StatusesCount != 1 {
		t.Errorf("go-mastodon sees %+v", me)
	}
	if me.Source == nil || me.Source.Privacy == nil || *me.Source.Privacy != "public" {
		t.Errorf("source %+v", me.Source)
	}

	v := acctAs(t, in, alice).obj("GET", "/api/v1/accounts/verify_credentials", nil)
	acctCheckAccount(t, v)
	if !acctDateRE.MatchString(fmt.Sprint(v["last_status_at"])) {
		t.Errorf("last_status_at %v", v["last_status_at"])
	}
	src, _ := v["source"].(map[string]any)
	for _, k := range []string{"privacy", "sensitive", "language", "note", "fields", "follow_requests_count"} {
		if _, ok := src[k]; !ok {
			t.Errorf("source lacks %q: %v", k, src)
		}
	}
	role, _ := v["role"].(map[string]any)
	for _, k := range []string{"id", "name", "permissions", "color", "highlighted"} {
		if _, ok := role[k]; !ok {
			t.Errorf("role lacks %q: %v", k, role)
		}
	}

	// Scopes: read:accounts or profile; nothing else; 401 without a token.
	acctAs(t, in, nil).fails("GET", "/api/v1/accounts/verify_credentials", nil, 401, "token")
	acctAs(t, in, acctToken(t, in, alice, "write:statuses", "read:statuses")).fails("GET", "/api/v1/accounts/verify_credentials", nil, 403, "scope")
	for _, scope := range []string{"profile", "read:accounts", "read"} {
		acctAs(t, in, acctToken(t, in, alice, scope)).obj("GET", "/api/v1/accounts/verify_credentials", nil)
	}
}

func TestUpdateCredentials(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	c := acctAs(t, in, alice)

	name, note := "Alice A.", "Hi @bob, see https://example.com/about #kontor"
	locked, priv, sens, lang := true, "private", true, "de"
	fields := []mastodon.Field{{Name: "site", Value: "https://alice.example"}, {Name: "pronouns", Value: "she/her <b>"}}
	avatar := "data:image/png;base64," + base64.StdEncoding.EncodeToString(acctPNG(t, 48, 48))
	got, err := c.masto().AccountUpdate(acctCtx, &mastodon.Profile{
		DisplayName: &name, Note: &note, Locked: &locked, Fields: &fields, Avatar: avatar,
		Source: &mastodon.AccountSource{Privacy: &priv, Sensitive: &sens, Language: &lang},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != name || !got.Locked {
		t.Errorf("go-mastodon sees %+v", got)
	}
	if !strings.Contains(got.Note, `href="`+in.URL+`/@bob"`) || !strings.Contains(got.Note, `class="u-url mention"`) ||
		!strings.Contains(got.Note, `href="https://example.com/about"`) || !strings.Contains(got.Note, `rel="tag"`) {
		t.Errorf("note HTML %s", got.Note)
	}
	if len(got.Fields) != 2 || !strings.Contains(got.Fields[0].Value, `<a href="https://alice.example"`) || !strings.Contains(got.Fields[0].Value, `rel="nofollow noopener noreferrer me"`) ||
		got.Fields[1].Value != "she/her &lt;b&gt;" {
		t.Errorf("fields %+v", got.Fields)
	}
	if !strings.HasPrefix(got.Avatar, in.URL+"/media/avatars/") {
		t.Fatalf("avatar %q", got.Avatar)
	}
	resp, body := in.Get(got.Avatar)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET avatar: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Errorf("avatar is not a PNG: %v", err)
	}

	// The source keeps what alice typed; the posting defaults are hers.
	v := c.obj("GET", "/api/v1/accounts/verify_credentials", nil)
	src := v["source"].(map[string]any)
	if src["note"] != note || src["privacy"] != "private" || src["sensitive"] != true || src["language"] != "de" {
		t.Errorf("source %v", src)
	}
	sf := src["fields"].([]any)
	if len(sf) != 2 || sf[0].(map[string]any)["value"] != "https://alice.example" || sf[1].(map[string]any)["value"] != "she/her <b>" {
		t.Errorf("source fields %v", sf)
	}
	prefs := c.obj("GET", "/api/v1/preferences", nil)
	if prefs["posting:default:visibility"] != "private" || prefs["posting:default:sensitive"] != true || prefs["posting:default:language"] != "de" {
		t.Errorf("preferences %v", prefs)
	}
	// Anyone sees the new profile.
	pub := acctAs(t, in, nil).obj("GET", "/api/v1/accounts/"+acctID(alice), nil)
	if pub["display_name"] != name || pub["avatar"] != got.Avatar || pub["locked"] != true {
		t.Errorf("public profile %v", pub)
	}

	// Multipart: header file, JSON-less flags; fields untouched when not sent.
	v = c.obj("PATCH", "/api/v1/accounts/update_credentials", acctForm{
		fields: map[string]string{"bot": "true", "discoverable": "false", "hide_collections": "1", "indexable": "false"},
		files:  map[string][]byte{"header": acctPNG(t, 300, 100)},
	})
	if v["bot"] != true || v["discoverable"] != false || v["hide_collections"] != true || v["indexable"] != false || len(v["fields"].([]any)) != 2 {
		t.Errorf("after multipart %v", v)
	}
	if h, _ := v["header"].(string); !strings.HasPrefix(h, in.URL+"/media/headers/") {
		t.Errorf("header %v", v["header"])
	}
	acct, _ := in.DB.AccountByID(acctCtx, alice.Account.ID)
	if acct.ActorType != "Service" {
		t.Errorf("a bot's actor type is %q", acct.ActorType)
	}

	// JSON: fields as an array of objects replace the old ones; a new avatar
	// replaces the old file.
	v = c.obj("PATCH", "/api/v1/accounts/update_credentials", acctJSON(`{"fields_attributes":[{"name":"x","value":"1"},{"name":"","value":""}],"locked":false,"display_name":""}`))
	if f := v["fields"].([]any); len(f) != 1 || f[0].(map[string]any)["name"] != "x" {
		t.Errorf("fields after JSON %v", v["fields"])
	}
	if v["locked"] != false || v["display_name"] != "" {
		t.Errorf("after JSON %v", v)
	}
	v = c.obj("PATCH", "/api/v1/accounts/update_credentials", acctForm{files: map[string][]byte{"avatar": acctPNG(t, 20, 20)}})
	if v["avatar"] == got.Avatar {
		t.Error("the avatar did not change")
	}
	if resp, _ := in.Get(got.Avatar); resp.StatusCode != 404 {
		t.Errorf("the replaced avatar is still served: %d", resp.StatusCode)
	}
	// DELETE /api/v1/profile/avatar goes back to the default image.
	v = c.obj("DELETE", "/api/v1/profile/avatar", nil)
	if !strings.HasSuffix(v["avatar"].(string), "/static/avatar.png") {
		t.Errorf("avatar after delete %v", v["avatar"])
	}
	_ = bob

	// Scopes.
	acctAs(t, in, nil).fails("PATCH", "/api/v1/accounts/update_credentials", url.Values{"display_name": {"x"}}, 401, "token")
	acctAs(t, in, acctToken(t, in, alice, "read")).fails("PATCH", "/api/v1/accounts/update_credentials", url.Values{"display_name": {"x"}}, 403, "scope")
	acctAs(t, in, acctToken(t, in, alice, "write:accounts")).obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"display_name": {"ok"}})
}

// Every refused profile edit answers 422 (or 400 for a body that cannot be
// read) naming the field, and stores nothing.
func TestUpdateCredentialsRefused(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	c.obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"display_name": {"Alice"}, "note": {"bio"},
		"fields_attributes[0][name]": {"a"}, "fields_attributes[0][value]": {"b"}})
	before := c.obj("GET", "/api/v1/accounts/verify_credentials", nil)

	five := url.Values{"display_name": {"Changed"}}
	for i := range 5 {
		five.Set(fmt.Sprintf("fields_attributes[%d][name]", i), fmt.Sprint("n", i))
		five.Set(fmt.Sprintf("fields_attributes[%d][value]", i), "v")
	}
	cases := []struct {
		name    string
		body    any
		status  int
		mention string
	}{
		{"display name too long", url.Values{"display_name": {strings.Repeat("é", 31)}, "note": {"changed"}}, 422, "display_name"},
		{"note too long", url.Values{"note": {strings.Repeat("x", 501)}, "display_name": {"Changed"}}, 422, "note"},
		{"five fields", five, 422, "fields_attributes"},
		{"field name too long", url.Values{"fields_attributes[0][name]": {strings.Repeat("n", 256)}, "fields_attributes[0][value]": {"v"}}, 422, "fields_attributes[0][name]"},
		{"field value too long", acctJSON(`{"fields_attributes":[{"name":"n","value":"` + strings.Repeat("v", 256) + `"}]}`), 422, "fields_attributes[0][value]"},
		{"fields not a list", acctJSON(`{"fields_attributes":"site","display_name":"Changed"}`), 422, "fields_attributes"},
		{"locked not a boolean", acctJSON(`{"locked":"maybe","display_name":"Changed"}`), 422, "locked"},
		{"bot not a boolean", url.Values{"bot": {"sometimes"}, "display_name": {"Changed"}}, 422, "bot"},
		{"privacy direct", url.Values{"source[privacy]": {"direct"}, "display_name": {"Changed"}}, 422, "source[privacy]"},
		{"language", acctJSON(`{"source":{"language":"not a language"},"display_name":"Changed"}`), 422, "source[language]"},
		{"avatar not an image", acctForm{fields: map[string]string{"display_name": "Changed"}, files: map[string][]byte{"avatar": []byte("<svg></svg>")}}, 422, "avatar"},
		{"header garbage data URI", url.Values{"header": {"data:image/png;base64,!!!"}, "display_name": {"Changed"}}, 422, "header"},
		{"malformed JSON", acctJSON(`{"display_name":`), 400, "JSON"},
		{"JSON array body", acctJSON(`["display_name"]`), 400, "object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := acctAs(t, in, alice)
			c.fails("PATCH", "/api/v1/accounts/update_credentials", tc.body, tc.status, tc.mention)
			after := c.obj("GET", "/api/v1/accounts/verify_credentials", nil)
			for _, k := range []string{"display_name", "note", "fields", "avatar", "header", "locked", "bot", "source"} {
				if fmt.Sprint(after[k]) != fmt.Sprint(before[k]) {
					t.Errorf("%s changed: %v → %v", k, before[k], after[k])
				}
			}
		})
	}
	// Nothing was written to the media directory by the refused uploads.
	if n := acctMediaFiles(t, in); n != 0 {
		t.Errorf("%d files in the media directory", n)
	}
}

// acctMediaFiles counts the files in an instance's media directory.
func acctMediaFiles(t *testing.T, in *kontortest.Instance) int {
	t.Helper()
	n := 0
	filepath.WalkDir(in.Config.MediaDir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

func TestGetAccountAndLookup(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	anon := acctAs(t, in, nil)

	a := anon.obj("GET", "/api/v1/accounts/"+acctID(alice), nil)
	acctCheckAccount(t, a)
	if a["acct"] != "alice" || a["username"] != "alice" || a["url"] != in.URL+"/@alice" || a["uri"] != in.URL+"/users/alice" {
		t.Errorf("account %v", a)
	}
	if a["last_status_at"] != nil {
		t.Errorf("last_status_at without statuses: %v", a["last_status_at"])
	}
	got, err := acctAs(t, in, bob).masto().GetAccount(acctCtx, mastodon.ID(acctID(alice)))
	if err != nil || got.Username != "alice" {
		t.Fatalf("go-mastodon GetAccount: %v %+v", err, got)
	}
	anon.fails("GET", "/api/v1/accounts/999999", nil, 404, "not found")
	anon.fails("GET", "/api/v1/accounts/abc", nil, 404, "not found")
	acctAs(t, in, acctToken(t, in, bob, "write")).fails("GET", "/api/v1/accounts/"+acctID(alice), nil, 403, "scope")

	// Sign-ups waiting for confirmation and the instance actor are not shown.
	pending, _, err := in.Engine().CreateLocalAccount(acctCtx, activitypub.NewLocalAccount{Username: "pending", Email: "p@example.com", Password: "password-pending"})
	if err != nil {
		t.Fatal(err)
	}
	anon.fails("GET", "/api/v1/accounts/"+db.FormatID(pending.ID), nil, 404, "not found")
	anon.fails("GET", "/api/v1/accounts/lookup?acct=pending", nil, 404, "not found")
	actor, _ := in.Engine().EnsureInstanceActor(acctCtx)
	anon.fails("GET", "/api/v1/accounts/"+db.FormatID(actor.ID), nil, 404, "not found")

	// Lookup by username, @username and username@this-domain.
	for _, q := range []string{"alice", "@alice", "ALICE", "alice@" + in.Config.AccountDomain} {
		v := anon.obj("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape(q), nil)
		if v["id"] != acctID(alice) {
			t.Errorf("lookup %q: %v", q, v["id"])
		}
	}
	got, err = acctAs(t, in, bob).masto().AccountLookup(acctCtx, "alice")
	if err != nil || string(got.ID) != acctID(alice) {
		t.Errorf("go-mastodon lookup: %v %+v", err, got)
	}
	anon.fails("GET", "/api/v1/accounts/lookup?acct=nobody", nil, 404, "not found")
	anon.fails("GET", "/api/v1/accounts/lookup", nil, 404, "not found")

	// Suspended accounts render as Mastodon renders them: flagged and empty.
	acctAs(t, in, bob).obj("PATCH", "/api/v1/accounts/update_credentials", acctForm{
		fields: map[string]string{"display_name": "Bob", "locked": "true", "fields_attributes[0][name]": "a", "fields_attributes[0][value]": "b"},
		files:  map[string][]byte{"avatar": acctPNG(t, 8, 8)},
	})
	acctPost(t, in, bob, "before the suspension", db.Public)
	in.DB.SuspendAccount(acctCtx, bob.Account.ID)
	s := anon.obj("GET", "/api/v1/accounts/"+acctID(bob), nil)
	acctCheckAccount(t, s)
	if s["suspended"] != true || s["display_name"] != "" || len(s["fields"].([]any)) != 0 || s["locked"] != false ||
		s["statuses_count"] != 0.0 || s["last_status_at"] != nil || s["avatar"] != in.URL+"/static/avatar.png" {
		t.Errorf("suspended account %v", s)
	}
	if l := anon.list("/api/v1/accounts/" + acctID(bob) + "/statuses"); len(l) != 0 {
		t.Errorf("statuses of a suspended account: %v", l)
	}
}

func TestPreferencesAndEmptyLists(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	prefs := c.obj("GET", "/api/v1/preferences", nil)
	want := map[string]any{"posting:default:visibility": "public", "posting:default:sensitive": false, "posting:default:language": nil,
		"reading:expand:media": "default", "reading:expand:spoilers": false}
	if len(prefs) != len(want) {
		t.Errorf("preferences %v", prefs)
	}
	for k, v := range want {
		if got, ok := prefs[k]; !ok || got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	for _, p := range []string{"/api/v1/endorsements", "/api/v1/featured_tags", "/api/v1/suggestions", "/api/v2/suggestions",
		"/api/v1/accounts/" + acctID(alice) + "/featured_tags", "/api/v1/accounts/" + acctID(alice) + "/lists"} {
		code, h, body := c.do("GET", p, nil)
		if code != 200 || strings.TrimSpace(string(body)) != "[]" || h.Get("Link") != "" {
			t.Errorf("GET %s: %d %s Link=%q", p, code, body, h.Get("Link"))
		}
	}
	acctAs(t, in, nil).fails("GET", "/api/v1/preferences", nil, 401, "token")
	acctAs(t, in, acctToken(t, in, alice, "write")).fails("GET", "/api/v1/preferences", nil, 403, "scope")
	c.fails("GET", "/api/v1/accounts/123/lists", nil, 404, "not found")
}

// TestStatusesCountAsMastodon: boosts count as posts, direct messages do not,
// and undoing either keeps the count right.
func TestStatusesCountAsMastodon(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	ctx := context.Background()
	count := func() int64 {
		t.Helper()
		a, err := in.DB.AccountByID(ctx, alice.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		viaAPI := acctAs(t, in, alice).obj(http.MethodGet, "/api/v1/accounts/verify_credentials", nil)
		if got := viaAPI["statuses_count"]; got != float64(a.StatusesCount) {
			t.Errorf("API statuses_count %v, stored %d", got, a.StatusesCount)
		}
		return a.StatusesCount
	}
	acctPost(t, in, alice, "one", db.Public)
	acctPost(t, in, alice, "two", db.Unlisted)
	theirs := acctPost(t, in, bob, "bob's", db.Public)
	if _, err := in.Engine().Reblog(ctx, alice.Account, theirs.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != 3 {
		t.Errorf("two posts and a boost: statuses_count %d, want 3", got)
	}
	dm := acctPost(t, in, alice, "@bob psst", db.Direct)
	if got := count(); got != 3 {
		t.Errorf("and a DM: statuses_count %d, want 3", got)
	}
	if _, err := in.Engine().Unreblog(ctx, alice.Account, theirs.ID); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != 2 {
		t.Errorf("after the unboost: statuses_count %d, want 2", got)
	}
	if _, err := in.Engine().DeleteStatus(ctx, alice.Account, dm.ID); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != 2 {
		t.Errorf("after deleting the DM: statuses_count %d, want 2", got)
	}
}
