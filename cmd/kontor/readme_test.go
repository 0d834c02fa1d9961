package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeAdminCommands is every `kontor admin …` line of README.md's code
// blocks, its comment cut off.
func readmeAdminCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "    ") {
			continue // code blocks are indented
		}
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "kontor admin ") {
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	return lines
}

var optionalPart = regexp.MustCompile(`\[([^\]]*)\]`)

// readmeVariants turns a synopsis into command lines: without its optional
// parts, and with each alternative of each optional part alone. In
// "a|b|c" the first alternative is taken; placeholders get sample values.
func readmeVariants(line string) [][]string {
	groups := optionalPart.FindAllStringSubmatchIndex(line, -1)
	base := optionalPart.ReplaceAllString(line, "")
	variants := []string{base}
	for i, g := range groups {
		for _, alt := range strings.Split(line[g[2]:g[3]], " | ") {
			var b strings.Builder
			last := 0
			for j, h := range groups {
				b.WriteString(line[last:h[0]])
				if i == j {
					b.WriteString(alt)
				}
				last = h[1]
			}
			b.WriteString(line[last:])
			variants = append(variants, b.String())
		}
	}
	placeholders := map[string]string{"P": "a-long-enough-password", "N": "3", "TEXT": "spam", "ID": "1",
		"USERNAME": "jane", "DOMAIN": "spam.example", "U": "jane"}
	var out [][]string
	for _, v := range variants {
		words := shellWords(v)[1:] // drop "kontor"
		for k, w := range words {
			if first, _, ok := strings.Cut(w, "|"); ok {
				words[k] = first
			}
			if p, ok := placeholders[words[k]]; ok {
				words[k] = p
			}
		}
		out = append(out, words)
	}
	return out
}

// shellWords splits a line as a shell would for the README's examples:
// spaces separate, double quotes group.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case r == ' ' && !inQuote:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestReadmeAdminExamplesParse runs every admin command the README shows,
// as shown, against a real database: none may be a usage error (exit 2).
// Some fail for want of data (a report ID that does not exist), which is
// exit 1 and fine here.
func TestReadmeAdminExamplesParse(t *testing.T) {
	lines := readmeAdminCommands(t)
	if len(lines) < 20 {
		t.Fatalf("found only %d admin commands in README.md: %q", len(lines), lines)
	}
	c := newCLI(t)
	dir := t.TempDir()
	ran := 0
	for _, line := range lines {
		for _, args := range readmeVariants(line) {
			for k, a := range args {
				// Files the commands write go to a scratch directory, never the source tree.
				if strings.HasPrefix(a, "FILE") || k > 0 && args[k-1] == "--out" {
					args[k] = filepath.Join(dir, filepath.Base(a))
				}
			}
			code, out, errOut := c.run("a-long-enough-password\n", args...)
			if code == exitUsage {
				t.Errorf("README line %q: kontor %s: exit 2: %s%s", line, strings.Join(args, " "), out, errOut)
			}
			ran++
		}
	}
	t.Logf("ran %d command lines from %d README lines", ran, len(lines))
}

func TestReadmeVariants(t *testing.T) {
	got := readmeVariants(`kontor admin brand create --username acme [--display-name "Acme Inc"] [--require-approval]`)
	want := [][]string{
		{"admin", "brand", "create", "--username", "acme"},
		{"admin", "brand", "create", "--username", "acme", "--display-name", "Acme Inc"},
		{"admin", "brand", "create", "--username", "acme", "--require-approval"},
	}
	if strings.Join(flat(got), "|") != strings.Join(flat(want), "|") || len(got) != len(want) {
		t.Errorf("got %q, want %q", got, want)
	}
	got = readmeVariants("kontor admin account create --username jane [--password P | --password-stdin] [--role admin|moderator|user]")
	if len(got) != 4 || !strings.Contains(strings.Join(got[1], " "), "--password a-long-enough-password") ||
		strings.Join(got[3][len(got[3])-2:], " ") != "--role admin" {
		t.Errorf("got %q", got)
	}
}

func flat(v [][]string) []string {
	var out []string
	for _, w := range v {
		out = append(out, strings.Join(w, " "))
	}
	return out
}
