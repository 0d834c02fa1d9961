package content

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusDir holds real ActivityPub documents from many servers (see its
// SOURCES.md); it lives beside the repository, in the shared workspace.
const corpusDir = "../../../shared/testdata/ap"

type corpusContent struct {
	file, server, html string
}

// loadCorpusContent returns the corpus contents, skipping the test loudly
// when the shared test data is not there.
func loadCorpusContent(tb testing.TB) []corpusContent {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("SKIPPING: test corpus not found at %s (%v)", corpusDir, err)
	}
	out, err := readCorpus(tb.Logf)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// readCorpus returns every "content" string and every contentMap value found
// anywhere in the corpus documents.
func readCorpus(logf func(string, ...any)) ([]corpusContent, error) {
	var out []corpusContent
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			logf("%s: not JSON (%v), skipped", path, err)
			return nil
		}
		rel, _ := filepath.Rel(corpusDir, path)
		server := strings.Split(filepath.ToSlash(rel), "/")[0]
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, child := range v {
					switch c := child.(type) {
					case string:
						if k == "content" {
							out = append(out, corpusContent{rel, server, c})
						}
					case map[string]any:
						if k == "contentMap" {
							for _, s := range c {
								if s, ok := s.(string); ok {
									out = append(out, corpusContent{rel, server, s})
								}
							}
							continue
						}
					}
					walk(child)
				}
			case []any:
				for _, child := range v {
					walk(child)
				}
			}
		}
		walk(doc)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out, err
}

func TestSanitizeCorpus(t *testing.T) {
	contents := loadCorpusContent(t)
	servers := map[string]bool{}
	sawScript := false
	for _, c := range contents {
		servers[c.server] = true
		got := Sanitize(c.html)
		if err := checkSafeHTML(got); err != nil {
			t.Errorf("%s: %v\n in  %q\n out %q", c.file, err, c.html, got)
		}
		for _, bad := range []string{"javascript:", "<script", "<style", "<img", "<iframe", "<div"} {
			if strings.Contains(strings.ToLower(got), bad) {
				t.Errorf("%s: output contains %q: %q", c.file, bad, got)
			}
		}
		if strings.Contains(strings.ToLower(c.html), "<script") {
			sawScript = true
			if strings.Contains(got, "alert") || strings.Contains(PlainText(got), "XSS") {
				t.Errorf("%s: script text leaked: %q", c.file, got)
			}
		}
		if again := Sanitize(got); again != got {
			t.Errorf("%s: not idempotent\n once  %q\n twice %q", c.file, got, again)
		}
		// What a reader sees must survive: Mastodon's markup exactly, the rest
		// word for word (dropped <div>s and headings may move line breaks).
		before, after := PlainText(c.html), PlainText(got)
		if c.server == "mastodon" {
			if before != after {
				t.Errorf("%s: text changed\n before %q\n after  %q", c.file, before, after)
			}
		} else if !sawScriptIn(c.html) && strings.Join(strings.Fields(before), " ") != strings.Join(strings.Fields(after), " ") {
			t.Errorf("%s: words changed\n before %q\n after  %q", c.file, before, after)
		}
	}
	if len(servers) < 5 || len(contents) < 20 {
		t.Errorf("corpus too small: %d contents from %d servers", len(contents), len(servers))
	}
	if !sawScript {
		t.Error("the corpus document with an embedded <script> was not found")
	}
	t.Logf("sanitized %d contents from %d servers", len(contents), len(servers))
}

func sawScriptIn(s string) bool {
	return strings.Contains(strings.ToLower(s), "<script")
}
