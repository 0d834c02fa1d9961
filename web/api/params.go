package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kontor-social/kontor/web/middleware"
)

// Params are a request's parameters, read the same way whatever clients
// send: query string, JSON, form-urlencoded or multipart. Keys are flattened
// to the form style: JSON {"poll": {"options": ["a"]}} and form
// poll[options][]=a both give Strings("poll[options]") = ["a"]; masto's
// indexed multipart keys (media_ids[0]) read as arrays too.
type Params struct {
	values map[string][]string
	files  map[string][]*multipart.FileHeader
}

// maxMultipartMemory is kept in memory before multipart files spill to disk.
const maxMultipartMemory = 8 << 20

// ReadParams collects the query string and the body. A NUL character in
// any key or value is a 422: no text the stores hold may contain one.
func ReadParams(r *http.Request) (*Params, error) {
	p, err := readParams(r)
	if err == nil && middleware.HasNUL(p.values) {
		return nil, apiErr(http.StatusUnprocessableEntity, middleware.NULMessage)
	}
	return p, err
}

func readParams(r *http.Request) (*Params, error) {
	p := &Params{values: map[string][]string{}, files: map[string][]*multipart.FileHeader{}}
	for k, vs := range r.URL.Query() {
		p.add(k, vs...)
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch ct {
	case "application/json":
		err = p.readJSON(r)
	case "multipart/form-data":
		err = p.readMultipart(r)
	case "application/x-www-form-urlencoded", "":
		err = p.readForm(r)
	default:
		err = fmt.Errorf("%w: unsupported content type %s", errBadBody, ct)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// readJSON reads a JSON object body (an empty body is no parameters).
func (p *Params) readJSON(r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyReadErr(err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: invalid JSON: %v", errBadBody, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: JSON body must be an object", errBadBody)
	}
	p.flattenJSON("", obj)
	return nil
}

// readMultipart reads a multipart form with its files.
func (p *Params) readMultipart(r *http.Request) error {
	if err := r.ParseMultipartForm(maxMultipartMemory); err != nil {
		return bodyReadErr(err)
	}
	for k, vs := range r.MultipartForm.Value {
		p.add(k, vs...)
	}
	for k, fs := range r.MultipartForm.File {
		p.files[normalizeKey(k)] = append(p.files[normalizeKey(k)], fs...)
	}
	return nil
}

// readForm reads a form-urlencoded body.
func (p *Params) readForm(r *http.Request) error {
	if r.Method == http.MethodDelete {
		// net/http reads form bodies of POST, PUT and PATCH only; Tusky
		// sends DELETE /api/v1/domain_blocks with one.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return bodyReadErr(err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return fmt.Errorf("%w: %v", errBadBody, err)
		}
		for k, vs := range form {
			p.add(k, vs...)
		}
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return bodyReadErr(err)
	}
	for k, vs := range r.PostForm {
		p.add(k, vs...)
	}
	return nil
}

// bodyReadErr classifies a failure to read the body: too large (413) or
// unreadable (400).
func bodyReadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || strings.Contains(err.Error(), "request body too large") {
		return errTooLarge
	}
	return fmt.Errorf("%w: %v", errBadBody, err)
}

// normalizeKey turns key[] and key[0] into key, and a[b][] into a[b].
func normalizeKey(k string) string {
	for {
		i := strings.LastIndexByte(k, '[')
		if i < 0 || !strings.HasSuffix(k, "]") {
			return k
		}
		inner := k[i+1 : len(k)-1]
		if inner != "" && strings.Trim(inner, "0123456789") != "" {
			return k
		}
		k = k[:i]
	}
}

func (p *Params) add(k string, vs ...string) {
	nk := normalizeKey(k)
	if isIndexed(k) && nk != k {
		// Indexed keys (masto: fields_attributes[0][name]) keep their order
		// by index; gather them sorted at read time.
		p.values[k] = append(p.values[k], vs...)
	}
	p.values[nk] = append(p.values[nk], vs...)
}

// isIndexed reports whether a key carries a numeric index somewhere.
func isIndexed(k string) bool {
	for i := strings.IndexByte(k, '['); i >= 0; {
		j := strings.IndexByte(k[i:], ']')
		if j < 0 {
			return false
		}
		if inner := k[i+1 : i+j]; inner != "" && strings.Trim(inner, "0123456789") == "" {
			return true
		}
		next := strings.IndexByte(k[i+j:], '[')
		if next < 0 {
			return false
		}
		i += j + next
	}
	return false
}

func (p *Params) flattenJSON(prefix string, obj map[string]any) {
	for k, v := range obj {
		key := k
		if prefix != "" {
			key = prefix + "[" + k + "]"
		}
		p.flattenValue(key, v)
	}
}

func (p *Params) flattenValue(key string, v any) {
	switch x := v.(type) {
	case nil:
		// null is "not given" (in_reply_to_id: null)
	case map[string]any:
		p.flattenJSON(key, x)
	case []any:
		if len(x) == 0 && p.values[key] == nil {
			p.values[key] = []string{} // sent, and empty (media_ids: [] removes all)
		}
		for i, item := range x {
			if m, ok := item.(map[string]any); ok {
				p.flattenJSON(key+"["+strconv.Itoa(i)+"]", m)
				continue
			}
			p.flattenValue(key, item)
		}
	case bool:
		p.values[key] = append(p.values[key], strconv.FormatBool(x))
	case json.Number:
		p.values[key] = append(p.values[key], x.String())
	case string:
		p.values[key] = append(p.values[key], x)
	default:
		p.values[key] = append(p.values[key], fmt.Sprint(x))
	}
}

