package cards

import (
	"strings"
	"testing"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		name string
		page string
		want Page
	}{
		{
			name: "opengraph wins over twitter and title",
			page: `<html lang="de-AT"><head><title>Plain title</title>
				<meta property="og:title" content="OG &amp; title">
				<meta name="twitter:title" content="Twitter title">
				<meta property="og:description" content="What it is">
				<meta property="og:image" content="/img/cover.png">
				<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
				<meta property="og:image:alt" content="A cover">
				<meta property="og:site_name" content="Example News">
				<meta property="article:published_time" content="2026-12-01T10:00:00+01:00">
				</head><body><meta property="og:title" content="in the body"></body></html>`,
			want: Page{Card: Card{Title: "OG & title", Description: "What it is", Type: "link",
				ImageURL: "https://news.example/img/cover.png", Width: 1200, Height: 630, ImageDescription: "A cover",
				ProviderName: "Example News", Language: "de"}},
		},
		{
			name: "twitter tags when there is no opengraph",
			page: `<head><meta name="twitter:title" content="Tw title"><meta name="twitter:description" content="Tw desc">
				<meta name="twitter:image" content="https://cdn.example/x.jpg"><meta name="twitter:creator" content="@jane"></head>`,
			want: Page{Card: Card{Title: "Tw title", Description: "Tw desc", Type: "link", ImageURL: "https://cdn.example/x.jpg", AuthorName: "@jane"}},
		},
		{
			name: "title element and meta description",
			page: `<!doctype html><html><head><title>  Just a
				page </title><meta name="description" content="Plain description"><meta property="og:locale" content="fr_FR"></head></html>`,
			want: Page{Card: Card{Title: "Just a page", Description: "Plain description", Type: "link", Language: "fr"}},
		},
		{
			name: "oembed discovery",
			page: `<head><title>Video</title>
				<link rel="alternate" type="application/json+oembed" href="/oembed?url=https%3A%2F%2Fnews.example%2Fv&amp;format=json">
				<link rel="alternate" type="application/json+oembed" href="https://other.example/second"></head>`,
			want: Page{Card: Card{Title: "Video", Type: "link"}, OEmbedURL: "https://news.example/oembed?url=https%3A%2F%2Fnews.example%2Fv&format=json"},
		},
		{
			name: "unsafe image scheme dropped, author URL split",
			page: `<head><meta property="og:image" content="javascript:alert(1)"><meta property="article:author" content="https://news.example/staff/jane"></head>`,
			want: Page{Card: Card{Type: "link", AuthorURL: "https://news.example/staff/jane"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParsePage([]byte(tt.page), "https://news.example/story/1")
			if got.PublishedAt != nil {
				if tt.name != "opengraph wins over twitter and title" || got.PublishedAt.Format("2006-01-02T15:04Z07:00") != "2026-12-01T09:00Z" {
					t.Errorf("published_at = %v", got.PublishedAt)
				}
				got.PublishedAt = nil
			} else if tt.name == "opengraph wins over twitter and title" {
				t.Errorf("published_at not read")
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestOEmbedMerge(t *testing.T) {
	youtube := `<iframe width="200" height="113" src="https://www.youtube.com/embed/abc?feature=oembed" frameborder="0" allow="autoplay" allowfullscreen></iframe>`
	tests := []struct {
		name, endpoint, doc string
		wantType, wantSrc   string
		wantHTML            bool
	}{
		{"allowed video", "https://www.youtube.com/oembed?url=x",
			`{"type":"video","title":"Clip","author_name":"Chan","author_url":"https://www.youtube.com/@chan","provider_name":"YouTube","provider_url":"https://www.youtube.com/","width":200,"height":"113","html":` + quote(youtube) + `,"thumbnail_url":"https://i.ytimg.com/vi/abc/hq.jpg"}`,
			"video", "https://www.youtube.com/embed/abc?feature=oembed", true},
		{"provider not allowed", "https://videos.example/oembed",
			`{"type":"video","title":"Clip","html":` + quote(youtube) + `}`, "link", "", false},
		{"iframe off the provider", "https://vimeo.com/api/oembed.json",
			`{"type":"video","html":"<iframe src=\"https://evil.example/player\"></iframe>"}`, "link", "", false},
		{"script next to the iframe", "https://www.youtube.com/oembed",
			`{"type":"rich","html":` + quote(youtube+`<script src="https://www.youtube.com/x.js"></script>`) + `}`, "link", "", false},
		{"plain http player", "https://vimeo.com/api/oembed.json",
			`{"type":"video","html":"<iframe src=\"http://player.vimeo.com/video/1\"></iframe>"}`, "link", "", false},
		{"photo", "https://photos.example/oembed",
			`{"type":"photo","url":"https://photos.example/p.jpg","width":640,"height":480}`, "photo", "https://photos.example/p.jpg", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOEmbed([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			c := Card{Type: "link", Title: "Page title"}
			c.Merge(o, tt.endpoint, DefaultProviders)
			if c.Type != tt.wantType || c.EmbedURL != tt.wantSrc {
				t.Errorf("type %q embed_url %q, want %q %q", c.Type, c.EmbedURL, tt.wantType, tt.wantSrc)
			}
			if (c.HTML != "") != tt.wantHTML {
				t.Errorf("html = %q, want html: %v", c.HTML, tt.wantHTML)
			}
			if tt.wantHTML {
				if !strings.HasPrefix(c.HTML, `<iframe src="https://www.youtube.com/embed/abc?feature=oembed" width="200" height="113"`) || strings.Contains(c.HTML, "autoplay") {
					t.Errorf("embed not rebuilt: %s", c.HTML)
				}
				if c.Title != "Clip" || c.AuthorName != "Chan" || c.ProviderName != "YouTube" || c.ImageURL != "https://i.ytimg.com/vi/abc/hq.jpg" {
					t.Errorf("oembed fields not merged: %+v", c)
				}
			}
		})
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func TestFirstLink(t *testing.T) {
	media := "https://files.example/a.png"
	tests := []struct {
		name, content, want string
	}{
		{"mastodon mention and hashtag skipped",
			`<p><span class="h-card"><a href="https://a.example/@bob" class="u-url mention">@<span>bob</span></a></span> see <a href="https://a.example/tags/go" class="mention hashtag" rel="tag">#go</a> and <a href="https://news.example/story#top" rel="nofollow noopener noreferrer" target="_blank">news</a> <a href="https://second.example/">2</a></p>`,
			"https://news.example/story"},
		{"attachment link skipped", `<p><a href="` + media + `">pic</a> <a href="http://blog.example/post">post</a></p>`, "http://blog.example/post"},
		{"other schemes skipped", `<p><a href="mailto:x@example.com">m</a><a href="/relative">r</a><a href="gemini://g.example/">g</a></p>`, ""},
		{"no links", `<p>just text https://not-linked.example</p>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FirstLink(tt.content, func(h string) bool { return h == media })
			if got != tt.want {
				t.Errorf("FirstLink = %q, want %q", got, tt.want)
			}
		})
	}
}
