package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"path"
	"strings"
	"time"
)

// Store keeps media files under keys such as those Key makes.
type Store interface {
	// Put stores data under key; size is -1 when unknown.
	Put(ctx context.Context, key string, contentType string, data io.Reader, size int64) error
	// Open returns the file's contents; errors.Is(err, ErrNotFound) when missing.
	Open(ctx context.Context, key string) (io.ReadCloser, *FileInfo, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// URL is the public URL the API returns for key.
	URL(key string) string
}

// FileInfo describes a stored file.
type FileInfo struct {
	Size        int64
	ContentType string
	ModTime     time.Time
}

var (
	// ErrNotFound is returned by Store.Open for a missing key. It is
	// fs.ErrNotExist, so either can be tested with errors.Is.
	ErrNotFound = fs.ErrNotExist
	// ErrBadKey is returned for keys that could escape the store or hit
	// its temporary files.
	ErrBadKey = errors.New("media: invalid storage key")
)

var (
	_ Store = (*LocalStore)(nil)
	_ Store = (*S3Store)(nil)
)

// cacheControl suits files whose key never changes content.
const cacheControl = "public, max-age=31536000, immutable"

// Key builds a storage key such as "attachments/3f/a2/109876543210/original.jpg".
// The two directory levels come from a hash of id, not from id itself:
// time-ordered (snowflake-like) ids share long prefixes, so a prefix of the
// id would put every recent upload in the same directory. 65536 buckets
// keep any one directory small.
func Key(kind string, id string, variant string, ext string) string {
	sum := sha256.Sum256([]byte(id))
	h := hex.EncodeToString(sum[:2])
	if ext != "" && !strings.HasPrefix(ext, ".") {
		ext = "." + ext
	}
	return kind + "/" + h[:2] + "/" + h[2:] + "/" + id + "/" + variant + ext
}

// checkKey allows only slash-separated segments of [A-Za-z0-9._-] that do
// not start with a dot: no "..", no absolute paths, no empty segments, and
// no names of the hidden temporary files LocalStore writes.
func checkKey(key string) error {
	if key == "" || len(key) > 1024 {
		return fmt.Errorf("%w: %q", ErrBadKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' {
			return fmt.Errorf("%w: %q", ErrBadKey, key)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("%w: %q", ErrBadKey, key)
			}
		}
	}
	return nil
}

// safeContentType passes the media types Kontor produces and turns anything
// else (text/html, image/svg+xml, …) into application/octet-stream, so a
// stored file can never be rendered as a document by a browser.
func safeContentType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		if _, ok := formats[mt]; ok {
			return mt
		}
	}
	return "application/octet-stream"
}

// contentTypeOfKey derives a key's content type from its extension.
func contentTypeOfKey(key string) string {
	if ct := contentTypeForExt(strings.ToLower(path.Ext(key))); ct != "" {
		return ct
	}
	return "application/octet-stream"
}
