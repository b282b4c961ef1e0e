package expr

import (
	"fmt"
	"strings"
	"testing"
)

// costTerms is a formula of n terms tmpl(0.01·i), so no two are the same
// subexpression.
func costTerms(tmpl string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(tmpl, 0.01*float64(i+1))
	}
	return strings.Join(parts, "+")
}

// TestCostOrdersFormulas: the weights rank formulas as their evaluation
// times do (the timing is BenchmarkCost's): a power with a constant
// fractional exponent is far dearer than a square, a sine dearer than an
// addition.
func TestCostOrdersFormulas(t *testing.T) {
	cost := func(src string) int {
		p, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return p.Cost()
	}
	add, sq, sin, pw := cost(costTerms("(x+%g)", 20)), cost(costTerms("(x+%g)^2", 20)), cost(costTerms("sin(x+%g)", 20)), cost(costTerms("(x+%g)^3.5", 20))
	if !(add < sq && sq < sin && sin < pw) || pw < 10*add {
		t.Errorf("costs add %d, square %d, sin %d, pow %d: not in the order of their times", add, sq, sin, pw)
	}
	if c := cost("x"); c != 1 {
		t.Errorf("cost of x = %d, want 1", c)
	}
}

// BenchmarkCost times what one optimizer step of a run asks of a formula
// (its value, gradient and Hessian: Value, Grad and Eval) for a long
// formula of each kind of instruction, per unit of Cost: ns/cost should
// come out within a small factor for every kind (the weights are set from
// it).
func BenchmarkCost(b *testing.B) {
	for _, tmpl := range []string{"(x*y+%g)", "(x+%g)^2", "1/(x+%g)", "sqrt(x+%g)", "sin(x+%g)", "exp(x+%g)", "log(x+%g)", "cosh(x+%g)", "(x+%g)^3.5", "(x+%g)^y", "2^(x+%g)"} {
		p, err := Compile(costTerms(tmpl, 25))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%s/cost=%d", strings.ReplaceAll(tmpl, "%g", "k"), p.Cost()), func(b *testing.B) {
			for b.Loop() {
				p.Value(0.5, 0.7)
				p.Grad(0.5, 0.7)
				p.Eval(0.5, 0.7)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(p.Cost()), "ns/cost")
		})
	}
}
