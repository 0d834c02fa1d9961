package signature

// A small RFC 8941 (Structured Field Values) parser and serializer, limited
// to what RFC 9421 and RFC 9530 need: dictionaries whose members are items or
// inner lists, with parameters. Dates and display strings (RFC 9651) are
// rejected. Serialization is canonical, which RFC 9421 relies on for the
// "@signature-params" line and component identifiers.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

type sfKind uint8

const (
	sfInteger sfKind = iota + 1
	sfDecimal
	sfString
	sfToken
	sfBytes
	sfBoolean
)

// sfBare is a bare item. Decimals are kept as thousandths in i, which is
// exact because RFC 8941 allows at most three fractional digits.
type sfBare struct {
	kind sfKind
	i    int64
	s    string // string or token
	b    []byte
	bo   bool
}

type sfParam struct {
	key string
	val sfBare
}

type sfItem struct {
	bare   sfBare
	params []sfParam
}

// sfValue is a dictionary member value: an item, or an inner list.
type sfValue struct {
	isList bool
	list   []sfItem
	bare   sfBare
	params []sfParam
}

type sfMember struct {
	key string
	val sfValue
}

func (v sfValue) item() (sfItem, bool) {
	if v.isList {
		return sfItem{}, false
	}
	return sfItem{bare: v.bare, params: v.params}, true
}

func sfStringItem(s string, params ...sfParam) sfItem {
	return sfItem{bare: sfBare{kind: sfString, s: s}, params: params}
}

func param(params []sfParam, key string) (sfBare, bool) {
	for _, p := range params {
		if p.key == key {
			return p.val, true
		}
	}
	return sfBare{}, false
}

// setParam overwrites in place, keeping the first position (RFC 8941 §4.2.3.2).
func setParam(params []sfParam, p sfParam) []sfParam {
	for i := range params {
		if params[i].key == p.key {
			params[i].val = p.val
			return params
		}
	}
	return append(params, p)
}

type sfParser struct {
	s string
	i int
}

var errSF = errors.New("invalid structured field")

func (p *sfParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", errSF, p.i, fmt.Sprintf(format, args...))
}

func (p *sfParser) eof() bool  { return p.i >= len(p.s) }
func (p *sfParser) peek() byte { return p.s[p.i] }

