package expr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expr is a parsed formula: a tree of at most MaxNodes nodes. It is
// immutable and safe for concurrent use.
type Expr struct {
	root  *node
	nodes int
}

// Nodes returns the number of nodes of e (numbers, names, operators and
// function calls), at most MaxNodes.
func (e *Expr) Nodes() int { return e.nodes }

type nodeKind uint8

const (
	kNum  nodeKind = iota // a number literal, or the constant pi or e (name set)
	kX                    // the variable x
	kY                    // the variable y
	kNeg                  // unary minus of a
	kAdd                  // a + b
	kSub                  // a - b
	kMul                  // a * b
	kDiv                  // a / b
	kPow                  // a ^ b
	kCall                 // fn(args...)
)

type node struct {
	kind nodeKind
	num  float64 // kNum
	name string  // kNum: "pi" or "e" for the constants, "" for a literal
	fn   *funcInfo
	a, b *node
	args []*node // kCall
	col  int     // 1-based column of the token that made the node
}

type funcInfo struct {
	name  string
	nargs int
	op    opcode
}

// funcs lists the functions in the order error messages name them.
var funcs = []funcInfo{
	{"sin", 1, opSin}, {"cos", 1, opCos}, {"tan", 1, opTan},
	{"asin", 1, opAsin}, {"acos", 1, opAcos}, {"atan", 1, opAtan},
	{"exp", 1, opExp}, {"log", 1, opLog}, {"log10", 1, opLog10},
	{"sqrt", 1, opSqrt}, {"abs", 1, opAbs},
	{"tanh", 1, opTanh}, {"sinh", 1, opSinh}, {"cosh", 1, opCosh},
	{"min", 2, opMin}, {"max", 2, opMax}, {"pow", 2, opPow},
}

func lookupFunc(name string) *funcInfo {
	for i := range funcs {
		if funcs[i].name == name {
			return &funcs[i]
		}
	}
	return nil
}

const namesHint = "use x, y, pi, e"

func knownFuncsHint() string {
	return "known: " + strings.Join(FunctionNames(), ", ")
}

// Token kinds.
type tokKind uint8

const (
	tEOF  tokKind = iota
	tNum          // a number
	tName         // a name: x, y, pi, e, a function or an unknown one
	tOp           // one of + - * / ^ ( ) ,
)

type token struct {
	kind tokKind
	text string  // as written, for messages; for tOp the ASCII operator
	op   byte    // tOp
	num  float64 // tNum
	col  int     // 1-based column of the first character
}

// lex splits src into tokens, ending with a tEOF token whose column is one
// past the last character.
func lex(src string) ([]token, error) {
	var toks []token
	col := 0 // column of the rune at i, 1-based once incremented
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		col++
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, &Error{Column: col, Msg: fmt.Sprintf("invalid UTF-8 byte 0x%02x", src[i])}
		case unicode.IsSpace(r):
			i += size
		case r < utf8.RuneSelf && strings.IndexByte("+-*/^(),", byte(r)) >= 0:
			toks = append(toks, token{kind: tOp, text: string(r), op: byte(r), col: col})
			i += size
		case r == '−' || r == '×' || r == '·' || r == '÷':
			op := byte('*')
			switch r {
			case '−':
				op = '-'
			case '÷':
				op = '/'
			}
			toks = append(toks, token{kind: tOp, text: string(r), op: op, col: col})
			i += size
		case r == 'π':
			toks = append(toks, token{kind: tName, text: "pi", col: col})
			i += size
		case r == '.' || isDigit(r):
			j := scanNumber(src, i)
			text := src[i:j]
			if strings.Count(text, ".") > 1 || text == "." {
				return nil, &Error{Column: col, Msg: fmt.Sprintf("malformed number '%s'", text)}
			}
			v, err := strconv.ParseFloat(text, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, &Error{Column: col, Msg: fmt.Sprintf("malformed number '%s'", text),
					Hint: "write digits before or after the point, as 0.5, 5 or 5e-1"}
			}
			if err != nil {
				return nil, &Error{Column: col, Msg: fmt.Sprintf("number '%s' is too large", text),
					Hint: "the largest is about 1.8e308"}
			}
			toks = append(toks, token{kind: tNum, text: text, num: v, col: col})
			col += j - i - 1 // a number is ASCII: one column per byte
			i = j
		case isLetter(r):
			j := i
			for j < len(src) && (isLetter(rune(src[j])) || isDigit(rune(src[j]))) {
				j++
			}
			toks = append(toks, token{kind: tName, text: src[i:j], col: col})
			col += j - i - 1
			i = j
		default:
			return nil, &Error{Column: col, Msg: fmt.Sprintf("unexpected character %q", r),
				Hint: "use numbers, x, y, pi, e, functions, + - * / ^ and parentheses"}
		}
	}
	return append(toks, token{kind: tEOF, text: "end of formula", col: col + 1}), nil
}

