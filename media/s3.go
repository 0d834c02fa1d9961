package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config configures an S3-compatible bucket.
type S3Config struct {
	Endpoint  string // host[:port]; a leading http:// or https:// also sets UseSSL
	Region    string
	Bucket    string
	AccessKey string
	SecretKey string
	UseSSL    bool
	PublicURL string // base URL files are served from; default endpoint/bucket
}

// S3Store keeps files in an S3 bucket. Files are served by the bucket or a
// CDN in front of it, so nosniff/CSP headers must be set there; Put at least
// restricts Content-Type to the media allowlist and sets long caching.
type S3Store struct {
	client    *minio.Client
	bucket    string
	publicURL string
}

// NewS3Store makes a client; it does not contact the server.
func NewS3Store(cfg S3Config) (*S3Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("media: s3: endpoint and bucket are required")
	}
	endpoint, secure := cfg.Endpoint, cfg.UseSSL
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("media: s3: bad endpoint %q", cfg.Endpoint)
		}
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("media: s3: %w", err)
	}
	pub := strings.TrimRight(cfg.PublicURL, "/")
	if pub == "" {
		scheme := "http"
		if secure {
			scheme = "https"
		}
		pub = scheme + "://" + endpoint + "/" + cfg.Bucket
	}
	return &S3Store{client: client, bucket: cfg.Bucket, publicURL: pub}, nil
}

// Put uploads data; size -1 makes minio buffer it in multipart chunks.
func (s *S3Store) Put(ctx context.Context, key string, contentType string, data io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if size < 0 {
		size = -1
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, data, size, minio.PutObjectOptions{
		ContentType:  safeContentType(contentType),
		CacheControl: cacheControl,
	})
	if err != nil {
		return fmt.Errorf("media: s3 put %s: %w", key, err)
	}
	return nil
}

// Open fetches the object's info and returns a reader for its contents.
func (s *S3Store) Open(ctx context.Context, key string) (io.ReadCloser, *FileInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("media: s3 open %s: %w", key, err)
	}
	st, err := obj.Stat() // GetObject is lazy; this makes the request
	if err != nil {
		_ = obj.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, nil, fmt.Errorf("media: s3 open %s: %w", key, ErrNotFound)
		}
		return nil, nil, fmt.Errorf("media: s3 open %s: %w", key, err)
	}
	return obj, &FileInfo{Size: st.Size, ContentType: st.ContentType, ModTime: st.LastModified}, nil
}

// Delete removes the object; S3 reports success for missing keys already.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return fmt.Errorf("media: s3 delete %s: %w", key, err)
	}
	return nil
}

// URL returns PublicURL + "/" + key.
func (s *S3Store) URL(key string) string {
	return s.publicURL + "/" + key
}
