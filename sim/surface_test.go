package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Tolerances of the derivative checks, relative to 1 + |analytic value|.
// The five-point central difference with step h = fdStep·max(1, |x|) has a
// truncation error of O(h⁴·f⁽⁵⁾) and a rounding error of O(ε·|f|/h); the
// tolerances below are widened by |f|·1e-4 (resp. ‖∇f‖·1e-4) for the latter.
const (
	fdStep  = 1e-4 // relative step of the central differences
	gradTol = 1e-7 // ∇f against central differences of f
	hessTol = 1e-7 // ∇²f against central differences of ∇f
	statTol = 1e-9 // ‖∇f‖ at a listed stationary point
)

// testSurfaces returns every catalogued surface at its defaults and some at
// other parameters, named for the test output.
func testSurfaces(t *testing.T) map[string]Surface {
	t.Helper()
	out := map[string]Surface{}
	configs := []SurfaceConfig{
		{Name: "quadratic", Params: map[string]float64{"a": 2, "b": 7, "theta": 0.7}},
		{Name: "rotated_bowl", Params: map[string]float64{"theta": -1}},
		{Name: "rosenbrock", Params: map[string]float64{"a": -0.5, "b": 10}},
		{Name: "sharp_flat", Params: map[string]float64{"ws": 0.3, "wf": 1.5}},
		{Name: "local_minimum", Params: map[string]float64{"depth": 0.5, "width": 0.3}},
		{Name: "saddle", Params: map[string]float64{"scale": 3}},
		{Name: "stable_game", Params: map[string]float64{"c": 2}},
	}
	for _, in := range Catalog() {
		configs = append(configs, SurfaceConfig{Name: in.Name})
		// Every parameter at the low end of its range, then at the high end.
		if len(in.Params) > 0 {
			lo, hi := map[string]float64{}, map[string]float64{}
			for _, p := range in.Params {
				lo[p.Name], hi[p.Name] = p.Min, p.Max
			}
			configs = append(configs, SurfaceConfig{Name: in.Name, Params: lo}, SurfaceConfig{Name: in.Name, Params: hi})
		}
	}
	for _, c := range configs {
		s, err := NewSurface(c)
		if err != nil {
			t.Fatalf("NewSurface(%v): %v", c, err)
		}
		name := c.Name
		for _, k := range slices.Sorted(maps.Keys(c.Params)) {
			name += fmt.Sprintf(",%s=%g", k, c.Params[k])
		}
		out[name] = s
	}
	return out
}

// probePoints returns points spread over the view enlarged by half on each
// side, on a grid and at pseudo-random places, plus the listed minima and
// the start.
func probePoints(in SurfaceInfo) []Point {
	v := in.View
	w, h := v.XMax-v.XMin, v.YMax-v.YMin
	x0, y0 := v.XMin-w/2, v.YMin-h/2
	var pts []Point
	const n = 9
	for i := range n {
		for j := range n {
			pts = append(pts, Point{x0 + 2*w*float64(i)/(n-1), y0 + 2*h*float64(j)/(n-1)})
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		pts = append(pts, Point{v.XMin + w*rng.Float64(), v.YMin + h*rng.Float64()})
	}
	for _, m := range in.Minima {
		pts = append(pts, Point{m.X, m.Y}, Point{m.X + 0.01, m.Y - 0.02})
	}
	return append(pts, in.Start)
}

// centralDiff returns the five-point central difference of f at 0 with
// step h: (8(f(h) − f(−h)) − (f(2h) − f(−2h)))/(12h).
func centralDiff(f func(h float64) float64, h float64) float64 {
	return (8*(f(h)-f(-h)) - (f(2*h) - f(-2*h))) / (12 * h)
}

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*(1+math.Abs(want))
}

