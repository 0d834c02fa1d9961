package vocab

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits applied by Parse. The inbox limits request bodies too; these keep one document from
// costing much more memory than its size.
const (
	// MaxDocumentSize is the largest document Parse accepts, in bytes.
	MaxDocumentSize = 1 << 20
	// MaxDepth bounds the nesting of JSON objects. An array holding a property's values does
	// not count; an array inside an array does. Embedded AS2 objects may nest MaxDepth-1 deep,
	// which leaves their publicKey, endpoints and language maps room for one more level.
	MaxDepth = 16
	// MaxArrayItems bounds the values of one property Parse keeps (to, tag, orderedItems, ...)
	// and the entries of a language map. Arrays in ignored properties are only scanned.
	MaxArrayItems = 1000
	// MaxObjects bounds the embedded objects in one document. An Object takes about 1.4 KB, so
	// a few KB of "{}" cannot make Parse allocate more than about 1.4 MB. A Mastodon outbox page
	// embeds about 200.
	MaxObjects = 1024
)

// Kinds of ParseError, for errors.Is.
var (
	ErrTooLarge  = errors.New("document too large")
	ErrNotObject = errors.New("not a JSON object")
	ErrSyntax    = errors.New("invalid JSON")
	ErrTooDeep   = errors.New("nesting too deep")
	ErrTooMany   = errors.New("too many items")
	ErrNoType    = errors.New("missing type")
	ErrBadID     = errors.New("invalid id")
)

// ParseError says why a document was refused.
type ParseError struct {
	Err    error  // one of the Err* kinds above
	Path   string // dotted property path, e.g. "object.tag"; empty at the top
	Offset int    // byte offset in the document, or -1
	Detail string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("vocab: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Offset >= 0 {
		b.WriteString(" at offset ")
		b.WriteString(strconv.Itoa(e.Offset))
	}
	return b.String()
}

// Unwrap returns the kind, so that errors.Is(err, ErrBadID) works.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads one ActivityStreams document. It refuses, with a *ParseError, a document that is
// not a JSON object, has no type, has an id (at the top or on any embedded object) that is not an
// absolute http(s) URL, or exceeds the limits above. A missing id is allowed: check ID yourself
// where one is required. Values of unexpected shapes are ignored.
//
// The document is copied once into a string and most string fields are slices of that copy, so
// keeping any of them keeps the whole copy alive; clone strings you store for long.
func Parse(data []byte) (*Object, error) {
	o := new(Object)
	if err := parseInto(data, o); err != nil {
		return nil, err
	}
	return o, nil
}

// UnmarshalJSON parses like Parse, so that Object can sit inside other JSON structures.
func (o *Object) UnmarshalJSON(data []byte) error {
	var n Object
	if err := parseInto(data, &n); err != nil {
		return err
	}
	*o = n
	return nil
}

func parseInto(data []byte, o *Object) error {
	if len(data) > MaxDocumentSize {
		return &ParseError{Err: ErrTooLarge, Offset: -1, Detail: fmt.Sprintf("%d bytes, limit %d", len(data), MaxDocumentSize)}
	}
	d := decoder{data: data, src: string(data)}
	if c := d.peek(); c != '{' {
		detail := "empty document"
		if c != 0 {
			detail = fmt.Sprintf("starts with %q", c)
		}
		return &ParseError{Err: ErrNotObject, Offset: d.pos, Detail: detail}
	}
	d.object(o)
	d.end()
	if d.err != nil {
		return d.err
	}
	if o.Type == "" {
		return &ParseError{Err: ErrNoType, Offset: -1}
	}
	return nil
}

// decodeValue runs read on data, which must hold exactly one JSON value; for UnmarshalJSON.
func decodeValue(data []byte, read func(d *decoder)) error {
	if len(data) > MaxDocumentSize {
		return &ParseError{Err: ErrTooLarge, Offset: -1}
	}
	d := decoder{data: data, src: string(data)}
	read(&d)
	d.end()
	if d.err != nil {
		return d.err
	}
	return nil
}

