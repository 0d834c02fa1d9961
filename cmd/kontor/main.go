// Command kontor is the Kontor server and its admin tools, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kontor-social/kontor/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// env is what a command runs with; tests build one in-process.
type env struct {
	ctx        context.Context
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	environ    []string
	configPath string
	explicit   bool // --config was given
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
	sub     []*command
}

func commands() []*command {
	return []*command{
		{name: "serve", summary: "run the server", run: runServe},
		{name: "migrate", summary: "apply database migrations (migrate [up|status])", run: runMigrate},
		{name: "version", summary: "print the version", run: runVersion},
		{name: "admin", summary: "administer the instance", sub: adminCommands()},
	}
}

// Main runs the CLI and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, environ: environ, configPath: "config.toml"}
	args, err := e.takeConfigFlag(args)
	if err != nil {
		fmt.Fprintln(stderr, "kontor:", err)
		return exitUsage
	}
	err = dispatch(e, "kontor", commands(), args)
	var ue *usageError
	var ce *config.Error
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "kontor:", ue.msg)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, "kontor:", ce.Error())
		return exitUsage
	default:
		fmt.Fprintln(stderr, "kontor:", err)
		return exitError
	}
}

// takeConfigFlag removes --config PATH (or --config=PATH) from anywhere in
// the arguments, so it works before or after the subcommand.
func (e *env) takeConfigFlag(args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--config" || a == "-config":
			if i+1 >= len(args) {
				return nil, errors.New("--config needs a file path")
			}
			e.configPath, e.explicit = args[i+1], true
			i++
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
			e.configPath, e.explicit = a[strings.Index(a, "=")+1:], true
		default:
			out = append(out, a)
		}
	}
	if v, ok := lookupEnv(e.environ, "KONTOR_CONFIG"); ok && !e.explicit {
		e.configPath, e.explicit = v, true
	}
	return out, nil
}

func lookupEnv(environ []string, key string) (string, bool) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

func dispatch(e *env, path string, cmds []*command, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stdout, path, cmds)
		if len(args) == 0 {
			return usagef("%s: missing command", path)
		}
		return nil
	}
	for _, c := range cmds {
		if c.name != args[0] {
			continue
		}
		if c.sub != nil {
			return dispatch(e, path+" "+c.name, c.sub, args[1:])
		}
		return c.run(e, args[1:])
	}
	printUsage(e.stderr, path, cmds)
	return usagef("%s: unknown command %q", path, args[0])
}

func printUsage(w io.Writer, path string, cmds []*command) {
	fmt.Fprintf(w, "Usage: %s <command> [arguments and flags, in any order]   (every command takes --config PATH and --help)\n\nCommands:\n", path)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
}

// newFlags makes a flag set whose errors and --help come back as errors.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: %s\n", usage)
		fmt.Fprintln(e.stdout, "  --config PATH\n    \tconfiguration file (default config.toml; KONTOR_CONFIG)")
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// parseFlags parses flags and positional arguments in any order
// (`domain block spam.example --reason spam` as well as
// `domain block --reason spam spam.example`); `--` ends the flags, so what
// follows it is positional even if it starts with a dash. The positional
// arguments are then fs.Args(), in their order. Flag errors become usage
// errors (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usagef("%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if endedByDoubleDash(fs, args, len(args)-len(rest)) {
			positional = append(positional, rest...)
			break
		}
		// The flag package stops at the first positional argument: keep it
		// and go on with what follows it.
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Parse of nothing but the terminator leaves exactly these as Args.
	return fs.Parse(append([]string{"--"}, positional...))
}

// endedByDoubleDash reports whether fs.Parse(args) stopped because of a
// "--" terminator (args[consumed-1]) rather than at a positional argument,
// telling it apart from "--" given as the value of a flag (--reason --).
func endedByDoubleDash(fs *flag.FlagSet, args []string, consumed int) bool {
	if consumed == 0 || args[consumed-1] != "--" {
		return false
	}
	if consumed < 2 {
		return true
	}
	prev := args[consumed-2]
	if prev == "--" || !strings.HasPrefix(prev, "-") || strings.Contains(prev, "=") {
		return true
	}
	f := fs.Lookup(strings.TrimLeft(prev, "-"))
	if f == nil {
		return true
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag() // a bool flag takes no value: the "--" was the terminator
}

// loadConfig reads the configuration for a command.
func (e *env) loadConfig() (*config.Config, error) {
	return config.Load(e.configPath, e.explicit, e.environ)
}

// logger builds the structured logger the configuration asks for.
func (e *env) logger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}