func TestSurfaceGradientsMatchCentralDifferences(t *testing.T) {
	for name, s := range testSurfaces(t) {
		t.Run(name, func(t *testing.T) {
			bad := 0
			for _, p := range probePoints(s.Info()) {
				hx, hy := fdStep*max(1, math.Abs(p.X)), fdStep*max(1, math.Abs(p.Y))
				alongX := func(h float64) Point { return p.Add(Point{h, 0}) }
				alongY := func(h float64) Point { return p.Add(Point{0, h}) }
				g := s.Grad(p)
				num := Point{
					centralDiff(func(h float64) float64 { return s.Value(alongX(h)) }, hx),
					centralDiff(func(h float64) float64 { return s.Value(alongY(h)) }, hy),
				}
				tol := gradTol * (1 + math.Abs(s.Value(p))*1e-4)
				if !near(num.X, g.X, tol) || !near(num.Y, g.Y, tol) {
					t.Errorf("∇f%v = %v, central differences %v", p, g, num)
					bad++
				}
				hs := s.Hessian(p)
				xx := centralDiff(func(h float64) float64 { return s.Grad(alongX(h)).X }, hx)
				yx := centralDiff(func(h float64) float64 { return s.Grad(alongX(h)).Y }, hx) // ∂gy/∂x
				xy := centralDiff(func(h float64) float64 { return s.Grad(alongY(h)).X }, hy) // ∂gx/∂y
				yy := centralDiff(func(h float64) float64 { return s.Grad(alongY(h)).Y }, hy)
				numH := Sym2{XX: xx, XY: 0.5 * (xy + yx), YY: yy}
				gtol := hessTol * (1 + g.Norm()*1e-4)
				if !near(numH.XX, hs.XX, gtol) || !near(numH.XY, hs.XY, gtol) || !near(numH.YY, hs.YY, gtol) {
					t.Errorf("∇²f%v = %+v, central differences %+v", p, hs, numH)
					bad++
				}
				// The gradient must be a gradient: ∂gx/∂y = ∂gy/∂x.
				if !near(xy, yx, gtol) {
					t.Errorf("∂²f/∂x∂y at %v: %g from ∂gx/∂y, %g from ∂gy/∂x", p, xy, yx)
					bad++
				}
				if bad > 5 {
					t.Fatal("too many mismatches")
				}
			}
		})
	}
}

// valleyOfMinima lists the surfaces whose minima form a curve (x·y = ±1),
// so that each has a zero Hessian eigenvalue along it.
var valleyOfMinima = map[string]bool{"uv": true, "eos": true}

// TestEvaluatorMatchesMethods checks that a surface's one-call evaluation,
// which runs use instead of the methods, gives their values bit for bit,
// including far out and close to the origin, where hypot leaves its fast
// path.
func TestEvaluatorMatchesMethods(t *testing.T) {
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	found := map[string]bool{}
	for name, s := range testSurfaces(t) {
		ev, ok := s.(evaluator)
		if !ok {
			continue
		}
		found[s.Info().Name] = true
		pts := append(probePoints(s.Info()), Point{1e-160, -3e-170}, Point{-2e-155, 1e-150}, Point{1e150, -1e149}, Point{-3e100, 2e120}, Point{})
		for _, p := range pts {
			f, g, h, lmax := ev.eval(p)
			wg, wh := s.Grad(p), s.Hessian(p)
			if !same(f, s.Value(p)) || !same(g.X, wg.X) || !same(g.Y, wg.Y) ||
				!same(h.XX, wh.XX) || !same(h.XY, wh.XY) || !same(h.YY, wh.YY) || !same(lmax, wh.MaxEigen()) {
				t.Errorf("%s at %v: eval gives f %v, ∇f %v, ∇²f %v, λmax %v; the methods %v, %v, %v, %v",
					name, p, f, g, h, lmax, s.Value(p), wg, wh, wh.MaxEigen())
			}
		}
	}
	for _, name := range []string{"quadratic", "rosenbrock"} { // the benchmarked ones (BenchmarkRunStep)
		if !found[name] {
			t.Errorf("%s has no evaluator", name)
		}
	}
}

