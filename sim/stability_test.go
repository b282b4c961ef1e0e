package sim

import (
	"math"
	"testing"
)

// TestStabilityLimitSGDFormulas checks each closed form of the sgd limit at
// λmax = 10.
func TestStabilityLimitSGDFormulas(t *testing.T) {
	sgdc := func(m, d, wd float64, nest bool) OptimizerConfig {
		c := DefaultOptimizer(OptSGD, 0.1)
		c.Momentum, c.Dampening, c.WeightDecay, c.Nesterov = m, d, wd, nest
		return c
	}
	for _, tc := range []struct {
		opt     OptimizerConfig
		want    float64
		formula string
	}{
		{sgdc(0, 0, 0, false), 0.2, "2/λmax"},
		{sgdc(0.9, 0, 0, false), 0.38, "2(1+β)/λmax"},
		{sgdc(0.9, 0.5, 0, false), 0.76, "2(1+β)/((1−dampening)λmax)"},
		{sgdc(0.9, 0, 0, true), 3.8 / 28, "2(1+β)/((1+2β)λmax)"},
		{sgdc(0, 0, 0.5, false), 2 / 10.5, "2/(λmax + weight_decay)"},
		{DefaultOptimizer(OptAdam, 0.1), 0.2, "2/λmax"},
	} {
		got, formula, ok := StabilityLimit(10, tc.opt)
		if !ok || !closeRel(got, tc.want, 1e-12) || formula != tc.formula {
			t.Errorf("%+v: got %v %q %v, want %v %q", tc.opt, got, formula, ok, tc.want, tc.formula)
		}
	}
	if _, _, ok := StabilityLimit(0, sgdc(0, 0, 0, false)); ok {
		t.Error("λmax = 0 has a limit")
	}
	if _, _, ok := StabilityLimit(10, sgdc(0.9, 1, 0, false)); ok {
		t.Error("dampening 1 has a limit")
	}
	if _, _, ok := StabilityLimit(math.NaN(), sgdc(0, 0, 0, false)); ok {
		t.Error("NaN λmax has a limit")
	}
}

// frozenGrows iterates the heavy-ball step of the gauge's model,
// p ← p − lr·P⁻¹·m, m ← β·m + (1−d)·H·p, from p = (1, 1), m = 0 with P
// frozen, and reports whether |p| grew after many steps. It checks the
// factor F of every optimizer independently of the formula.
func frozenGrows(h Sym2, px, py, beta, d, lr float64, nesterov bool) bool {
	p, m := Point{1, 1}, Point{}
	var half float64
	for i := range 4000 {
		if i == 2000 {
			half = p.Norm()
		}
		g := Point{h.XX*p.X + h.XY*p.Y, h.XY*p.X + h.YY*p.Y}
		m = Point{beta*m.X + (1-d)*g.X, beta*m.Y + (1-d)*g.Y}
		u := m
		if nesterov {
			u = Point{g.X + beta*m.X, g.Y + beta*m.Y}
		}
		p = Point{p.X - lr*u.X/px, p.Y - lr*u.Y/py}
		if n := p.Norm() + m.Norm(); n > 1e100 { // keep it finite; the ratio is what counts
			p, m, half = p.Scale(1/n), m.Scale(1/n), half/n
		}
	}
	return p.Norm() > half
}

// The sgd gauge on a rotated quadratic: the limit F/S is where the frozen
// iteration turns from shrinking to growing, for every momentum rule.
func TestGaugeSGDIsTheEdgeOfTheIteration(t *testing.T) {
	s, _ := NewSurface(SurfaceConfig{Name: "quadratic", Params: map[string]float64{"a": 1, "b": 10, "theta": 0.4}})
	for _, c := range []struct {
		m, d float64
		nest bool
	}{{0, 0, false}, {0.9, 0, false}, {0.5, 0.3, false}, {0.9, 0, true}} {
		opt := DefaultOptimizer(OptSGD, 0.1)
		opt.Momentum, opt.Dampening, opt.Nesterov = c.m, c.d, c.nest
		o, err := NewOptimizer(opt)
		if err != nil {
			t.Fatal(err)
		}
		p := Point{1, 1}
		h := s.Hessian(p)
		st := GaugeOf(o, p, s.Grad(p), h)
		if !closeRel(st.Sharpness, 10, 1e-12) {
			t.Errorf("%+v: S = %v, want λmax 10", c, st.Sharpness)
		}
		if frozenGrows(h, 1, 1, c.m, c.d, 0.99*st.Limit, c.nest) || !frozenGrows(h, 1, 1, c.m, c.d, 1.01*st.Limit, c.nest) {
			t.Errorf("%+v: limit %v (%s) is not the edge of the iteration", c, st.Limit, st.Formula)
		}
	}
}

