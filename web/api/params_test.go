package api

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestParamsFromEveryBodyKind(t *testing.T) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("status", "hi")
	mw.WriteField("media_ids[0]", "2")
	mw.WriteField("media_ids[1]", "1")
	mw.WriteField("poll[options][0]", "a")
	mw.WriteField("poll[options][1]", "b")
	mw.WriteField("sensitive", "1")
	mw.WriteField("fields_attributes[0][name]", "site")
	mw.WriteField("fields_attributes[0][value]", "https://a.example")
	mw.WriteField("fields_attributes[1][name]", "pronouns")
	mw.WriteField("fields_attributes[1][value]", "they")
	mw.Close()

	cases := []struct {
		name, ctype, body string
	}{
		{"json", "application/json", `{"status":"hi","media_ids":["2","1"],"poll":{"options":["a","b"]},"sensitive":true,
			"fields_attributes":[{"name":"site","value":"https://a.example"},{"name":"pronouns","value":"they"}]}`},
		{"form", "application/x-www-form-urlencoded",
			"status=hi&media_ids[]=2&media_ids[]=1&poll[options][]=a&poll[options][]=b&sensitive=true" +
				"&fields_attributes[0][name]=site&fields_attributes[0][value]=https%3A%2F%2Fa.example&fields_attributes[1][name]=pronouns&fields_attributes[1][value]=they"},
		{"multipart", mw.FormDataContentType(), mp.String()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/statuses", strings.NewReader(c.body))
			r.Header.Set("Content-Type", c.ctype)
			p, err := ReadParams(r)
			if err != nil {
				t.Fatal(err)
			}
			if p.String("status") != "hi" {
				t.Errorf("status %q", p.String("status"))
			}
			ids, err := p.IDs("media_ids")
			if err != nil || !slices.Equal(ids, []int64{2, 1}) {
				t.Errorf("media_ids %v %v", ids, err)
			}
			if got := p.Strings("poll[options]"); !slices.Equal(got, []string{"a", "b"}) {
				t.Errorf("poll options %q", got)
			}
			if v, ok, err := p.Bool("sensitive"); !v || !ok || err != nil {
				t.Errorf("sensitive %v %v %v", v, ok, err)
			}
			fields := p.Indexed("fields_attributes")
			if len(fields) != 2 || fields[0]["name"] != "site" || fields[1]["value"] != "they" {
				t.Errorf("fields %v", fields)
			}
		})
	}
}

func TestParamsErrors(t *testing.T) {
	r := httptest.NewRequest("POST", "/x", strings.NewReader(`{"status":`))
	r.Header.Set("Content-Type", "application/json")
	if _, err := ReadParams(r); err == nil {
		t.Error("malformed JSON accepted")
	}
	r = httptest.NewRequest("POST", "/x", strings.NewReader(`[1,2]`))
	r.Header.Set("Content-Type", "application/json")
	if _, err := ReadParams(r); err == nil {
		t.Error("a JSON array body accepted")
	}
	r = httptest.NewRequest("POST", "/x?limit=abc&flag=maybe&id=-3", nil)
	p, _ := ReadParams(r)
	if _, _, err := p.Int("limit"); err == nil {
		t.Error("limit=abc accepted")
	}
	if _, _, err := p.Bool("flag"); err == nil {
		t.Error("flag=maybe accepted")
	}
	if _, _, err := p.ID("id"); err == nil {
		t.Error("id=-3 accepted")
	}
	if !strings.Contains(fieldErr("limit", "must be a number").Error(), "limit") {
		t.Error("field errors must name the field")
	}
}

func TestParamsDeleteFormBody(t *testing.T) {
	r := httptest.NewRequest("DELETE", "/api/v1/lists/1/accounts?x=1", strings.NewReader("account_ids[]=5&account_ids[]=6"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p, err := ReadParams(r)
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := p.IDs("account_ids"); err != nil || !slices.Equal(ids, []int64{5, 6}) {
		t.Errorf("account_ids %v %v", ids, err)
	}
	if p.String("x") != "1" {
		t.Error("query lost")
	}
}
