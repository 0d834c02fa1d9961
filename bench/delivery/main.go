// Command delivery measures how a crash during a fan-out delays it: a real
// `kontor serve` with 1,000 remote followers (fake servers on loopback, each
// follower with its own inbox), a post, kill -9 while the post is being
// delivered, a restart on the same database, and the time until every
// follower has the post, with the duplicates. See README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kontor-social/kontor/bench/peers"
	"github.com/kontor-social/kontor/bench/proc"
)

type options struct {
	kontor     string
	database   string
	followers  int
	servers    int
	delay      time.Duration
	killAfter  int
	timeout    time.Duration
	logs       bool
	shared     bool
	instances  int
	cpuProfile string
	seeded     string
}

func main() {
	var o options
	flag.StringVar(&o.kontor, "kontor", "", "kontor binary (default: go build ./cmd/kontor into a temporary directory)")
	flag.StringVar(&o.database, "db", "", "database URL (default: a new SQLite file); PostgreSQL: an empty database or schema")
	flag.IntVar(&o.followers, "followers", 1000, "remote followers, each with its own inbox")
	flag.IntVar(&o.servers, "servers", 10, "fake remote servers (hosts) they live on")
	flag.DurationVar(&o.delay, "delay", 200*time.Millisecond, "how long a fake inbox takes to answer")
	flag.IntVar(&o.killAfter, "kill-after", 300, "kill -9 the server once this many followers have the post")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up waiting for the followers after this")
	flag.BoolVar(&o.logs, "logs", false, "show the server's log")
	flag.BoolVar(&o.shared, "shared", false, "instead: time a post's fan-out to -followers (default 100,000) on -instances with shared inboxes, no crash")
	flag.IntVar(&o.instances, "instances", 5000, "-shared: remote instances, each on a loopback address of its own")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "-shared: run the server in this process and write a CPU profile of the fan-out (from the POST until every inbox has it)")
	flag.StringVar(&o.seeded, "seeded", "", "-shared, SQLite: keep the seeded database in this directory and start later runs with the same -followers and -instances from a copy of it (minutes of seeding saved)")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	if o.shared {
		if !set["followers"] {
			o.followers = 100000
		}
		if !set["delay"] {
			o.delay = 0
		}
		err = runShared(o)
	} else {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "delivery:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "kontor-delivery-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.kontor == "" {
		if o.kontor, err = proc.Build(dir); err != nil {
			return err
		}
	}
	if o.database == "" {
		o.database = "sqlite://" + filepath.Join(dir, "kontor.db")
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return err
	}
	env := proc.Env(o.database, addr, addr, filepath.Join(dir, "media"))
	for _, args := range [][]string{{"migrate"}, {"admin", "account", "create", "--username", "alice", "--email", "alice@example.com"}} {
		if _, err := proc.Run(o.kontor, env, args...); err != nil {
			return err
		}
	}
	token, err := proc.Run(o.kontor, env, "admin", "token", "create", "--username", "alice", "--scopes", "read write")
	if err != nil {
		return err
	}
	token = strings.TrimSpace(token)

	remote, err := peers.New(o.servers, o.followers, o.delay)
	if err != nil {
		return err
	}
	defer remote.Close()

	srv, err := proc.Serve(o.kontor, env, addr, o.logs)
	if err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	base := "http://" + addr
	fmt.Printf("%d followers on %d hosts (inboxes answer in %s) follow alice...\n", o.followers, o.servers, o.delay)
	if err := remote.FollowAll(base+"/users/alice", func(int) string { return base + "/users/alice/inbox" }); err != nil {
		return err
	}
	if err := remote.Wait(o.timeout, "Accept", o.followers); err != nil {
		return fmt.Errorf("waiting for the Accepts: %w", err)
	}
	// Quiet: nothing else in the queue.
	time.Sleep(time.Second)

	posted := time.Now()
	if _, err := proc.Post(base, token, "hello, followers"); err != nil {
		return err
	}
	if err := remote.Wait(o.timeout, "Create", o.killAfter); err != nil {
		return err
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	killed := time.Now()
	before := remote.Have("Create")
	fmt.Printf("kill -9 %.2f s after the post, %d followers had it\n", killed.Sub(posted).Seconds(), before)

	srv, err = proc.Serve(o.kontor, env, addr, o.logs)
	if err != nil {
		return err
	}
	restarted := time.Now()
	werr := remote.Wait(o.timeout, "Create", o.followers)
	all := time.Now()
	dups, missing := remote.Duplicates("Create")
	fmt.Printf("restarted %.2f s after the kill\n", restarted.Sub(killed).Seconds())
	if werr != nil {
		fmt.Printf("after %s: %d followers still without the post\n", o.timeout, missing)
	} else {
		fmt.Printf("every follower had the post %.2f s after the kill (%.2f s after the restart, %.2f s after the post)\n",
			all.Sub(killed).Seconds(), all.Sub(restarted).Seconds(), all.Sub(posted).Seconds())
	}
	fmt.Printf("duplicates: %d (followers who got the post more than once: %d; of them, whose first copy was answered 2xx\n"+
		"  10 ms before the kill: %d, 50 ms before: %d, 200 ms before: %d)\n",
		dups, remote.Doubled("Create", time.Time{}), remote.Doubled("Create", killed.Add(-10*time.Millisecond)),
		remote.Doubled("Create", killed.Add(-50*time.Millisecond)), remote.Doubled("Create", killed.Add(-200*time.Millisecond)))
	return werr
}
