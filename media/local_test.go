package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func newLocal(t *testing.T) (*LocalStore, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	s, err := NewLocalStore(dir, "https://example.test/media/")
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func put(t *testing.T, s Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, "", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func TestLocalStorePutOpenDelete(t *testing.T) {
	s, dir := newLocal(t)
	ctx := context.Background()
	key := Key("attachments", "109876543210", "original", ".jpg")
	data := []byte("\xff\xd8\xff pretend jpeg")
	put(t, s, key, data)

	rc, info, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) || info.Size != int64(len(data)) || info.ContentType != "image/jpeg" || info.ModTime.IsZero() {
		t.Errorf("open: %q %+v", got, info)
	}
	st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("file mode: %v %v", st.Mode(), err)
	}
	if u := s.URL(key); u != "https://example.test/media/"+key {
		t.Errorf("URL = %s", u)
	}

	put(t, s, key, []byte("replaced")) // overwrite is atomic too
	rc, _, _ = s.Open(ctx, key)
	got, _ = io.ReadAll(rc)
	rc.Close()
	if string(got) != "replaced" {
		t.Errorf("after overwrite: %q", got)
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open after delete: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("delete missing: %v", err)
	}
	if _, _, err := s.Open(ctx, "attachments"); !errors.Is(err, ErrNotFound) {
		t.Errorf("open directory: %v", err)
	}
}

