package oauth

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestReadBodyKeepsIndexedOrder(t *testing.T) {
	var want []string
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 11; i >= 0; i-- { // written out of order on purpose
		mw.WriteField(fmt.Sprintf("redirect_uris[%d]", i), fmt.Sprintf("https://a.example/%d", i))
	}
	mw.Close()
	for i := range 12 {
		want = append(want, fmt.Sprintf("https://a.example/%d", i))
	}
	for range 20 { // map order varies from run to run
		req := httptest.NewRequest("POST", "/", bytes.NewReader(buf.Bytes()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		f, err := readBody(req, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := f["redirect_uris"]; !slices.Equal(got, want) {
			t.Fatalf("got %v", got)
		}
	}
}

func TestReadBodyForms(t *testing.T) {
	for _, tc := range []struct {
		name, ct, body string
		key            string
		want           []string
		err            bool
	}{
		{"json array", "application/json", `{"scopes":["read","write"],"n":5,"b":true,"z":null}`, "scopes", []string{"read", "write"}, false},
		{"json number", "application/json", `{"n":5}`, "n", []string{"5"}, false},
		{"json bool", "application/json", `{"b":true}`, "b", []string{"true"}, false},
		{"json object refused", "application/json", `{"o":{"a":1}}`, "", nil, true},
		{"json not an object", "application/json", `[1]`, "", nil, true},
		{"form brackets", "application/x-www-form-urlencoded", "redirect_uris[]=a&redirect_uris[]=b", "redirect_uris", []string{"a", "b"}, false},
		{"unknown type", "text/plain", "x", "", nil, true},
	} {
		req := httptest.NewRequest("POST", "/?q=1", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ct)
		f, err := readBody(req, false)
		if tc.err != (err != nil) {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if !tc.err && !slices.Equal(f[tc.key], tc.want) {
			t.Errorf("%s: %v", tc.name, f[tc.key])
		}
		if !tc.err && f.has("q") {
			t.Errorf("%s: query read without withQuery", tc.name)
		}
	}
}
