package kontortest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// Browser drives Kontor's HTML pages as a person's browser does: it keeps
// cookies, asks for HTML and follows redirects within its own host only
// (a redirect to an app's URI is returned, not followed).
type Browser struct {
	T      testing.TB
	Base   string // http://host:port
	Client *http.Client
}

// NewBrowser returns a browser for the server at base (http://host:port).
func NewBrowser(t testing.TB, base string) *Browser {
	jar, _ := cookiejar.New(nil)
	host := strings.TrimPrefix(base, "http://")
	return &Browser{T: t, Base: base, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != host || len(via) > 10 {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
}

// Do sends req asking for HTML and returns the response with its body read.
func (b *Browser) Do(req *http.Request) (*http.Response, []byte) {
	b.T.Helper()
	req.Header.Set("Accept", "text/html")
	resp, err := b.Client.Do(req)
	if err != nil {
		b.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// Get opens path on the browser's server.
func (b *Browser) Get(path string) (*http.Response, []byte) {
	b.T.Helper()
	req, _ := http.NewRequest("GET", b.Base+path, nil)
	return b.Do(req)
}

// Post sends v as a form to path.
func (b *Browser) Post(path string, v url.Values) (*http.Response, []byte) {
	b.T.Helper()
	req, _ := http.NewRequest("POST", b.Base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// Submit fills the page's form posting to action (set overrides fields;
// "" deletes one) and posts it.
func (b *Browser) Submit(page []byte, action string, set map[string]string) (*http.Response, []byte) {
	b.T.Helper()
	v := Form(b.T, page, action)
	for k, val := range set {
		if val == "" {
			v.Del(k)
		} else {
			v.Set(k, val)
		}
	}
	return b.Post(action, v)
}

// Form returns the values the page's first form posting to action would
// submit: its inputs (radios and checkboxes when checked) and the selected
// option of its selects. It fails the test when there is no such form.
func Form(t testing.TB, page []byte, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	var found url.Values
	var walk func(n *html.Node, cur url.Values, sel string)
	walk = func(n *html.Node, cur url.Values, sel string) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			_, checked := attr["checked"]
			_, selected := attr["selected"]
			switch n.Data {
			case "form":
				cur = nil
				if attr["action"] == action && found == nil {
					found = url.Values{}
					cur = found
				}
			case "input":
				if cur != nil && attr["name"] != "" && (attr["type"] != "radio" && attr["type"] != "checkbox" || checked) {
					cur.Add(attr["name"], attr["value"])
				}
			case "select":
				sel = attr["name"]
			case "option":
				if cur != nil && selected {
					cur.Set(sel, attr["value"])
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur, sel)
		}
	}
	walk(doc, nil, "")
	if found == nil {
		t.Fatalf("no form to %s in page:\n%s", action, page)
	}
	return found
}
