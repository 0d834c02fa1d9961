package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/server"
	"github.com/kontor-social/kontor/web/entity"
)

// BenchmarkHomePageParts takes the home page the load asks for (the
// reader's, limit 20, seeded as the load seeds it) apart, one request at a
// time, to show what each part costs of the CPU on its own (cpu-µs/op:
// this process's CPU, the collector's share included):
//
//   - statement: DB.HomeTimeline — the page's rows, chosen by the home
//     rule, visibility and mutes, their authors from the cache;
//   - render: that page rendered as JSON (a presenter of its own, its cache
//     of rendered statuses warm after the first op, as the server's is);
//   - handler: the whole request through the server's handler, with no
//     network (authentication, the statement, rendering, middleware);
//   - http: the whole request over loopback from a keep-alive client in
//     this process, which reads the body;
//   - healthz: GET /healthz the same way: the HTTP round trip alone;
//   - static: the same page's bytes served as they are by a bare net/http
//     server on loopback, the same way: the round trip of a body this size
//     (both ends' HTTP and the kernel's copies), which no server can avoid
//     when its client runs on the same machine.
//
// Run: go test ./bench/readpath -run '^$' -bench HomePageParts -benchtime 3000x
// (KONTOR_TEST_DIALECT=postgres and KONTOR_TEST_POSTGRES_URL for PostgreSQL;
// there cpu-µs/op leaves out PostgreSQL's own processes).
func BenchmarkHomePageParts(b *testing.B) {
	ctx := context.Background()
	server.TuneGC() // as kontor serve does (start runs the server in this process)
	o := options{dialect: db.SQLite, posts: 40}
	if os.Getenv("KONTOR_TEST_DIALECT") == db.Postgres {
		o.dialect, o.postgresURL = db.Postgres, os.Getenv("KONTOR_TEST_POSTGRES_URL")
	}
	in, err := start(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	defer in.close()
	reader, err := in.srv.DB.LocalAccount(ctx, "reader")
	if err != nil {
		b.Fatal(err)
	}
	page := db.Page{Limit: 20}
	present := entity.New(entity.Deps{DB: in.srv.DB, MediaURL: in.srv.Engine.MediaURL, MediaPreviewURL: in.srv.Engine.MediaPreviewURL, TagURL: in.srv.Engine.URLs().Tag,
		BaseURL: in.srv.Config.BaseURL()})
	list, err := in.srv.DB.HomeTimeline(ctx, reader.ID, page)
	if err != nil || len(list) != 20 {
		b.Fatalf("home: %d statuses, %v", len(list), err)
	}
	home := in.base + "/api/v1/timelines/home?limit=20"
	body, err := present.AppendStatusesJSON(ctx, nil, reader.ID, list, "home")
	if err != nil {
		b.Fatal(err)
	}
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	defer static.Close()
	request := func(target string) *http.Request {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer "+in.seeded.token)
		return req
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	fetch := func(b *testing.B, target string) {
		n, err := get(client, target, in.seeded.token)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(n))
	}
	for _, part := range []struct {
		name string
		op   func(b *testing.B)
	}{
		{"statement", func(b *testing.B) {
			if _, err := in.srv.DB.HomeTimeline(ctx, reader.ID, page); err != nil {
				b.Fatal(err)
			}
		}},
		{"render", func(b *testing.B) {
			body, err := present.AppendStatusesJSON(ctx, nil, reader.ID, list, "home")
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
		}},
		{"handler", func(b *testing.B) {
			w := httptest.NewRecorder()
			in.srv.Handler().ServeHTTP(w, request(home))
			if w.Code != http.StatusOK {
				b.Fatalf("handler: %d %.200s", w.Code, w.Body)
			}
			b.SetBytes(int64(w.Body.Len()))
		}},
		{"http", func(b *testing.B) { fetch(b, home) }},
		{"healthz", func(b *testing.B) { fetch(b, in.base+"/healthz") }},
		{"static", func(b *testing.B) { fetch(b, static.URL) }},
	} {
		b.Run(part.name, func(b *testing.B) {
			part.op(b) // warm: statements prepared, caches filled
			cpu := cpuTime(os.Getpid())
			b.ResetTimer()
			for range b.N {
				part.op(b)
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime(os.Getpid())-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		})
	}
}
