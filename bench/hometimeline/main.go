// Command hometimeline is the home timeline benchmark: it fills a Kontor
// database with a million statuses by ten thousand accounts, a reader who
// follows 500 of them, then serves the database with the real server and
// measures GET /api/v1/timelines/home?limit=40 (see README.md for the exact
// commands, wrk included).
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/server"
)

type options struct {
	database          string
	accounts          int
	statuses          int
	following         int
	fill, serve       bool
	analyze           bool
	explain           bool
	listen            string
	probe             int
	duration          time.Duration
	followsPerAccount int
	cpuProfile        string
	reader            string
}

func main() {
	var o options
	flag.StringVar(&o.database, "db", "sqlite:///tmp/kontor-bench/kontor.db", "database URL (sqlite://… or postgres://…)")
	flag.IntVar(&o.accounts, "accounts", 10_000, "accounts to create")
	flag.IntVar(&o.statuses, "statuses", 1_000_000, "statuses to create")
	flag.IntVar(&o.following, "following", 500, "accounts the reader follows")
	flag.IntVar(&o.followsPerAccount, "follows-per-account", 20, "follows between the other accounts (table size)")
	flag.BoolVar(&o.fill, "fill", false, "fill an empty database first")
	flag.BoolVar(&o.analyze, "analyze", true, "run ANALYZE after filling (planner statistics)")
	flag.BoolVar(&o.explain, "explain", false, "print the home timeline query plan (first page and a deep page)")
	flag.BoolVar(&o.serve, "serve", false, "serve the database and print the reader's token")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:8089", "where to serve")
	flag.IntVar(&o.probe, "probe", 0, "send this many sequential requests and print latency percentiles")
	flag.DurationVar(&o.duration, "duration", 0, "stop serving after this long (0: until interrupted)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the HTTP probe (server included) to this file")
	flag.StringVar(&o.reader, "reader", "reader", "whose home timeline to measure: reader (follows 500 accounts and two tags) or quiet (follows 5 quiet accounts)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "hometimeline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	cfg, err := config.Load("", false, []string{
		"KONTOR_LISTEN=" + o.listen, "KONTOR_HOST=" + o.listen, "KONTOR_PROTOCOL=http", "KONTOR_DATABASE=" + o.database,
		"KONTOR_MEDIA_DIR=" + os.TempDir() + "/kontor-bench-media", "KONTOR_API_RATE_LIMIT=0", "KONTOR_API_RATE_LIMIT_IP=0", "KONTOR_LOG_LEVEL=warn",
	})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(ctx, cfg, log) // opens and migrates
	if err != nil {
		return err
	}
	defer srv.Close()
	if o.reader != "reader" && o.reader != "quiet" {
		return fmt.Errorf("-reader %q: reader or quiet", o.reader)
	}
	_, err = srv.DB.LocalAccount(ctx, "reader")
	if errors.Is(err, db.ErrNotFound) {
		if !o.fill {
			return errors.New("the database has no benchmark data: run with -fill first")
		}
		var readers [2]*db.Account
		for i, name := range []string{"reader", "quiet"} {
			if readers[i], _, err = srv.Engine.CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: name,
				Email: name + "@bench.example", Password: "password-" + name, Confirmed: true, Approved: true}); err != nil {
				return err
			}
		}
		start := time.Now()
		if err := fill(ctx, cfg.Database, readers[0].ID, readers[1].ID, o); err != nil {
			return err
		}
		fmt.Printf("filled in %s\n", time.Since(start).Round(time.Second))
		// The rows went in past InsertStatus: write the readers' home feeds.
		start = time.Now()
		for _, r := range readers {
			if err := srv.DB.RebuildHomeFeed(ctx, r.ID); err != nil {
				return err
			}
		}
		fmt.Printf("home feeds written in %s\n", time.Since(start).Round(time.Millisecond))
	} else if err != nil {
		return err
	}
	reader, err := srv.DB.LocalAccount(ctx, o.reader)
	if err != nil {
		return fmt.Errorf("reader %s: %w", o.reader, err)
	}
	user, err := srv.DB.UserByAccountID(ctx, reader.ID)
	if err != nil {
		return err
	}
	tok, err := srv.DB.CreateToken(ctx, db.NewToken{UserID: &user.ID, AccountID: &reader.ID, Scopes: []string{"read", "write"}})
	if err != nil {
		return err
	}
	if o.explain {
		first, err := srv.DB.HomeTimeline(ctx, reader.ID, db.Page{Limit: 40})
		if err != nil {
			return err
		}
		for _, p := range []db.Page{{Limit: 40}, {Limit: 40, MaxID: deepCursor(ctx, srv.DB, reader.ID, first)}} {
			for _, scan := range []bool{false, true} {
				plan, err := srv.DB.ExplainHomeTimeline(ctx, reader.ID, p, scan)
				if err != nil {
					return err
				}
				fmt.Printf("--- plan (max_id=%d, %s)\n%s\n", p.MaxID, map[bool]string{false: "home feed", true: "scan of statuses, below the floor"}[scan], plan)
			}
		}
	}
	dbCPU := func() time.Duration { return 0 }
	if srv.DB.Dialect() == db.Postgres {
		if dbCPU, err = postgresCPU(cfg.Database); err != nil {
			return err
		}
	}
	if o.probe > 0 {
		if err := probeQuery(ctx, srv.DB, reader.ID, o.probe, dbCPU); err != nil {
			return err
		}
	}
	if !o.serve && o.probe == 0 {
		return nil
	}
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	serveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(serveCtx, l) }()
	url := "http://" + o.listen + "/api/v1/timelines/home?limit=40"
	fmt.Printf("serving %s (%s)\nTOKEN=%s\n", o.listen, srv.DB.Dialect(), tok.AccessToken)
	fmt.Printf("wrk -t2 -c8 -d30s --latency -H 'Authorization: Bearer %s' '%s'\n", tok.AccessToken, url)
	if o.probe > 0 {
		if o.cpuProfile != "" {
			f, err := os.Create(o.cpuProfile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
		}
		err := probeHTTP(ctx, url, tok.AccessToken, o.probe, dbCPU)
		if o.cpuProfile != "" {
			pprof.StopCPUProfile()
		}
		if err != nil {
			return err
		}
		if !o.serve {
			cancel()
		}
	}
	if o.serve && o.duration > 0 {
		select {
		case <-time.After(o.duration):
			cancel()
		case <-ctx.Done():
		}
	}
	return <-done
}

