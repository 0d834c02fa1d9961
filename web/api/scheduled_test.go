package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// plScheduler is where tests post statuses with a scheduled_at: the
// instance's own POST /api/v1/statuses.
func plScheduler(t *testing.T, in *kontortest.Instance) string {
	t.Helper()
	return in.URL
}

// plSchedule posts a status to schedule through the stand-in.
func plSchedule(t *testing.T, schedURL, token string, body any, headers ...string) (int, map[string]any) {
	t.Helper()
	var data []byte
	ct := "application/json"
	switch b := body.(type) {
	case url.Values:
		data, ct = []byte(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		data = []byte(b)
	}
	req, _ := http.NewRequest("POST", schedURL+"/api/v1/statuses", strings.NewReader(string(data)))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("schedule: Content-Type %q", ct)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// plMedia stores attachments of u (as an upload would) and returns their IDs.
func plMedia(t *testing.T, in *kontortest.Instance, u *kontortest.User, n int) []int64 {
	t.Helper()
	list := make([]*db.MediaAttachment, n)
	for i := range list {
		list[i] = &db.MediaAttachment{AccountID: u.Account.ID, Kind: "image", ContentType: "image/png",
			RemoteURL: "https://files.example/" + u.Account.Username + "/" + db.FormatID(int64(i)) + ".png"}
	}
	if err := in.DB.InTx(plCtx, func(tx *db.Tx) error { return tx.InsertRemoteMedia(plCtx, list) }); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i, m := range list {
		ids[i] = m.ID
	}
	return ids
}

// plIDs returns the "id" of each object of a JSON array.
func plIDs(list []any) []string {
	out := []string{}
	for _, v := range list {
		out = append(out, v.(map[string]any)["id"].(string))
	}
	return out
}

func plAt(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

var plTimeFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// plCheckScheduled checks the shape of a ScheduledStatus entity.
func plCheckScheduled(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	if id, ok := v["id"].(string); !ok || id == "" {
		t.Errorf("id %v", v["id"])
	}
	if at, _ := v["scheduled_at"].(string); !plTimeFormat.MatchString(at) {
		t.Errorf("scheduled_at %v", v["scheduled_at"])
	}
	if _, ok := v["media_attachments"].([]any); !ok {
		t.Errorf("media_attachments %v", v["media_attachments"])
	}
	params, ok := v["params"].(map[string]any)
	if !ok {
		t.Fatalf("params %v", v["params"])
	}
	for _, k := range []string{"text", "poll", "media_ids", "sensitive", "spoiler_text", "visibility", "in_reply_to_id",
		"language", "application_id", "scheduled_at", "idempotency", "with_rate_limit"} {
		if _, ok := params[k]; !ok {
			t.Errorf("params without %q: %v", k, params)
		}
	}
	if params["scheduled_at"] != nil {
		t.Errorf("params.scheduled_at %v", params["scheduled_at"])
	}
	return params
}

// Alice schedules statuses (go-mastodon and raw JSON), lists them page by
// page, reads one, moves one and cancels one; nobody else sees them.
func TestScheduledStatusesAPI(t *testing.T) {
	in := plStart(t)
	sched := plScheduler(t, in)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	media := plMedia(t, in, alice, 2)
	parent := in.Post(alice, activitypub.PostParams{Text: "first"})

	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	st, err := plClient(sched, alice.Token).PostStatus(plCtx, &mastodon.Toot{Status: "later", ScheduledAt: &at,
		MediaIDs: []mastodon.ID{mastodon.ID(db.FormatID(media[0]))}, Visibility: "unlisted", SpoilerText: "cw",
		InReplyToID: mastodon.ID(db.FormatID(parent.ID)), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if st.ID == "" || st.ScheduledParams.Text != "later" || st.ScheduledParams.Visibility != "unlisted" || st.ScheduledParams.SpoilerText != "cw" {
		t.Errorf("go-mastodon's view: %+v", st)
	}
	first := string(st.ID)
	v := plOK[map[string]any](t, in, "GET", "/api/v1/scheduled_statuses/"+first, alice.Token, nil)
	params := plCheckScheduled(t, v)
	if v["scheduled_at"] != at.Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("scheduled_at %v, want %v", v["scheduled_at"], at)
	}
	if params["text"] != "later" || params["visibility"] != "unlisted" || params["spoiler_text"] != "cw" || params["language"] != "en" ||
		params["in_reply_to_id"] != db.FormatID(parent.ID) || params["poll"] != nil || params["idempotency"] != nil || params["with_rate_limit"] != false {
		t.Errorf("params %v", params)
	}
	if ids, _ := params["media_ids"].([]any); len(ids) != 1 || ids[0] != db.FormatID(media[0]) {
		t.Errorf("media_ids %v", params["media_ids"])
	}
	if atts := v["media_attachments"].([]any); len(atts) != 1 || atts[0].(map[string]any)["id"] != db.FormatID(media[0]) {
		t.Errorf("media_attachments %v", atts)
	}
	if m, _ := in.DB.MediaByID(plCtx, media[0]); m.ScheduledStatusID == nil || db.FormatID(*m.ScheduledStatusID) != first {
		t.Errorf("the attachment is not reserved: %+v", m)
	}

	code, second := plSchedule(t, sched, alice.Token, `{"status":"a poll","poll":{"options":["tea","coffee"],"expires_in":600,"multiple":true},"scheduled_at":"`+plAt(2*time.Hour)+`"}`)
	if code != 200 {
		t.Fatalf("schedule with a poll: %d %v", code, second)
	}
	poll := plCheckScheduled(t, second)["poll"].(map[string]any)
	if opts := poll["options"].([]any); len(opts) != 2 || opts[0] != "tea" || poll["expires_in"] != float64(600) || poll["multiple"] != true || poll["hide_totals"] != false {
		t.Errorf("poll params %v", poll)
	}
	code, third := plSchedule(t, sched, alice.Token, url.Values{"status": {"third"}, "scheduled_at": {plAt(3 * time.Hour)}, "sensitive": {"true"}})
	if code != 200 || third["params"].(map[string]any)["sensitive"] != true || third["params"].(map[string]any)["media_ids"] != nil {
		t.Fatalf("schedule by form: %d %v", code, third)
	}
	ids := []string{third["id"].(string), second["id"].(string), first}

	// Lists: newest first, paged, with Link headers (none on an empty page).
	code, h, _ := plCall(t, in, "GET", "/api/v1/scheduled_statuses", alice.Token, nil)
	if code != 200 {
		t.Fatal(code)
	}
	if got := plIDs(plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses", alice.Token, nil)); strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("list %v, want %v", got, ids)
	}
	if link := h.Get("Link"); !strings.Contains(link, in.URL+"/api/v1/scheduled_statuses?max_id="+first+`>; rel="next"`) ||
		!strings.Contains(link, "min_id="+ids[0]+`>; rel="prev"`) {
		t.Errorf("Link %q", link)
	}
	if got := plIDs(plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses?limit=2", alice.Token, nil)); strings.Join(got, ",") != strings.Join(ids[:2], ",") {
		t.Errorf("limit=2: %v", got)
	}
	if got := plIDs(plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses?max_id="+ids[1], alice.Token, nil)); strings.Join(got, ",") != first {
		t.Errorf("max_id: %v", got)
	}
	if got := plIDs(plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses?min_id="+first+"&limit=1", alice.Token, nil)); strings.Join(got, ",") != ids[1] {
		t.Errorf("min_id: %v", got)
	}
	if got := plIDs(plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses?since_id="+ids[1], alice.Token, nil)); strings.Join(got, ",") != ids[0] {
		t.Errorf("since_id: %v", got)
	}
	code, h, out := plCall(t, in, "GET", "/api/v1/scheduled_statuses?max_id="+first, alice.Token, nil)
	if code != 200 || string(out) != "[]" || h.Get("Link") != "" {
		t.Errorf("empty page: %d %s Link %q", code, out, h.Get("Link"))
	}
	if got := plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses", bob.Token, nil); len(got) != 0 {
		t.Errorf("bob sees %v", got)
	}

	// Move one; the five-minute rule holds for moves too.
	later := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Millisecond)
	moved := plOK[map[string]any](t, in, "PUT", "/api/v1/scheduled_statuses/"+first, alice.Token, url.Values{"scheduled_at": {later.Format(time.RFC3339Nano)}})
	plCheckScheduled(t, moved)
	if moved["scheduled_at"] != later.Format("2006-01-02T15:04:05.000Z") || moved["params"].(map[string]any)["text"] != "later" {
		t.Errorf("moved: %v", moved)
	}
	plFails(t, in, "PUT", "/api/v1/scheduled_statuses/"+first, alice.Token, url.Values{"scheduled_at": {plAt(time.Minute)}}, 422, "scheduled_at")
	plFails(t, in, "PUT", "/api/v1/scheduled_statuses/"+first, alice.Token, url.Values{"scheduled_at": {plAt(-time.Hour)}}, 422, "scheduled_at")
	plFails(t, in, "PUT", "/api/v1/scheduled_statuses/"+first, alice.Token, url.Values{"scheduled_at": {"tomorrow"}}, 422, "scheduled_at")
	plFails(t, in, "PUT", "/api/v1/scheduled_statuses/"+first, alice.Token, url.Values{}, 422, "scheduled_at")
	plFails(t, in, "PUT", "/api/v1/scheduled_statuses/"+first, bob.Token, url.Values{"scheduled_at": {plAt(time.Hour)}}, 404, "Record not found")
	plFails(t, in, "PUT", "/api/v1/scheduled_statuses/999", alice.Token, url.Values{"scheduled_at": {plAt(time.Hour)}}, 404, "Record not found")
	if got := plOK[map[string]any](t, in, "GET", "/api/v1/scheduled_statuses/"+first, alice.Token, nil); got["scheduled_at"] != moved["scheduled_at"] {
		t.Errorf("a refused move changed the time: %v", got["scheduled_at"])
	}

	// Only the owner reads or cancels.
	plFails(t, in, "GET", "/api/v1/scheduled_statuses/"+first, bob.Token, nil, 404, "Record not found")
	plFails(t, in, "DELETE", "/api/v1/scheduled_statuses/"+first, bob.Token, nil, 404, "Record not found")
	if got := plOK[map[string]any](t, in, "DELETE", "/api/v1/scheduled_statuses/"+first, alice.Token, nil); len(got) != 0 {
		t.Errorf("DELETE answered %v", got)
	}
	plFails(t, in, "GET", "/api/v1/scheduled_statuses/"+first, alice.Token, nil, 404, "Record not found")
	plFails(t, in, "DELETE", "/api/v1/scheduled_statuses/"+first, alice.Token, nil, 404, "Record not found")
	if m, err := in.DB.MediaByID(plCtx, media[0]); err != nil || m.ScheduledStatusID != nil || m.StatusID != nil {
		t.Errorf("the attachment after the cancel: %+v %v", m, err)
	}

	// Scopes.
	readOnly, writeOnly := plToken(t, in, alice, "read:statuses"), plToken(t, in, alice, "write:statuses")
	for _, tc := range []struct{ method, path, token string }{
		{"GET", "/api/v1/scheduled_statuses", ""},
		{"GET", "/api/v1/scheduled_statuses/" + ids[0], ""},
		{"PUT", "/api/v1/scheduled_statuses/" + ids[0], ""},
		{"DELETE", "/api/v1/scheduled_statuses/" + ids[0], ""},
	} {
		plFails(t, in, tc.method, tc.path, tc.token, nil, 401, "token")
	}
	plFails(t, in, "GET", "/api/v1/scheduled_statuses", writeOnly, nil, 403, "scopes")
	plFails(t, in, "GET", "/api/v1/scheduled_statuses/"+ids[0], plToken(t, in, alice, "read:accounts"), nil, 403, "scopes")
	plFails(t, in, "PUT", "/api/v1/scheduled_statuses/"+ids[0], readOnly, url.Values{"scheduled_at": {plAt(time.Hour)}}, 403, "scopes")
	plFails(t, in, "DELETE", "/api/v1/scheduled_statuses/"+ids[0], readOnly, nil, 403, "scopes")
	if code, out := plSchedule(t, sched, readOnly, url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}}); code != 403 {
		t.Errorf("scheduling with read:statuses: %d %v", code, out)
	}
	if got := plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses", readOnly, nil); len(got) != 2 {
		t.Errorf("%d left", len(got))
	}
}