// Has reports whether the key was sent (even empty).
func (p *Params) Has(key string) bool {
	_, ok := p.values[key]
	return ok
}

// String returns the first value of key, or "".
func (p *Params) String(key string) string {
	if vs := p.values[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Strings returns every value of key (key, key[], key[0] … in index order).
func (p *Params) Strings(key string) []string {
	vs := p.values[key]
	// Prefer index order when the values came from indexed keys.
	var indexed []string
	for k := range p.values {
		if normalizeKey(k) == key && k != key && isIndexed(k) && strings.Count(k, "[") == strings.Count(key, "[")+1 {
			indexed = append(indexed, k)
		}
	}
	if len(indexed) > 1 {
		sort.Slice(indexed, func(i, j int) bool { return indexOf(indexed[i]) < indexOf(indexed[j]) })
		out := make([]string, 0, len(indexed))
		for _, k := range indexed {
			out = append(out, p.values[k]...)
		}
		return out
	}
	return vs
}

func indexOf(k string) int {
	i := strings.LastIndexByte(k, '[')
	n, _ := strconv.Atoi(k[i+1 : len(k)-1])
	return n
}

// Bool reads a boolean as clients send it: true/false, 1/0, on/off, yes/no.
// ok is false when the key is absent; an unreadable value is an error.
func (p *Params) Bool(key string) (v, ok bool, err error) {
	if !p.Has(key) {
		return false, false, nil
	}
	v, err = parseBool(key, p.String(key))
	return v, true, err
}

// parseBool reads a boolean as clients send it (an empty value is false);
// field names the parameter in the error.
func parseBool(field, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "on", "yes", "t":
		return true, nil
	case "false", "0", "off", "no", "f", "":
		return false, nil
	}
	return false, fieldErr(field, "must be true or false")
}

// BoolDefault reads a boolean with a default for absent keys.
func (p *Params) BoolDefault(key string, def bool) (bool, error) {
	v, ok, err := p.Bool(key)
	if err != nil || !ok {
		return def, err
	}
	return v, nil
}

// Int reads an integer; ok is false when absent or empty.
func (p *Params) Int(key string) (v int64, ok bool, err error) {
	s := strings.TrimSpace(p.String(key))
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == float64(int64(f)) {
			return int64(f), true, nil
		}
		return 0, true, fieldErr(key, "must be a whole number")
	}
	return n, true, nil
}

// ID reads an ID parameter; ok is false when absent.
func (p *Params) ID(key string) (int64, bool, error) {
	s := strings.TrimSpace(p.String(key))
	if s == "" {
		return 0, false, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, true, fieldErr(key, "is not a valid ID")
	}
	return id, true, nil
}

// IDs reads a list of IDs (media_ids[], id[] …).
func (p *Params) IDs(key string) ([]int64, error) {
	var out []int64
	for _, s := range p.Strings(key) {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, fieldErr(key, "contains an invalid ID")
		}
		out = append(out, id)
	}
	return out, nil
}

// Time reads an ISO 8601 timestamp (scheduled_at).
func (p *Params) Time(key string) (time.Time, bool, error) {
	s := strings.TrimSpace(p.String(key))
	if s == "" {
		return time.Time{}, false, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, true, fieldErr(key, "is not an ISO 8601 datetime")
}

// File returns the first uploaded file of key.
func (p *Params) File(key string) *multipart.FileHeader {
	if fs := p.files[key]; len(fs) > 0 {
		return fs[0]
	}
	return nil
}

// Indexed returns, for a key like fields_attributes, the sub-keys of each
// index in order: [{"name": "…", "value": "…"}, …]. JSON arrays of objects
// and form keys fields_attributes[0][name] both work, as do hashes keyed by
// strings ("fields_attributes[a][name]").
func (p *Params) Indexed(key string) []map[string]string {
	groups := map[string]map[string]string{}
	var order []string
	prefix := key + "["
	for k, vs := range p.values {
		if !strings.HasPrefix(k, prefix) || len(vs) == 0 {
			continue
		}
		rest := k[len(prefix):]
		idx, sub, ok := strings.Cut(rest, "][")
		if !ok || !strings.HasSuffix(sub, "]") {
			continue
		}
		sub = strings.TrimSuffix(sub, "]")
		if groups[idx] == nil {
			groups[idx] = map[string]string{}
			order = append(order, idx)
		}
		groups[idx][sub] = vs[0]
	}
	sort.Slice(order, func(i, j int) bool {
		a, aerr := strconv.Atoi(order[i])
		b, berr := strconv.Atoi(order[j])
		if aerr == nil && berr == nil {
			return a < b
		}
		return order[i] < order[j]
	})
	out := make([]map[string]string, 0, len(order))
	for _, idx := range order {
		out = append(out, groups[idx])
	}
	return out
}

// Values exposes the raw values (url.Values view), for diagnostics.
func (p *Params) Values() url.Values { return url.Values(p.values) }
