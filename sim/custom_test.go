package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// closedForm is a surface written out by hand: value, gradient, Hessian.
type closedForm func(p Point) (float64, Point, Sym2)

func quadraticClosed(a, b, theta float64) closedForm {
	c, s := math.Cos(theta), math.Sin(theta)
	return func(p Point) (float64, Point, Sym2) {
		u := c*p.X + s*p.Y
		v := -s*p.X + c*p.Y
		f := 0.5 * (a*u*u + b*v*v)
		// ∇u = (c, s), ∇v = (−s, c); ∇f = a·u·∇u + b·v·∇v; ∇²f = a·∇u∇uᵀ + b·∇v∇vᵀ.
		g := Point{a*u*c - b*v*s, a*u*s + b*v*c}
		h := Sym2{XX: a*c*c + b*s*s, XY: a*c*s - b*s*c, YY: a*s*s + b*c*c}
		return f, g, h
	}
}

func rosenbrockClosed(a, b float64) closedForm {
	return func(p Point) (float64, Point, Sym2) {
		x, y := p.X, p.Y
		r := y - x*x
		f := (a-x)*(a-x) + b*r*r
		g := Point{-2*(a-x) - 4*b*x*r, 2 * b * r}
		h := Sym2{XX: 2 - 4*b*y + 12*b*x*x, XY: -4 * b * x, YY: 2 * b}
		return f, g, h
	}
}

func himmelblauClosed(p Point) (float64, Point, Sym2) {
	x, y := p.X, p.Y
	u := x*x + y - 11
	v := x + y*y - 7
	f := u*u + v*v
	g := Point{4*x*u + 2*v, 2*u + 4*y*v}
	h := Sym2{XX: 12*x*x + 4*y - 42, XY: 4*x + 4*y, YY: 4*x + 12*y*y - 26}
	return f, g, h
}

func bealeClosed(p Point) (float64, Point, Sym2) {
	x, y := p.X, p.Y
	var f float64
	var g Point
	var h Sym2
	for i, c := range []float64{1.5, 2.25, 2.625} {
		n := float64(i + 1)
		yn := math.Pow(y, n)
		t := c - x + x*yn                         // term t_n
		tx := yn - 1                              // ∂t/∂x
		ty := n * x * math.Pow(y, n-1)            // ∂t/∂y
		txy := n * math.Pow(y, n-1)               // ∂²t/∂x∂y (∂²t/∂x² = 0)
		tyy := n * (n - 1) * x * math.Pow(y, n-2) // ∂²t/∂y²
		f += t * t
		g.X += 2 * t * tx
		g.Y += 2 * t * ty
		h.XX += 2 * tx * tx
		h.XY += 2 * (tx*ty + t*txy)
		h.YY += 2 * (ty*ty + t*tyy)
	}
	return f, g, h
}

// builtinCase is a built-in surface written as a formula, with its closed
// form and the built-in surface of the same name.
type builtinCase struct {
	formula string
	closed  closedForm
	cfg     SurfaceConfig
}

func builtinCases() []builtinCase {
	var cases []builtinCase
	for _, q := range [][3]float64{{1, 10, 0}, {1, 10, 0.3}, {2.5, 0.7, -1.2}, {1, 100, math.Pi / 6}, {0.01, 1000, 3}} {
		a, b, th := q[0], q[1], q[2]
		cases = append(cases, builtinCase{
			formula: fmt.Sprintf("0.5*(%v*(cos(%v)*x + sin(%v)*y)^2 + %v*(-sin(%v)*x + cos(%v)*y)^2)", a, th, th, b, th, th),
			closed:  quadraticClosed(a, b, th),
			cfg:     SurfaceConfig{Name: "quadratic", Params: map[string]float64{"a": a, "b": b, "theta": th}},
		})
	}
	for _, r := range [][2]float64{{1, 100}, {1.5, 5}, {-1.5, 300}, {0.3, 0.1}} {
		a, b := r[0], r[1]
		cases = append(cases, builtinCase{
			formula: fmt.Sprintf("(%v - x)^2 + %v*(y - x^2)^2", a, b),
			closed:  rosenbrockClosed(a, b),
			cfg:     SurfaceConfig{Name: "rosenbrock", Params: map[string]float64{"a": a, "b": b}},
		})
	}
	cases = append(cases,
		builtinCase{"(x^2 + y - 11)^2 + (x + y^2 - 7)^2", himmelblauClosed, SurfaceConfig{Name: "himmelblau"}},
		builtinCase{"(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2", bealeClosed, SurfaceConfig{Name: "beale"}},
	)
	return cases
}

