package vocab

// Lenient readers for property values: each consumes exactly one JSON value, keeps it when it
// has a usable shape and ignores it otherwise.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

func (d *decoder) readString(dst *string) {
	if d.peek() == '"' {
		*dst = d.str()
		return
	}
	d.skip()
}

// readStrings reads a string or an array of strings (rel).
func (d *decoder) readStrings(dst *[]string) {
	switch d.peek() {
	case '"':
		if s := d.str(); s != "" {
			*dst = []string{s}
		}
	case '[':
		if !d.enter('[') {
			return
		}
		var out []string
		for n := 0; d.arrayNext(&n, MaxArrayItems); {
			if d.peek() != '"' {
				d.skip()
				continue
			}
			if s := d.str(); s != "" {
				out = append(out, s)
			}
		}
		*dst = out
	default:
		d.skip()
	}
}

// readIRI reads a property naming one resource, keeping only its IRI.
func (d *decoder) readIRI(dst *string) {
	if s, ok := d.iri(); ok {
		*dst = s
	}
}

// iri reads a string, an object (its id, else its href) or an array (the first of these).
func (d *decoder) iri() (string, bool) {
	switch d.peek() {
	case '"':
		s := d.str()
		return s, s != ""
	case '{':
		return d.idOf()
	case '[':
		if !d.enter('[') {
			return "", false
		}
		first, found := "", false
		for n := 0; d.arrayNext(&n, MaxArrayItems); {
			if s, ok := d.iri(); ok && !found {
				first, found = s, true
			}
		}
		return first, found
	default:
		d.skip()
		return "", false
	}
}

// idOf reads an object only for its id or href.
func (d *decoder) idOf() (string, bool) {
	if !d.enter('{') {
		return "", false
	}
	var id, href string
	for n := 0; ; {
		key, ok := d.objectNext(&n)
		if !ok {
			break
		}
		switch key {
		case "id":
			d.readString(&id)
		case "href":
			d.readString(&href)
		default:
			d.skip()
		}
	}
	if id != "" {
		return id, true
	}
	return href, href != ""
}

func (d *decoder) readRef(dst *Ref) {
	switch d.peek() {
	case '"':
		if s := d.str(); s != "" {
			*dst = Ref{{IRI: s}}
		} else {
			*dst = nil
		}
	case '{':
		if o := d.embedded(); o != nil {
			*dst = Ref{{Object: o}}
		}
	case '[':
		if !d.enter('[') {
			return
		}
		var r Ref
		for n := 0; d.arrayNext(&n, MaxArrayItems); {
			switch d.peek() {
			case '"':
				if s := d.str(); s != "" {
					r = append(r, RefItem{IRI: s})
				}
			case '{':
				if o := d.embedded(); o != nil {
					r = append(r, RefItem{Object: o})
				}
			default:
				d.skip()
			}
		}
		*dst = r
	default:
		d.skip()
	}
}

func (d *decoder) readIRIs(dst *IRIs) {
	switch d.peek() {
	case '"', '{':
		if s, ok := d.iri(); ok {
			*dst = IRIs{s}
		} else {
			*dst = nil
		}
	case '[':
		if !d.enter('[') {
			return
		}
		var out IRIs
		for n := 0; d.arrayNext(&n, MaxArrayItems); {
			switch d.peek() {
			case '"', '{', '[':
				if s, ok := d.iri(); ok {
					out = append(out, s)
				}
			default:
				d.skip()
			}
		}
		*dst = out
	default:
		d.skip()
	}
}

// atValue reads a JSON-LD value object ({"@value": ..., "type": ...}), calling read on @value.
func (d *decoder) atValue(read func()) {
	if !d.enter('{') {
		return
	}
	for n := 0; ; {
		key, ok := d.objectNext(&n)
		if !ok {
			return
		}
		if key == "@value" {
			read()
		} else {
			d.skip()
		}
	}
}

// readBool accepts true/false, the strings "true"/"false" (any case), 1/0 and "1"/"0", and a
// JSON-LD value object (Kroeg sends {"@value": "False", "type": "xsd:boolean"}).
func (d *decoder) readBool(dst *OptBool) {
	switch c := d.peek(); {
	case c == 't':
		d.literal("true")
		*dst = Bool(true)
	case c == 'f':
		d.literal("false")
		*dst = Bool(false)
	case c == '"' || c == '-' || isDigit(c):
		var s string
		if c == '"' {
			s = strings.TrimSpace(d.str())
		} else {
			s = d.number()
		}
		switch {
		case strings.EqualFold(s, "true") || s == "1":
			*dst = Bool(true)
		case strings.EqualFold(s, "false") || s == "0":
			*dst = Bool(false)
		}
	case c == '{':
		d.atValue(func() { d.readBool(dst) })
	default:
		d.skip()
	}
}