func isDigit(r rune) bool  { return '0' <= r && r <= '9' }
func isLetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_' }

// scanNumber returns the end of the number that starts at i: digits and
// dots, then an exponent when 'e' or 'E' is followed by a digit, or by a
// sign and a digit.
func scanNumber(src string, i int) int {
	j := i
	for j < len(src) && (src[j] == '.' || isDigit(rune(src[j]))) {
		j++
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(rune(src[k])) {
			for k < len(src) && isDigit(rune(src[k])) {
				k++
			}
			j = k
		}
	}
	return j
}

// Parse parses src into an expression, or returns an *Error.
func Parse(src string) (*Expr, error) {
	if n := utf8.RuneCountInString(src); n > MaxLen {
		return nil, &Error{Msg: fmt.Sprintf("formula is longer than %d characters", MaxLen),
			Hint: fmt.Sprintf("it has %d", n)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 1 {
		return nil, &Error{Msg: "formula is empty", Hint: "write an expression in x and y, such as x^2 + 10*y^2"}
	}
	p := &parser{toks: toks}
	root, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t)
	}
	return &Expr{root: root, nodes: p.nodes}, nil
}

type parser struct {
	toks  []token
	pos   int
	depth int // parentheses open around the current position
	nodes int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) isOp(op byte) bool {
	t := p.toks[p.pos]
	return t.kind == tOp && t.op == op
}

func (p *parser) newNode(n *node) (*node, error) {
	p.nodes++
	if p.nodes > MaxNodes {
		return nil, &Error{Column: n.col, Msg: fmt.Sprintf("formula has more than %d nodes", MaxNodes),
			Hint: "a node is a number, a name, an operator or a function call"}
	}
	return n, nil
}

// startsOperand reports whether t can begin an operand, for the hint that
// multiplication needs a '*'.
func startsOperand(t token) bool {
	return t.kind == tNum || t.kind == tName || t.kind == tOp && t.op == '('
}

func (p *parser) unexpected(t token) error {
	if t.kind == tEOF {
		return &Error{Column: t.col, Msg: "unexpected end of formula",
			Hint: "expected a number, x, y, a function or '('"}
	}
	e := &Error{Column: t.col, Msg: fmt.Sprintf("unexpected '%s'", t.text)}
	if t.kind == tOp && t.op == '*' && p.pos > 0 && p.toks[p.pos-1].kind == tOp && p.toks[p.pos-1].op == '*' {
		e.Hint = "write ^ for powers, as in x^2"
	}
	if p.pos > 0 && startsOperand(t) {
		if prev := p.toks[p.pos-1]; prev.kind == tNum || prev.kind == tName || prev.kind == tOp && prev.op == ')' {
			e.Hint = "write '*' to multiply"
			if prev.kind == tNum && t.kind == tName {
				e.Hint += fmt.Sprintf(", as in %s*%s", prev.text, t.text)
			}
		}
	}
	return e
}

// expr = term { ("+" | "-") term }
func (p *parser) expr() (*node, error) {
	left, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.isOp('+') || p.isOp('-') {
		t := p.next()
		right, err := p.term()
		if err != nil {
			return nil, err
		}
		k := kAdd
		if t.op == '-' {
			k = kSub
		}
		if left, err = p.newNode(&node{kind: k, a: left, b: right, col: t.col}); err != nil {
			return nil, err
		}
	}
	return left, nil
}

// term = unary { ("*" | "/") unary }
func (p *parser) term() (*node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isOp('*') || p.isOp('/') {
		t := p.next()
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		k := kMul
		if t.op == '/' {
			k = kDiv
		}
		if left, err = p.newNode(&node{kind: k, a: left, b: right, col: t.col}); err != nil {
			return nil, err
		}
	}
	return left, nil
}