// Scheduling refuses what posting refuses, times too close or past, and
// attachments that are not free; a refusal stores nothing. The same
// Idempotency-Key gives the same scheduled status.
func TestScheduleValidation(t *testing.T) {
	in := plStart(t)
	sched := plScheduler(t, in)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	mine, theirs := plMedia(t, in, alice, 2), plMedia(t, in, bob, 1)
	code, taken := plSchedule(t, sched, alice.Token, url.Values{"status": {"holds a picture"}, "scheduled_at": {plAt(time.Hour)},
		"media_ids[]": {db.FormatID(mine[1])}})
	if code != 200 {
		t.Fatalf("%d %v", code, taken)
	}
	private := in.Post(bob, activitypub.PostParams{Text: "followers only", Visibility: db.Private})
	for _, tc := range []struct {
		name    string
		body    url.Values
		want    int
		mention string
	}{
		{"too soon", url.Values{"status": {"x"}, "scheduled_at": {plAt(4 * time.Minute)}}, 422, "scheduled_at"},
		{"in the past posts at once, as on Mastodon", url.Values{"status": {"x"}, "scheduled_at": {plAt(-time.Hour)}}, 200, ""},
		{"bad format", url.Values{"status": {"x"}, "scheduled_at": {"next tuesday"}}, 422, "scheduled_at"},
		{"unknown attachment", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "media_ids[]": {"12345"}}, 422, "media_ids"},
		{"someone else's attachment", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "media_ids[]": {db.FormatID(theirs[0])}}, 422, "media_ids"},
		{"attachment of another scheduled status", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "media_ids[]": {db.FormatID(mine[0]), db.FormatID(mine[1])}}, 422, "media_ids"},
		{"malformed attachment id", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "media_ids[]": {"abc"}}, 422, "media_ids"},
		{"blank", url.Values{"status": {"  "}, "scheduled_at": {plAt(time.Hour)}}, 422, "status"},
		{"too long", url.Values{"status": {strings.Repeat("x", 501)}, "scheduled_at": {plAt(time.Hour)}}, 422, "status"},
		{"poll of one option", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "poll[options][]": {"only"}, "poll[expires_in]": {"600"}}, 422, "poll"},
		{"poll too short", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "poll[options][]": {"a", "b"}, "poll[expires_in]": {"60"}}, 422, "poll"},
		{"poll and media", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "poll[options][]": {"a", "b"}, "poll[expires_in]": {"600"}, "media_ids[]": {db.FormatID(mine[0])}}, 422, "poll"},
		{"bad visibility", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "visibility": {"everyone"}}, 422, "visibility"},
		{"reply to nothing", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "in_reply_to_id": {"12345"}}, 404, "does not appear to exist"},
		{"reply to an invisible status", url.Values{"status": {"x"}, "scheduled_at": {plAt(time.Hour)}, "in_reply_to_id": {db.FormatID(private.ID)}}, 404, "does not appear to exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := plSchedule(t, sched, alice.Token, tc.body)
			msg, _ := out["error"].(string)
			if code != tc.want || !strings.Contains(msg, tc.mention) {
				t.Fatalf("%d %v, want %d mentioning %q", code, out, tc.want, tc.mention)
			}
		})
	}
	if got := plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses", alice.Token, nil); len(got) != 1 {
		t.Errorf("refusals stored something: %v", got)
	}
	if m, _ := in.DB.MediaByID(plCtx, mine[0]); m.ScheduledStatusID != nil {
		t.Errorf("a refused request reserved an attachment")
	}

	// Idempotency-Key: a retry gets the same scheduled status.
	body := url.Values{"status": {"once"}, "scheduled_at": {plAt(time.Hour)}}
	code, one := plSchedule(t, sched, alice.Token, body, "Idempotency-Key: k-1")
	code2, two := plSchedule(t, sched, alice.Token, body, "Idempotency-Key: k-1")
	if code != 200 || code2 != 200 || one["id"] != two["id"] || one["params"].(map[string]any)["idempotency"] != "k-1" {
		t.Errorf("idempotent scheduling: %v / %v", one, two)
	}
	if got := plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses", alice.Token, nil); len(got) != 2 {
		t.Errorf("%d scheduled statuses after a retried request", len(got))
	}
}

