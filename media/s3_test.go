package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestS3StoreOffline(t *testing.T) {
	tests := []struct {
		cfg  S3Config
		want string
	}{
		{S3Config{Endpoint: "s3.example.test", Bucket: "kontor", UseSSL: true}, "https://s3.example.test/kontor/k/x.jpg"},
		{S3Config{Endpoint: "localhost:9000", Bucket: "kontor"}, "http://localhost:9000/kontor/k/x.jpg"},
		{S3Config{Endpoint: "https://s3.example.test", Bucket: "kontor"}, "https://s3.example.test/kontor/k/x.jpg"},
		{S3Config{Endpoint: "s3.example.test", Bucket: "kontor", PublicURL: "https://files.example.test/"}, "https://files.example.test/k/x.jpg"},
	}
	for _, tt := range tests {
		s, err := NewS3Store(tt.cfg)
		if err != nil {
			t.Fatalf("%+v: %v", tt.cfg, err)
		}
		if got := s.URL("k/x.jpg"); got != tt.want {
			t.Errorf("URL = %s, want %s", got, tt.want)
		}
	}
	if _, err := NewS3Store(S3Config{Bucket: "b"}); err == nil {
		t.Error("missing endpoint accepted")
	}
	// Bad keys are refused before any request is made.
	s, _ := NewS3Store(S3Config{Endpoint: "127.0.0.1:1", Bucket: "b"})
	ctx := context.Background()
	if err := s.Put(ctx, "../x", "image/png", strings.NewReader("x"), 1); !errors.Is(err, ErrBadKey) {
		t.Errorf("Put: %v", err)
	}
	if _, _, err := s.Open(ctx, "/x"); !errors.Is(err, ErrBadKey) {
		t.Errorf("Open: %v", err)
	}
	if err := s.Delete(ctx, "a//b"); !errors.Is(err, ErrBadKey) {
		t.Errorf("Delete: %v", err)
	}
}

// TestS3StoreIntegration runs against a real S3-compatible server (e.g.
// MinIO) when KONTOR_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY and _BUCKET
// are set; the bucket must exist.
func TestS3StoreIntegration(t *testing.T) {
	env := func(k string) string { return os.Getenv("KONTOR_TEST_S3_" + k) }
	if env("ENDPOINT") == "" {
		t.Skip("SKIPPING S3 INTEGRATION TEST: S3Store is NOT tested against a server. " +
			"Set KONTOR_TEST_S3_ENDPOINT, KONTOR_TEST_S3_ACCESS_KEY, KONTOR_TEST_S3_SECRET_KEY and KONTOR_TEST_S3_BUCKET " +
			"(and KONTOR_TEST_S3_SSL=1 for https) to run it.")
	}
	s, err := NewS3Store(S3Config{
		Endpoint:  env("ENDPOINT"),
		Region:    env("REGION"),
		Bucket:    env("BUCKET"),
		AccessKey: env("ACCESS_KEY"),
		SecretKey: env("SECRET_KEY"),
		UseSSL:    env("SSL") == "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key := Key("test", time.Now().Format("20060102150405.000000000"), "original", ".png")
	data := []byte("\x89PNG\r\n\x1a\nnot really")
	if err := s.Put(ctx, key, "image/png", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(context.Background(), key) })
	rc, info, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) || info.Size != int64(len(data)) || info.ContentType != "image/png" {
		t.Errorf("open: %q %+v %v", got, info, err)
	}

	htmlKey := Key("test", "html", "x", ".html")
	if err := s.Put(ctx, htmlKey, "text/html", strings.NewReader("<script>"), -1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(context.Background(), htmlKey) })
	rc, info, err = s.Open(ctx, htmlKey)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if info.ContentType != "application/octet-stream" {
		t.Errorf("text/html stored as %s", info.ContentType)
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("open after delete: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("delete missing: %v", err)
	}
}
