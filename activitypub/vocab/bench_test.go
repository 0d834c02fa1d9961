package vocab

import (
	"encoding/json"
	"testing"
)

// BenchmarkParse parses a Mastodon Create{Note} with hashtags and an attachment, the most common
// inbox delivery.
//
//	go test -run '^$' -bench . -benchmem ./activitypub/vocab/
func BenchmarkParse(b *testing.B) {
	data := readCorpusFile(b, corpusDir(b), "mastodon/create-note-mastodon-social.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON is the baseline: encoding/json into a generic map, which does less.
func BenchmarkEncodingJSON(b *testing.B) {
	data := readCorpusFile(b, corpusDir(b), "mastodon/create-note-mastodon-social.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	o, err := Parse(readCorpusFile(b, corpusDir(b), "mastodon/create-note-mastodon-social.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(o); err != nil {
			b.Fatal(err)
		}
	}
}
