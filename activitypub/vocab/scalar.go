package vocab

import (
	"strconv"
	"time"
)

// OptBool is a boolean that remembers whether it was present, so that "false" can be written out
// (Mastodon emits manuallyApprovesFollowers: false) and absent stays absent.
type OptBool struct {
	Value bool
	Set   bool
}

// Bool returns a present OptBool holding v.
func Bool(v bool) OptBool { return OptBool{Value: v, Set: true} }

// IsZero reports whether b is absent; encoding/json's omitzero uses it.
func (b OptBool) IsZero() bool { return !b.Set }

// MarshalJSON writes true, false, or null when absent.
func (b OptBool) MarshalJSON() ([]byte, error) {
	if !b.Set {
		return []byte("null"), nil
	}
	return strconv.AppendBool(nil, b.Value), nil
}

// UnmarshalJSON reads a boolean leniently (see Parse).
func (b *OptBool) UnmarshalJSON(data []byte) error {
	return decodeValue(data, func(d *decoder) { d.readBool(b) })
}

// OptInt is an integer that remembers whether it was present (totalItems: 0 is not "unknown").
type OptInt struct {
	Value int
	Set   bool
}

// Int returns a present OptInt holding v.
func Int(v int) OptInt { return OptInt{Value: v, Set: true} }

// IsZero reports whether i is absent; encoding/json's omitzero uses it.
func (i OptInt) IsZero() bool { return !i.Set }

// MarshalJSON writes the number, or null when absent.
func (i OptInt) MarshalJSON() ([]byte, error) {
	if !i.Set {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(i.Value), 10), nil
}

// UnmarshalJSON reads a number leniently (see Parse).
func (i *OptInt) UnmarshalJSON(data []byte) error {
	return decodeValue(data, func(d *decoder) {
		if v, ok := d.intValue(); ok {
			*i = Int(v)
		}
	})
}

// ParseTime reads the date-times found in the wild: RFC 3339 with or without fractional seconds
// (any number of digits), "Z" or a numeric offset ("+00:00", "+0000", "+00"), or no zone at all
// (taken as UTC); a space instead of "T"; minutes without seconds; a bare date. The result is in UTC.
// ok is false when s is none of these.
func ParseTime(s string) (t time.Time, ok bool) {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	p := timeParser{s: s}
	year := p.digits(4)
	if !p.byte('-') {
		return time.Time{}, false
	}
	month := p.digits(2)
	if !p.byte('-') {
		return time.Time{}, false
	}
	day := p.digits(2)
	if p.bad || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return time.Time{}, false
	}
	var hour, minute, sec, nsec, offset int
	if p.i < len(s) {
		if c := s[p.i]; c != 'T' && c != 't' && c != ' ' {
			return time.Time{}, false
		}
		p.i++
		hour = p.digits(2)
		if !p.byte(':') {
			return time.Time{}, false
		}
		minute = p.digits(2)
		if p.byte(':') {
			sec = p.digits(2)
			if p.byte('.') || p.byte(',') {
				nsec = p.fraction()
			}
		}
		if p.bad || hour > 23 || minute > 59 || sec > 60 {
			return time.Time{}, false
		}
		offset, ok = p.zone()
		if !ok {
			return time.Time{}, false
		}
	}
	if p.bad || p.i != len(s) {
		return time.Time{}, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	t = t.Add(-time.Duration(offset) * time.Second)
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, false // an offset pushed it out of what RFC 3339 can write back
	}
	return t, true
}

type timeParser struct {
	s   string
	i   int
	bad bool
}

func (p *timeParser) digits(n int) int {
	if p.i+n > len(p.s) {
		p.bad = true
		return 0
	}
	v := 0
	for _, c := range []byte(p.s[p.i : p.i+n]) {
		if c < '0' || c > '9' {
			p.bad = true
			return 0
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v
}

func (p *timeParser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// fraction reads fractional-second digits, keeping nanosecond precision and dropping the rest.
func (p *timeParser) fraction() int {
	start, v, scale := p.i, 0, 100000000
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v += int(p.s[p.i]-'0') * scale
		scale /= 10
		p.i++
	}
	if p.i == start {
		p.bad = true
	}
	return v
}

// zone reads "", "Z", or ±hh[[:]mm] and returns the offset east of UTC in seconds.
func (p *timeParser) zone() (int, bool) {
	if p.i == len(p.s) {
		return 0, true
	}
	switch p.s[p.i] {
	case 'Z', 'z':
		p.i++
		return 0, true
	case '+', '-':
	default:
		return 0, false
	}
	sign := 1
	if p.s[p.i] == '-' {
		sign = -1
	}
	p.i++
	h := p.digits(2)
	m := 0
	if p.i < len(p.s) {
		p.byte(':')
		m = p.digits(2)
	}
	if p.bad || h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
