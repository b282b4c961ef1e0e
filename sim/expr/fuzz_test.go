package expr

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that any text is either rejected with an *Error whose
// column lies inside the text (or just past it), or compiles to a program
// whose evaluation paths agree and whose canonical text parses back to the
// same formula.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "x", "x^2 + 10*y^2", "(1 - x)^2 + 100*(y - x^2)^2",
		"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
		"(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
		"0.5*(1*(cos(0.3)*x + sin(0.3)*y)^2 + 10*(-sin(0.3)*x + cos(0.3)*y)^2)",
		"-x^2", "2^3^2", "x^-y", "pow(x, y)", "min(x, max(y, 1))", "abs(x) + sqrt(y)",
		"log10(x) - log(y) + exp(-x*y)", "tan(x)/tanh(y) + asin(x/3)*acos(y/3) - atan(x)*sinh(y)/cosh(x)",
		"π·x − 2×y ÷ 3", "1e-3*x + .5 + 5. + 2.5E+3", "e^x + pi", "--x", "+x",
		"sinn(x)", "x)", "(x", "min(x)", "2x", "x $ y", "1.2.3", "x + \xff", "1e999",
		strings.Repeat("(", 65) + "x" + strings.Repeat(")", 65),
		"x" + strings.Repeat("+x", 200),
		strings.Repeat("-", 499) + "x",
		strings.Repeat("x^", 100) + "x",
		strings.Repeat(".5+", 120) + "x",
	} {
		f.Add(s)
	}
	points := [][2]float64{{0, 0}, {1.5, -0.5}, {-2, 2}, {1e-3, 3}}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v is not an *Error", src, err)
			}
			if n := utf8.RuneCountInString(src); pe.Column < 0 || pe.Column > n+1 || pe.Msg == "" {
				t.Fatalf("Parse(%q) error %q: column %d outside 0…%d", src, err, pe.Column, n+1)
			}
			return
		}
		if e.Nodes() < 1 || e.Nodes() > MaxNodes {
			t.Fatalf("Parse(%q): %d nodes", src, e.Nodes())
		}
		p := e.Compile()
		if p.Len() < 1 || p.Len() > e.Nodes() {
			t.Fatalf("Compile(%q): %d instructions for %d nodes", src, p.Len(), e.Nodes())
		}
		canon := e.String()
		var p2 *Program
		if utf8.RuneCountInString(canon) <= MaxLen {
			e2, err := Parse(canon)
			if err != nil {
				t.Fatalf("Parse(%q) ok but its canonical text %q: %v", src, canon, err)
			}
			if s := e2.String(); s != canon {
				t.Fatalf("canonical text of %q is not a fixed point: %q then %q", src, canon, s)
			}
			p2 = e2.Compile()
		}
		for _, pt := range points {
			x, y := pt[0], pt[1]
			v := p.Value(x, y)
			gv, gx, gy := p.Grad(x, y)
			j := p.Eval(x, y)
			if !sameFloat(v, gv) || !sameFloat(v, j.V) || !sameFloat(gx, j.DX) || !sameFloat(gy, j.DY) {
				t.Fatalf("%q at (%v, %v): Value %v, Grad %v %v %v, Eval %+v disagree", src, x, y, v, gv, gx, gy, j)
			}
			if p2 != nil && !sameFloat(p2.Value(x, y), v) {
				t.Fatalf("%q = %v at (%v, %v) but its canonical text %q = %v", src, v, x, y, canon, p2.Value(x, y))
			}
		}
	})
}
