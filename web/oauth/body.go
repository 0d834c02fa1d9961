package oauth

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kontor-social/kontor/web/middleware"
)

// form is a request's parameters, read the same way from a JSON object,
// a form-urlencoded or a multipart body: keys lose a trailing [] or [0]
// (redirect_uris[]=…), JSON arrays give several values.
type form map[string][]string

// get returns the first value of key, or "".
func (f form) get(key string) string {
	if vs := f[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// has reports whether key was sent at all.
func (f form) has(key string) bool {
	_, ok := f[key]
	return ok
}

func (f form) add(key string, vs ...string) {
	key = baseKey(key)
	f[key] = append(f[key], vs...)
}

// addAll adds form values in a stable order: key[0], key[1] … by index
// (masto's multipart arrays), after key and key[].
func (f form) addAll(vals map[string][]string) {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	index := func(k string) int {
		i := strings.IndexByte(k, '[')
		if i < 0 {
			return -1
		}
		n, err := strconv.Atoi(strings.TrimSuffix(k[i+1:], "]"))
		if err != nil {
			return -1
		}
		return n
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(strings.Compare(baseKey(a), baseKey(b)), cmp.Compare(index(a), index(b)), strings.Compare(a, b))
	})
	for _, k := range keys {
		f.add(k, vals[k]...)
	}
}

// baseKey turns key[] and key[0] into key.
func baseKey(k string) string {
	if i := strings.IndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
		if inner := k[i+1 : len(k)-1]; strings.Trim(inner, "0123456789") == "" {
			return k[:i]
		}
	}
	return k
}

// errBadBody is a body that cannot be parsed (400).
var errBadBody = errors.New("could not parse the request body")

// errTooLarge is a body over the size limit (413).
var errTooLarge = errors.New("request body too large")

const maxMultipartMemory = 1 << 20

// readBody parses the request body; withQuery adds the query string too
// (body values first). Secrets are never read from the query.
func readBody(r *http.Request, withQuery bool) (form, error) {
	f := form{}
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		if err := readInto(f, r); err != nil {
			return nil, err
		}
	}
	if withQuery {
		for k, vs := range r.URL.Query() {
			if !f.has(baseKey(k)) {
				f.add(k, vs...)
			}
		}
	}
	if middleware.HasNUL(f) {
		return nil, errNUL
	}
	return f, nil
}

// errNUL is a parameter with a NUL character, which no stored text may
// hold (422).
var errNUL = errors.New("parameters must not contain NUL characters")

func readInto(f form, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return bodyErr(err)
		}
		if strings.TrimSpace(string(body)) == "" {
			return nil
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return fmt.Errorf("%w: the JSON body must be an object: %v", errBadBody, err)
		}
		for k, v := range obj {
			vs, err := jsonValues(v)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", errBadBody, k, err)
			}
			if vs != nil {
				f.add(k, vs...)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxMultipartMemory); err != nil {
			return bodyErr(err)
		}
		f.addAll(r.MultipartForm.Value)
	case "application/x-www-form-urlencoded", "":
		if err := r.ParseForm(); err != nil {
			return bodyErr(err)
		}
		f.addAll(r.PostForm)
	default:
		return fmt.Errorf("%w: unsupported content type %s", errBadBody, ct)
	}
	return nil
}

// jsonValues turns a JSON value into form values: scalars give one, arrays
// of scalars several, null none. Objects are refused.
func jsonValues(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case json.Number:
		return []string{v.String()}, nil
	case bool:
		return []string{fmt.Sprint(v)}, nil
	case []any:
		out := []string{}
		for _, e := range v {
			vs, err := jsonValues(e)
			if err != nil {
				return nil, err
			}
			if _, nested := e.([]any); nested {
				return nil, errors.New("nested arrays are not allowed")
			}
			out = append(out, vs...)
		}
		return out, nil
	}
	return nil, errors.New("objects are not allowed here")
}

func bodyErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return fmt.Errorf("%w: %v", errBadBody, err)
}