func (p *sfParser) skipSP() {
	for !p.eof() && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// parseDictionary parses an RFC 8941 dictionary. Multiple field lines must be
// joined with ", " by the caller. An empty field yields an empty dictionary.
func parseDictionary(s string) ([]sfMember, error) {
	p := &sfParser{s: s}
	p.skipSP()
	var members []sfMember
	for !p.eof() {
		key, err := p.parseKey()
		if err != nil {
			return nil, err
		}
		var v sfValue
		if !p.eof() && p.peek() == '=' {
			p.i++
			if v, err = p.parseItemOrInnerList(); err != nil {
				return nil, err
			}
		} else {
			v.bare = sfBare{kind: sfBoolean, bo: true}
			if v.params, err = p.parseParams(); err != nil {
				return nil, err
			}
		}
		replaced := false
		for i := range members {
			if members[i].key == key {
				members[i].val = v
				replaced = true
				break
			}
		}
		if !replaced {
			members = append(members, sfMember{key: key, val: v})
		}
		p.skipOWS()
		if p.eof() {
			break
		}
		if p.peek() != ',' {
			return nil, p.errorf("expected ','")
		}
		p.i++
		p.skipOWS()
		if p.eof() {
			return nil, p.errorf("trailing comma")
		}
	}
	return members, nil
}

func (p *sfParser) parseItemOrInnerList() (sfValue, error) {
	if !p.eof() && p.peek() == '(' {
		list, params, err := p.parseInnerList()
		return sfValue{isList: true, list: list, params: params}, err
	}
	it, err := p.parseItem()
	return sfValue{bare: it.bare, params: it.params}, err
}

func (p *sfParser) parseInnerList() ([]sfItem, []sfParam, error) {
	p.i++ // '('
	list := []sfItem{}
	for !p.eof() {
		p.skipSP()
		if p.eof() {
			break
		}
		if p.peek() == ')' {
			p.i++
			params, err := p.parseParams()
			return list, params, err
		}
		it, err := p.parseItem()
		if err != nil {
			return nil, nil, err
		}
		list = append(list, it)
		if p.eof() {
			break
		}
		if c := p.peek(); c != ' ' && c != ')' {
			return nil, nil, p.errorf("expected SP or ')' in inner list")
		}
	}
	return nil, nil, p.errorf("unterminated inner list")
}

func (p *sfParser) parseItem() (sfItem, error) {
	b, err := p.parseBare()
	if err != nil {
		return sfItem{}, err
	}
	params, err := p.parseParams()
	return sfItem{bare: b, params: params}, err
}

func (p *sfParser) parseParams() ([]sfParam, error) {
	var params []sfParam
	for !p.eof() && p.peek() == ';' {
		p.i++
		p.skipSP()
		key, err := p.parseKey()
		if err != nil {
			return nil, err
		}
		val := sfBare{kind: sfBoolean, bo: true}
		if !p.eof() && p.peek() == '=' {
			p.i++
			if val, err = p.parseBare(); err != nil {
				return nil, err
			}
		}
		params = setParam(params, sfParam{key: key, val: val})
	}
	return params, nil
}

func isLCAlpha(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool   { return isLCAlpha(c) || (c >= 'A' && c <= 'Z') }

func (p *sfParser) parseKey() (string, error) {
	if p.eof() || !(isLCAlpha(p.peek()) || p.peek() == '*') {
		return "", p.errorf("invalid key")
	}
	start := p.i
	for !p.eof() {
		c := p.peek()
		if !(isLCAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*') {
			break
		}
		p.i++
	}
	return p.s[start:p.i], nil
}

func (p *sfParser) parseBare() (sfBare, error) {
	if p.eof() {
		return sfBare{}, p.errorf("missing item")
	}
	switch c := p.peek(); {
	case c == '-' || isDigit(c):
		return p.parseNumber()
	case c == '"':
		return p.parseString()
	case c == '*' || isAlpha(c):
		return p.parseToken(), nil
	case c == ':':
		return p.parseBytes()
	case c == '?':
		return p.parseBoolean()
	default:
		return sfBare{}, p.errorf("unexpected character %q", c)
	}
}

func (p *sfParser) parseNumber() (sfBare, error) {
	neg := false
	if p.peek() == '-' {
		neg = true
		p.i++
	}
	start, dot := p.i, -1
	for !p.eof() {
		c := p.peek()
		if c == '.' && dot < 0 && p.i > start {
			if p.i-start > 12 {
				return sfBare{}, p.errorf("decimal too long")
			}
			dot = p.i
		} else if !isDigit(c) {
			break
		}
		p.i++
		if (dot < 0 && p.i-start > 15) || (dot >= 0 && p.i-start > 16) {
			return sfBare{}, p.errorf("number too long")
		}
	}
	num := p.s[start:p.i]
	if num == "" || !isDigit(num[0]) {
		return sfBare{}, p.errorf("invalid number")
	}
	var b sfBare
	if dot < 0 {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return sfBare{}, p.errorf("invalid integer")
		}
		b = sfBare{kind: sfInteger, i: n}
	} else {
		intPart, frac := p.s[start:dot], p.s[dot+1:p.i]
		if len(frac) == 0 || len(frac) > 3 {
			return sfBare{}, p.errorf("invalid decimal")
		}
		n, err1 := strconv.ParseInt(intPart, 10, 64)
		f, err2 := strconv.ParseInt(frac+strings.Repeat("0", 3-len(frac)), 10, 64)
		if err1 != nil || err2 != nil {
			return sfBare{}, p.errorf("invalid decimal")
		}
		b = sfBare{kind: sfDecimal, i: n*1000 + f}
	}
	if neg {
		b.i = -b.i
	}
	return b, nil
}

func (p *sfParser) parseString() (sfBare, error) {
	p.i++ // '"'
	var sb strings.Builder
	for !p.eof() {
		c := p.peek()
		p.i++
		switch {
		case c == '\\':
			if p.eof() {
				return sfBare{}, p.errorf("unterminated string")
			}
			n := p.peek()
			if n != '"' && n != '\\' {
				return sfBare{}, p.errorf("invalid escape")
			}
			p.i++
			sb.WriteByte(n)
		case c == '"':
			return sfBare{kind: sfString, s: sb.String()}, nil
		case c < 0x20 || c > 0x7e:
			return sfBare{}, p.errorf("invalid string character")
		default:
			sb.WriteByte(c)
		}
	}
	return sfBare{}, p.errorf("unterminated string")
}

func isTchar(c byte) bool {
	if isAlpha(c) || isDigit(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *sfParser) parseToken() sfBare {
	start := p.i
	p.i++
	for !p.eof() && (isTchar(p.peek()) || p.peek() == ':' || p.peek() == '/') {
		p.i++
	}
	return sfBare{kind: sfToken, s: p.s[start:p.i]}
}

func (p *sfParser) parseBytes() (sfBare, error) {
	p.i++ // ':'
	start := p.i
	for !p.eof() && p.peek() != ':' {
		c := p.peek()
		if !(isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=') {
			return sfBare{}, p.errorf("invalid byte sequence character")
		}
		p.i++
	}
	if p.eof() {
		return sfBare{}, p.errorf("unterminated byte sequence")
	}
	enc := p.s[start:p.i]
	p.i++
	// RFC 8941 §4.2.7: padding may be missing; anything else must decode.
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(enc, "="))
	if err != nil || len(enc)-len(strings.TrimRight(enc, "=")) > 2 {
		return sfBare{}, p.errorf("invalid base64")
	}
	return sfBare{kind: sfBytes, b: b}, nil
}

func (p *sfParser) parseBoolean() (sfBare, error) {
	p.i++ // '?'
	if p.eof() || (p.peek() != '0' && p.peek() != '1') {
		return sfBare{}, p.errorf("invalid boolean")
	}
	v := p.peek() == '1'
	p.i++
	return sfBare{kind: sfBoolean, bo: v}, nil
}

// Serialization (RFC 8941 §4.1). Values built by this package or returned by
// the parser are always serializable.

func (b sfBare) serialize(sb *strings.Builder) {
	switch b.kind {
	case sfInteger:
		sb.WriteString(strconv.FormatInt(b.i, 10))
	case sfDecimal:
		n := b.i
		if n < 0 {
			sb.WriteByte('-')
			n = -n
		}
		sb.WriteString(strconv.FormatInt(n/1000, 10))
		frac := strings.TrimRight(fmt.Sprintf("%03d", n%1000), "0")
		if frac == "" {
			frac = "0"
		}
		sb.WriteByte('.')
		sb.WriteString(frac)
	case sfString:
		sb.WriteByte('"')
		for i := 0; i < len(b.s); i++ {
			if b.s[i] == '"' || b.s[i] == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(b.s[i])
		}
		sb.WriteByte('"')
	case sfToken:
		sb.WriteString(b.s)
	case sfBytes:
		sb.WriteByte(':')
		sb.WriteString(base64.StdEncoding.EncodeToString(b.b))
		sb.WriteByte(':')
	case sfBoolean:
		if b.bo {
			sb.WriteString("?1")
		} else {
			sb.WriteString("?0")
		}
	}
}

func serializeParams(sb *strings.Builder, params []sfParam) {
	for _, p := range params {
		sb.WriteByte(';')
		sb.WriteString(p.key)
		if p.val.kind == sfBoolean && p.val.bo {
			continue
		}
		sb.WriteByte('=')
		p.val.serialize(sb)
	}
}

func (it sfItem) serialize(sb *strings.Builder) {
	it.bare.serialize(sb)
	serializeParams(sb, it.params)
}

func (it sfItem) String() string {
	var sb strings.Builder
	it.serialize(&sb)
	return sb.String()
}

func serializeInnerList(sb *strings.Builder, list []sfItem, params []sfParam) {
	sb.WriteByte('(')
	for i, it := range list {
		if i > 0 {
			sb.WriteByte(' ')
		}
		it.serialize(sb)
	}
	sb.WriteByte(')')
	serializeParams(sb, params)
}

func serializeDictionary(members []sfMember) string {
	var sb strings.Builder
	for i, m := range members {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(m.key)
		switch {
		case m.val.isList:
			sb.WriteByte('=')
			serializeInnerList(&sb, m.val.list, m.val.params)
		case m.val.bare.kind == sfBoolean && m.val.bare.bo:
			serializeParams(&sb, m.val.params)
		default:
			sb.WriteByte('=')
			sfItem{bare: m.val.bare, params: m.val.params}.serialize(&sb)
		}
	}
	return sb.String()
}
