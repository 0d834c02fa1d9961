package main

import (
	"fmt"
	"net"
	"runtime/debug"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/server"
)

func runServe(e *env, args []string) error {
	fs := newFlags(e, "serve", "kontor serve [--config PATH]")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	server.TuneGC()
	go server.ReturnMemoryWhenIdle(e.ctx)
	log := e.logger(cfg)
	// Listen before touching the database: a taken port must not leave a
	// half-started instance behind.
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s, err := server.New(e.ctx, cfg, log)
	if err != nil {
		l.Close()
		return err
	}
	defer s.Close()
	// Opening, migrating and starting the jobs left garbage that the
	// collector, with its goal of at least 48 MB, would hold for minutes.
	debug.FreeOSMemory()
	log.Info("kontor is serving", "version", server.Version, "listen", l.Addr().String(),
		"url", cfg.BaseURL(), "account_domain", cfg.AccountDomain, "database", s.DB.Dialect())
	return s.Serve(e.ctx, l)
}

func runMigrate(e *env, args []string) error {
	fs := newFlags(e, "migrate", "kontor migrate [up|status] [--config PATH]")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	action := "up"
	if fs.NArg() > 0 {
		action = fs.Arg(0)
	}
	if action != "up" && action != "status" || fs.NArg() > 1 {
		return usagef("migrate: want \"up\" or \"status\"")
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	store, err := db.Open(e.ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	if action == "status" {
		states, err := store.MigrationStatus(e.ctx)
		if err != nil {
			return err
		}
		pending := 0
		for _, m := range states {
			mark := "applied"
			if !m.Applied {
				mark = "pending"
				pending++
			}
			fmt.Fprintf(e.stdout, "%-8s %s_%s\n", mark, m.Name, m.Comment)
		}
		fmt.Fprintf(e.stdout, "%d migrations, %d pending\n", len(states), pending)
		return nil
	}
	applied, err := store.Migrate(e.ctx)
	if err != nil {
		return err
	}
	for _, name := range applied {
		fmt.Fprintln(e.stdout, "applied", name)
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "database is up to date")
	}
	return nil
}

func runVersion(e *env, args []string) error {
	fs := newFlags(e, "version", "kontor version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version: unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(e.stdout, "kontor", server.Version)
	return nil
}
