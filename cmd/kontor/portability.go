package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/portability"
)

// exportCommands and importCommands have one subcommand per kind, so that
// `kontor admin export --help` lists the kinds.
func exportCommands() []*command {
	var out []*command
	for _, k := range portability.Kinds {
		out = append(out, &command{name: string(k), summary: "write " + string(k) + " as Mastodon's " + k.FileName(),
			run: func(e *env, args []string) error { return runExport(e, k, args) }})
	}
	return out
}

func importCommands() []*command {
	var out []*command
	for _, k := range portability.Kinds {
		out = append(out, &command{name: string(k), summary: "read " + string(k) + " from a Mastodon " + k.FileName(),
			run: func(e *env, args []string) error { return runImport(e, k, args) }})
	}
	return out
}

// runExport is `kontor admin export KIND --username U [--out FILE]`.
func runExport(e *env, kind portability.Kind, args []string) error {
	name := "admin export " + string(kind)
	fs := newFlags(e, name, "kontor "+name+" --username U [--out FILE]   (standard output by default)")
	username := fs.String("username", "", "the local account whose data is exported")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", name, fs.Arg(0))
	}
	if *username == "" {
		return usagef("%s: --username is required", name)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.localAccount(e, name, *username)
	if err != nil {
		return err
	}
	if *out == "" {
		return portability.Export(e.ctx, s.db, s.engine.URLs(), a, kind, e.stdout)
	}
	// Written beside the target and renamed, so a failed export never
	// leaves half a file under the name asked for.
	tmp, err := os.CreateTemp(dirOf(*out), ".kontor-export-*")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if err := portability.Export(e.ctx, s.db, s.engine.URLs(), a, kind, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), *out)
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// runImport is `kontor admin import KIND --username U FILE [--mode merge|overwrite]`.
// The file may come before or after the flags.
func runImport(e *env, kind portability.Kind, args []string) error {
	name := "admin import " + string(kind)
	fs := newFlags(e, name, "kontor "+name+" --username U FILE [--mode merge|overwrite]   (FILE - reads standard input)")
	username := fs.String("username", "", "the local account the file is imported for")
	modeName := fs.String("mode", "merge", "merge: add to what is there; overwrite: also remove what the file does not name")
	concurrency := fs.Int("concurrency", 4, "rows worked on at once (remote accounts are looked up over the network)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var files []string
	for fs.NArg() > 0 {
		files = append(files, fs.Arg(0))
		if err := parseFlags(fs, fs.Args()[1:]); err != nil {
			return err
		}
	}
	switch {
	case len(files) != 1:
		return usagef("%s: give exactly one FILE (- for standard input)", name)
	case *username == "":
		return usagef("%s: --username is required", name)
	case *concurrency < 1 || *concurrency > 64:
		return usagef("%s: --concurrency must be between 1 and 64", name)
	}
	mode, err := portability.ParseMode(*modeName)
	if err != nil {
		return usagef("%s: --mode: %v", name, err)
	}
	rows, err := readImportFile(e, kind, files[0])
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.localAccount(e, name, *username)
	if err != nil {
		return err
	}
	im := &portability.Importer{Engine: s.engine, Concurrency: *concurrency}
	var bar *progressbar.ProgressBar
	if isTerminal(e.stdout) && len(rows) > 0 {
		bar = progressbar.NewOptions(len(rows), progressbar.OptionSetWriter(e.stdout),
			progressbar.OptionSetDescription("importing "+string(kind)), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond))
		im.Progress = func(finished, _ int) { bar.Set(finished) }
	}
	res, err := im.Import(e.ctx, a, kind, mode, rows)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(e.stdout)
	}
	printImportSummary(e.stdout, kind, a, mode, res)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%s: %d of %d rows failed (listed above)", name, len(res.Failed), res.Total)
	}
	return nil
}

func readImportFile(e *env, kind portability.Kind, path string) ([]portability.Row, error) {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return portability.Parse(kind, io.LimitReader(r, 64<<20))
}

func printImportSummary(w io.Writer, kind portability.Kind, a *db.Account, mode portability.Mode, res *portability.Result) {
	fmt.Fprintf(w, "imported %s for @%s (%s): %d of %d rows done, %d failed", kind, a.Username, mode, res.Done, res.Total, len(res.Failed))
	if mode == portability.Overwrite {
		fmt.Fprintf(w, ", %d removed", res.Removed)
	}
	fmt.Fprintln(w)
	for _, f := range res.Failed {
		fmt.Fprintf(w, "  line %d: %s: %s\n", f.Line, f.Value, f.Reason)
	}
}

// localAccount finds the local account a --username names.
func (s *adminSession) localAccount(e *env, cmd, username string) (*db.Account, error) {
	a, err := s.db.LocalAccount(e.ctx, strings.TrimPrefix(username, "@"))
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("%s: no local account %q", cmd, username)
	}
	return a, err
}

// runArchive is `kontor admin archive --username U --out FILE.zip`.
func runArchive(e *env, args []string) error {
	const name = "admin archive"
	fs := newFlags(e, name, "kontor admin archive --username U --out FILE.zip")
	username := fs.String("username", "", "the local account whose archive is made")
	out := fs.String("out", "", "the zip file to write")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("%s: unexpected argument %q", name, fs.Arg(0))
	case *username == "":
		return usagef("%s: --username is required", name)
	case *out == "":
		return usagef("%s: --out FILE.zip is required", name)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.localAccount(e, name, *username)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dirOf(*out), ".kontor-archive-*")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	var bar *progressbar.ProgressBar
	var progress func(done, total int)
	if isTerminal(e.stdout) {
		progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stdout),
					progressbar.OptionSetDescription("archiving posts"), progressbar.OptionShowCount(),
					progressbar.OptionThrottle(100*time.Millisecond))
			}
			bar.Set(done)
		}
	}
	stats, err := portability.WriteArchive(e.ctx, s.engine, s.media, a, tmp, progress)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(e.stdout)
	}
	if err == nil {
		err = tmp.Close()
	}
	if err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "archived @%s to %s: %d posts and boosts, %d media files, %d likes, %d bookmarks\n",
		a.Username, *out, stats.Statuses, stats.Media, stats.Likes, stats.Bookmarks)
	return nil
}
