package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An admin adds :blobcat: from a PNG file, sees it listed with its
// category and image, and removes it; bad files and names are refused with
// a message, and a wrong call is a usage error.
func TestAdminEmoji(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)))
	good := filepath.Join(dir, "blobcat.png")
	bad := filepath.Join(dir, "notes.txt")
	os.WriteFile(good, buf.Bytes(), 0o600)
	os.WriteFile(bad, []byte("not an image"), 0o600)

	if out := c.mustRun("admin", "emoji", "add", "--shortcode", "blobcat", "--file", good, "--category", "Blobs"); out != "added :blobcat:\n" {
		t.Errorf("add: %q", out)
	}
	list := c.mustRun("admin", "emoji", "list")
	if !strings.Contains(list, ":blobcat:") || !strings.Contains(list, "Blobs") || !strings.Contains(list, "/media/emoji/") {
		t.Errorf("list: %q", list)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"add", "--shortcode", "blobcat", "--file", good}, 1, "taken"},
		{[]string{"add", "--shortcode", "x", "--file", good}, 1, "shortcode"},
		{[]string{"add", "--shortcode", "notes", "--file", bad}, 1, "PNG, GIF or WebP"},
		{[]string{"add", "--shortcode", "gone", "--file", filepath.Join(dir, "missing.png")}, 1, "no such file"},
		{[]string{"add", "--shortcode", "blobcat"}, 2, "required"},
		{[]string{"remove"}, 2, "one shortcode"},
		{[]string{"remove", "nothere"}, 1, `no custom emoji named "nothere"`},
	} {
		code, _, errOut := c.run("", append([]string{"admin", "emoji"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("emoji %q: exit %d, %q; want %d and …%s…", tc.args, code, errOut, tc.code, tc.msg)
		}
	}

	if out := c.mustRun("admin", "emoji", "remove", "blobcat"); out != "removed :blobcat:\n" {
		t.Errorf("remove: %q", out)
	}
	if list := c.mustRun("admin", "emoji", "list"); list != "" {
		t.Errorf("list after remove: %q", list)
	}
}