// decoder is a single-pass JSON reader that validates as it goes and decodes straight into
// Objects, so a document is scanned once, without reflection or an intermediate tree.
// Errors are sticky: the first one is kept and the input is treated as ended.
type decoder struct {
	data []byte
	src  string // the same bytes as a string, so that plain strings are sliced, not copied
	pos  int

	level   int    // containers open
	depth   int    // containers counted against MaxDepth
	arrays  uint64 // bit i: container at level i is an array
	counted uint64 // bit i: container at level i counts in depth
	nobj    int    // embedded objects so far

	path  [MaxDepth + 1]string // keys of the Objects being decoded, for error messages
	npath int

	err *ParseError
}

func (d *decoder) fail(kind error, detail string) {
	if d.err == nil {
		d.err = &ParseError{Err: kind, Path: strings.Join(d.path[:d.npath], "."), Offset: d.pos, Detail: detail}
	}
	d.pos = len(d.data)
}

// end checks that only whitespace follows the value just read.
func (d *decoder) end() {
	if d.err == nil && d.peek() != 0 {
		d.fail(ErrSyntax, "data after the top-level value")
	}
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.ws()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// enter consumes '{' or '[' (the caller has peeked it) and checks the depth.
func (d *decoder) enter(c byte) bool {
	if d.peek() != c {
		d.fail(ErrSyntax, fmt.Sprintf("expected %q", c))
		return false
	}
	count := c == '{' || d.level == 0 || d.arrays>>(d.level-1)&1 == 1
	if count {
		if d.depth >= MaxDepth {
			d.fail(ErrTooDeep, fmt.Sprintf("more than %d levels", MaxDepth))
			return false
		}
		d.depth++
	}
	bit := uint64(1) << d.level
	if c == '[' {
		d.arrays |= bit
	} else {
		d.arrays &^= bit
	}
	if count {
		d.counted |= bit
	} else {
		d.counted &^= bit
	}
	d.level++
	d.pos++
	return true
}

// leave consumes the closing '}' or ']'.
func (d *decoder) leave() {
	d.level--
	if d.counted>>d.level&1 == 1 {
		d.depth--
	}
	d.pos++
}

// objectNext moves to the next member of the object being read. n counts the members so far
// (start at 0). It returns the key, positioned at the value, or false at '}' or on error.
func (d *decoder) objectNext(n *int) (string, bool) {
	if d.err != nil {
		return "", false
	}
	c := d.peek()
	if *n > 0 {
		switch c {
		case '}':
			d.leave()
			return "", false
		case ',':
			d.pos++
			c = d.peek()
		default:
			d.fail(ErrSyntax, "expected ',' or '}' after an object member")
			return "", false
		}
	} else if c == '}' {
		d.leave()
		return "", false
	}
	if c != '"' {
		d.fail(ErrSyntax, "expected a string key")
		return "", false
	}
	key := d.str()
	if d.err != nil {
		return "", false
	}
	if d.peek() != ':' {
		d.fail(ErrSyntax, "expected ':' after a key")
		return "", false
	}
	d.pos++
	*n++
	return key, true
}

// arrayNext moves to the next element of the array being read; n counts elements so far.
// With limit > 0, more than limit elements is an error.
func (d *decoder) arrayNext(n *int, limit int) bool {
	if d.err != nil {
		return false
	}
	c := d.peek()
	if *n > 0 {
		switch c {
		case ']':
			d.leave()
			return false
		case ',':
			d.pos++
		default:
			d.fail(ErrSyntax, "expected ',' or ']' after an array element")
			return false
		}
	} else if c == ']' {
		d.leave()
		return false
	}
	*n++
	if limit > 0 && *n > limit {
		d.fail(ErrTooMany, fmt.Sprintf("more than %d values", limit))
		return false
	}
	return true
}

// skip reads and validates one value of any kind.
func (d *decoder) skip() {
	switch c := d.peek(); c {
	case '"':
		d.skipString()
	case '{':
		if !d.enter('{') {
			return
		}
		for n := 0; ; {
			if _, ok := d.objectNext(&n); !ok {
				return
			}
			d.skip()
		}
	case '[':
		if !d.enter('[') {
			return
		}
		for n := 0; d.arrayNext(&n, 0); {
			d.skip()
		}
	case 't':
		d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	case 0:
		d.fail(ErrSyntax, "unexpected end of input")
	default:
		if c == '-' || isDigit(c) {
			d.number()
			return
		}
		d.fail(ErrSyntax, fmt.Sprintf("unexpected character %q", c))
	}
}

// null consumes a null if one is next.
func (d *decoder) null() bool {
	if d.peek() == 'n' {
		d.literal("null")
		return true
	}
	return false
}

func (d *decoder) literal(lit string) {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return
	}
	d.fail(ErrSyntax, "invalid literal")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a JSON number and returns its text.
func (d *decoder) number() string {
	b, i := d.data, d.pos
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		d.pos = i
		d.fail(ErrSyntax, "invalid number")
		return ""
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			d.pos = i
			d.fail(ErrSyntax, "invalid number")
			return ""
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			d.pos = i
			d.fail(ErrSyntax, "invalid number")
			return ""
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	d.pos = i
	return d.src[start:i]
}

// str reads a JSON string (d.pos is at its opening quote). Plain, valid UTF-8 strings are slices
// of d.src; strings with escapes or invalid UTF-8 are built anew, with U+FFFD for bad bytes.
func (d *decoder) str() string {
	b := d.data
	start := d.pos + 1
	ascii := true
	for i := start; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			d.pos = i + 1
			if ascii || utf8.Valid(b[start:i]) {
				return d.src[start:i]
			}
			return d.unescape(start)
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			d.pos = i
			d.fail(ErrSyntax, "control character in string")
			return ""
		case c >= 0x80:
			ascii = false
		}
	}
	d.pos = len(b)
	d.fail(ErrSyntax, "unterminated string")
	return ""
}

