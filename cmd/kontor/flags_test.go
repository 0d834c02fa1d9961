package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseFlagsAnywhere(t *testing.T) {
	cases := []struct {
		args       []string
		reason     string
		all        bool
		positional string
		usage      bool
	}{
		{args: []string{"spam.example", "--reason", "spam"}, reason: "spam", positional: "spam.example"},
		{args: []string{"--reason", "spam", "spam.example"}, reason: "spam", positional: "spam.example"},
		{args: []string{"a", "--all", "b", "--reason=x", "c"}, reason: "x", all: true, positional: "a b c"},
		{args: []string{"a", "--", "--all", "-x"}, positional: "a --all -x"},
		{args: []string{"--reason", "--", "a", "--all"}, reason: "--", all: true, positional: "a"},
		{args: []string{"--all", "--", "-5"}, all: true, positional: "-5"},
		{args: []string{"-", "--all"}, all: true, positional: "-"},
		{args: []string{"a", "--bogus"}, usage: true},
		{args: []string{"a", "--reason"}, usage: true},
		{args: nil},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := newFlags(&env{stdout: io.Discard, stderr: io.Discard}, "test", "test")
			reason := fs.String("reason", "", "")
			all := fs.Bool("all", false, "")
			err := parseFlags(fs, tc.args)
			if tc.usage {
				if _, ok := err.(*usageError); !ok {
					t.Fatalf("want a usage error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *reason != tc.reason || *all != tc.all || strings.Join(fs.Args(), " ") != tc.positional || fs.NArg() != len(strings.Fields(tc.positional)) {
				t.Errorf("reason %q all %v args %q; want %q %v %q", *reason, *all, fs.Args(), tc.reason, tc.all, tc.positional)
			}
		})
	}
}

// The two commands of issue 11 that exited 2 although the README shows them.
func TestFlagsAfterArguments(t *testing.T) {
	c := newCLI(t)
	c.mustRun("admin", "account", "create", "--username", "jane", "--email", "jane@example.com")
	c.mustRun("admin", "domain", "block", "spam.example", "--reason", "spam")
	if list := c.mustRun("admin", "domain", "list"); !strings.Contains(list, "spam.example") || !strings.Contains(list, "\tspam") {
		t.Errorf("domain list: %q", list)
	}
	code, out, errOut := c.run("new-password-1234\n", "admin", "account", "reset-password", "jane", "--password-stdin")
	if code != 0 || strings.Contains(out, "password:") || !strings.Contains(out, "reset") {
		t.Errorf("reset-password jane --password-stdin: exit %d %q %q", code, out, errOut)
	}
	code, _, errOut = c.run("", "admin", "account", "suspend", "jane", "--bogus")
	if code != exitUsage || !strings.Contains(errOut, "bogus") {
		t.Errorf("unknown flag after the argument: exit %d %q", code, errOut)
	}
}

// Every command, the ones added later too, reads its flags after an
// argument: `kontor … ARG --help` prints its usage instead of taking
// --help for an argument (and exiting 2).
func TestEveryCommandTakesFlagsAfterArguments(t *testing.T) {
	c := newCLI(t)
	var walk func(path []string, cmds []*command)
	n := 0
	walk = func(path []string, cmds []*command) {
		for _, cmd := range cmds {
			p := append(append([]string(nil), path...), cmd.name)
			if cmd.sub != nil {
				walk(p, cmd.sub)
				continue
			}
			n++
			code, out, errOut := c.run("", append(p, "some-argument", "--help")...)
			if code != exitOK || !strings.Contains(out, "Usage:") {
				t.Errorf("kontor %s some-argument --help: exit %d, %q %q", strings.Join(p, " "), code, out, errOut)
			}
		}
	}
	walk(nil, commands())
	if n < 20 {
		t.Errorf("only %d commands found", n)
	}
}
