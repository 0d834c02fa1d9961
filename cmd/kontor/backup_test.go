package main

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// TestAdminBackupRestore backs up an instance while another process keeps
// writing to it, restores the backup into an empty instance and finds the
// accounts there.
func TestAdminBackupRestore(t *testing.T) {
	c := newCLI(t)
	c.mustRun("admin", "account", "create", "--username", "jane", "--email", "jane@example.com")
	out := filepath.Join(t.TempDir(), "kontor.backup")

	// Writes go on during the backup, as they would on a serving instance.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			code, _, _ := c.run("", "admin", "invite", "create")
			if code == 0 {
				writes.Add(1)
			}
		}
	}()
	got := c.mustRun("admin", "backup", "--out", out)
	close(stop)
	wg.Wait()
	if kontortest.Dialect() == db.Postgres && !strings.Contains(got, "pg_dump") {
		t.Errorf("backup on PostgreSQL should say it runs pg_dump: %q", got)
	}
	if code, _, _ := c.run("", "admin", "backup", "--out", out); code == 0 {
		t.Error("backup over an existing file succeeded")
	}

	restored := &cli{t: t, env: append([]string(nil), c.env...)}
	if kontortest.Dialect() == db.SQLite {
		restored.env[0] = "KONTOR_DATABASE=sqlite://" + filepath.Join(t.TempDir(), "restored.db")
	} else {
		dropSchemaOf(t, c.env[0]) // the lost database: restore into an empty one
	}
	restored.mustRun("admin", "restore", out)
	if list := restored.mustRun("admin", "account", "list"); !strings.Contains(list, "jane") {
		t.Errorf("restored instance lacks jane:\n%s", list)
	}
	// A second restore onto the now populated instance is refused and changes nothing.
	if code, _, errOut := restored.run("", "admin", "restore", out); code != 1 {
		t.Errorf("restore over a populated instance: exit %d, %s", code, errOut)
	}
	restored.mustRun("admin", "account", "create", "--username", "after", "--email", "after@example.com")
	if list := restored.mustRun("admin", "account", "list"); !strings.Contains(list, "jane") || !strings.Contains(list, "after") {
		t.Errorf("restored instance not usable:\n%s", list)
	}
	if writes.Load() == 0 {
		t.Log("no concurrent write finished during the backup")
	}
}

func TestAdminRestoreRefusesNonBackup(t *testing.T) {
	if kontortest.Dialect() != db.SQLite {
		t.Skip("SQLite file check")
	}
	c := newCLI(t)
	bogus := filepath.Join(t.TempDir(), "bogus.db")
	other := newCLI(t)
	other.env[0] = "KONTOR_DATABASE=sqlite://" + bogus
	// An SQLite file that Kontor never migrated.
	store, err := db.Open(context.Background(), "sqlite://"+bogus)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	if code, _, errOut := c.run("", "admin", "restore", bogus); code != 1 || !strings.Contains(errOut, "not a Kontor") {
		t.Errorf("restore of a non-Kontor file: exit %d, %s", code, errOut)
	}
	if code, _, _ := c.run("", "admin", "restore"); code != 2 {
		t.Errorf("restore without FILE: exit %d, want 2", code)
	}
}

// dropSchemaOf drops the PostgreSQL schema a test database URL selects.
func dropSchemaOf(t *testing.T, envLine string) {
	t.Helper()
	raw := strings.TrimPrefix(envLine, "KONTOR_DATABASE=")
	u, _ := url.Parse(raw)
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	admin, err := db.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.DropSchema(context.Background(), schema); err != nil {
		t.Fatal(err)
	}
}
