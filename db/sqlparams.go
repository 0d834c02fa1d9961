package db

import (
	"database/sql/driver"
	"encoding/hex"
	"strconv"
	"strings"
)

// bun writes argument values into the SQL text, so every query with a new
// id in it is a new statement that the database parses and plans again
// (41 % of the CPU of a home timeline request on SQLite). parameterize
// turns such a query back into a statement with placeholders and the
// values as arguments, so that one prepared statement serves every query
// of the same shape (stmtcache.go).
//
// It is deliberately conservative: only SELECT statements (not WITH; and on
// INSERT, UPDATE and DELETE, parameterizeWrite), only integer
// and string literals right after a comparison, an opening parenthesis or
// a comma (values in conditions, IN lists and function arguments); never
// a LIMIT or OFFSET (PostgreSQL plans better knowing them, and OFFSET 0 is
// a planner fence here), a typed literal (interval '1 day'), a float, or
// anything in a query that already has placeholders or several statements.

// smallest is the least integer bound as a value: smaller ones are flags
// and enumerations (visibility 0–3, booleans) with few distinct values, and
// the planners must see them to use partial indexes (statuses_public is
// WHERE visibility = 0; SQLite would re-prepare on every run a statement
// that compares such a column with a bound value).
const smallest = 1000

// maxParams bounds the arguments of a parameterized query (SQLite allows
// 32766; long IN lists stay literal SQL).
const maxParams = 500

// parameterize returns query with its literal values replaced by
// placeholders ($n on PostgreSQL, ?n on SQLite) and those values, or ok
// false when the query should run as it is.
func parameterize(query string, postgres bool) (shape string, args []driver.NamedValue, ok bool) {
	if !isSelect(query) {
		return "", nil, false
	}
	return withPlaceholders(query, postgres)
}

// parameterizeWrite is parameterize for an INSERT, UPDATE or DELETE: the
// values of a row, the id it updates, an inbox item's body. SQLite's one
// writer connection would parse every write bun sends; PostgreSQL would
// parse and plan each write of the inbox's batches again.
func parameterizeWrite(query string, postgres bool) (shape string, args []driver.NamedValue, ok bool) {
	if !isWrite(query) {
		return "", nil, false
	}
	return withPlaceholders(query, postgres)
}

func withPlaceholders(query string, postgres bool) (shape string, args []driver.NamedValue, ok bool) {
	var b strings.Builder
	b.Grow(len(query) + 16)
	prev := "" // the previous token: a keyword in upper case, or punctuation
	last := 0  // query[last:i] is still to be copied
	// In ORDER BY and GROUP BY, an integer after BY or a comma is a column
	// position, not a value: byDepth is the parenthesis depth of such a
	// list (-1: none open).
	depth, byDepth := 0, -1
	// bind replaces the literal query[i:end] with the next placeholder.
	bind := func(i, end int, value any) {
		b.WriteString(query[last:i])
		args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: value})
		writePlaceholder(&b, len(args), postgres)
		last = end
	}
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'':
			end, value, closed := scanString(query, i)
			if !closed {
				return "", nil, false
			}
			if valueContext(prev) {
				if len(args) == maxParams {
					return "", nil, false
				}
				bind(i, end, value)
			}
			prev, i = "'", end
		case c == '"':
			end := strings.IndexByte(query[i+1:], '"')
			if end < 0 {
				return "", nil, false
			}
			prev, i = "ident", i+1+end+1
		case c == '-' && i+1 < len(query) && query[i+1] == '-', c == '/' && i+1 < len(query) && query[i+1] == '*':
			return "", nil, false // comments: rare in bun's SQL, not worth parsing
		case c == '?' || c == '$' || c == ';':
			return "", nil, false // already has placeholders, or several statements
		case isDigit(c):
			end := i
			for end < len(query) && isDigit(query[end]) {
				end++
			}
			if end < len(query) && (query[end] == '.' || query[end] == 'e' || query[end] == 'E' || isWordByte(query[end])) {
				// a float or something odd: leave it, and whatever follows
				for end < len(query) && (isWordByte(query[end]) || query[end] == '.') {
					end++
				}
				prev, i = "number", end
				continue
			}
			if valueContext(prev) && !(byDepth == depth && prev == ",") {
				n, err := strconv.ParseInt(query[i:end], 10, 64)
				if err == nil && n >= smallest && len(args) < maxParams {
					bind(i, end, n)
				}
			}
			prev, i = "number", end
		case (c == 'X' || c == 'x') && i+1 < len(query) && query[i+1] == '\'' && valueContext(prev):
			// a blob, as bun writes []byte on SQLite: X'hex'
			end, value, closed := scanString(query, i+1)
			blob, err := hex.DecodeString(value)
			if !closed || err != nil || len(args) == maxParams {
				return "", nil, false
			}
			bind(i, end, blob)
			prev, i = "'", end
		case isWordByte(c):
			end := i
			for end < len(query) && isWordByte(query[end]) {
				end++
			}
			word := strings.ToUpper(query[i:end])
			switch {
			case word == "BY" && (prev == "ORDER" || prev == "GROUP"):
				byDepth = depth
			case byDepth == depth && (word == "LIMIT" || word == "OFFSET" || word == "HAVING" || word == "UNION" || word == "FROM" || word == "WHERE"):
				byDepth = -1
			}
			prev, i = word, end
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			i++
		default:
			// punctuation: keep two-character comparisons whole
			end := i + 1
			if end < len(query) && strings.ContainsRune("=<>!", rune(c)) && strings.ContainsRune("=<>", rune(query[end])) {
				end++
			}
			switch c {
			case '(':
				depth++
			case ')':
				depth--
				if byDepth > depth {
					byDepth = -1
				}
			}
			prev, i = query[i:end], end
		}
	}
	if len(args) == 0 {
		return "", nil, false
	}
	b.WriteString(query[last:])
	return b.String(), args, true
}

// valueContext reports whether a literal after the token prev is a value
// that a placeholder may stand for.
func valueContext(prev string) bool {
	switch prev {
	case "=", "<", ">", "<=", ">=", "<>", "!=", "(", ",":
		return true
	}
	return false
}

// scanString reads the string literal starting at query[i] ('…', quotes
// doubled inside) and returns the index after it and its value.
func scanString(query string, i int) (end int, value string, closed bool) {
	var b strings.Builder
	j := i + 1
	for {
		k := strings.IndexByte(query[j:], '\'')
		if k < 0 {
			return 0, "", false
		}
		b.WriteString(query[j : j+k])
		j += k + 1
		if j < len(query) && query[j] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return j, b.String(), true
	}
}

// isSelect reports whether query is a SELECT (a WITH may write, and counts
// as a write).
func isSelect(query string) bool {
	q := strings.TrimLeft(query, " \n\t\r(")
	return len(q) > 6 && strings.EqualFold(q[:6], "SELECT")
}

// isWrite reports whether query is an INSERT, UPDATE or DELETE.
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \n\t\r")
	if len(q) < 7 {
		return false
	}
	return strings.EqualFold(q[:7], "INSERT ") || strings.EqualFold(q[:7], "UPDATE ") || strings.EqualFold(q[:7], "DELETE ")
}

func writePlaceholder(b *strings.Builder, n int, postgres bool) {
	if postgres {
		b.WriteByte('$')
	} else {
		b.WriteByte('?')
	}
	b.WriteString(strconv.Itoa(n))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
