package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/kontor-social/kontor/media/mediacache"
)

func mediaCommands() []*command {
	return []*command{
		{name: "prune", summary: "remove cached copies of remote media older than an age (--older-than 30d)", run: runMediaPrune},
	}
}

// runMediaPrune is `kontor admin media prune --older-than AGE`: the copies
// of remote attachments cached before now-AGE are deleted; the attachments
// stay and show from their remote URLs.
func runMediaPrune(e *env, args []string) error {
	fs := newFlags(e, "admin media prune", "kontor admin media prune --older-than AGE   (AGE: 30d, 12h or a duration such as 90m)")
	olderThan := fs.String("older-than", "", "remove copies cached longer ago than this: Nd (days), Nh (hours) or a Go duration")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("admin media prune: unexpected argument %q", fs.Arg(0))
	}
	if *olderThan == "" {
		return usagef("admin media prune: --older-than is required (e.g. --older-than 30d)")
	}
	age, err := parseAge(*olderThan)
	if err != nil {
		return usagef("admin media prune: --older-than %q: %v", *olderThan, err)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()

	var bar *progressbar.ProgressBar
	var progress func(done, total int64)
	if isTerminal(e.stdout) {
		progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(e.stdout),
					progressbar.OptionSetDescription("pruning cached media"), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond))
			}
			bar.Set64(done)
		}
	}
	res, err := mediacache.Prune(e.ctx, s.db, s.media, time.Now().Add(-age), progress)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(e.stdout)
	}
	if err != nil {
		return fmt.Errorf("admin media prune: %w (%d attachments pruned before the error)", err, res.Attachments)
	}
	fmt.Fprintf(e.stdout, "pruned %d cached remote attachments older than %s: %d files, %s\n",
		res.Attachments, *olderThan, res.Files, byteCount(res.Bytes))
	return nil
}

// parseAge reads Nd (days), or anything time.ParseDuration takes (12h,
// 90m, 1h30m). Negative ages are refused.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > int64((1<<63-1)/(24*time.Hour)) {
			return 0, fmt.Errorf("want a whole number of days, e.g. 30d")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("want Nd, Nh or a duration such as 90m")
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, nil
}

// isTerminal reports whether w is a terminal (then progress is drawn).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// byteCount renders a size for people (1024-based, as du -h).
func byteCount(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