// relClose reports whether got is within tol of want, relative to
// max(|want|, 1).
func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1)
}

// TestCustomMatchesBuiltins checks that the contract's surfaces typed as
// formulas give the closed forms' values, gradients and Hessians to 1e-12,
// relative to max(|want|, 1), and the built-in surfaces' too, at 500 points
// each in and around their view.
func TestCustomMatchesBuiltins(t *testing.T) {
	const tol = 1e-12
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range builtinCases() {
		s, err := newCustomSurface(SurfaceConfig{Name: SurfaceCustom, Formula: tc.formula})
		if err != nil {
			t.Fatalf("%s: %v", tc.formula, err)
		}
		builtin, err := NewSurface(tc.cfg)
		if err != nil {
			t.Fatalf("NewSurface(%v): %v", tc.cfg, err)
		}
		view := builtin.Info().View
		for range 500 {
			p := Point{
				view.XMin + 2*(r.Float64()-0.25)*(view.XMax-view.XMin),
				view.YMin + 2*(r.Float64()-0.25)*(view.YMax-view.YMin),
			}
			f, g, h := tc.closed(p)
			for _, want := range []struct {
				name string
				f    float64
				g    Point
				h    Sym2
			}{{"closed form", f, g, h}, {tc.cfg.Name, builtin.Value(p), builtin.Grad(p), builtin.Hessian(p)}} {
				gotF, gotG, gotH := s.Value(p), s.Grad(p), s.Hessian(p)
				if !relClose(gotF, want.f, tol) ||
					!relClose(gotG.X, want.g.X, tol) || !relClose(gotG.Y, want.g.Y, tol) ||
					!relClose(gotH.XX, want.h.XX, tol) || !relClose(gotH.XY, want.h.XY, tol) ||
					!relClose(gotH.YY, want.h.YY, tol) {
					t.Fatalf("%s at %v:\n got f=%v ∇f=%v ∇²f=%+v\n%s: f=%v ∇f=%v ∇²f=%+v",
						tc.formula, p, gotF, gotG, gotH, want.name, want.f, want.g, want.h)
				}
			}
		}
	}
}

func TestCustomErrors(t *testing.T) {
	tests := []struct {
		formula string
		col     int
		msg     string
	}{
		{"", 0, "formula is empty; write an expression in x and y, such as x^2 + 10*y^2"},
		{"x^2 + sinn(y)", 7, "unknown function 'sinn' at column 7; known: sin, cos, tan, asin, acos, atan, exp, log, log10, sqrt, abs, tanh, sinh, cosh, min, max, pow"},
		{"2*(x + 1", 3, "missing ')' opened at column 3"},
		{"x + z", 5, "unknown name 'z' at column 5; use x, y, pi, e"},
		{strings.Repeat("x", 501), 0, "formula is longer than 500 characters; it has 501"},
	}
	for _, tt := range tests {
		_, err := newCustomSurface(SurfaceConfig{Name: SurfaceCustom, Formula: tt.formula})
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Fatalf("%q: error %v is not a *FieldError", tt.formula, err)
		}
		if fe.Field != "formula" || fe.Msg != tt.msg || fe.Column != tt.col {
			t.Errorf("%q: got %+v, want formula, %q, column %d", tt.formula, *fe, tt.msg, tt.col)
		}
		pe := Prefix("surface", err)
		if !errors.As(pe, &fe) || fe.Field != "surface.formula" || fe.Column != tt.col {
			t.Errorf("%q: Prefix gave %v, column %d", tt.formula, pe, fe.Column)
		}
	}

	_, err := newCustomSurface(SurfaceConfig{Name: SurfaceCustom, Formula: "x", Params: map[string]float64{"b": 1, "a": 2}})
	want := `a: unknown parameter "a"; surface "custom" has no parameters`
	if err == nil || err.Error() != want {
		t.Errorf("params: got %v, want %s", err, want)
	}
}

func TestCustomInfo(t *testing.T) {
	s, err := newCustomSurface(SurfaceConfig{Name: SurfaceCustom, Formula: "x^2+10*(y)^2"})
	if err != nil {
		t.Fatal(err)
	}
	in := s.Info()
	if in.Name != "custom" || in.Kind != KindMinimize || in.Formula != "f = x^2 + 10*y^2" ||
		in.View != (Box{-3, 3, -3, 3}) || in.Start != (Point{-2, 2}) ||
		in.Params == nil || len(in.Params) != 0 || in.Minima == nil || len(in.Minima) != 0 || in.Title == "" {
		t.Errorf("Info() = %+v", in)
	}
	in.Minima = append(in.Minima, Minimum{})
	if len(s.Info().Minima) != 0 {
		t.Error("Info() shares its slices")
	}
}