func TestLocalStorePutFailureLeavesNothing(t *testing.T) {
	s, dir := newLocal(t)
	ctx := context.Background()
	key := "attachments/aa/bb/1/original.png"
	if err := s.Put(ctx, key, "image/png", strings.NewReader("short"), 100); err == nil {
		t.Fatal("size mismatch accepted")
	}
	failing := io.MultiReader(strings.NewReader("partial"), errReader{})
	if err := s.Put(ctx, key, "image/png", failing, -1); err == nil {
		t.Fatal("reader error ignored")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Put(cancelled, key, "image/png", strings.NewReader("x"), 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled put: %v", err)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("left behind: %v", files)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestLocalStoreRejectsBadKeys(t *testing.T) {
	s, dir := newLocal(t)
	ctx := context.Background()
	// A file next to the store that traversal would reach.
	if err := os.WriteFile(filepath.Join(dir, "..", "secret.jpg"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := []string{
		"", "/etc/passwd", "../secret.jpg", "a/../../secret.jpg", "a/../b", "a//b", "a/./b", "./a",
		".hidden", "a/.tmp-123", "a\\..\\b", "a b", "a/b/", "a/%2e%2e/b", "é.jpg", "a\x00.jpg",
		strings.Repeat("a", 1025),
	}
	for _, key := range bad {
		if err := s.Put(ctx, key, "image/jpeg", strings.NewReader("x"), 1); !errors.Is(err, ErrBadKey) {
			t.Errorf("Put(%q) = %v", key, err)
		}
		if _, _, err := s.Open(ctx, key); !errors.Is(err, ErrBadKey) {
			t.Errorf("Open(%q) = %v", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, ErrBadKey) {
			t.Errorf("Delete(%q) = %v", key, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "secret.jpg")); err != nil {
		t.Errorf("secret was deleted: %v", err)
	}
}

func TestKey(t *testing.T) {
	k := Key("attachments", "109876543210", "original", ".jpg")
	if !regexp.MustCompile(`^attachments/[0-9a-f]{2}/[0-9a-f]{2}/109876543210/original\.jpg$`).MatchString(k) {
		t.Fatalf("Key = %s", k)
	}
	if k != Key("attachments", "109876543210", "original", "jpg") {
		t.Error("ext without dot differs")
	}
	if err := checkKey(k); err != nil {
		t.Error(err)
	}
	// Sequential (snowflake-like) ids must still spread over many directories.
	dirs := map[string]bool{}
	for i := range 10000 {
		k := Key("attachments", fmt.Sprintf("1098765432%05d", i), "small", ".jpg")
		dirs[k[:len("attachments/00/00")]] = true
	}
	if len(dirs) < 8000 {
		t.Errorf("10000 sequential ids used only %d directories", len(dirs))
	}
}

func TestLocalStoreServeHTTP(t *testing.T) {
	s, _ := newLocal(t)
	files := map[string]string{
		"a/b/original.jpg": "\xff\xd8\xff0123456789",
		"a/b/clip.mp4":     "\x00\x00\x00\x18ftypisom",
		"a/b/song.mp3":     "ID3\x04",
		"a/b/evil.svg":     "<svg onload=alert(1)>",
		"a/b/page.html":    "<script>alert(1)</script>",
		"a/b/blob.bin":     "data",
	}
	for k, v := range files {
		put(t, s, k, []byte(v))
	}
	srv := httptest.NewServer(http.StripPrefix("/media", s))
	defer srv.Close()

	get := func(method, path string, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	checkSecurity := func(path string, resp *http.Response) {
		t.Helper()
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			resp.Header.Get("Content-Security-Policy") != "default-src 'none'; form-action 'none'" {
			t.Errorf("%s: security headers %v", path, resp.Header)
		}
	}

	types := map[string]string{
		"/media/a/b/original.jpg": "image/jpeg",
		"/media/a/b/clip.mp4":     "video/mp4",
		"/media/a/b/song.mp3":     "audio/mpeg",
		"/media/a/b/evil.svg":     "application/octet-stream",
		"/media/a/b/page.html":    "application/octet-stream",
		"/media/a/b/blob.bin":     "application/octet-stream",
	}
	for path, ct := range types {
		resp := get("GET", path, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ct {
			t.Errorf("%s: %d %s, want 200 %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), ct)
		}
		if string(body) != files[strings.TrimPrefix(path, "/media/")] {
			t.Errorf("%s: body %q", path, body)
		}
		if resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		}
		checkSecurity(path, resp)
	}

	resp := get("GET", "/media/a/b/original.jpg", map[string]string{"Range": "bytes=3-6"})
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != "0123" ||
		resp.Header.Get("Content-Range") != "bytes 3-6/13" || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("range: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	etag := resp.Header.Get("ETag")
	resp = get("GET", "/media/a/b/original.jpg", map[string]string{"If-None-Match": etag})
	resp.Body.Close()
	if etag == "" || resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: etag %q status %d", etag, resp.StatusCode)
	}

	resp = get("HEAD", "/media/a/b/clip.mp4", nil)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(files["a/b/clip.mp4"])) {
		t.Errorf("HEAD: %d len %d body %q", resp.StatusCode, resp.ContentLength, body)
	}

	resp = get("POST", "/media/a/b/clip.mp4", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}

	for _, path := range []string{"/media/a/b/missing.jpg", "/media/a/b", "/media/a/b/", "/media/", "/media/a/b/.tmp-1", "/media/a/%2e%2e/b/original.jpg"} {
		resp := get("GET", path, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
		if strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: 404 cached as immutable", path)
		}
		checkSecurity(path, resp)
	}
}

// Traversal through a raw path that a client library would clean.
func TestLocalStoreServeHTTPRawTraversal(t *testing.T) {
	s, dir := newLocal(t)
	if err := os.WriteFile(filepath.Join(dir, "..", "secret.jpg"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/../secret.jpg", "/a/../../secret.jpg", "//secret.jpg"} {
		req := httptest.NewRequest("GET", "/x", nil)
		req.URL.Path = p
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("%s: %d %q", p, rec.Code, rec.Body.String())
		}
	}
}

func TestSafeContentType(t *testing.T) {
	tests := map[string]string{
		"image/jpeg":               "image/jpeg",
		"IMAGE/PNG":                "image/png",
		"video/mp4; codecs=avc1":   "video/mp4",
		"image/svg+xml":            "application/octet-stream",
		"text/html; charset=utf-8": "application/octet-stream",
		"":                         "application/octet-stream",
		"garbage;;":                "application/octet-stream",
	}
	for in, want := range tests {
		if got := safeContentType(in); got != want {
			t.Errorf("safeContentType(%q) = %q, want %q", in, got, want)
		}
	}
}
