package api_test

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/kontortest"
)

// mediaS3Scenario uploads, posts, reads and deletes media and sets an
// avatar on an instance whose media_storage is "s3", checking that every
// URL points at the bucket's public URL and every file is in the bucket.
// publicGet, when set, downloads a public URL (status, content type, body).
func mediaS3Scenario(t *testing.T, configure func(*config.Config), publicGet func(string) (int, string, []byte)) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(cfg *config.Config) {
		cfg.MediaStorage = config.MediaStorageS3
		configure(cfg)
	}})
	public := strings.TrimRight(in.Config.S3PublicURL, "/")
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	open := func(u string) []byte {
		t.Helper()
		key, ok := strings.CutPrefix(u, public+"/")
		if !ok {
			t.Fatalf("%s is not under the public URL %s", u, public)
		}
		rc, _, err := in.Server.Media.Open(acctCtx, key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return b
	}

	m := c.obj("POST", "/api/v2/media", acctForm{fields: map[string]string{"description": "on S3"}, files: map[string][]byte{"file": mediaJPEG(t)}})
	u := m["url"].(string)
	if !strings.HasPrefix(u, public+"/attachments/") || !strings.HasPrefix(m["preview_url"].(string), public+"/attachments/") {
		t.Fatalf("URLs %v %v", m["url"], m["preview_url"])
	}
	stored := open(u)
	if bytes.Contains(stored, mediaGPSLatitude) {
		t.Error("GPS data reached the bucket")
	}
	if img, err := jpeg.Decode(bytes.NewReader(stored)); err != nil || img.Bounds().Dx() != 20 {
		t.Errorf("stored image: %v", err)
	}
	if publicGet != nil {
		code, ct, body := publicGet(u)
		if code != 200 || ct != "image/jpeg" || !bytes.Equal(body, stored) {
			t.Errorf("public GET %s: %d %s, %d bytes", u, code, ct, len(body))
		}
	}
	// Nothing is served locally.
	if resp, _ := in.Get("/media/" + strings.TrimPrefix(u, public+"/")); resp.StatusCode != 404 {
		t.Errorf("local /media/ answers %d with S3 storage", resp.StatusCode)
	}

	// The engine names the files with the S3 URL too (Notes, actors).
	s := in.Post(alice, activitypub.PostParams{Text: "s3", MediaIDs: []int64{mustID(t, m["id"].(string))}})
	_, body := in.Get(s.URI, "Accept: application/activity+json")
	var note struct{ Attachment []struct{ URL string } }
	json.Unmarshal(body, &note)
	if len(note.Attachment) != 1 || note.Attachment[0].URL != u {
		t.Errorf("Note attachment %s", body)
	}

	// Avatars go to the same store.
	v := c.obj("PATCH", "/api/v1/accounts/update_credentials", acctForm{files: map[string][]byte{"avatar": acctPNG(t, 24, 24)}})
	avatar := v["avatar"].(string)
	if !strings.HasPrefix(avatar, public+"/avatars/") {
		t.Fatalf("avatar %s", avatar)
	}
	open(avatar)

	// DELETE removes the objects.
	m2 := c.obj("POST", "/api/v1/media", acctForm{files: map[string][]byte{"file": mediaAlphaPNG(t)}})
	open(m2["url"].(string))
	c.obj("DELETE", "/api/v1/media/"+m2["id"].(string), nil)
	key := strings.TrimPrefix(m2["url"].(string), public+"/")
	if _, _, err := in.Server.Media.Open(acctCtx, key); err == nil {
		t.Error("the deleted upload is still in the bucket")
	}
}