func TestSurfaceMinimaAsLabelled(t *testing.T) {
	for name, s := range testSurfaces(t) {
		t.Run(name, func(t *testing.T) {
			in := s.Info()
			if len(in.Minima) == 0 {
				t.Fatal("no minima listed")
			}
			globalLoss := math.Inf(1)
			for _, m := range in.Minima {
				p := Point{m.X, m.Y}
				if g := s.Grad(p); g.Norm() > statTol*(1+math.Abs(m.Loss)) {
					t.Errorf("%s at %v: ‖∇f‖ = %g, want 0", m.Label, p, g.Norm())
				}
				if f := s.Value(p); !near(f, m.Loss, 1e-12) {
					t.Errorf("%s at %v: loss listed %g, f = %g", m.Label, p, m.Loss, f)
				}
				h := s.Hessian(p)
				hi, lo := h.Eigen()
				switch m.Label {
				case "global", "local", "sharp", "flat":
					if valleyOfMinima[in.Name] && math.Abs(lo) <= 1e-12*hi {
						lo = math.Abs(lo) + hi // a minimum on a curve of minima: one eigenvalue is 0
					}
					if in.Kind != KindMinimize || lo <= 0 {
						t.Errorf("%s at %v: Hessian eigenvalues %g, %g, kind %s; want a minimum", m.Label, p, hi, lo, in.Kind)
					}
					if m.Label == "global" {
						globalLoss = min(globalLoss, m.Loss)
					}
				case "saddle":
					if hi <= 0 || lo >= 0 {
						t.Errorf("saddle at %v: Hessian eigenvalues %g, %g", p, hi, lo)
					}
				case "equilibrium":
					// Convex in x (the minimising player), concave in y.
					if in.Kind != KindGame || h.XX < 0 || h.YY > 0 {
						t.Errorf("equilibrium at %v: Hessian %+v, kind %s", p, h, in.Kind)
					}
				default:
					t.Errorf("unknown label %q", m.Label)
				}
			}
			if math.IsInf(globalLoss, 1) {
				return
			}
			// No point of the view lies below a global minimum.
			for _, p := range probePoints(in) {
				if f := s.Value(p); f < globalLoss-1e-12 {
					t.Errorf("f%v = %g below the global minimum %g", p, f, globalLoss)
				}
			}
		})
	}
}

func TestSurfaceInfoComplete(t *testing.T) {
	cat := Catalog()
	if len(cat) < 10 {
		t.Fatalf("Catalog has %d surfaces", len(cat))
	}
	seen := map[string]bool{}
	for _, in := range cat {
		t.Run(in.Name, func(t *testing.T) {
			if seen[in.Name] {
				t.Errorf("name listed twice")
			}
			seen[in.Name] = true
			for field, v := range map[string]string{"name": in.Name, "title": in.Title, "description": in.Description, "formula": in.Formula} {
				if strings.TrimSpace(v) == "" {
					t.Errorf("empty %s", field)
				}
			}
			if in.Kind != KindMinimize && in.Kind != KindGame {
				t.Errorf("kind %q", in.Kind)
			}
			v := in.View
			if !(v.XMin < v.XMax && v.YMin < v.YMax) {
				t.Errorf("empty view %+v", v)
			}
			if s := in.Start; !(s.X > v.XMin && s.X < v.XMax && s.Y > v.YMin && s.Y < v.YMax) {
				t.Errorf("start %v outside the view %+v", s, v)
			}
			for _, m := range in.Minima {
				if m.Label == "saddle" || m.Label == "equilibrium" {
					continue
				}
				if !(m.X >= v.XMin && m.X <= v.XMax && m.Y >= v.YMin && m.Y <= v.YMax) {
					t.Errorf("minimum %+v outside the view %+v", m, v)
				}
			}
			for _, p := range in.Params {
				if p.Name == "" || p.Description == "" {
					t.Errorf("parameter %+v undocumented", p)
				}
				if !(p.Min <= p.Default && p.Default <= p.Max) || p.Value != p.Default {
					t.Errorf("parameter %+v: default outside its range or not in use", p)
				}
			}
			// Info returns a copy: changing it changes nothing.
			s, _ := NewSurface(SurfaceConfig{Name: in.Name})
			got := s.Info()
			if len(got.Minima) > 0 {
				got.Minima[0].Label = "changed"
				if s.Info().Minima[0].Label == "changed" {
					t.Error("Info shares its Minima with the surface")
				}
			}
		})
	}
}

