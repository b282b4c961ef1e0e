package expr

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	known := "known: sin, cos, tan, asin, acos, atan, exp, log, log10, sqrt, abs, tanh, sinh, cosh, min, max, pow"
	tests := []struct {
		src  string
		col  int
		want string
	}{
		{"", 0, "formula is empty; write an expression in x and y, such as x^2 + 10*y^2"},
		{" \t ", 0, "formula is empty; write an expression in x and y, such as x^2 + 10*y^2"},
		{strings.Repeat("x+", 250) + "x", 0, "formula is longer than 500 characters; it has 501"},
		{"x^2 + sinn(y)", 7, "unknown function 'sinn' at column 7; " + known},
		{"x + 2*(y - 1))", 14, "unexpected ')' at column 14"},
		{"2*(x + 1", 3, "missing ')' opened at column 3"},
		{"sin(x", 4, "missing ')' opened at column 4"},
		{"((x)", 1, "missing ')' opened at column 1"},
		{"min(x)", 1, "'min' takes 2 arguments, got 1 at column 1"},
		{"x + sin()", 5, "'sin' takes 1 argument, got 0 at column 5"},
		{"sin(x, y)", 1, "'sin' takes 1 argument, got 2 at column 1"},
		{"x + z", 5, "unknown name 'z' at column 5; use x, y, pi, e"},
		{"X", 1, "unknown name 'X' at column 1; names are lower case: x"},
		{"xy", 1, "unknown name 'xy' at column 1; write '*' to multiply, as in x*y"},
		{"z2", 1, "unknown name 'z2' at column 1; use x, y, pi, e"},
		{"sin x", 1, "function 'sin' needs parentheses at column 1; as in sin(x)"},
		{"x(2)", 1, "'x' is not a function at column 1; write '*' to multiply, as in x*(…)"},
		{"2x", 2, "unexpected 'x' at column 2; write '*' to multiply, as in 2*x"},
		{"x y", 3, "unexpected 'y' at column 3; write '*' to multiply"},
		{"(x)(y)", 4, "unexpected '(' at column 4; write '*' to multiply"},
		{"sin(x y)", 7, "unexpected 'y' at column 7; write '*' to multiply"},
		{"x^", 3, "unexpected end of formula at column 3; expected a number, x, y, a function or '('"},
		{"x**2", 3, "unexpected '*' at column 3; write ^ for powers, as in x^2"},
		{"x*/2", 3, "unexpected '/' at column 3"},
		{"ln(x)", 1, "unknown function 'ln' at column 1; log is the natural logarithm; " + known},
		{"Sin(x)", 1, "unknown function 'Sin' at column 1; names are lower case: sin"},
		{"PI*x", 1, "unknown name 'PI' at column 1; names are lower case: pi"},
		{"max(x,)", 7, "unexpected ')' at column 7"},
		{"x, y", 2, "unexpected ',' at column 2"},
		{")", 1, "unexpected ')' at column 1"},
		{"1.2.3 + x", 1, "malformed number '1.2.3' at column 1"},
		{"x + .", 5, "malformed number '.' at column 5"},
		{"1e", 2, "unexpected 'e' at column 2; write '*' to multiply, as in 1*e"},
		{"x*1e999", 3, "number '1e999' is too large at column 3; the largest is about 1.8e308"},
		{"x*.e5", 3, "malformed number '.e5' at column 3; write digits before or after the point, as 0.5, 5 or 5e-1"},
		{"x $ y", 3, "unexpected character '$' at column 3; use numbers, x, y, pi, e, functions, + - * / ^ and parentheses"},
		{"π·x − é", 7, "unexpected character 'é' at column 7; use numbers, x, y, pi, e, functions, + - * / ^ and parentheses"},
		{"x + \xff", 5, "invalid UTF-8 byte 0xff at column 5"},
		{strings.Repeat("(", 65) + "x" + strings.Repeat(")", 65), 65, "parentheses nested deeper than 64 at column 65"},
		{strings.Repeat("sin(", 65) + "x" + strings.Repeat(")", 65), 260, "parentheses nested deeper than 64 at column 260"},
		{"x" + strings.Repeat("+x", 200), 400, "formula has more than 400 nodes at column 400; a node is a number, a name, an operator or a function call"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%.40q) = %v, want an *Error", tt.src, err)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("Parse(%.40q) error\n got %s\nwant %s", tt.src, got, tt.want)
		}
		if e.Column != tt.col {
			t.Errorf("Parse(%.40q) column = %d, want %d", tt.src, e.Column, tt.col)
		}
	}
}

