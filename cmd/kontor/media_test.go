package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media/mediacache"
	"github.com/kontor-social/kontor/server"
)

// pngFetcher answers every remote media URL with a small PNG.
type pngFetcher struct{}

func (pngFetcher) GetMedia(context.Context, string, int64) ([]byte, string, error) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 8)))
	return buf.Bytes(), "image/png", nil
}

// seedCachedRemoteMedia stores a remote status with one attachment and
// caches its file, in the database and media directory of c.
func seedCachedRemoteMedia(t *testing.T, c *cli) *db.MediaAttachment {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load("", false, c.env)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := server.NewMediaStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	remote := &db.Account{Username: "carol", Domain: "remote.example", URI: "https://remote.example/users/carol", ActorType: "Person"}
	if err := store.UpsertRemoteAccount(ctx, remote); err != nil {
		t.Fatal(err)
	}
	s := &db.Status{ID: store.NewID(), URI: "https://remote.example/statuses/1", AccountID: remote.ID, Content: "<p>pic</p>"}
	m := &db.MediaAttachment{AccountID: remote.ID, Kind: "image", ContentType: "image/png", RemoteURL: "https://remote.example/pic.png", Description: "a picture"}
	err = store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.InsertStatus(ctx, db.NewStatus{Status: s}); err != nil {
			return err
		}
		m.StatusID = &s.ID
		return tx.InsertRemoteMedia(ctx, []*db.MediaAttachment{m})
	})
	if err != nil {
		t.Fatal(err)
	}
	cache := mediacache.New(mediacache.Options{DB: store, Store: files, Client: pngFetcher{}, MaxBytes: 1 << 20, MaxImagePixels: 1 << 20})
	if n, err := cache.CacheNew(ctx); err != nil || n != 1 {
		t.Fatalf("cached %d: %v", n, err)
	}
	got, err := store.MediaByID(ctx, m.ID)
	if err != nil || got.FileKey == "" {
		t.Fatalf("not cached: %+v %v", got, err)
	}
	return got
}

func TestAdminMediaPrune(t *testing.T) {
	c := newCLI(t)
	m := seedCachedRemoteMedia(t, c)

	for _, bad := range [][]string{
		{},
		{"--older-than", "3x"},
		{"--older-than", "-5d"},
		{"--older-than", "-1h"},
		{"--older-than", "soon"},
		{"--older-than", "1.5d"},
		{"--older-than", "30d", "extra"},
		{"--nope"},
	} {
		code, _, errOut := c.run("", append([]string{"admin", "media", "prune"}, bad...)...)
		if code != 2 || errOut == "" {
			t.Errorf("prune %q: exit %d, stderr %q; want 2 and a message", bad, code, errOut)
		}
	}

	// Not a terminal: no progress bar, one summary line.
	out := c.mustRun("admin", "media", "prune", "--older-than", "30d")
	if out != "pruned 0 cached remote attachments older than 30d: 0 files, 0 B\n" {
		t.Errorf("30d: %q", out)
	}
	time.Sleep(1100 * time.Millisecond)
	if out := c.mustRun("admin", "media", "prune", "--older-than", "12h"); !strings.HasPrefix(out, "pruned 0 ") {
		t.Errorf("12h: %q", out)
	}
	out = c.mustRun("admin", "media", "prune", "--older-than=1s")
	if !strings.HasPrefix(out, "pruned 1 cached remote attachments older than 1s: 2 files, ") || strings.Count(out, "\n") != 1 {
		t.Errorf("1s: %q", out)
	}

	cfg, _ := config.Load("", false, c.env)
	files, _ := server.NewMediaStore(cfg)
	if _, _, err := files.Open(context.Background(), m.FileKey); err == nil {
		t.Error("the cached file is still there")
	}
	store, err := db.Open(context.Background(), cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	after, err := store.MediaByID(context.Background(), m.ID)
	if err != nil || after.FileKey != "" || after.RemoteURL != m.RemoteURL || after.Description != "a picture" {
		t.Errorf("after prune %+v %v", after, err)
	}
	if out := c.mustRun("admin", "media", "prune", "--older-than", "0s"); !strings.HasPrefix(out, "pruned 0 ") {
		t.Errorf("again: %q", out)
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "90m": 90 * time.Minute, "1h30m": 90 * time.Minute, "0d": 0} {
		if got, err := parseAge(in); err != nil || got != want {
			t.Errorf("parseAge(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "x1d", "-1d", "99999999999999d", "1w", "-3h"} {
		if _, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q) accepted", in)
		}
	}
}