func TestSurfaceInfoReflectsParameters(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: "rosenbrock", Params: map[string]float64{"a": 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	in := s.Info()
	if m := in.Minima[0]; m.X != 0.5 || m.Y != 0.25 {
		t.Errorf("rosenbrock a=0.5: minimum %+v, want (0.5, 0.25)", m)
	}
	if p := in.Params[0]; p.Name != "a" || p.Value != 0.5 || p.Default != 1 {
		t.Errorf("rosenbrock a=0.5: parameter %+v", p)
	}
	if in.Params[1].Value != 100 {
		t.Errorf("rosenbrock b: %+v, want the default 100 in use", in.Params[1])
	}

	q, _ := NewSurface(SurfaceConfig{Name: "quadratic"})
	if lam := q.Hessian(Point{}).MaxEigen(); lam != 10 {
		t.Errorf("quadratic λmax = %g, want 10", lam)
	}
	if d := q.Info().Description; !strings.Contains(d, "0.2") {
		t.Errorf("quadratic description %q does not give the stability limit 0.2", d)
	}
	if st := q.Info().Start; st != (Point{-2.5, 1.5}) {
		t.Errorf("quadratic start %v, want (-2.5, 1.5)", st)
	}
	r, _ := NewSurface(SurfaceConfig{Name: "rotated_bowl"})
	if d := r.Info().Description; !strings.Contains(d, "condition number 50") {
		t.Errorf("rotated_bowl description %q does not give the condition number", d)
	}
	if lam := r.Hessian(Point{1, 2}).MaxEigen(); !near(lam, 50, 1e-12) {
		t.Errorf("rotated_bowl λmax = %g, want 50", lam)
	}
	h, _ := NewSurface(SurfaceConfig{Name: "himmelblau"})
	if n := len(h.Info().Minima); n != 4 {
		t.Errorf("himmelblau lists %d minima, want 4", n)
	}
}

func TestNewSurfaceErrors(t *testing.T) {
	tests := []struct {
		c     SurfaceConfig
		field string
		has   []string
		is    error
	}{
		{SurfaceConfig{Name: "paraboloid"}, "name", []string{`"paraboloid"`, "quadratic", "sharp_flat", "custom"}, ErrUnknownSurface},
		{SurfaceConfig{}, "name", []string{"allowed"}, ErrUnknownSurface},
		{SurfaceConfig{Name: "quadratic", Params: map[string]float64{"c": 1}}, "c", []string{`"c"`, "a, b, theta"}, nil},
		{SurfaceConfig{Name: "himmelblau", Params: map[string]float64{"a": 1}}, "a", []string{"no parameters"}, nil},
		{SurfaceConfig{Name: "quadratic", Params: map[string]float64{"b": 5000}}, "b", []string{"between 0.01 and 1000", "5000"}, nil},
		{SurfaceConfig{Name: "quadratic", Params: map[string]float64{"b": -1}}, "b", []string{"between"}, nil},
		{SurfaceConfig{Name: "rosenbrock", Params: map[string]float64{"b": math.NaN()}}, "b", []string{"finite", "NaN"}, nil},
		{SurfaceConfig{Name: "saddle", Params: map[string]float64{"scale": math.Inf(1)}}, "scale", []string{"finite"}, nil},
		{SurfaceConfig{Name: "quadratic", Formula: "x*y"}, "formula", []string{"custom"}, nil},
		// Several bad keys: the first in sorted order is reported.
		{SurfaceConfig{Name: "quadratic", Params: map[string]float64{"z": 1, "b": 0, "q": 1}}, "b", nil, nil},
	}
	for _, tt := range tests {
		s, err := NewSurface(tt.c)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("NewSurface(%+v) = %v, %v; want a *FieldError", tt.c, s, err)
			continue
		}
		if fe.Field != tt.field {
			t.Errorf("NewSurface(%+v): field %q, want %q (%v)", tt.c, fe.Field, tt.field, err)
		}
		for _, h := range tt.has {
			if !strings.Contains(fe.Msg, h) {
				t.Errorf("NewSurface(%+v): message %q lacks %q", tt.c, fe.Msg, h)
			}
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("NewSurface(%+v): %v is not %v", tt.c, err, tt.is)
		}
		if errors.Is(err, ErrUnknownSurface) != (tt.is == ErrUnknownSurface) {
			t.Errorf("NewSurface(%+v): errors.Is(ErrUnknownSurface) wrong", tt.c)
		}
	}
	// The prefix a caller adds keeps the sentinel.
	_, err := NewSurface(SurfaceConfig{Name: "nope"})
	if err = Prefix("surface", err); !errors.Is(err, ErrUnknownSurface) || !strings.HasPrefix(err.Error(), "surface.name: ") {
		t.Errorf("Prefix: %v", err)
	}
	// "custom" goes to the formula surface.
	if s, err := NewSurface(SurfaceConfig{Name: SurfaceCustom, Formula: "x*x + y*y"}); err != nil || s.Value(Point{1, 2}) != 5 {
		t.Errorf("custom x*x + y*y: %v, %v", s, err)
	}
}

