package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// LocalStore keeps files in a directory and can serve them over HTTP.
//
// The content type is derived from the key's extension (keys come from Key
// with Processed.Ext), so there is no sidecar file to keep in sync; Put's
// contentType argument is not recorded. Extensions outside the media
// allowlist read back as application/octet-stream.
type LocalStore struct {
	dir     string
	baseURL string
}

// NewLocalStore creates dir if needed. URL(key) is baseURL + "/" + key.
func NewLocalStore(dir string, baseURL string) (*LocalStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("media: local store: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("media: local store: %w", err)
	}
	return &LocalStore{dir: abs, baseURL: strings.TrimRight(baseURL, "/")}, nil
}

func (s *LocalStore) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

// Put writes to a hidden temporary file in the target directory and renames
// it into place, so readers never see a partial file. If size >= 0 and the
// reader yields a different number of bytes, nothing is stored.
func (s *LocalStore) Put(ctx context.Context, key string, contentType string, data io.Reader, size int64) (err error) {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, data)
	if err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if size >= 0 && n != size {
		return fmt.Errorf("media: put %s: got %d bytes, want %d", key, n, size)
	}
	if err = ctx.Err(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil { // CreateTemp makes 0600
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if err = os.Rename(tmp, p); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	// Make the rename durable; not every filesystem supports syncing a
	// directory, so this is best effort.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Open returns the file and its info; the reader is an *os.File, so it
// also implements io.ReadSeeker.
func (s *LocalStore) Open(ctx context.Context, key string) (io.ReadCloser, *FileInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("media: open %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	if !st.Mode().IsRegular() { // directories are never listed
		_ = f.Close()
		return nil, nil, fmt.Errorf("media: open %s: %w", key, ErrNotFound)
	}
	return f, &FileInfo{Size: st.Size(), ContentType: contentTypeOfKey(key), ModTime: st.ModTime()}, nil
}

// Delete removes the file; empty directories are left, since removing them
// could race with a concurrent Put into the same directory.
func (s *LocalStore) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}

// URL returns baseURL + "/" + key. Keys need no escaping: checkKey allows
// only URL-safe characters.
func (s *LocalStore) URL(key string) string {
	return s.baseURL + "/" + key
}

// ServeHTTP serves GET/HEAD /{key}; mount it with http.StripPrefix. Files
// are immutable under their key, hence the year-long cache. The type comes
// from the media allowlist only, and nosniff plus a CSP that allows nothing
// keep a browser from running anything it is served from here.
func (s *LocalStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'none'")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rc, info, err := s.Open(r.Context(), strings.TrimPrefix(r.URL.Path, "/"))
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadKey) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer rc.Close()
	h.Set("Content-Type", info.ContentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, info.ModTime.UnixNano(), info.Size))
	http.ServeContent(w, r, "", info.ModTime, rc.(*os.File))
}
