package sim

import (
	"math"
	"testing"
)

// Closed forms of the research surfaces: the sharpness along their valleys
// of minima, and the river's curvatures.
func TestResearchSurfacesClosedForms(t *testing.T) {
	uv, _ := NewSurface(SurfaceConfig{Name: "uv"})
	eos, _ := NewSurface(SurfaceConfig{Name: "eos"})
	for _, x := range []float64{0.3, 1, 2, 4, -3} {
		p := Point{x, 1 / x}
		if f, g := uv.Value(p), uv.Grad(p).Norm(); f > 1e-30 || g > 1e-15 {
			t.Errorf("uv at %v: f %g, |∇f| %g; want a minimum", p, f, g)
		}
		if got, want := uv.Hessian(p).MaxEigen(), x*x+1/(x*x); !closeRel(got, want, 1e-12) {
			t.Errorf("uv sharpness at %v: %v, want x²+y² = %v", p, got, want)
		}
		if got, want := eos.Hessian(p).MaxEigen(), 2*(x*x+1/(x*x)); !closeRel(got, want, 1e-12) {
			t.Errorf("eos sharpness at %v: %v, want 2(x²+y²) = %v", p, got, want)
		}
		q := Point{x, -1 / x} // x·y = −1 is a minimum of eos too
		if f := eos.Value(q); f > 1e-30 {
			t.Errorf("eos at %v: f %g", q, f)
		}
	}
	r, _ := NewSurface(SurfaceConfig{Name: "river", Params: map[string]float64{"b": 20, "s": 0.3}})
	if h := r.Hessian(Point{0, 0.7}); !closeRel(h.YY, 20, 1e-15) || !closeRel(h.XX, 0.3/riverW, 1e-15) || h.XY != 0 {
		t.Errorf("river Hessian at the bottom %+v", h)
	}
	if g := r.Grad(Point{-1000, 0}); !closeRel(g.X, -0.3, 1e-6) {
		t.Errorf("river slope far away %v, want −s", g.X)
	}
	if f := r.Value(Point{3, 0.5}); !closeRel(f, 0.5*20*0.25+0.3*riverW*(math.Sqrt(1+9/(riverW*riverW))-1), 1e-15) {
		t.Errorf("river value %v", f)
	}
}

// The claims of the issue about eos and uv: from an unbalanced start,
// gradient descent on eos ends within 1 % below 2/lr; on uv the same kind of
// start is catapulted or slides, ending between 0.2 and 0.9 of it.
func TestEdgeOfStabilityEndsJustBelow2OverLR(t *testing.T) {
	for _, tc := range []struct {
		surf   string
		start  Point
		lr     float64
		steps  int
		lo, hi float64 // final sharpness·lr/2
	}{
		{"eos", Point{4, 0.3}, 0.1, 3000, 0.99, 1},
		{"eos", Point{3, 0.4}, 0.15, 3000, 0.99, 1},
		{"uv", Point{4, 0.3}, 0.1, 3000, 0.2, 0.9},
		{"uv", Point{4, 0.1}, 0.2, 300, 0.2, 0.9},
	} {
		s, _ := NewSurface(SurfaceConfig{Name: tc.surf})
		c := RunConfig{Start: tc.start, Optimizer: DefaultOptimizer(OptSGD, tc.lr)}
		tr := Simulate(mustRun(t, s, c, tc.steps))
		n := len(tr.Loss) - 1
		r := tr.Sharpness[n] * tc.lr / 2
		if tr.Status == StatusDiverged || tr.Loss[n] > 1e-6 || r < tc.lo || r > tc.hi {
			t.Errorf("%s from %v at lr %v: %v, loss %.3g, final sharpness %.4g = %.4f·2/lr", tc.surf, tc.start, tc.lr, tr.Status, tr.Loss[n], tr.Sharpness[n], r)
		}
	}
}