// deepCursor is a max_id some pages down the reader's timeline.
func deepCursor(ctx context.Context, store *db.DB, reader int64, first []*db.Status) int64 {
	cursor := int64(0)
	page := first
	for range 10 {
		if len(page) == 0 {
			break
		}
		cursor = page[len(page)-1].ID
		next, err := store.HomeTimeline(ctx, reader, db.Page{Limit: 40, MaxID: cursor})
		if err != nil {
			break
		}
		page = next
	}
	return cursor
}

// probeQuery times db.HomeTimeline alone: the first page and pages further down.
func probeQuery(ctx context.Context, store *db.DB, reader int64, n int, dbCPU func() time.Duration) error {
	var times []time.Duration
	cursor := int64(0)
	cpu, pgCPU := cpuTime(), dbCPU()
	for i := range n {
		if i%10 == 0 {
			cursor = 0 // every tenth request starts over at the top
		}
		start := time.Now()
		list, err := store.HomeTimeline(ctx, reader, db.Page{Limit: 40, MaxID: cursor})
		if err != nil {
			return err
		}
		times = append(times, time.Since(start))
		if len(list) == 40 {
			cursor = list[39].ID
		} else {
			cursor = 0
		}
	}
	report("db.HomeTimeline (query only)", times, cpuTime()-cpu, dbCPU()-pgCPU)
	return nil
}

// probeHTTP times full requests, one at a time, the way probeQuery pages.
func probeHTTP(ctx context.Context, url, token string, n int, dbCPU func() time.Duration) error {
	client := &http.Client{Timeout: 10 * time.Second}
	var times []time.Duration
	next := url
	cpu, pgCPU := cpuTime(), dbCPU()
	for i := range n {
		if i%10 == 0 {
			next = url
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		times = append(times, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", next, resp.StatusCode)
		}
		next = url
		for _, part := range strings.Split(resp.Header.Get("Link"), ",") {
			if strings.Contains(part, `rel="next"`) {
				next = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
			}
		}
	}
	report("GET /api/v1/timelines/home?limit=40 (sequential)", times, cpuTime()-cpu, dbCPU()-pgCPU)
	return nil
}

// cpuTime is the CPU time this process (server and client) has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(what string, times []time.Duration, cpu, pgCPU time.Duration) {
	slices.Sort(times)
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(float64(len(times))*p))] }
	fmt.Printf("%s: n=%d p50=%s p90=%s p99=%s max=%s; Kontor process CPU %s per request\n", what, len(times),
		pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond),
		times[len(times)-1].Round(10*time.Microsecond), (cpu / time.Duration(len(times))).Round(10*time.Microsecond))
	if pgCPU > 0 {
		fmt.Printf("  PostgreSQL backends CPU %s per request\n", (pgCPU / time.Duration(len(times))).Round(10*time.Microsecond))
	}
}