func TestSym2Eigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []Sym2{{}, {XX: 1, YY: 1}, {XY: 1}, {XX: 10, YY: 1}, {XX: 1, XY: 1e-9, YY: 1}, {XX: -3, XY: 2, YY: 5}}
	for range 100 {
		cases = append(cases, Sym2{XX: rng.NormFloat64() * 10, XY: rng.NormFloat64() * 10, YY: rng.NormFloat64() * 10})
	}
	const tol = 1e-12
	for _, h := range cases {
		hi, lo := h.Eigen()
		scale := 1 + math.Abs(h.XX) + math.Abs(h.XY) + math.Abs(h.YY)
		if hi < lo {
			t.Errorf("%+v: eigenvalues %g < %g", h, hi, lo)
		}
		if h.MaxEigen() != hi {
			t.Errorf("%+v: MaxEigen %g, Eigen %g", h, h.MaxEigen(), hi)
		}
		// Trace and determinant are the sum and the product.
		if math.Abs(hi+lo-(h.XX+h.YY)) > tol*scale || math.Abs(hi*lo-(h.XX*h.YY-h.XY*h.XY)) > tol*scale*scale {
			t.Errorf("%+v: eigenvalues %g, %g do not match trace and determinant", h, hi, lo)
		}
		// (H − λI)v = 0 for an eigenvector v built from a row of H − λI.
		for _, lam := range []float64{hi, lo} {
			v := Point{h.XY, lam - h.XX}
			if v.Norm() < 1e-6*scale {
				v = Point{lam - h.YY, h.XY}
			}
			if v.Norm() < 1e-6*scale {
				continue // H = λI: every vector is an eigenvector
			}
			v = v.Scale(1 / v.Norm())
			r := Point{h.XX*v.X + h.XY*v.Y - lam*v.X, h.XY*v.X + h.YY*v.Y - lam*v.Y}
			if r.Norm() > 1e-9*scale {
				t.Errorf("%+v: λ = %g, ‖(H − λI)v‖ = %g", h, lam, r.Norm())
			}
		}
	}
}

// descend runs plain gradient descent (optionally with gradient noise drawn
// as the runner draws it) and returns the last point.
func descend(s Surface, p Point, lr, noise float64, seed uint64, steps int) Point {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for range steps {
		g := s.Grad(p)
		if noise > 0 {
			g.X += noise * rng.NormFloat64()
			g.Y += noise * rng.NormFloat64()
		}
		p = p.Sub(g.Scale(lr))
	}
	return p
}

