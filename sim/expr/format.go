package expr

import (
	"strconv"
	"strings"
)

// String returns the canonical text of e: the fewest parentheses that keep
// the tree, spaces around + and - only, ", " between arguments, numbers in
// their shortest exact form ("0.5", "1e-7"), no unary plus. Parsing the
// canonical text gives the same tree, so String is idempotent. The canonical
// text can be longer than the formula typed (".5" becomes "0.5"), so near
// MaxLen store the text the user typed and show the canonical one.
func (e *Expr) String() string {
	var b strings.Builder
	write(&b, e.root)
	return b.String()
}

// Precedence levels; a higher level binds tighter.
const (
	precAdd  = 1
	precMul  = 2
	precNeg  = 3
	precPow  = 4
	precAtom = 5
)

func prec(n *node) int {
	switch n.kind {
	case kAdd, kSub:
		return precAdd
	case kMul, kDiv:
		return precMul
	case kNeg:
		return precNeg
	case kPow:
		return precPow
	}
	return precAtom
}

func writeParen(b *strings.Builder, n *node, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	write(b, n)
	if paren {
		b.WriteByte(')')
	}
}

func write(b *strings.Builder, n *node) {
	switch n.kind {
	case kNum:
		if n.name != "" {
			b.WriteString(n.name)
		} else {
			b.WriteString(formatNumber(n.num))
		}
	case kX:
		b.WriteByte('x')
	case kY:
		b.WriteByte('y')
	case kNeg:
		b.WriteByte('-')
		writeParen(b, n.a, prec(n.a) < precNeg)
	case kAdd, kSub, kMul, kDiv:
		p := prec(n)
		writeParen(b, n.a, prec(n.a) < p)
		b.WriteString([...]string{kAdd: " + ", kSub: " - ", kMul: "*", kDiv: "/"}[n.kind])
		writeParen(b, n.b, prec(n.b) <= p)
	case kPow:
		writeParen(b, n.a, prec(n.a) <= precPow)
		b.WriteByte('^')
		writeParen(b, n.b, prec(n.b) < precNeg)
	case kCall:
		b.WriteString(n.fn.name)
		b.WriteByte('(')
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			write(b, a)
		}
		b.WriteByte(')')
	}
}

// formatNumber returns the shortest text that parses back to v exactly:
// plain decimal unless scientific notation is more than three characters
// shorter ("100000", "0.0001", but "1e6", "1e-7", "2.5e21").
func formatNumber(v float64) string {
	f := strconv.FormatFloat(v, 'f', -1, 64)
	e := strconv.FormatFloat(v, 'e', -1, 64) // "1e+06", "2.5e-07"
	i := strings.IndexByte(e, 'e')
	mant, exp := e[:i], e[i+1:]
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	exp = strings.TrimLeft(exp[1:], "0")
	if exp == "" {
		exp = "0"
	}
	e = mant + "e" + sign + exp
	if len(f) <= len(e)+3 {
		return f
	}
	return e
}