func TestParseLimitsAccepted(t *testing.T) {
	ok := []string{
		strings.Repeat("(", 64) + "x" + strings.Repeat(")", 64),
		strings.Repeat("x+", 150) + strings.Repeat(" ", 198) + "x", // 499 characters
		"x" + strings.Repeat("+x", 199),                            // 399 nodes
		strings.Repeat("-", 399) + "x",                             // 400 nodes
		strings.Repeat("+", 499) + "x",                             // unary plus makes no node
		"π·x − 2×y ÷ 3",                                            // typographic operators
		"log10(x) + 1E-3*y + .5 + 5. + 2.5e+3 + 1e-400",            // number forms
	}
	for _, src := range ok {
		if _, err := Parse(src); err != nil {
			t.Errorf("Parse(%.40q): %v", src, err)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ src, want string }{
		{"x^2 + 10*y^2", "x^2 + 10*y^2"},
		{"x^2+10*y^2", "x^2 + 10*y^2"},
		{"-x^2", "-x^2"},
		{"(-x)^2", "(-x)^2"},
		{"-(x^2)", "-x^2"},
		{"2^3^2", "2^3^2"},
		{"2^(3^2)", "2^3^2"},
		{"(2^3)^2", "(2^3)^2"},
		{"x^-y", "x^-y"},
		{"x^(-y)", "x^-y"},
		{"x^(y*2)", "x^(y*2)"},
		{"x - (y - 1)", "x - (y - 1)"},
		{"(x - y) - 1", "x - y - 1"},
		{"x + (y + 1)", "x + (y + 1)"},
		{"x/(y*2)", "x/(y*2)"},
		{"(x/y)*2", "x/y*2"},
		{"x*(y/2)", "x*(y/2)"},
		{"-(x+y)", "-(x + y)"},
		{"-(x*y)", "-(x*y)"},
		{"(-x)*y", "-x*y"},
		{"- - x", "--x"},
		{"+x", "x"},
		{"x - -y", "x - -y"},
		{"x*(-y)", "x*-y"},
		{"((((x))))", "x"},
		{"e^x + pi", "e^x + pi"},
		{"π", "pi"},
		{"1E3", "1000"},
		{"1e6", "1e6"},
		{"100000", "100000"},
		{".5", "0.5"},
		{"5.", "5"},
		{"0.0001", "0.0001"},
		{"0.000001", "1e-6"},
		{"2.5e21", "2.5e21"},
		{"123456789", "123456789"},
		{"1e-400", "0"},
		{"min( x ,y )", "min(x, y)"},
		{"pow(x, -2)", "pow(x, -2)"},
		{"x − 2·y × 3 ÷ 4", "x - 2*y*3/4"},
		{"(1-x)^2+100*(y-x^2)^2", "(1 - x)^2 + 100*(y - x^2)^2"},
	}
	for _, tt := range tests {
		got, err := Format(tt.src)
		if err != nil {
			t.Errorf("Format(%q): %v", tt.src, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Format(%q) = %q, want %q", tt.src, got, tt.want)
		}
		again, err := Format(got)
		if err != nil || again != got {
			t.Errorf("Format(%q) = %q, %v; canonical text must be a fixed point", got, again, err)
		}
	}
}

func TestFunctionNames(t *testing.T) {
	names := FunctionNames()
	if len(names) != 17 || names[0] != "sin" || names[16] != "pow" {
		t.Errorf("FunctionNames() = %v", names)
	}
	for _, n := range names {
		src := n + "(x)"
		if lookupFunc(n).nargs == 2 {
			src = n + "(x, y)"
		}
		if _, err := Compile(src); err != nil {
			t.Errorf("Compile(%q): %v", src, err)
		}
	}
}
