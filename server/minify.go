package server

import (
	"bytes"
	"strings"
)

// The static assets are minified once at start-up, line by line and safely:
// whole-line comments and leading indentation go, nothing else changes (every
// line that stays keeps its content and its line break, so automatic
// semicolon insertion is unaffected). A small scanner follows strings,
// template literals (with ${…} nesting), regular expressions and comments
// across the file, so that no line inside a template literal or a comment
// is touched wrongly; when it is unsure of anything, the file is served as
// it is.

// minifyJS returns src without whole-line // comments, /* … */ blocks that
// start a line (and end one), blank lines and leading indentation, except
// inside template literals. ok is false (and out is src) when the scanner
// could not follow the file.
func minifyJS(src []byte) (out []byte, ok bool) {
	lines := strings.Split(string(src), "\n")
	var b strings.Builder
	b.Grow(len(src))
	var sc jsScanner
	inBlock := false // inside a dropped /* … */ block
	for _, line := range lines {
		if inBlock {
			if i := strings.Index(line, "*/"); i >= 0 {
				if strings.TrimSpace(line[i+2:]) != "" {
					return src, false // code after a dropped block: be safe
				}
				inBlock = false
			}
			continue
		}
		if sc.inTemplate() {
			// inside a template literal: the line is content, keep it whole
			b.WriteString(line)
			b.WriteByte('\n')
			if !sc.scan(line) {
				return src, false
			}
			continue
		}
		if sc.inComment {
			// a block comment that started after code on an earlier line
			b.WriteString(line)
			b.WriteByte('\n')
			if !sc.scan(line) {
				return src, false
			}
			continue
		}
		t := strings.TrimLeft(line, " \t")
		switch {
		case t == "":
			continue
		case strings.HasPrefix(t, "//"):
			continue
		case strings.HasPrefix(t, "/*"):
			if i := strings.Index(t[2:], "*/"); i >= 0 {
				if strings.TrimSpace(t[2+i+2:]) != "" {
					break // code after the comment on the same line: keep the line
				}
				continue
			}
			inBlock = true
			continue
		}
		if !sc.scan(t) {
			return src, false
		}
		if !sc.inTemplate() && !sc.inComment {
			// the line ends in code: a trailing "  // comment" and spaces go
			if sc.lineComment > 0 {
				t = t[:sc.lineComment]
			}
			t = strings.TrimRight(t, " \t\r")
		}
		b.WriteString(t)
		b.WriteByte('\n')
	}
	if inBlock || !sc.clean() {
		return src, false
	}
	res := b.String()
	if !strings.HasSuffix(string(src), "\n") {
		res = strings.TrimSuffix(res, "\n")
	}
	return []byte(res), true
}

// minifyCSS drops /* … */ blocks that start a line (and end one), blank
// lines and leading indentation. ok is false (and out is src) for a file
// with a string or comment it cannot follow.
func minifyCSS(src []byte) (out []byte, ok bool) {
	var b bytes.Buffer
	inBlock := false
	for _, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if inBlock {
			if i := strings.Index(t, "*/"); i >= 0 {
				if strings.TrimSpace(t[i+2:]) != "" {
					return src, false
				}
				inBlock = false
			}
			continue
		}
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "/*") {
			if i := strings.Index(t[2:], "*/"); i >= 0 {
				if strings.TrimSpace(t[2+i+2:]) != "" {
					b.WriteString(t)
					b.WriteByte('\n')
					continue
				}
				continue
			}
			inBlock = true
			continue
		}
		if strings.ContainsAny(t, "\"'\\") {
			// strings and escapes may hold "/*": keep such a line whole,
			// unless a string might go on to the next line
			if strings.HasSuffix(t, "\\") {
				return src, false
			}
		} else if i := strings.Index(t, "/*"); i >= 0 && !strings.Contains(t[i:], "*/") {
			return src, false // a comment opened after code: be safe
		}
		b.WriteString(t)
		b.WriteByte('\n')
	}
	if inBlock {
		return src, false
	}
	return b.Bytes(), true
}

// jsScanner follows the lexical state of JavaScript across lines: strings,
// template literals with nested ${…} code, regular expressions and block
// comments. It knows no grammar beyond telling a regular expression from a
// division by the token before it.
type jsScanner struct {
	// stack: one entry per open template literal (-1) or ${…} code inside
	// one (the count of braces opened in that code).
	stack     []int
	inComment bool
	prev      byte   // last significant character of code, 0 at the start
	prevWord  string // last identifier or keyword of code
	bad       bool
	// lineComment is where the last line scanned has a "//" comment after
	// code, preceded by a space and followed by a space or the end; 0 if none.
	lineComment int
}

func (s *jsScanner) inTemplate() bool { return len(s.stack) > 0 && s.stack[len(s.stack)-1] == -1 }

// clean reports whether the scanner ends outside of every literal and comment.
func (s *jsScanner) clean() bool { return !s.bad && len(s.stack) == 0 && !s.inComment }

// regexAfterWord lists the keywords after which "/" starts a regular expression.
var regexAfterWord = map[string]bool{"return": true, "typeof": true, "case": true, "do": true, "else": true, "in": true, "of": true, "new": true, "delete": true, "void": true, "throw": true, "instanceof": true, "yield": true, "await": true}