// Adam's preconditioned sharpness against its closed form on the quadratic
// f = ½(a·x² + b·y²): P = (1−β₁ⁿ)(√v̂ + ε) with v̂ rebuilt from the
// gradients of the trajectory, S = max(a/Px, b/Py), and the limit
// (2+2β₁)/((1−β₁)·S) the edge of the frozen EMA iteration.
func TestGaugeAdamClosedFormOnQuadratic(t *testing.T) {
	const a, b = 1.0, 10.0
	s := testBowl{a: a, b: b}
	for _, name := range []string{OptAdam, OptAdamW} {
		for _, amsgrad := range []bool{false, true} {
			cfg := RunConfig{Start: Point{-2.5, 1.5}, Optimizer: DefaultOptimizer(name, 0.05)}
			cfg.Optimizer.WeightDecay = 0
			cfg.Optimizer.Amsgrad = amsgrad
			r := mustRun(t, s, cfg, 60)
			b1, b2, eps := 0.9, 0.999, 1e-8
			var v, vmax Point
			for n := 1; n <= 60; n++ {
				l := r.Current()
				// the step from l: its preconditioner, by hand
				g := l.Grad
				v = Point{b2*v.X + (1-b2)*g.X*g.X, b2*v.Y + (1-b2)*g.Y*g.Y}
				vmax = Point{max(vmax.X, v.X), max(vmax.Y, v.Y)}
				u := v
				if amsgrad {
					u = vmax
				}
				bc1, bc2 := 1-math.Pow(b1, float64(n)), 1-math.Pow(b2, float64(n))
				px := bc1 * (math.Sqrt(u.X/bc2) + eps)
				py := bc1 * (math.Sqrt(u.Y/bc2) + eps)
				want := max(a/px, b/py)
				if !closeRel(l.Gauge.Sharpness, want, 1e-9) {
					t.Fatalf("%s amsgrad=%v step %d: S = %v, want %v", name, amsgrad, n-1, l.Gauge.Sharpness, want)
				}
				if !closeRel(l.Gauge.Limit, 38/want, 1e-9) || l.Gauge.Factor != (2+2*b1)/(1-b1) {
					t.Fatalf("step %d: limit %v, factor %v", n-1, l.Gauge.Limit, l.Gauge.Factor)
				}
				if n == 30 {
					h := Sym2{XX: a, YY: b}
					if frozenGrows(h, px, py, b1, b1, 0.98*l.Gauge.Limit, false) || !frozenGrows(h, px, py, b1, b1, 1.02*l.Gauge.Limit, false) {
						t.Errorf("%s: limit %v is not the edge of the frozen iteration", name, l.Gauge.Limit)
					}
				}
				r.Step()
			}
		}
	}
}

// RMSprop and Adagrad on the quadratic: their preconditioners by hand.
func TestGaugeRMSpropAdagradClosedForm(t *testing.T) {
	const a, b = 2.0, 30.0
	s := testBowl{a: a, b: b}
	for _, tc := range []struct {
		opt    OptimizerConfig
		factor float64
	}{
		{DefaultOptimizer(OptRMSprop, 0.01), 2},
		{func() OptimizerConfig {
			c := DefaultOptimizer(OptRMSprop, 0.01)
			c.Momentum = 0.5
			c.Centered = true
			return c
		}(), 3},
		{func() OptimizerConfig { c := DefaultOptimizer(OptAdagrad, 0.1); c.LRDecay = 0.01; return c }(), 2},
	} {
		r := mustRun(t, s, RunConfig{Start: Point{1.5, -0.7}, Optimizer: tc.opt}, 40)
		var sq, avg, sum Point
		for n := 1; n <= 40; n++ {
			l := r.Current()
			g := l.Grad
			var px, py float64
			if tc.opt.Name == OptRMSprop {
				al := tc.opt.Alpha
				sq = Point{al*sq.X + (1-al)*g.X*g.X, al*sq.Y + (1-al)*g.Y*g.Y}
				avg = Point{al*avg.X + (1-al)*g.X, al*avg.Y + (1-al)*g.Y}
				u := sq
				if tc.opt.Centered {
					u = Point{sq.X - avg.X*avg.X, sq.Y - avg.Y*avg.Y}
				}
				px, py = math.Sqrt(u.X)+tc.opt.Eps, math.Sqrt(u.Y)+tc.opt.Eps
			} else {
				sum = Point{sum.X + g.X*g.X, sum.Y + g.Y*g.Y}
				d := 1 + float64(n-1)*tc.opt.LRDecay
				px, py = (math.Sqrt(sum.X)+tc.opt.Eps)*d, (math.Sqrt(sum.Y)+tc.opt.Eps)*d
			}
			want := max(a/px, b/py)
			if !closeRel(l.Gauge.Sharpness, want, 1e-9) || !closeRel(l.Gauge.Limit, tc.factor/want, 1e-9) {
				t.Fatalf("%+v step %d: S %v limit %v, want S %v limit %v", tc.opt, n-1, l.Gauge.Sharpness, l.Gauge.Limit, want, tc.factor/want)
			}
			r.Step()
		}
	}
}

// A game has no gauge, and a divergence is explained from where the loss
// began to grow.
func TestGaugeGameAndOvershoot(t *testing.T) {
	r := mustRun(t, testBilinear{}, RunConfig{Start: Point{1, 1}, Optimizer: DefaultOptimizer(OptSGD, 0.1)}, 10)
	if l := r.Current(); !math.IsNaN(l.Gauge.Limit) || !math.IsNaN(l.Gauge.Sharpness) {
		t.Errorf("game gauge %+v, want none", l.Gauge)
	}
	// From the start the loss only grows: the overshoot point is the start.
	tr := Simulate(mustRun(t, testBowl{a: 1, b: 10}, sgd(0.25), 200))
	if tr.Status != StatusDiverged || tr.Overshoot != 0 {
		t.Fatalf("status %v, overshoot %d; want diverged from 0", tr.Status, tr.Overshoot)
	}
	if !closeRel(tr.StabilityLimit[0], 0.2, 1e-12) {
		t.Errorf("limit at the start %v", tr.StabilityLimit[0])
	}
}