// plDue makes a scheduled status of u due now (as if its time had come).
func plDue(t *testing.T, store *db.DB, u *kontortest.User, id string) {
	t.Helper()
	n, _ := db.ParseID(id)
	if err := store.RescheduleStatus(plCtx, u.Account.ID, n, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// plStatusesBy returns u's statuses on in, newest first.
func plStatusesBy(t *testing.T, in *kontortest.Instance, u *kontortest.User) []*db.Status {
	t.Helper()
	var out []*db.Status
	for _, s := range in.Home(u) {
		if s.AccountID == u.Account.ID {
			out = append(out, s)
		}
	}
	return out
}

// When its time comes the job publishes a scheduled status with its
// attachments and poll; it shows on the author's and a follower's home
// timeline, and the scheduled status is gone.
func TestScheduledStatusPublishes(t *testing.T) {
	in := plStart(t)
	sched := plScheduler(t, in)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	if _, err := in.Engine().Follow(plCtx, bob.Account, alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	media := plMedia(t, in, alice, 2)
	_, withMedia := plSchedule(t, sched, alice.Token, url.Values{"status": {"#later with pictures"}, "scheduled_at": {plAt(time.Hour)},
		"media_ids[]": {db.FormatID(media[1]), db.FormatID(media[0])}, "spoiler_text": {"cw"}, "visibility": {"private"}})
	_, withPoll := plSchedule(t, sched, alice.Token, `{"status":"vote later","scheduled_at":"`+plAt(2*time.Hour)+`","poll":{"options":["x","y"],"expires_in":3600}}`)
	_, notYet := plSchedule(t, sched, alice.Token, url.Values{"status": {"not yet"}, "scheduled_at": {plAt(time.Hour)}})

	plDue(t, in.DB, alice, withMedia["id"].(string))
	plDue(t, in.DB, alice, withPoll["id"].(string))
	if _, err := in.Engine().PublishDueStatuses(plCtx); err != nil { // the background job may have done it already
		t.Fatal(err)
	}
	var posted []*db.Status
	kontortest.Eventually(t, kontortest.Wait, "two published statuses", func() bool {
		posted = plStatusesBy(t, in, alice)
		return len(posted) >= 2
	})
	if _, err := in.Engine().PublishDueStatuses(plCtx); err != nil {
		t.Fatal(err)
	}
	if posted = plStatusesBy(t, in, alice); len(posted) != 2 {
		t.Fatalf("%d statuses published", len(posted))
	}
	byText := map[string]*db.Status{}
	for _, s := range posted {
		byText[s.Text] = s
	}
	pics, poll := byText["#later with pictures"], byText["vote later"]
	if pics == nil || poll == nil {
		t.Fatalf("published %v", posted)
	}
	if pics.Visibility != db.Private || pics.SpoilerText != "cw" || !pics.Sensitive {
		t.Errorf("published with %+v", pics)
	}
	atts, err := in.DB.StatusMedia(plCtx, pics.ID)
	if err != nil || len(atts) != 2 || atts[0].ID != media[1] || atts[1].ID != media[0] || atts[0].ScheduledStatusID != nil {
		t.Errorf("attachments %v %v", atts, err)
	}
	if tags, _ := in.DB.StatusTags(plCtx, pics.ID); len(tags) != 1 || tags[0].Name != "later" {
		t.Errorf("tags %v", tags)
	}
	p, err := in.DB.PollByID(plCtx, *poll.PollID)
	if err != nil || len(p.Options) != 2 || p.ExpiresAt == nil || p.ExpiresAt.Sub(poll.CreatedAt) < 59*time.Minute || p.ExpiresAt.Sub(poll.CreatedAt) > 61*time.Minute {
		t.Errorf("poll %+v %v", p, err)
	}
	found := 0
	for _, s := range in.Home(bob) {
		if s.ID == pics.ID || s.ID == poll.ID {
			found++
		}
	}
	if found != 2 {
		t.Errorf("bob's home shows %d of them", found)
	}
	left := plIDs(plOK[[]any](t, in, "GET", "/api/v1/scheduled_statuses", alice.Token, nil))
	if len(left) != 1 || left[0] != notYet["id"] {
		t.Errorf("left scheduled: %v", left)
	}
}

// Several publishers at once (processes sharing a database) publish each
// due status exactly once.
func TestScheduledStatusesPublishOnce(t *testing.T) {
	in := plStart(t)
	alice := in.CreateUser("alice")
	var ids []string
	for i := range 12 {
		ss, err := in.Engine().ScheduleStatus(plCtx, alice.Account, time.Now().Add(time.Hour), activitypub.PostParams{Text: "number " + db.FormatID(int64(i))}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, db.FormatID(ss.ID))
	}
	for _, id := range ids {
		plDue(t, in.DB, alice, id)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := in.Engine().PublishDueStatuses(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	kontortest.Eventually(t, kontortest.Wait, "every status published", func() bool {
		return len(plStatusesBy(t, in, alice)) >= 12
	})
	seen := map[string]int{}
	for _, s := range plStatusesBy(t, in, alice) {
		seen[s.Text]++
	}
	if len(seen) != 12 {
		t.Errorf("published %v", seen)
	}
	for text, n := range seen {
		if n != 1 {
			t.Errorf("%q published %d times", text, n)
		}
	}
}

// A scheduled status whose time came while the instance was down is
// published when it starts again, and reaches a follower on another
// instance.
func TestScheduledStatusAfterRestart(t *testing.T) {
	dbURL := kontortest.NewDatabaseURL(t, kontortest.Dialect())
	a := kontortest.Start(t, kontortest.Options{DatabaseURL: dbURL, Configure: plNoLimits})
	b := plStart(t)
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	b.Follow(bob, a, alice)
	ss, err := a.Engine().ScheduleStatus(plCtx, alice.Account, time.Now().Add(time.Hour), activitypub.PostParams{Text: "written before the restart"}, "")
	if err != nil {
		t.Fatal(err)
	}
	a.Stop()

	store, err := db.Open(plCtx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	plDue(t, store, alice, db.FormatID(ss.ID))
	store.Close()

	a = kontortest.Restart(t, a.Host, kontortest.Options{DatabaseURL: dbURL, Configure: plNoLimits})
	var posted *db.Status
	kontortest.Eventually(t, kontortest.Wait, "the status to be published after the restart", func() bool {
		if list := plStatusesBy(t, a, alice); len(list) == 1 {
			posted = list[0]
		}
		return posted != nil
	})
	if posted.Text != "written before the restart" {
		t.Errorf("published %q", posted.Text)
	}
	if left := plOK[[]any](t, a, "GET", "/api/v1/scheduled_statuses", alice.Token, nil); len(left) != 0 {
		t.Errorf("still scheduled: %v", left)
	}
	onB := b.WaitStatus(posted.URI)
	kontortest.Eventually(t, kontortest.Wait, "the status on bob's home on B", func() bool {
		for _, s := range b.Home(bob) {
			if s.ID == onB.ID {
				return true
			}
		}
		return false
	})
}