// TestMediaS3Integration runs the scenario against a real S3-compatible
// server when KONTOR_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY and _BUCKET
// are set (the bucket must exist; _REGION, _SSL=1 and _PUBLIC_URL optional;
// with _PUBLIC_URL the files are downloaded from it too).
func TestMediaS3Integration(t *testing.T) {
	env := func(k string) string { return os.Getenv("KONTOR_TEST_S3_" + k) }
	if env("ENDPOINT") == "" {
		t.Skip("SKIPPING S3 INTEGRATION TEST: media on a real S3 server is NOT tested (TestMediaS3Fake covers the wiring). " +
			"Set KONTOR_TEST_S3_ENDPOINT, KONTOR_TEST_S3_ACCESS_KEY, KONTOR_TEST_S3_SECRET_KEY and KONTOR_TEST_S3_BUCKET " +
			"(KONTOR_TEST_S3_REGION, KONTOR_TEST_S3_SSL=1, KONTOR_TEST_S3_PUBLIC_URL optional) to run it.")
	}
	var get func(string) (int, string, []byte)
	if env("PUBLIC_URL") != "" {
		get = func(u string) (int, string, []byte) {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), b
		}
	}
	mediaS3Scenario(t, func(cfg *config.Config) {
		cfg.S3Endpoint, cfg.S3Region, cfg.S3Bucket = env("ENDPOINT"), env("REGION"), env("BUCKET")
		cfg.S3AccessKey, cfg.S3SecretKey, cfg.S3UseSSL = env("ACCESS_KEY"), env("SECRET_KEY"), env("SSL") == "1"
		cfg.S3PublicURL = env("PUBLIC_URL")
		if cfg.S3PublicURL == "" {
			scheme := "http"
			if cfg.S3UseSSL {
				scheme = "https"
			}
			cfg.S3PublicURL = scheme + "://" + cfg.S3Endpoint + "/" + cfg.S3Bucket
		}
	}, get)
}

// fakeS3 is just enough of the S3 API for minio-go's PutObject, GetObject
// and RemoveObject on one path-style bucket (signatures are not checked),
// and serves objects publicly as a bucket behind s3_public_url would.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string]fakeS3Object
}

type fakeS3Object struct {
	data         []byte
	contentType  string
	cacheControl string
	modified     time.Time
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		body, _ := io.ReadAll(r.Body)
		if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			body = decodeAWSChunked(body)
		}
		f.objects[key] = fakeS3Object{data: body, contentType: r.Header.Get("Content-Type"),
			cacheControl: r.Header.Get("Cache-Control"), modified: time.Now().UTC()}
		w.Header().Set("ETag", `"`+strconv.Itoa(len(body))+`"`)
	case http.MethodGet, http.MethodHead:
		o, ok := f.objects[key]
		if !ok {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
			return
		}
		h := w.Header()
		h.Set("Content-Type", o.contentType)
		h.Set("Cache-Control", o.cacheControl)
		h.Set("Last-Modified", o.modified.Format(http.TimeFormat))
		h.Set("ETag", `"`+strconv.Itoa(len(o.data))+`"`)
		h.Set("Content-Length", strconv.Itoa(len(o.data)))
		if r.Method == http.MethodGet {
			w.Write(o.data)
		}
	case http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// decodeAWSChunked undoes the aws-chunked encoding of streaming uploads:
// "hex-size;chunk-signature=…\r\n" data "\r\n" …, ending with size 0.
func decodeAWSChunked(b []byte) []byte {
	var out []byte
	for {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			return out
		}
		sizeHex, _, _ := strings.Cut(string(b[:i]), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil || n == 0 || int64(len(b)) < int64(i)+2+n {
			return out
		}
		b = b[i+2:]
		out = append(out, b[:n]...)
		b = bytes.TrimPrefix(b[n:], []byte("\r\n"))
	}
}

// TestMediaS3Fake runs the scenario against an in-process S3 stand-in, so
// the S3 wiring (store choice, URLs, avatars, deletes) is tested everywhere.
func TestMediaS3Fake(t *testing.T) {
	fake := &fakeS3{objects: map[string]fakeS3Object{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	mediaS3Scenario(t, func(cfg *config.Config) {
		cfg.S3Endpoint = strings.TrimPrefix(srv.URL, "http://")
		cfg.S3Region, cfg.S3Bucket, cfg.S3UseSSL = "us-east-1", "kontor", false
		cfg.S3AccessKey, cfg.S3SecretKey = "test-access", "test-secret"
		cfg.S3PublicURL = srv.URL + "/kontor/"
	}, func(u string) (int, string, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("objects are stored with Cache-Control %q", cc)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	})
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for k, o := range fake.objects {
		if !strings.HasPrefix(k, "kontor/") || o.contentType == "" {
			t.Errorf("object %s (%s)", k, o.contentType)
		}
	}
}
