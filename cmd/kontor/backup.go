package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kontor-social/kontor/db"
)

// runBackup writes a backup of the database: on SQLite a consistent online
// copy (VACUUM INTO), on PostgreSQL a pg_dump in custom format. Media files are
// not in it: the README says how to copy media_dir or the bucket.
func runBackup(e *env, args []string) error {
	fs := newFlags(e, "backup", "kontor admin backup --out FILE")
	out := fs.String("out", "", "file to write the backup to (must not exist)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return usagef("backup: want --out FILE and no other arguments")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", *out)
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	dialect, _, err := db.ParseDatabaseURL(cfg.Database)
	if err != nil {
		return err
	}
	if dialect == db.Postgres {
		uri, schema, err := db.LibpqURL(cfg.Database)
		if err != nil {
			return err
		}
		pgArgs := []string{"--format=custom", "--no-owner", "--no-privileges", "--file=" + *out, "--dbname=" + uri}
		if schema != "" {
			pgArgs = append(pgArgs, "--schema="+schema)
		}
		fmt.Fprintf(e.stdout, "PostgreSQL: running pg_dump (custom format) into %s\n", *out)
		if err := runTool(e, "pg_dump", pgArgs...); err != nil {
			os.Remove(*out)
			return err
		}
		fmt.Fprintf(e.stdout, "backup written to %s (restore with: kontor admin restore %s)\n", *out, *out)
		return nil
	}
	store, err := db.Open(e.ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.BackupSQLite(e.ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "SQLite: consistent copy written to %s (restore with: kontor admin restore %s)\n", *out, *out)
	return nil
}

// runRestore restores a backup made by runBackup into an empty instance: on
// SQLite the configured database file must not exist yet; on PostgreSQL the
// configured database (or schema) must hold no Kontor tables.
func runRestore(e *env, args []string) error {
	fs := newFlags(e, "restore", "kontor admin restore FILE")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("restore: want one backup FILE")
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	dialect, path, err := db.ParseDatabaseURL(cfg.Database)
	if err != nil {
		return err
	}
	if dialect == db.Postgres {
		uri, _, err := db.LibpqURL(cfg.Database)
		if err != nil {
			return err
		}
		// One transaction, stop at the first error: restoring over existing
		// tables fails as a whole and leaves them untouched.
		err = runTool(e, "pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--dbname="+uri, file)
		if err != nil {
			return fmt.Errorf("%w (the target database must be empty; nothing was changed)", err)
		}
		fmt.Fprintln(e.stdout, "restored into the configured PostgreSQL database")
		return nil
	}
	return restoreSQLite(e, file, path)
}

func restoreSQLite(e *env, file, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("restore: %s already exists; restore only into an empty instance directory", path)
	}
	// Check it is a Kontor database before it takes the instance's place.
	src, err := db.Open(e.ctx, "sqlite://"+file)
	if err != nil {
		return err
	}
	ok, err := src.IsKontorDatabase(e.ctx)
	src.Close()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("restore: %s is not a Kontor SQLite backup", file)
	}
	tmp := path + ".restoring"
	if err := copyFile(file, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(e.stdout, "restored %s into %s\n", file, path)
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// runTool runs a PostgreSQL client tool and turns its failure into one error
// carrying what it printed.
func runTool(e *env, name string, args ...string) error {
	if _, err := exec.LookPath(name); err != nil {
		return fmt.Errorf("%s not found: install the PostgreSQL client tools (Debian: postgresql-client)", name)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(e.ctx, name, args...)
	cmd.Stdout = e.stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