// minimumNamed returns the listed stationary point with the given label.
func minimumNamed(t *testing.T, s Surface, label string) Point {
	t.Helper()
	i := slices.IndexFunc(s.Info().Minima, func(m Minimum) bool { return m.Label == label })
	if i < 0 {
		t.Fatalf("%s has no minimum labelled %q", s.Info().Name, label)
	}
	m := s.Info().Minima[i]
	return Point{m.X, m.Y}
}

func TestLocalMinimumTrapsSmallLR(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: "local_minimum"})
	if err != nil {
		t.Fatal(err)
	}
	local, global := minimumNamed(t, s, "local"), minimumNamed(t, s, "global")
	if s.Value(local) <= s.Value(global) {
		t.Fatalf("local loss %g not above global %g", s.Value(local), s.Value(global))
	}
	const steps = 300
	for _, tt := range []struct {
		lr   float64
		want Point
	}{
		{0.01, local}, {0.05, local}, {0.1, local},
		{0.3, global}, {0.5, global}, {1, global},
	} {
		p := descend(s, s.Info().Start, tt.lr, 0, 0, steps)
		// A small LR is still sliding along the floor of the valley
		// towards the local minimum; a larger one has converged.
		tol := 1e-3
		if tt.want == local {
			tol = 0.5
		}
		if d := p.Sub(tt.want).Norm(); d > tol || (tt.want == local && s.Value(p) < s.Value(local)) {
			t.Errorf("lr %g: ended at %v, %.3g from %v", tt.lr, p, d, tt.want)
		}
	}
}

func TestSharpFlatSmallLRFindsSharpWell(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: "sharp_flat"})
	if err != nil {
		t.Fatal(err)
	}
	sharp, flat := minimumNamed(t, s, "sharp"), minimumNamed(t, s, "flat")
	lamS, lamF := s.Hessian(sharp).MaxEigen(), s.Hessian(flat).MaxEigen()
	if lamS < 50 || lamF > 1 {
		t.Errorf("λmax sharp %g (want ≥ 50), flat %g (want ≤ 1)", lamS, lamF)
	}
	// Small LR, no noise: the sharp well on the way catches the run.
	if p := descend(s, s.Info().Start, 0.01, 0, 0, 1000); p.Sub(sharp).Norm() > 1e-6 {
		t.Errorf("lr 0.01: ended at %v, want the sharp minimum %v", p, sharp)
	}
	// A larger LR (above 2/λmax of the sharp well) cannot settle there.
	if p := descend(s, s.Info().Start, 0.1, 0, 0, 1000); p.Sub(flat).Norm() > 1e-6 {
		t.Errorf("lr 0.1: ended at %v, want the flat minimum %v", p, flat)
	}
}