// postgresCPU returns a function that sums the CPU time of the PostgreSQL
// backends connected to the benchmark's database (read from /proc: the
// server must run on this machine).
func postgresCPU(databaseURL string) (func() time.Duration, error) {
	bdb, err := openBulk(databaseURL)
	if err != nil {
		return nil, err
	}
	return func() time.Duration {
		var pids []int
		if err := bdb.NewRaw("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").
			Scan(context.Background(), &pids); err != nil {
			return 0
		}
		var ticks int64
		for _, pid := range pids {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			// Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
			f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				ticks += u + st
			}
		}
		return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	}, nil
}

// openBulk opens the database for bulk loading, past the db package.
func openBulk(databaseURL string) (*bun.DB, error) {
	dialect, dsn, err := db.ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if dialect == db.SQLite {
		sqldb, err := sql.Open(sqliteshim.ShimName, "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
		if err != nil {
			return nil, err
		}
		sqldb.SetMaxOpenConns(1)
		return bun.NewDB(sqldb, sqlitedialect.New()), nil
	}
	return bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))), pgdialect.New()), nil
}

// parent is what a reply or a boost needs of an earlier status.
type parent struct {
	id, account, thread int64
	visibility          int
}

// quietAccounts is how many accounts post rarely (one status in
// quietEvery each, in turn); the quiet reader follows them and nothing else.
const (
	quietAccounts = 5
	quietEvery    = 10_000
)

