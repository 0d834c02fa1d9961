package db_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// The hot reads of statuses (timelines, StatusByID) scan rows by hand: each
// status must come out exactly as bun's ScanRows of the model gives it —
// NULLs, boosts, replies, polls, quotes, edits, media, counters, times
// written in another zone or without a fraction — on both dialects.
func TestStatusScanMatchesBun(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		alice := &db.Account{Username: "alice", URI: "http://x/users/alice"}
		if err := store.CreateLocalAccount(ctx, alice, &db.User{Email: "alice@example.com"}); err != nil {
			t.Fatal(err)
		}
		bob := &db.Account{Username: "bob", Domain: "remote.example", URI: "https://remote.example/users/bob"}
		if err := store.UpsertRemoteAccount(ctx, bob); err != nil {
			t.Fatal(err)
		}
		elsewhere := time.FixedZone("X", 5*3600+1800)
		edited := time.Date(2026, 2, 3, 4, 5, 6, 789000, elsewhere)
		id := func() int64 { return store.NewID() }
		plain := &db.Status{ID: id(), URI: "http://x/s/plain", AccountID: alice.ID, Local: true}
		full := &db.Status{
			ID: id(), URI: "https://remote.example/s/full", URL: "https://remote.example/@bob/full", AccountID: bob.ID,
			Visibility: db.Unlisted, InReplyToID: &plain.ID, InReplyToAccountID: &alice.ID, InReplyToURI: plain.URI,
			Content: `<p>"Grüße" & 'quotes' 🐘</p>`, Text: "Grüße", SpoilerText: "cw", Sensitive: true, Language: "de",
			PollID: new(int64(41)), ApplicationID: new(int64(42)), QuoteOfID: &plain.ID, FavouritesCount: 7,
			CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 500000000, elsewhere), EditedAt: &edited,
		}
		wholeSecond := &db.Status{ID: id(), URI: "http://x/s/whole", AccountID: alice.ID, Local: true, Visibility: db.Direct,
			CreatedAt: time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)}
		boost := &db.Status{ID: id(), URI: "https://remote.example/s/boost", AccountID: bob.ID, ReblogOfID: &plain.ID}
		err := store.InTx(ctx, func(tx *db.Tx) error {
			media := []*db.MediaAttachment{{AccountID: bob.ID, Kind: "image", RemoteURL: "https://remote.example/m.png"}}
			if err := tx.InsertRemoteMedia(ctx, media); err != nil {
				return err
			}
			for _, n := range []db.NewStatus{{Status: plain}, {Status: full, MediaIDs: []int64{media[0].ID}}, {Status: wholeSecond}, {Status: boost}} {
				if err := tx.InsertStatus(ctx, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{plain.ID, full.ID, wholeSecond.ID, boost.ID}
		byBun, byHand, err := store.StatusesBothWays(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(byBun) != len(ids) || len(byHand) != len(ids) {
			t.Fatalf("bun read %d statuses, the scan %d; want %d", len(byBun), len(byHand), len(ids))
		}
		for i := range byBun {
			if !reflect.DeepEqual(byBun[i], byHand[i]) {
				t.Errorf("status %d:\nbun  %+v\nscan %+v", byBun[i].ID, *byBun[i], *byHand[i])
			}
		}
		// The rows give every column a value somewhere, so a column the
		// scan dropped or put in the wrong field shows above.
		v := reflect.ValueOf(db.Status{})
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !slices.Contains(db.StatusColumnNames(), columnOf(f)) {
				continue
			}
			if !slices.ContainsFunc(byHand, func(s *db.Status) bool { return !reflect.ValueOf(*s).Field(i).IsZero() }) {
				t.Errorf("no row sets %s: the test cannot see it scanned", f.Name)
			}
		}
	})
}

// columnOf is the column name in a field's bun tag.
func columnOf(f reflect.StructField) string {
	tag := f.Tag.Get("bun")
	for i, c := range tag {
		if c == ',' {
			return tag[:i]
		}
	}
	return tag
}
