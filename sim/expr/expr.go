// Package expr is the formula language of the custom surface: a parser for
// expressions in x and y and a compiler to a flat program that evaluates the
// value, the gradient and the Hessian exactly, by second-order forward-mode
// automatic differentiation.
//
// # Grammar
//
//	expr    = term { ("+" | "-") term }
//	term    = unary { ("*" | "/") unary }
//	unary   = ("-" | "+") unary | power
//	power   = primary [ "^" unary ]          (right-associative)
//	primary = number | name | name "(" expr { "," expr } ")" | "(" expr ")"
//	number  = digits [ "." digits ] [ ("e" | "E") [ "+" | "-" ] digits ]   (or ".5", "5.")
//
// As in mathematics, ^ binds tighter than a unary minus on its left
// (-x^2 = −(x²)) and is right-associative (2^3^2 = 2^9); the exponent may carry
// its own sign (x^-2). The names are x, y and the constants pi and e; the
// functions are sin cos tan asin acos atan exp log log10 sqrt abs tanh sinh
// cosh (one argument) and min max pow (two). There is no implicit
// multiplication: 2x is an error that says to write 2*x. Spaces are ignored.
// For text copied from the page, − (U+2212) reads as -, × and · as *, ÷ as /
// and π as pi.
//
// # Limits
//
// A formula has at most MaxLen characters, parentheses nested at most
// MaxDepth deep and at most MaxNodes nodes (numbers, names, operators and
// function calls), so parsing and evaluation take bounded time and memory. A
// formula is only ever evaluated: nothing in it can run code or reach files.
//
// # Errors
//
// Every error is an *Error with the 1-based column (in characters) of the
// spot it names, and a message that says what is wrong and what is allowed:
//
//	unknown function 'sinn' at column 14; known: sin, cos, tan, …
//	missing ')' opened at column 3
//	'min' takes 2 arguments, got 1 at column 1
//
// # Derivatives
//
// Where a derivative does not exist the conventional one-sided value is used:
// abs'(0) = 0; min and max at a tie follow their first argument; sqrt'(0) and
// the like are +Inf. Nothing is clamped or hidden: a value or derivative that
// is not finite (log of a negative number, division by zero) is returned as
// IEEE arithmetic computes it, and callers treat it as leaving the map.
// Integer constant exponents are powers, not exp(n·log x), so x^2 and x^3 are
// smooth for x < 0.
package expr

import (
	"fmt"
	"strings"
)

// Limits on a formula, checked by Parse.
const (
	MaxLen   = 500 // characters (Unicode code points), spaces included
	MaxDepth = 64  // parentheses, including a function call's, nested at most this deep
	MaxNodes = 400 // numbers, names, operators and function calls
)

// Error is a formula that cannot be parsed. Column is the 1-based position
// in characters of the spot the message names (for "missing ')'", the '('
// left open), or 0 when the error is about the whole formula (empty, too
// long).
type Error struct {
	Column int    // 1-based character column; 0 for the whole formula
	Msg    string // what is wrong, e.g. "unknown name 'z'"
	Hint   string // what is allowed, e.g. "use x, y, pi, e"; may be empty
}

// Error returns the message, the column and the hint, as in
// "unknown name 'z' at column 5; use x, y, pi, e".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Column > 0 {
		fmt.Fprintf(&b, " at column %d", e.Column)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Jet is a value with its first and second partial derivatives at a point:
// V = f, DX = ∂f/∂x, DY = ∂f/∂y, DXX = ∂²f/∂x², DXY = ∂²f/∂x∂y,
// DYY = ∂²f/∂y².
type Jet struct {
	V, DX, DY, DXX, DXY, DYY float64
}

// Compile parses src and compiles it (see Parse and Expr.Compile).
func Compile(src string) (*Program, error) {
	e, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return e.Compile(), nil
}

// FunctionNames returns the names of the functions a formula may call, in
// the order error messages list them.
func FunctionNames() []string {
	names := make([]string, len(funcs))
	for i, f := range funcs {
		names[i] = f.name
	}
	return names
}
