package expr

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"testing"
)

// randomExpr returns the text of a random expression of the given depth,
// written with every subexpression in parentheses so that the tree is the
// one drawn, and a spacing that varies.
func randomExpr(r *rand.Rand, depth int) string {
	if depth == 0 || r.IntN(4) == 0 {
		switch r.IntN(7) {
		case 0, 1:
			return "x"
		case 2, 3:
			return "y"
		case 4:
			return []string{"pi", "e", "2", "0.5", "3"}[r.IntN(5)]
		default:
			return formatNumber(math.Round(r.Float64()*400)/100 + 0.01)
		}
	}
	sub := func() string { return "(" + randomExpr(r, depth-1) + ")" }
	switch r.IntN(11) {
	case 0:
		return sub() + " + " + sub()
	case 1:
		return sub() + "-" + sub()
	case 2, 3:
		return sub() + "*" + sub()
	case 4:
		return sub() + " / " + sub()
	case 5:
		exp := []string{"2", "3", "4", "-1", "-2", "0.5", "1.5", "-0.5", "0", "1"}[r.IntN(10)]
		return sub() + "^" + exp
	case 6:
		// A positive base keeps a variable exponent differentiable.
		return "pow(exp(" + randomExpr(r, depth-1) + "), " + sub() + ")"
	case 7:
		return "-" + sub()
	case 8:
		return []string{"2", "e", "0.5"}[r.IntN(3)] + "^" + sub()
	default:
		f := funcs[r.IntN(len(funcs))]
		if f.nargs == 2 {
			return f.name + "(" + randomExpr(r, depth-1) + ", " + randomExpr(r, depth-1) + ")"
		}
		return f.name + "(" + randomExpr(r, depth-1) + ")"
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// sameFloat reports whether a and b are equal, counting NaN equal to NaN.
func sameFloat(a, b float64) bool { return a == b || a != a && b != b }

// richardson returns the derivative of f at 0 by central differences with
// steps h and h/2, combined to cancel the h² term.
func richardson(f func(t float64) float64, h float64) float64 {
	d1 := (f(h) - f(-h)) / (2 * h)
	d2 := (f(h/2) - f(-h/2)) / h
	return (4*d2 - d1) / 3
}

// checkDeriv compares an exact derivative with the central-difference
// estimate of g's derivative. It returns "skip" when the estimates with two
// step sizes disagree (a kink, a pole or overflow nearby), so that only
// smooth neighbourhoods are judged, and "fail" when the exact value is off.
func checkDeriv(exact float64, g func(t float64) float64, scale float64) string {
	const h, tol = 1e-3, 1e-6
	fd1 := richardson(g, h)
	fd2 := richardson(g, h/4)
	if !finite(fd1) || !finite(fd2) {
		return "skip"
	}
	s := math.Max(math.Abs(fd2), scale)
	if math.Abs(fd1-fd2) > tol*s {
		return "skip"
	}
	if math.Abs(exact-fd2) > 10*tol*s {
		return "fail"
	}
	return "ok"
}

// TestDerivativesRandom checks on random expressions that the three
// evaluation paths agree exactly on the value and gradient, and that the
// gradient and Hessian match central differences of the value and of the
// gradient.
func TestDerivativesRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var exprs, checks, skips, fails int
	for range 1500 {
		src := randomExpr(r, 1+r.IntN(4))
		p, err := Compile(src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", src, err)
		}
		exprs++
		for range 8 {
			x, y := r.Float64()*4-2, r.Float64()*4-2
			j := p.Eval(x, y)
			v := p.Value(x, y)
			gv, gx, gy := p.Grad(x, y)
			if !sameFloat(v, j.V) || !sameFloat(v, gv) || !sameFloat(gx, j.DX) || !sameFloat(gy, j.DY) {
				t.Fatalf("%s at (%v, %v): Value %v, Grad %v %v %v, Eval %+v disagree", src, x, y, v, gv, gx, gy, j)
			}
			if !finite(j.V) || !finite(j.DX) || !finite(j.DY) || !finite(j.DXX) || !finite(j.DXY) || !finite(j.DYY) ||
				math.Abs(j.V) > 1e8 {
				continue
			}
			fx := func(t float64) float64 { return p.Value(x+t, y) }
			fy := func(t float64) float64 { return p.Value(x, y+t) }
			gxx := func(t float64) float64 { _, dx, _ := p.Grad(x+t, y); return dx }
			gxy := func(t float64) float64 { _, dx, _ := p.Grad(x, y+t); return dx }
			gyx := func(t float64) float64 { _, _, dy := p.Grad(x+t, y); return dy }
			gyy := func(t float64) float64 { _, _, dy := p.Grad(x, y+t); return dy }
			gscale := 1e-6 * (1 + math.Abs(j.V))
			hscale := 1e-6 * (1 + math.Hypot(j.DX, j.DY))
			for _, c := range []struct {
				name  string
				exact float64
				g     func(float64) float64
				scale float64
			}{
				{"∂x", j.DX, fx, gscale}, {"∂y", j.DY, fy, gscale},
				{"∂xx", j.DXX, gxx, hscale}, {"∂xy", j.DXY, gxy, hscale},
				{"∂yx", j.DXY, gyx, hscale}, {"∂yy", j.DYY, gyy, hscale},
			} {
				switch checkDeriv(c.exact, c.g, c.scale) {
				case "ok":
					checks++
				case "skip":
					skips++
				case "fail":
					fails++
					if fails <= 10 {
						t.Errorf("%s\n  at (%v, %v): %s = %v, central differences %v", p, x, y, c.name, c.exact, richardson(c.g, 1e-3/4))
					}
				}
			}
		}
	}
	t.Logf("%d expressions, %d derivatives checked, %d skipped near kinks or poles, %d wrong", exprs, checks, skips, fails)
	if checks < 20000 || skips > checks/10 {
		t.Errorf("too few derivatives checked: %d checked, %d skipped", checks, skips)
	}
}

// TestDerivativeConventions checks the values chosen where a derivative
// does not exist, and integer powers of negative numbers.
func TestDerivativeConventions(t *testing.T) {
	tests := []struct {
		src  string
		x, y float64
		want Jet
	}{
		{"abs(x)", 0, 0, Jet{}},
		{"abs(x)", -2, 0, Jet{V: 2, DX: -1}},
		{"min(x, y)", 1, 1, Jet{V: 1, DX: 1}},
		{"min(y, x)", 1, 1, Jet{V: 1, DY: 1}},
		{"max(x, y)", 1, 1, Jet{V: 1, DX: 1}},
		{"max(x^2, y)", 2, 1, Jet{V: 4, DX: 4, DXX: 2}},
		{"x^2", -3, 0, Jet{V: 9, DX: -6, DXX: 2}},
		{"x^3", -2, 0, Jet{V: -8, DX: 12, DXX: -12}},
		{"pow(x, 3)", -2, 0, Jet{V: -8, DX: 12, DXX: -12}},
		{"x^-1", -2, 0, Jet{V: -0.5, DX: -0.25, DXX: -0.25}},
		{"x^0", 0, 0, Jet{V: 1}},
		{"x^1", -5, 0, Jet{V: -5, DX: 1}},
		{"y*x^2", -1, 3, Jet{V: 3, DX: -6, DY: 1, DXX: 6, DXY: -2}},
		{"e^x", 0, 0, Jet{V: 1, DX: 1, DXX: 1}},
		{"2^x", 1, 0, Jet{V: 2, DX: 2 * math.Ln2, DXX: 2 * math.Ln2 * math.Ln2}},
		{"1/x", 2, 0, Jet{V: 0.5, DX: -0.25, DXX: 0.25}},
	}
	for _, tt := range tests {
		p, err := Compile(tt.src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		if got := p.Eval(tt.x, tt.y); !closeJet(got, tt.want, 1e-15) {
			t.Errorf("%s at (%v, %v) = %+v, want %+v", tt.src, tt.x, tt.y, got, tt.want)
		}
	}

	// Derivatives that are infinite: the caller sees a point off the map.
	for _, src := range []string{"sqrt(x)", "x^0.5", "abs(x)^1.5 + sqrt(x^2 + y^2)", "log(x)", "1/x"} {
		p, _ := Compile(src)
		j := p.Eval(0, 0)
		if finite(j.DX) && finite(j.DXX) {
			t.Errorf("%s at 0: %+v, want a non-finite derivative", src, j)
		}
	}
	// Outside the domain: NaN comes back as computed.
	for _, src := range []string{"log(x)", "sqrt(x)", "x^0.5", "asin(x)", "pow(x, y)"} {
		p, _ := Compile(src)
		if v := p.Value(-2, 0.5); !math.IsNaN(v) {
			t.Errorf("%s at x = -2: %v, want NaN", src, v)
		}
	}
}

func closeJet(a, b Jet, tol float64) bool {
	c := func(u, v float64) bool { return math.Abs(u-v) <= tol*math.Max(1, math.Abs(v)) }
	return c(a.V, b.V) && c(a.DX, b.DX) && c(a.DY, b.DY) && c(a.DXX, b.DXX) && c(a.DXY, b.DXY) && c(a.DYY, b.DYY)
}

var bareAtoms = regexp.MustCompile(`(^|[-+*/^ (,])\(([xy]|pi|e|[0-9.]+)\)`)

// TestCanonicalRoundTrip checks on random expressions that the canonical
// text parses to a program with the same values, bit for bit, and is a
// fixed point of Format.
func TestCanonicalRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		src := randomExpr(r, 1+r.IntN(5))
		// Drop parentheses around names and numbers now and then, to test
		// the grammar too.
		if r.IntN(2) == 0 {
			src = bareAtoms.ReplaceAllString(src, "$1$2")
		}
		e, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		canon := e.String()
		e2, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(canonical %q): %v", canon, err)
		}
		if again := e2.String(); again != canon {
			t.Fatalf("canonical text not a fixed point:\n%s\n%s", canon, again)
		}
		if e.Nodes() != e2.Nodes() {
			t.Fatalf("%s: %d nodes, canonical %d", src, e.Nodes(), e2.Nodes())
		}
		p1, p2 := e.Compile(), e2.Compile()
		for range 4 {
			x, y := r.Float64()*6-3, r.Float64()*6-3
			if v1, v2 := p1.Value(x, y), p2.Value(x, y); !sameFloat(v1, v2) {
				t.Fatalf("%s = %v but canonical %s = %v at (%v, %v)", src, v1, canon, v2, x, y)
			}
		}
	}
}

func ExampleCompile() {
	p, err := Compile("(1 - x)^2 + 100*(y - x^2)^2")
	if err != nil {
		panic(err)
	}
	j := p.Eval(0, 1)
	fmt.Println(p.Value(0, 1))
	fmt.Println(j.DX, j.DY)
	fmt.Println(j.DXX, j.DXY, j.DYY)
	// Output:
	// 101
	// -2 200
	// -398 0 200
}

func ExampleError() {
	_, err := Compile("x^2 + sinn(y)")
	fmt.Println(err)
	// Output:
	// unknown function 'sinn' at column 7; known: sin, cos, tan, asin, acos, atan, exp, log, log10, sqrt, abs, tanh, sinh, cosh, min, max, pow
}

func ExampleFormat() {
	s, _ := Format("-(x^2)+(2*y)*.5")
	fmt.Println(s)
	// Output: -x^2 + 2*y*0.5
}