// TestCustomThroughNewSurface checks that NewSurface builds the custom
// surface and passes its errors on with their column.
func TestCustomThroughNewSurface(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: SurfaceCustom, Formula: "x^2 + 10*y^2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Value(Point{1, 1}); got != 11 {
		t.Errorf("f(1, 1) = %v, want 11", got)
	}
	_, err = NewSurface(SurfaceConfig{Name: SurfaceCustom, Formula: "x + (y"})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "formula" || fe.Column != 5 {
		t.Errorf("NewSurface with a bad formula: %v (%+v), want a formula error at column 5", err, fe)
	}
}

// TestCustomRuns runs gradient descent on custom surfaces: it converges on a
// bowl, crosses the stability limit lr = 2/λmax as the theory says, and
// leaves the map where the formula stops being finite.
func TestCustomRuns(t *testing.T) {
	run := func(formula string, start Point, lr float64, steps int) Trajectory {
		t.Helper()
		s, err := newCustomSurface(SurfaceConfig{Name: SurfaceCustom, Formula: formula})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewRun(s, RunConfig{Start: start, Optimizer: DefaultOptimizer(OptSGD, lr),
			Scheduler: DefaultScheduler(SchedConstant, steps)}, steps)
		if err != nil {
			t.Fatal(err)
		}
		return Simulate(r)
	}
	// λmax = 20 for x^2 + 10*y^2: lr 0.09 < 0.1 converges, 0.11 diverges.
	if tr := run("x^2 + 10*y^2", customStart, 0.09, 1000); tr.Status != StatusConverged {
		t.Errorf("lr 0.09: status %v, want converged", tr.Status)
	}
	if tr := run("x^2 + 10*y^2", customStart, 0.11, 1000); tr.Status != StatusDiverged {
		t.Errorf("lr 0.11: status %v, want diverged", tr.Status)
	}
	// log(x) is not finite for x < 0: the first step, to x = 0.5 − 1·2,
	// leaves the map.
	if tr := run("log(x) + y^2", Point{0.5, 1}, 1, 10); tr.Status != StatusDiverged || tr.DivergedAt != 1 {
		t.Errorf("log(x) to x < 0: status %v at %d, want diverged at 1", tr.Status, tr.DivergedAt)
	}
	// sqrt(x^2 + y^2) reaches its kink at 0 where the gradient is not finite.
	tr := run("sqrt(x^2 + y^2)", Point{-2, 2}, 0.5, 100)
	for i := range tr.X {
		if !(Point{tr.X[i], tr.Y[i]}).Finite() || math.IsNaN(tr.Loss[i]) || math.IsNaN(tr.GradNorm[i]) {
			t.Fatalf("non-finite value sent at %d: %v %v %v", i, tr.X[i], tr.Y[i], tr.Loss[i])
		}
	}
}

// bench20 is a formula of 20 nodes.
const bench20 = "sin(x)*cos(y) + 0.1*(x^2 + y^2) + exp(x*y)"

func benchSurface(b *testing.B, formula string) Surface {
	s, err := newCustomSurface(SurfaceConfig{Name: SurfaceCustom, Formula: formula})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkCustomGrad20(b *testing.B) {
	s := benchSurface(b, bench20)
	p := Point{0.3, -0.7}
	b.ReportAllocs()
	var sum float64
	for b.Loop() {
		g := s.Grad(p)
		sum += g.X
	}
	_ = sum
}

// BenchmarkCustomGrid512 is the heat map of a 20-node formula at the largest
// resolution, on one core.
func BenchmarkCustomGrid512(b *testing.B) {
	s := benchSurface(b, bench20)
	b.ReportAllocs()
	for b.Loop() {
		GridSerial(s, customView, 512, 512)
	}
}

// BenchmarkCustomGrid512Beale is the same for the 33-node Beale formula.
func BenchmarkCustomGrid512Beale(b *testing.B) {
	s := benchSurface(b, "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2")
	b.ReportAllocs()
	for b.Loop() {
		GridSerial(s, customView, 512, 512)
	}
}