// unescape builds a string that has escapes or invalid UTF-8. It first finds the closing quote
// (validating on the way) so that the result is allocated once, at its final size.
func (d *decoder) unescape(start int) string {
	d.pos = start - 1
	d.skipString()
	if d.err != nil {
		return ""
	}
	b := d.data[start : d.pos-1]
	var sb strings.Builder
	sb.Grow(len(b))
	plain := 0 // start of the bytes not yet written
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x20 && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRune(b[i:]); r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			sb.Write(b[plain:i])
			sb.WriteRune(utf8.RuneError)
			i++
			plain = i
			continue
		}
		// An escape: skipString has checked it is well formed.
		sb.Write(b[plain:i])
		switch e := b[i+1]; e {
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, _ := hex4(b, i+2)
			i += 4
			if utf16.IsSurrogate(r) {
				// A valid pair makes one rune; a lone half becomes U+FFFD, as in encoding/json.
				r2, ok := rune(0), false
				if i+3 < len(b) && b[i+2] == '\\' && b[i+3] == 'u' {
					r2, ok = hex4(b, i+4)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			sb.WriteRune(r)
		default: // '"', '\\', '/'
			sb.WriteByte(e)
		}
		i += 2
		plain = i
	}
	sb.Write(b[plain:])
	return sb.String()
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skipString validates a string without building it.
func (d *decoder) skipString() {
	b := d.data
	for i := d.pos + 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			d.pos = i + 1
			return
		case c == '\\':
			if i+1 >= len(b) {
				break
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if _, ok := hex4(b, i+2); !ok {
					d.pos = i
					d.fail(ErrSyntax, "invalid \\u escape in string")
					return
				}
				i += 5
			default:
				d.pos = i
				d.fail(ErrSyntax, "invalid escape in string")
				return
			}
		case c < 0x20:
			d.pos = i
			d.fail(ErrSyntax, "control character in string")
			return
		}
	}
	d.pos = len(b)
	d.fail(ErrSyntax, "unterminated string")
}