// fill writes the workload with multi-row INSERTs, deterministic (seed 1).
func fill(ctx context.Context, databaseURL string, reader, quietReader int64, o options) error {
	bdb, err := openBulk(databaseURL)
	if err != nil {
		return err
	}
	defer bdb.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	// One generator per table family, so each stays in time order.
	ids, statusIDs := &idSeq{}, &idSeq{}

	// Accounts on ten remote domains.
	accounts := make([]int64, o.accounts)
	rows := make([][]any, 0, o.accounts)
	for i := range accounts {
		accounts[i] = statusIDs.at(now.Add(-400 * 24 * time.Hour).Add(time.Duration(i) * time.Second))
		domain := fmt.Sprintf("remote%d.example", i%10)
		user := fmt.Sprintf("u%05d", i)
		uri := "https://" + domain + "/users/" + user
		rows = append(rows, []any{accounts[i], user, domain, uri, uri, uri + "/inbox", "https://" + domain + "/inbox", "User " + user, now, now})
	}
	if err := insert(ctx, bdb, "accounts", "id, username, domain, uri, url, inbox_uri, shared_inbox_uri, display_name, created_at, updated_at", rows); err != nil {
		return err
	}
	fmt.Printf("%d accounts\n", len(accounts))

	// Follows: the reader follows o.following accounts; everyone else a few.
	followed := map[int64]bool{}
	rows = rows[:0]
	for _, i := range rng.Perm(len(accounts))[:o.following] {
		followed[accounts[i]] = true
		rows = append(rows, []any{ids.next(), reader, accounts[i], true, true, now, now})
	}
	for _, a := range accounts {
		seen := map[int]bool{}
		for len(seen) < o.followsPerAccount {
			j := rng.IntN(len(accounts))
			if accounts[j] == a || seen[j] {
				continue
			}
			seen[j] = true
			rows = append(rows, []any{ids.next(), a, accounts[j], true, true, now, now})
		}
	}
	// The quiet reader follows the last accounts, which rarely post.
	quiet := accounts[len(accounts)-quietAccounts:]
	for _, a := range quiet {
		rows = append(rows, []any{ids.next(), quietReader, a, true, true, now, now})
	}
	if err := insert(ctx, bdb, "follows", "id, account_id, target_account_id, accepted, show_reblogs, created_at, updated_at", rows); err != nil {
		return err
	}
	fmt.Printf("%d follows\n", len(rows))

	// The reader blocks and mutes a few accounts it does not follow, and follows two hashtags.
	rows = rows[:0]
	var mutes [][]any
	for n, i := 0, 0; n < 20 && i < len(accounts); i++ {
		if followed[accounts[i]] {
			continue
		}
		if n%2 == 0 {
			rows = append(rows, []any{ids.next(), reader, accounts[i], now})
		} else {
			mutes = append(mutes, []any{ids.next(), reader, accounts[i], now})
		}
		n++
	}
	if err := insert(ctx, bdb, "blocks", "id, account_id, target_account_id, created_at", rows); err != nil {
		return err
	}
	if err := insert(ctx, bdb, "mutes", "id, account_id, target_account_id, created_at", mutes); err != nil {
		return err
	}
	tags := make([]int64, 100)
	rows = rows[:0]
	for i := range tags {
		tags[i] = ids.next()
		rows = append(rows, []any{tags[i], fmt.Sprintf("tag%d", i), fmt.Sprintf("Tag%d", i), now})
	}
	if err := insert(ctx, bdb, "tags", "id, name, display_name, created_at", rows); err != nil {
		return err
	}
	if err := insert(ctx, bdb, "followed_tags", "account_id, tag_id, created_at", [][]any{{reader, tags[0], now}, {reader, tags[1], now}}); err != nil {
		return err
	}

	// Statuses over the last 60 days: 80% public, 10% unlisted, 7%
	// followers-only, 3% direct; 20% replies, 10% boosts; the reader
	// writes one in a thousand.
	span := 60 * 24 * time.Hour
	start := now.Add(-span)
	var recent []parent
	var statusRows, mentionRows, tagRows [][]any
	flush := func() error {
		if err := insert(ctx, bdb, "statuses", "id, uri, url, account_id, local, visibility, in_reply_to_id, in_reply_to_account_id, reblog_of_id, thread_id, content, language, created_at, updated_at", statusRows); err != nil {
			return err
		}
		if err := insert(ctx, bdb, "status_mentions", "status_id, account_id", mentionRows); err != nil {
			return err
		}
		if err := insert(ctx, bdb, "status_tags", "status_id, tag_id", tagRows); err != nil {
			return err
		}
		statusRows, mentionRows, tagRows = statusRows[:0], mentionRows[:0], tagRows[:0]
		return nil
	}
	for i := range o.statuses {
		at := start.Add(time.Duration(int64(span) / int64(o.statuses) * int64(i)))
		id := statusIDs.at(at)
		author := accounts[rng.IntN(len(accounts)-quietAccounts)]
		local := false
		if rng.IntN(1000) == 0 {
			author, local = reader, true
		}
		if i%quietEvery == quietEvery/2 {
			author = quiet[(i/quietEvery)%quietAccounts]
		}
		vis := 0
		switch r := rng.IntN(100); {
		case r >= 97:
			vis = 3
		case r >= 90:
			vis = 2
		case r >= 80:
			vis = 1
		}
		var inReplyTo, inReplyToAccount, reblogOf any
		thread := id
		content := fmt.Sprintf("<p>Status %d: a line of text that looks like a post, with a <a href=\"https://example.com/%d\">link</a>.</p>", i, i)
		switch r := rng.IntN(100); {
		case r < 10 && len(recent) > 0:
			p := recent[rng.IntN(len(recent))]
			if p.visibility <= 1 {
				reblogOf, vis, content = p.id, p.visibility, ""
			}
		case r < 30 && len(recent) > 0:
			p := recent[rng.IntN(len(recent))]
			inReplyTo, inReplyToAccount, thread = p.id, p.account, p.thread
		}
		uri := fmt.Sprintf("https://bench.example/statuses/%d", id)
		statusRows = append(statusRows, []any{id, uri, uri, author, local, vis, inReplyTo, inReplyToAccount, reblogOf, thread, content, "en", at, at})
		if reblogOf == nil {
			if vis >= 2 || rng.IntN(100) == 0 {
				target := accounts[rng.IntN(len(accounts))]
				if rng.IntN(20) == 0 {
					target = reader
				}
				if target != author {
					mentionRows = append(mentionRows, []any{id, target})
				}
			}
			if rng.IntN(10) == 0 {
				tagRows = append(tagRows, []any{id, tags[rng.IntN(len(tags))]})
			}
			recent = append(recent, parent{id: id, account: author, thread: thread, visibility: vis})
			if len(recent) > 2000 {
				recent = recent[1:]
			}
		}
		if len(statusRows) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
		if (i+1)%100_000 == 0 {
			fmt.Printf("%d statuses\n", i+1)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if o.analyze {
		if _, err := bdb.ExecContext(ctx, "ANALYZE"); err != nil {
			return err
		}
	}
	return nil
}

// insert writes rows with multi-row INSERTs in one transaction.
func insert(ctx context.Context, bdb *bun.DB, table, columns string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		per := max(1, 30000/len(rows[0])) // under SQLite's 32766 variables
		per = min(per, 500)
		for start := 0; start < len(rows); start += per {
			chunk := rows[start:min(start+per, len(rows))]
			var b strings.Builder
			var args []any
			b.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
			for i, r := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
				args = append(args, r...)
			}
			if _, err := tx.NewRaw(b.String(), args...).Exec(ctx); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
		return nil
	})
}

// idSeq mints time-ordered IDs in Kontor's layout (db/ids.go) for given times.
type idSeq struct {
	lastMs, seq int64
}

func (g *idSeq) at(t time.Time) int64 {
	ms := t.UnixMilli()
	if ms <= g.lastMs {
		ms = g.lastMs
		g.seq++
		if g.seq > 2047 {
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.lastMs = ms
	return ms<<16 | g.seq
}

func (g *idSeq) next() int64 { return g.at(time.Now().Add(-24 * time.Hour)) }