// unary = ("-" | "+") unary | power
func (p *parser) unary() (*node, error) {
	if p.isOp('+') {
		p.next()
		return p.unary()
	}
	if p.isOp('-') {
		t := p.next()
		a, err := p.unary()
		if err != nil {
			return nil, err
		}
		return p.newNode(&node{kind: kNeg, a: a, col: t.col})
	}
	return p.power()
}

// power = primary [ "^" unary ]
func (p *parser) power() (*node, error) {
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	if !p.isOp('^') {
		return base, nil
	}
	t := p.next()
	exp, err := p.unary()
	if err != nil {
		return nil, err
	}
	return p.newNode(&node{kind: kPow, a: base, b: exp, col: t.col})
}

func (p *parser) open(t token) error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{Column: t.col, Msg: fmt.Sprintf("parentheses nested deeper than %d", MaxDepth)}
	}
	return nil
}

// close consumes the ')' matching the '(' at open.
func (p *parser) close(open token) error {
	t := p.peek()
	if t.kind == tOp && t.op == ')' {
		p.next()
		p.depth--
		return nil
	}
	if t.kind == tEOF {
		return &Error{Column: open.col, Msg: "missing ')' opened"}
	}
	return p.unexpected(t)
}

func (p *parser) primary() (*node, error) {
	t := p.peek()
	if t.kind == tEOF || t.kind == tOp && t.op != '(' {
		return nil, p.unexpected(t)
	}
	p.next()
	switch t.kind {
	case tNum:
		return p.newNode(&node{kind: kNum, num: t.num, col: t.col})
	case tName:
		if p.isOp('(') {
			return p.call(t)
		}
		switch t.text {
		case "x":
			return p.newNode(&node{kind: kX, col: t.col})
		case "y":
			return p.newNode(&node{kind: kY, col: t.col})
		case "pi":
			return p.newNode(&node{kind: kNum, num: math.Pi, name: "pi", col: t.col})
		case "e":
			return p.newNode(&node{kind: kNum, num: math.E, name: "e", col: t.col})
		}
		if f := lookupFunc(t.text); f != nil {
			return nil, &Error{Column: t.col, Msg: fmt.Sprintf("function '%s' needs parentheses", t.text),
				Hint: fmt.Sprintf("as in %s(x)", t.text)}
		}
		hint := namesHint
		if l := strings.ToLower(t.text); l != t.text && (l == "x" || l == "y" || l == "pi" || l == "e") {
			hint = fmt.Sprintf("names are lower case: %s", l)
		} else if strings.Trim(t.text, "xy") == "" {
			hint = "write '*' to multiply, as in " + strings.Join(strings.Split(t.text, ""), "*")
		}
		return nil, &Error{Column: t.col, Msg: fmt.Sprintf("unknown name '%s'", t.text), Hint: hint}
	}
	// t is '('.
	if err := p.open(t); err != nil {
		return nil, err
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.close(t); err != nil {
		return nil, err
	}
	return e, nil
}

// call parses name(args) with the name already read.
func (p *parser) call(name token) (*node, error) {
	f := lookupFunc(name.text)
	if f == nil {
		switch name.text {
		case "x", "y", "pi", "e":
			return nil, &Error{Column: name.col, Msg: fmt.Sprintf("'%s' is not a function", name.text),
				Hint: fmt.Sprintf("write '*' to multiply, as in %s*(…)", name.text)}
		}
		hint := knownFuncsHint()
		switch l := strings.ToLower(name.text); {
		case name.text == "ln":
			hint = "log is the natural logarithm; " + hint
		case l != name.text && lookupFunc(l) != nil:
			hint = fmt.Sprintf("names are lower case: %s", l)
		}
		return nil, &Error{Column: name.col, Msg: fmt.Sprintf("unknown function '%s'", name.text), Hint: hint}
	}
	open := p.next()
	if err := p.open(open); err != nil {
		return nil, err
	}
	var args []*node
	if !p.isOp(')') {
		for {
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !p.isOp(',') {
				break
			}
			p.next()
		}
	}
	if err := p.close(open); err != nil {
		return nil, err
	}
	if len(args) != f.nargs {
		plural := "s"
		if f.nargs == 1 {
			plural = ""
		}
		return nil, &Error{Column: name.col,
			Msg: fmt.Sprintf("'%s' takes %d argument%s, got %d", f.name, f.nargs, plural, len(args))}
	}
	return p.newNode(&node{kind: kCall, fn: f, args: args, col: name.col})
}