// scan advances the state over one line; false when it cannot follow it.
func (s *jsScanner) scan(line string) bool {
	s.lineComment = 0
	for i := 0; i < len(line); i++ {
		switch {
		case s.inComment:
			i = s.scanComment(line, i)
		case s.inTemplate():
			i = s.scanTemplate(line, i)
		default:
			var stop, ok bool
			if i, stop, ok = s.scanCode(line, i); stop {
				return ok
			}
		}
	}
	return true
}

// The steps of scan each read the token at line[i] in one lexical state and
// return the index of its last byte.

// scanComment reads line[i] inside a block comment.
func (s *jsScanner) scanComment(line string, i int) int {
	if line[i] == '*' && i+1 < len(line) && line[i+1] == '/' {
		s.inComment = false
		i++
	}
	return i
}

// scanTemplate reads line[i] inside a template literal.
func (s *jsScanner) scanTemplate(line string, i int) int {
	switch c := line[i]; {
	case c == '\\':
		i++ // an escape; a backslash at the end of the line continues the literal
	case c == '`':
		s.stack = s.stack[:len(s.stack)-1]
		s.prev, s.prevWord = ')', "" // a template is a value
	case c == '$' && i+1 < len(line) && line[i+1] == '{':
		s.stack = append(s.stack, 0)
		s.prev, s.prevWord = '{', ""
		i++
	}
	return i
}

// scanCode reads the token at line[i] in code. stop is true when the line
// ends there: at a line comment (ok), or at a literal that does not end on
// the line (not ok: the scanner cannot follow it).
func (s *jsScanner) scanCode(line string, i int) (last int, stop, ok bool) {
	n := len(line)
	switch c := line[i]; {
	case c == ' ' || c == '\t' || c == '\r':
	case c == '/' && i+1 < n && line[i+1] == '/':
		s.markLineComment(line, i)
		return i, true, true
	case c == '/' && i+1 < n && line[i+1] == '*':
		s.inComment = true
		i++
	case c == '\'' || c == '"':
		return s.scanString(line, i)
	case c == '`':
		s.stack = append(s.stack, -1)
	case c == '/' && s.regexAllowed():
		return s.scanRegex(line, i)
	case c == '{':
		s.openBrace()
	case c == '}':
		s.closeBrace()
	case isIdent(c):
		j := i
		for j < n && isIdent(line[j]) {
			j++
		}
		s.prevWord, s.prev = line[i:j], 'a'
		i = j - 1
	default: // an operator or punctuation, a division among them
		s.prev, s.prevWord = c, ""
	}
	return i, false, true
}

// markLineComment records a "//" comment at line[i] that follows code
// after a space and is followed by a space or the end.
func (s *jsScanner) markLineComment(line string, i int) {
	if i > 0 && (line[i-1] == ' ' || line[i-1] == '\t') && (i+2 == len(line) || line[i+2] == ' ') {
		s.lineComment = i
	}
}

// scanString reads a quoted string starting at line[i]; one that does not
// end on the line stops the scan (not ok).
func (s *jsScanner) scanString(line string, i int) (last int, stop, ok bool) {
	c, j := line[i], i+1
	for ; j < len(line) && line[j] != c; j++ {
		if line[j] == '\\' {
			j++
		}
	}
	if j >= len(line) {
		s.bad = true // unterminated, or continued on the next line
		return j, true, false
	}
	s.prev, s.prevWord = ')', ""
	return j, false, true
}

// scanRegex reads a regular expression literal starting at line[i], with
// its flags; one that does not end on the line stops the scan (not ok).
func (s *jsScanner) scanRegex(line string, i int) (last int, stop, ok bool) {
	n := len(line)
	j, inClass := i+1, false
	for ; j < n; j++ {
		d := line[j]
		if d == '\\' {
			j++
		} else if d == '[' {
			inClass = true
		} else if d == ']' {
			inClass = false
		} else if d == '/' && !inClass {
			break
		}
	}
	if j >= n {
		s.bad = true
		return j, true, false
	}
	for j+1 < n && isIdent(line[j+1]) { // flags
		j++
	}
	s.prev, s.prevWord = ')', ""
	return j, false, true
}

// openBrace counts a "{" in the ${…} code it is in.
func (s *jsScanner) openBrace() {
	if len(s.stack) > 0 {
		s.stack[len(s.stack)-1]++
	}
	s.prev, s.prevWord = '{', ""
}

// closeBrace counts a "}": it ends the ${…} code it closes (back in the
// template), or a block.
func (s *jsScanner) closeBrace() {
	if len(s.stack) > 0 {
		top := &s.stack[len(s.stack)-1]
		if *top == 0 {
			s.stack = s.stack[:len(s.stack)-1] // back in the template
			s.prev, s.prevWord = 0, ""
			return
		}
		*top--
	}
	s.prev, s.prevWord = '}', ""
}

// regexAllowed tells whether a "/" here starts a regular expression: at the
// start, after an operator or punctuation, or after a keyword such as return.
func (s *jsScanner) regexAllowed() bool {
	switch s.prev {
	case 0:
		return true
	case ')', ']':
		return false
	case 'a':
		return regexAfterWord[s.prevWord]
	case '}':
		return true // a block before: a statement starts (a rare object / x is misread, caught by the final check)
	}
	return true
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