// TestSharpFlatNoiseAndLargeLR runs the real runner (sgd, constant LR) from
// the default start with gradient noise over many seeds and counts where the
// runs end.
func TestSharpFlatNoiseAndLargeLR(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: "sharp_flat"})
	if err != nil {
		t.Fatal(err)
	}
	sharp, flat := minimumNamed(t, s, "sharp"), minimumNamed(t, s, "flat")
	const steps, seeds = 1000, 40
	for _, tt := range []struct {
		lr, noise   float64
		sharpAtMost int // of the seeds, at most this many end in the sharp well
		flatAtLeast int // and at least this many in the flat one
	}{
		{0.01, 0, seeds, 0},
		{0.1, 0, 0, seeds},
		{0.05, 1, 5, 30},
		{0.1, 0.5, 5, 30},
		{0.1, 1, 5, 30},
		{0.1, 2, 5, 30},
	} {
		nSharp, nFlat := 0, 0
		for seed := range uint64(seeds) {
			r, err := NewRun(s, RunConfig{
				Start:     s.Info().Start,
				Optimizer: DefaultOptimizer(OptSGD, tt.lr),
				Scheduler: DefaultScheduler(SchedConstant, steps),
				Noise:     tt.noise,
				Seed:      seed,
			}, steps)
			if err != nil {
				t.Fatal(err)
			}
			for r.Step() {
			}
			if r.Status() == StatusDiverged {
				t.Fatalf("lr %g noise %g seed %d diverged", tt.lr, tt.noise, seed)
			}
			p := r.Current().P
			switch {
			case p.Sub(sharp).Norm() < 0.3:
				nSharp++
			case p.Sub(flat).Norm() < 2:
				nFlat++
			}
		}
		t.Logf("lr %g noise %g: %d sharp, %d flat of %d", tt.lr, tt.noise, nSharp, nFlat, seeds)
		if tt.sharpAtMost == seeds && nSharp != seeds {
			t.Errorf("lr %g noise %g: %d of %d runs in the sharp well, want all", tt.lr, tt.noise, nSharp, seeds)
		}
		if nSharp > tt.sharpAtMost || nFlat < tt.flatAtLeast {
			t.Errorf("lr %g noise %g: %d sharp, %d flat of %d; want ≤ %d sharp, ≥ %d flat",
				tt.lr, tt.noise, nSharp, nFlat, seeds, tt.sharpAtMost, tt.flatAtLeast)
		}
	}
}

func TestGameSurfacesStability(t *testing.T) {
	// Simultaneous gradient play: x descends, y ascends.
	play := func(s Surface, lr float64, steps int) Point {
		p := s.Info().Start
		for range steps {
			g := s.Grad(p)
			p = Point{p.X - lr*g.X, p.Y + lr*g.Y}
		}
		return p
	}
	bl, _ := NewSurface(SurfaceConfig{Name: "bilinear"})
	for _, lr := range []float64{0.01, 0.1, 0.5} {
		if p0, p := bl.Info().Start, play(bl, lr, 200); p.Norm() <= p0.Norm() {
			t.Errorf("bilinear lr %g: |p| went from %g to %g, want it to spiral out", lr, p0.Norm(), p.Norm())
		}
	}
	sg, _ := NewSurface(SurfaceConfig{Name: "stable_game"}) // c = 0.3: limit 2c/(1+c²) ≈ 0.55
	if p := play(sg, 0.3, 500); p.Norm() > 1e-6 {
		t.Errorf("stable_game lr 0.3: ended at %v, want the equilibrium", p)
	}
	if p := play(sg, 0.7, 500); p.Norm() < 1 {
		t.Errorf("stable_game lr 0.7: ended at %v, want it to spiral out", p)
	}
}

func ExampleNewSurface() {
	s, err := NewSurface(SurfaceConfig{Name: "quadratic", Params: map[string]float64{"b": 10}})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := s.Info().Start
	lam := s.Hessian(start).MaxEigen()
	fmt.Printf("f(%g, %g) = %g\n", start.X, start.Y, s.Value(start))
	fmt.Printf("λmax = %g, gradient descent is stable for lr < %g\n", lam, 2/lam)

	_, err = NewSurface(SurfaceConfig{Name: "quadratic", Params: map[string]float64{"b": -1}})
	fmt.Println(err)
	// Output:
	// f(-2.5, 1.5) = 14.375
	// λmax = 10, gradient descent is stable for lr < 0.2
	// b: must be a finite number between 0.01 and 1000, got -1
}

func TestSurfaceInfoJSON(t *testing.T) {
	s, _ := NewSurface(SurfaceConfig{Name: "quadratic"})
	b, err := json.Marshal(s.Info())
	if err != nil {
		t.Fatal(err)
	}
	// Points are [x, y] in the API, as a scenario's start is.
	for _, want := range []string{`"start":[-2.5,1.5]`, `"view":{"xmin":-3,"xmax":3,"ymin":-2,"ymax":2}`, `"label":"global"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	var back SurfaceInfo
	if err := json.Unmarshal(b, &back); err != nil || back.Start != s.Info().Start {
		t.Errorf("round trip: %+v, %v", back.Start, err)
	}
}