func (d *decoder) readInt(dst *int) {
	if v, ok := d.intValue(); ok {
		*dst = v
	}
}

func (d *decoder) readOptInt(dst *OptInt) {
	if v, ok := d.intValue(); ok {
		*dst = Int(v)
	}
}

// intValue reads a number, a number in a string ("12", "12.0"), or a JSON-LD value object.
// Fractions are truncated; values out of int range are ignored.
func (d *decoder) intValue() (int, bool) {
	switch c := d.peek(); {
	case c == '"':
		return parseInt(d.str())
	case c == '-' || isDigit(c):
		return parseInt(d.number())
	case c == '{':
		v, ok := 0, false
		d.atValue(func() { v, ok = d.intValue() })
		return v, ok
	default:
		d.skip()
		return 0, false
	}
}

func parseInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if v, err := strconv.Atoi(s); err == nil {
		return v, true
	}
	f, ok := parseFloat(s)
	if !ok || f < math.MinInt || f >= math.MaxInt {
		return 0, false
	}
	return int(f), true
}

// parseFloat accepts finite decimal numbers only (not "NaN", "Inf" or hex floats).
func parseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "xXnN_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// readFloats reads an array of numbers (focalPoint), accepting numbers in strings.
func (d *decoder) readFloats(dst *[]float64) {
	if d.peek() != '[' {
		d.skip()
		return
	}
	d.enter('[')
	var out []float64
	for n := 0; d.arrayNext(&n, MaxArrayItems); {
		var s string
		switch c := d.peek(); {
		case c == '"':
			s = d.str()
		case c == '-' || isDigit(c):
			s = d.number()
		default:
			d.skip()
			continue
		}
		if f, ok := parseFloat(s); ok {
			out = append(out, f)
		}
	}
	*dst = out
}

// readTime reads a date-time leniently (see ParseTime); one it cannot read is ignored.
func (d *decoder) readTime(dst *time.Time) {
	switch d.peek() {
	case '"':
		if t, ok := ParseTime(d.str()); ok {
			*dst = t
		}
	case '{':
		d.atValue(func() { d.readTime(dst) })
	default:
		d.skip()
	}
}

// readLangMap reads a language map, keeping its string values.
func (d *decoder) readLangMap(dst *map[string]string) {
	if d.peek() != '{' {
		d.skip()
		return
	}
	d.enter('{')
	var m map[string]string
	for n := 0; ; {
		key, ok := d.objectNext(&n)
		if !ok {
			break
		}
		if n > MaxArrayItems {
			d.fail(ErrTooMany, fmt.Sprintf("more than %d languages", MaxArrayItems))
			break
		}
		if d.peek() != '"' {
			d.skip()
			continue
		}
		v := d.str()
		if m == nil {
			m = make(map[string]string, 1)
		}
		m[key] = v
	}
	*dst = m
}

// readPublicKeys reads one key object, an array of them, or bare key ids.
func (d *decoder) readPublicKeys(dst *[]PublicKey) {
	switch d.peek() {
	case '{':
		if k, ok := d.publicKey(); ok {
			*dst = []PublicKey{k}
		}
	case '"':
		if s := d.str(); s != "" {
			*dst = []PublicKey{{ID: s}}
		}
	case '[':
		if !d.enter('[') {
			return
		}
		var keys []PublicKey
		for n := 0; d.arrayNext(&n, MaxArrayItems); {
			switch d.peek() {
			case '{':
				if k, ok := d.publicKey(); ok {
					keys = append(keys, k)
				}
			case '"':
				if s := d.str(); s != "" {
					keys = append(keys, PublicKey{ID: s})
				}
			default:
				d.skip()
			}
		}
		*dst = keys
	default:
		d.skip()
	}
}

func (d *decoder) publicKey() (PublicKey, bool) {
	var k PublicKey
	if !d.enter('{') {
		return k, false
	}
	for n := 0; ; {
		key, ok := d.objectNext(&n)
		if !ok {
			break
		}
		switch key {
		case "id":
			d.readString(&k.ID)
		case "owner":
			d.readIRI(&k.Owner)
		case "publicKeyPem":
			d.readString(&k.PEM)
		default:
			d.skip()
		}
	}
	return k, k != PublicKey{}
}

// readEndpoints reads the endpoints object; Kroeg's bare IRI there is ignored.
func (d *decoder) readEndpoints(dst *Endpoints) {
	if d.peek() != '{' {
		d.skip()
		return
	}
	d.enter('{')
	for n := 0; ; {
		key, ok := d.objectNext(&n)
		if !ok {
			return
		}
		if key == "sharedInbox" {
			d.readIRI(&dst.SharedInbox)
		} else {
			d.skip()
		}
	}
}
