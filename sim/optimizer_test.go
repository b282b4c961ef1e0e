package sim

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
)

// Named tolerances, relative.
const (
	optRefTol       = 1e-9  // optimizer vs the reference written from PyTorch's algorithm boxes
	optClosedTol    = 1e-12 // closed forms that differ from the step only by rounding
	optFirstStepTol = 1e-6  // Adam's first step ≈ lr
	optPowTol       = 1e-12 // bias corrections from running powers vs 1 − math.Pow(β, t)
)

// optRelErr returns |got−want| relative to the larger magnitude (0 when both
// are zero).
func optRelErr(got, want float64) float64 {
	d := math.Abs(got - want)
	if d == 0 {
		return 0
	}
	return d / math.Max(math.Abs(got), math.Abs(want))
}

// Deterministic gradient sequences, written inline so the tests depend on no
// surface: an ill-conditioned quadratic with a deterministic wobble (the
// wobble keeps the adaptive optimizers' averages from collapsing to zero),
// and Rosenbrock.
func optGradQuad(p Point, t int) Point {
	return Point{1*p.X + 0.3*math.Sin(0.37*float64(t)), 10*p.Y + 0.2*math.Cos(0.23*float64(t))}
}

func optGradRosen(p Point, _ int) Point {
	return Point{-2*(1-p.X) - 400*p.X*(p.Y-p.X*p.X), 200 * (p.Y - p.X*p.X)}
}

// optRef is a deliberately plain implementation of PyTorch's documented
// algorithm boxes, one coordinate at a time, with math.Pow and the
// bias-corrected estimates written as the docs write them. It shares no code
// with optimizer.go.
type optRef struct {
	c       OptimizerConfig
	t       int
	buf     [2]float64
	hasBuf  bool
	m, v    [2]float64
	vmax    [2]float64
	sq, gav [2]float64
	sum     [2]float64
}

func newOptRef(c OptimizerConfig) *optRef {
	r := &optRef{c: c}
	r.sum = [2]float64{c.InitialAccumulatorValue, c.InitialAccumulatorValue}
	return r
}

func (r *optRef) velocity() [2]float64 {
	switch r.c.Name {
	case OptSGD, OptRMSprop:
		if r.c.Momentum == 0 {
			return [2]float64{}
		}
		return r.buf
	case OptAdam, OptAdamW:
		return r.m
	}
	return [2]float64{}
}

func (r *optRef) step(theta, grad [2]float64, lr float64) [2]float64 {
	c := r.c
	r.t++
	t := float64(r.t)
	var out [2]float64
	first := !r.hasBuf // SGD: the buffer is made on the first step with momentum
	if c.Name == OptSGD && c.Momentum != 0 {
		r.hasBuf = true
	}
	for i := range 2 {
		th, g := theta[i], grad[i]
		switch c.Name {
		case OptSGD:
			if c.WeightDecay != 0 {
				g = g + c.WeightDecay*th
			}
			if c.Momentum != 0 {
				if !first {
					r.buf[i] = c.Momentum*r.buf[i] + (1-c.Dampening)*g
				} else {
					r.buf[i] = g
				}
				if c.Nesterov {
					g = g + c.Momentum*r.buf[i]
				} else {
					g = r.buf[i]
				}
			}
			out[i] = th - lr*g
		case OptAdam, OptAdamW:
			b1, b2 := c.Betas[0], c.Betas[1]
			if c.Name == OptAdamW {
				th = th - lr*c.WeightDecay*th
			} else if c.WeightDecay != 0 {
				g = g + c.WeightDecay*th
			}
			r.m[i] = b1*r.m[i] + (1-b1)*g
			r.v[i] = b2*r.v[i] + (1-b2)*g*g
			mhat := r.m[i] / (1 - math.Pow(b1, t))
			// PyTorch 1.13's code keeps the maximum of the raw second
			// moments and then bias-corrects it (its docs box takes the
			// maximum of the corrected ones); the code is what runs.
			v := r.v[i]
			if c.Amsgrad {
				r.vmax[i] = math.Max(r.vmax[i], r.v[i])
				v = r.vmax[i]
			}
			vhat := v / (1 - math.Pow(b2, t))
			out[i] = th - lr*mhat/(math.Sqrt(vhat)+c.Eps)
		case OptRMSprop:
			if c.WeightDecay != 0 {
				g = g + c.WeightDecay*th
			}
			r.sq[i] = c.Alpha*r.sq[i] + (1-c.Alpha)*g*g
			vt := r.sq[i]
			if c.Centered {
				r.gav[i] = r.gav[i]*c.Alpha + (1-c.Alpha)*g
				vt = vt - r.gav[i]*r.gav[i]
			}
			if c.Momentum > 0 {
				r.buf[i] = c.Momentum*r.buf[i] + g/(math.Sqrt(vt)+c.Eps)
				out[i] = th - lr*r.buf[i]
			} else {
				out[i] = th - lr*g/(math.Sqrt(vt)+c.Eps)
			}
		case OptAdagrad:
			clr := lr / (1 + (t-1)*c.LRDecay)
			if c.WeightDecay != 0 {
				g = g + c.WeightDecay*th
			}
			r.sum[i] = r.sum[i] + g*g
			out[i] = th - clr*g/(math.Sqrt(r.sum[i])+c.Eps)
		}
	}
	return out
}

func optWith(name string, lr float64, edit func(*OptimizerConfig)) OptimizerConfig {
	c := DefaultOptimizer(name, lr)
	if edit != nil {
		edit(&c)
	}
	return c
}

func TestOptimizerMatchesReference(t *testing.T) {
	const steps = 200
	quad, rosen := optGradQuad, optGradRosen
	type gradFunc = func(Point, int) Point
	tests := []struct {
		name   string
		cfg    OptimizerConfig
		grad   gradFunc
		start  Point
		varyLR bool // scale the LR per step, as a scheduler would
		cycle  bool // change the momentum (beta1) every step, as onecycle does
	}{
		{"sgd", optWith(OptSGD, 0.05, nil), quad, Point{-2.5, 1.5}, false, false},
		{"sgd/rosenbrock", optWith(OptSGD, 1e-3, nil), rosen, Point{-1.2, 1}, false, false},
		{"sgd/weight_decay", optWith(OptSGD, 0.05, func(c *OptimizerConfig) { c.WeightDecay = 0.1 }), quad, Point{-2.5, 1.5}, true, false},
		{"sgd/momentum", optWith(OptSGD, 0.02, func(c *OptimizerConfig) { c.Momentum = 0.9 }), quad, Point{-2.5, 1.5}, false, false},
		{"sgd/dampening", optWith(OptSGD, 0.02, func(c *OptimizerConfig) { c.Momentum, c.Dampening = 0.9, 0.5 }), quad, Point{-2.5, 1.5}, true, false},
		{"sgd/nesterov", optWith(OptSGD, 0.02, func(c *OptimizerConfig) { c.Momentum, c.Nesterov, c.WeightDecay = 0.8, true, 0.01 }), quad, Point{-2.5, 1.5}, false, false},
		{"sgd/nesterov/rosenbrock", optWith(OptSGD, 2e-4, func(c *OptimizerConfig) { c.Momentum, c.Nesterov = 0.9, true }), rosen, Point{-1.2, 1}, false, false},
		{"sgd/momentum/cycled", optWith(OptSGD, 0.02, func(c *OptimizerConfig) { c.Momentum = 0.9 }), quad, Point{-2.5, 1.5}, true, true},
		{"adam", optWith(OptAdam, 0.05, nil), quad, Point{-2.5, 1.5}, false, false},
		{"adam/rosenbrock", optWith(OptAdam, 0.01, nil), rosen, Point{-1.2, 1}, false, false},
		{"adam/weight_decay", optWith(OptAdam, 0.05, func(c *OptimizerConfig) { c.WeightDecay = 0.1 }), quad, Point{-2.5, 1.5}, true, false},
		{"adam/amsgrad", optWith(OptAdam, 0.05, func(c *OptimizerConfig) { c.Amsgrad = true }), quad, Point{-2.5, 1.5}, false, false},
		{"adam/betas", optWith(OptAdam, 0.02, func(c *OptimizerConfig) { c.Betas, c.Eps = [2]float64{0.5, 0.9}, 1e-3 }), quad, Point{-2.5, 1.5}, false, false},
		{"adam/beta1_zero", optWith(OptAdam, 0.02, func(c *OptimizerConfig) { c.Betas = [2]float64{0, 0.99} }), quad, Point{-2.5, 1.5}, false, false},
		{"adam/cycled", optWith(OptAdam, 0.02, func(c *OptimizerConfig) { c.Amsgrad = true }), quad, Point{-2.5, 1.5}, true, true},
		{"adamw", optWith(OptAdamW, 0.05, nil), quad, Point{-2.5, 1.5}, true, false},
		{"adamw/amsgrad", optWith(OptAdamW, 0.05, func(c *OptimizerConfig) { c.Amsgrad, c.WeightDecay = true, 0.3 }), quad, Point{-2.5, 1.5}, false, false},
		{"adamw/rosenbrock", optWith(OptAdamW, 0.01, nil), rosen, Point{-1.2, 1}, false, false},
		{"rmsprop", optWith(OptRMSprop, 0.01, nil), quad, Point{-2.5, 1.5}, false, false},
		{"rmsprop/rosenbrock", optWith(OptRMSprop, 1e-3, nil), rosen, Point{-1.2, 1}, false, false},
		{"rmsprop/momentum", optWith(OptRMSprop, 0.005, func(c *OptimizerConfig) { c.Momentum = 0.9 }), quad, Point{-2.5, 1.5}, true, false},
		{"rmsprop/centered", optWith(OptRMSprop, 0.01, func(c *OptimizerConfig) { c.Centered, c.Alpha = true, 0.9 }), quad, Point{-2.5, 1.5}, false, false},
		{"rmsprop/centered/momentum/wd", optWith(OptRMSprop, 0.005, func(c *OptimizerConfig) {
			c.Centered, c.Momentum, c.WeightDecay, c.Eps = true, 0.5, 0.05, 1e-4
		}), quad, Point{-2.5, 1.5}, false, false},
		{"rmsprop/cycled", optWith(OptRMSprop, 0.005, func(c *OptimizerConfig) { c.Momentum = 0.9 }), quad, Point{-2.5, 1.5}, true, true},
		{"adagrad", optWith(OptAdagrad, 0.5, nil), quad, Point{-2.5, 1.5}, false, false},
		{"adagrad/rosenbrock", optWith(OptAdagrad, 0.05, nil), rosen, Point{-1.2, 1}, false, false},
		{"adagrad/lr_decay", optWith(OptAdagrad, 0.5, func(c *OptimizerConfig) { c.LRDecay = 0.01 }), quad, Point{-2.5, 1.5}, true, false},
		{"adagrad/initial_accumulator/wd", optWith(OptAdagrad, 0.5, func(c *OptimizerConfig) {
			c.InitialAccumulatorValue, c.WeightDecay, c.Eps = 0.1, 0.05, 1e-6
		}), quad, Point{-2.5, 1.5}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := NewOptimizer(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ref := newOptRef(tt.cfg)
			p, want := tt.start, [2]float64{tt.start.X, tt.start.Y}
			worst := 0.0
			for k := range steps {
				lr := tt.cfg.LR
				if tt.varyLR {
					lr *= 1 + 0.5*math.Sin(0.1*float64(k))
				}
				if tt.cycle {
					m := 0.85 + 0.1*math.Cos(0.05*float64(k))
					opt.SetMomentum(m)
					if tt.cfg.Name == OptAdam || tt.cfg.Name == OptAdamW {
						ref.c.Betas[0] = m
					} else {
						ref.c.Momentum = m
					}
				}
				g := tt.grad(p, k)
				p = opt.Step(p, g, lr)
				want = ref.step(want, [2]float64{g.X, g.Y}, lr)
				v, wv := opt.Velocity(), ref.velocity()
				for _, pair := range [][2]float64{{p.X, want[0]}, {p.Y, want[1]}, {v.X, wv[0]}, {v.Y, wv[1]}} {
					e := optRelErr(pair[0], pair[1])
					worst = max(worst, e)
					if e > optRefTol || math.IsNaN(pair[0]) {
						t.Fatalf("step %d: got %v, reference %v (relative error %.3g > %g); point %v, reference %v, velocity %v, reference %v",
							k, pair[0], pair[1], e, optRefTol, p, want, v, wv)
					}
				}
				// Keep the two on the same gradient sequence.
				p = Point{want[0], want[1]}
			}
			t.Logf("worst relative error over %d steps: %.2g; end (%.6g, %.6g)", steps, worst, p.X, p.Y)
		})
	}
}

func TestOptimizerSGDClosedForm(t *testing.T) {
	// Plain SGD on f = ½a·x² (and ½b·y²): x_t = (1 − lr·a)^t·x_0.
	const a, b, lr = 1.0, 10.0, 0.15
	opt, err := NewOptimizer(DefaultOptimizer(OptSGD, lr))
	if err != nil {
		t.Fatal(err)
	}
	p0 := Point{-2.5, 1.5}
	p := p0
	for k := 1; k <= 200; k++ {
		p = opt.Step(p, Point{a * p.X, b * p.Y}, lr)
		want := Point{math.Pow(1-lr*a, float64(k)) * p0.X, math.Pow(1-lr*b, float64(k)) * p0.Y}
		if e := max(optRelErr(p.X, want.X), optRelErr(p.Y, want.Y)); e > optClosedTol*float64(k) {
			t.Fatalf("step %d: got %v, want %v (relative error %.3g)", k, p, want, e)
		}
	}
	if v := opt.Velocity(); v != (Point{}) {
		t.Errorf("plain SGD velocity = %v, want zero", v)
	}
}

func TestOptimizerAdamFirstStep(t *testing.T) {
	// Step 1: m̂ = g, v̂ = g², so each coordinate moves by lr·|g|/(|g|+eps) ≈ lr.
	for _, name := range []string{OptAdam, OptAdamW} {
		for _, g := range []Point{{3, -0.25}, {-1e-2, 40}, {1e-6, 1}} {
			c := DefaultOptimizer(name, 0.1)
			c.WeightDecay = 0
			opt, err := NewOptimizer(c)
			if err != nil {
				t.Fatal(err)
			}
			p0 := Point{1, 2}
			p := opt.Step(p0, g, c.LR)
			for i, d := range []float64{p0.X - p.X, p0.Y - p.Y} {
				gi := []float64{g.X, g.Y}[i]
				exact := c.LR * math.Abs(gi) / (math.Abs(gi) + c.Eps)
				if e := optRelErr(math.Abs(d), exact); e > optClosedTol || math.Signbit(d) != math.Signbit(gi) {
					t.Errorf("%s g=%v coordinate %d moved %v, want %v against the gradient", name, g, i, d, exact)
				}
				if math.Abs(gi) < 1e-2 {
					continue // eps is not negligible against |g|
				}
				if e := optRelErr(math.Abs(d), c.LR); e > optFirstStepTol {
					t.Errorf("%s g=%v coordinate %d moved %v, want ≈ lr = %v (relative error %.3g)", name, g, i, d, c.LR, e)
				}
			}
		}
	}
}

func TestOptimizerSGDMomentumBuffer(t *testing.T) {
	g := Point{0.7, -1.3}
	c := DefaultOptimizer(OptSGD, 0.1)
	c.Momentum, c.Dampening = 0.9, 0.5 // dampening does not apply to the first step
	opt, err := NewOptimizer(c)
	if err != nil {
		t.Fatal(err)
	}
	p := opt.Step(Point{1, 1}, g, c.LR)
	if v := opt.Velocity(); v != g {
		t.Errorf("first-step buffer = %v, want the gradient %v", v, g)
	}
	if want := (Point{1 - 0.1*0.7, 1 + 0.1*1.3}); optRelErr(p.X, want.X) > optClosedTol || optRelErr(p.Y, want.Y) > optClosedTol {
		t.Errorf("first step went to %v, want %v", p, want)
	}

	// Momentum turned on later: the buffer starts from the gradient of that step.
	c = DefaultOptimizer(OptSGD, 0.1)
	opt, err = NewOptimizer(c)
	if err != nil {
		t.Fatal(err)
	}
	p = Point{1, 1}
	for range 5 {
		p = opt.Step(p, Point{p.X, p.Y}, c.LR)
	}
	if v := opt.Velocity(); v != (Point{}) {
		t.Errorf("velocity without momentum = %v, want zero", v)
	}
	c.Momentum = 0.9
	if err := opt.Reconfigure(c); err != nil {
		t.Fatal(err)
	}
	g2 := Point{2, 3}
	opt.Step(p, g2, c.LR)
	if v := opt.Velocity(); v != g2 {
		t.Errorf("buffer after turning momentum on = %v, want the gradient %v", v, g2)
	}
	opt.Step(p, g2, c.LR)
	if v, want := opt.Velocity(), g2.Scale(1.9); optRelErr(v.X, want.X) > optClosedTol || optRelErr(v.Y, want.Y) > optClosedTol {
		t.Errorf("second buffer = %v, want %v", v, want)
	}
	// SetMomentum reaches Config.
	opt.SetMomentum(0.5)
	if m := opt.Config().Momentum; m != 0.5 {
		t.Errorf("Config().Momentum = %v after SetMomentum(0.5)", m)
	}
}

func TestOptimizerSetMomentum(t *testing.T) {
	for _, name := range OptimizerNames {
		opt, err := NewOptimizer(DefaultOptimizer(name, 0.01))
		if err != nil {
			t.Fatal(err)
		}
		opt.SetMomentum(0.8)
		c := opt.Config()
		var got float64
		switch name {
		case OptSGD, OptRMSprop:
			got = c.Momentum
		case OptAdam, OptAdamW:
			got = c.Betas[0]
		case OptAdagrad:
			if c != DefaultOptimizer(name, 0.01) {
				t.Errorf("adagrad SetMomentum changed the config: %+v", c)
			}
			continue
		}
		if got != 0.8 {
			t.Errorf("%s: SetMomentum(0.8) gave %v in Config", name, got)
		}
	}
}

func TestOptimizerReconfigure(t *testing.T) {
	c := DefaultOptimizer(OptAdam, 0.05)
	opt, err := NewOptimizer(c)
	if err != nil {
		t.Fatal(err)
	}
	p := Point{1, 1}
	for k := range 10 {
		p = opt.Step(p, optGradQuad(p, k), c.LR)
	}
	m := opt.Velocity()

	bad := c
	bad.LR = -1
	var fe *FieldError
	if err := opt.Reconfigure(bad); !errors.As(err, &fe) || fe.Field != "lr" {
		t.Errorf("Reconfigure(lr=-1) = %v, want a *FieldError on lr", err)
	}
	other := DefaultOptimizer(OptSGD, 0.05)
	if err := opt.Reconfigure(other); !errors.As(err, &fe) || fe.Field != "name" {
		t.Errorf("Reconfigure(sgd) on adam = %v, want a *FieldError on name", err)
	}
	if opt.Config() != c || opt.Velocity() != m {
		t.Fatal("a rejected Reconfigure changed the optimizer")
	}

	// A good one keeps the state: continuing must match a reference that ran
	// with the old settings, then the new ones.
	c2 := c
	c2.LR, c2.Betas, c2.Amsgrad = 0.02, [2]float64{0.8, 0.99}, true
	if err := opt.Reconfigure(c2); err != nil {
		t.Fatal(err)
	}
	if opt.Config() != c2 || opt.Velocity() != m {
		t.Fatalf("Reconfigure: config %+v velocity %v, want %+v and the old velocity %v", opt.Config(), opt.Velocity(), c2, m)
	}
	ref := newOptRef(c)
	q := [2]float64{1, 1}
	for k := range 10 {
		g := optGradQuad(Point{q[0], q[1]}, k)
		q = ref.step(q, [2]float64{g.X, g.Y}, c.LR)
	}
	ref.c = c2
	p = Point{q[0], q[1]}
	for k := 10; k < 60; k++ {
		g := optGradQuad(p, k)
		p = opt.Step(p, g, c2.LR)
		q = ref.step(q, [2]float64{g.X, g.Y}, c2.LR)
		if optRelErr(p.X, q[0]) > optRefTol || optRelErr(p.Y, q[1]) > optRefTol {
			t.Fatalf("step %d after Reconfigure: %v, reference %v", k, p, q)
		}
		p = Point{q[0], q[1]}
	}

	// RMSprop: momentum and centered turned on later start from zero.
	rc := DefaultOptimizer(OptRMSprop, 0.01)
	ropt, err := NewOptimizer(rc)
	if err != nil {
		t.Fatal(err)
	}
	rref := newOptRef(rc)
	p, q = Point{1, -1}, [2]float64{1, -1}
	for k := range 40 {
		if k == 20 {
			rc.Momentum, rc.Centered = 0.9, true
			if err := ropt.Reconfigure(rc); err != nil {
				t.Fatal(err)
			}
			rref.c = rc
		}
		g := optGradQuad(p, k)
		p = ropt.Step(p, g, rc.LR)
		q = rref.step(q, [2]float64{g.X, g.Y}, rc.LR)
		if optRelErr(p.X, q[0]) > optRefTol || optRelErr(p.Y, q[1]) > optRefTol {
			t.Fatalf("rmsprop step %d: %v, reference %v", k, p, q)
		}
		p = Point{q[0], q[1]}
	}
}

func TestOptimizerDefaultsAreValid(t *testing.T) {
	for _, name := range OptimizerNames {
		c := DefaultOptimizer(name, 0.01)
		opt, err := NewOptimizer(c)
		if err != nil {
			t.Errorf("%s defaults: %v", name, err)
			continue
		}
		if opt.Config() != c {
			t.Errorf("%s: Config() = %+v, want %+v", name, opt.Config(), c)
		}
		if v := opt.Velocity(); v != (Point{}) {
			t.Errorf("%s: fresh velocity %v, want zero", name, v)
		}
	}
}

func TestOptimizerValidation(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name  string
		cfg   OptimizerConfig
		field string
		msg   string // a part of the message
	}{
		{"unknown name", OptimizerConfig{Name: "sgdd", LR: 0.1}, "name", `unknown optimizer "sgdd"; allowed: sgd, adam, adamw, rmsprop, adagrad`},
		{"empty name", OptimizerConfig{LR: 0.1}, "name", "allowed: sgd"},
		{"lr zero", optWith(OptSGD, 0, nil), "lr", "must be > 0 and finite, got 0"},
		{"lr negative", optWith(OptAdam, -1, nil), "lr", "must be > 0 and finite, got -1"},
		{"lr inf", optWith(OptRMSprop, inf, nil), "lr", "got +Inf"},
		{"lr nan", optWith(OptAdagrad, nan, nil), "lr", "got NaN"},
		{"sgd momentum 1.2", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Momentum = 1.2 }), "momentum", "must be in [0, 1), got 1.2"},
		{"sgd momentum 1", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Momentum = 1 }), "momentum", "[0, 1)"},
		{"sgd momentum negative", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Momentum = -0.1 }), "momentum", "got -0.1"},
		{"sgd momentum nan", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Momentum = nan }), "momentum", "got NaN"},
		{"sgd dampening", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Dampening = 1.5 }), "dampening", "must be in [0, 1], got 1.5"},
		{"sgd dampening inf", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Dampening = -inf }), "dampening", "got -Inf"},
		{"sgd weight decay", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.WeightDecay = -1e-4 }), "weight_decay", "must be ≥ 0 and finite"},
		{"sgd nesterov no momentum", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Nesterov = true }), "nesterov", "requires momentum > 0 and dampening = 0"},
		{"sgd nesterov dampening", optWith(OptSGD, 0.1, func(c *OptimizerConfig) { c.Nesterov, c.Momentum, c.Dampening = true, 0.9, 0.1 }), "nesterov", "dampening 0.1"},
		{"adam beta1", optWith(OptAdam, 0.1, func(c *OptimizerConfig) { c.Betas[0] = 1 }), "betas[0]", "must be in [0, 1), got 1"},
		{"adam beta2", optWith(OptAdam, 0.1, func(c *OptimizerConfig) { c.Betas[1] = -0.5 }), "betas[1]", "must be in [0, 1), got -0.5"},
		{"adamw beta2 nan", optWith(OptAdamW, 0.1, func(c *OptimizerConfig) { c.Betas[1] = nan }), "betas[1]", "got NaN"},
		{"adam eps", optWith(OptAdam, 0.1, func(c *OptimizerConfig) { c.Eps = -1e-8 }), "eps", "must be ≥ 0 and finite"},
		{"adam eps inf", optWith(OptAdam, 0.1, func(c *OptimizerConfig) { c.Eps = inf }), "eps", "got +Inf"},
		{"adamw weight decay", optWith(OptAdamW, 0.1, func(c *OptimizerConfig) { c.WeightDecay = -0.01 }), "weight_decay", "got -0.01"},
		{"rmsprop alpha", optWith(OptRMSprop, 0.1, func(c *OptimizerConfig) { c.Alpha = 1.01 }), "alpha", "must be in [0, 1], got 1.01"},
		{"rmsprop eps", optWith(OptRMSprop, 0.1, func(c *OptimizerConfig) { c.Eps = nan }), "eps", "got NaN"},
		{"rmsprop weight decay", optWith(OptRMSprop, 0.1, func(c *OptimizerConfig) { c.WeightDecay = inf }), "weight_decay", "got +Inf"},
		{"rmsprop momentum", optWith(OptRMSprop, 0.1, func(c *OptimizerConfig) { c.Momentum = 2 }), "momentum", "must be in [0, 1), got 2"},
		{"adagrad lr_decay", optWith(OptAdagrad, 0.1, func(c *OptimizerConfig) { c.LRDecay = -1 }), "lr_decay", "must be ≥ 0 and finite, got -1"},
		{"adagrad weight decay", optWith(OptAdagrad, 0.1, func(c *OptimizerConfig) { c.WeightDecay = -1 }), "weight_decay", "got -1"},
		{"adagrad initial accumulator", optWith(OptAdagrad, 0.1, func(c *OptimizerConfig) { c.InitialAccumulatorValue = -0.1 }), "initial_accumulator_value", "got -0.1"},
		{"adagrad eps", optWith(OptAdagrad, 0.1, func(c *OptimizerConfig) { c.Eps = -inf }), "eps", "got -Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := NewOptimizer(tt.cfg)
			if err == nil {
				t.Fatalf("NewOptimizer(%+v) = %T, want an error on %s", tt.cfg, opt, tt.field)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is a %T, want *FieldError", err, err)
			}
			if fe.Field != tt.field {
				t.Errorf("field %q, want %q (error: %v)", fe.Field, tt.field, err)
			}
			if !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", fe.Msg, tt.msg)
			}
			if got := errors.Is(err, ErrUnknownOptimizer); got != (tt.field == "name") {
				t.Errorf("errors.Is(err, ErrUnknownOptimizer) = %v", got)
			}
		})
	}

	// Fields the named optimizer does not use are not checked.
	c := DefaultOptimizer(OptSGD, 0.1)
	c.Betas, c.Alpha, c.Eps, c.LRDecay = [2]float64{5, nan}, -1, -1, inf
	if _, err := NewOptimizer(c); err != nil {
		t.Errorf("sgd with unused fields set: %v", err)
	}

	// The sentinel survives Prefix.
	_, err := NewOptimizer(OptimizerConfig{Name: "lbfgs", LR: 1})
	err = Prefix("runs[0].optimizer", err)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "runs[0].optimizer.name" || !errors.Is(err, ErrUnknownOptimizer) {
		t.Errorf("prefixed error %v (field %q) lost its field or sentinel", err, fe.Field)
	}
}

func TestOptimizerBetaPow(t *testing.T) {
	// The running double-double power is β^t correctly rounded (0 once
	// 1 − β^t rounds to 1): check it against math/big, and the bias
	// corrections against the formula with math.Pow.
	for _, b := range []float64{0.9, 0.999, 0.99, 0.95, 0.5, 0.85, 0.3, 0.9999, 0.123456789, 0} {
		q := newBetaPow(b)
		exact := new(big.Float).SetPrec(512).SetFloat64(1)
		bb := new(big.Float).SetPrec(512).SetFloat64(b)
		for n := 1; n <= 3000; n++ {
			got := q.next(b, float64(n))
			exact.Mul(exact, bb)
			want, _ := exact.Float64()
			if want < tinyPow {
				want = 0
			}
			if got != want {
				t.Fatalf("β=%v n=%d: running power %v, correctly rounded %v", b, n, got, want)
			}
			if e := optRelErr(1-got, 1-math.Pow(b, float64(n))); e > optPowTol {
				t.Fatalf("β=%v n=%d: bias correction %v vs 1−math.Pow %v (relative error %.3g)", b, n, 1-got, 1-math.Pow(b, float64(n)), e)
			}
			if n%97 == 0 || n < 5 {
				if h, _ := ddPow(b, float64(n)); h != want {
					t.Fatalf("β=%v n=%d: ddPow %v, correctly rounded %v", b, n, h, want)
				}
			}
		}
	}
	// A changed β is recomputed from scratch.
	q := newBetaPow(0.9)
	q.next(0.9, 1)
	q.next(0.9, 2)
	if got, want := q.next(0.8, 3), 0.8*0.8*0.8; optRelErr(got, want) > optClosedTol {
		t.Errorf("after β changed to 0.8: %v, want %v", got, want)
	}
	if got := q.next(0.8, 200); got != 0 {
		t.Errorf("0.8^200 = %v, want 0 (below tinyPow)", got)
	}
}

func TestOptimizerStepDoesNotAllocate(t *testing.T) {
	for _, c := range optBenchConfigs() {
		opt, err := NewOptimizer(c)
		if err != nil {
			t.Fatal(err)
		}
		p := Point{1, 2}
		if n := testing.AllocsPerRun(100, func() { p = opt.Step(p, Point{0.1, -0.2}, c.LR) }); n != 0 {
			t.Errorf("%s: Step allocates %v times", c.Name, n)
		}
	}
}

func optBenchConfigs() []OptimizerConfig {
	sgdM := DefaultOptimizer(OptSGD, 0.01)
	sgdM.Momentum = 0.9
	return []OptimizerConfig{
		sgdM,
		DefaultOptimizer(OptAdam, 1e-3),
		DefaultOptimizer(OptAdamW, 1e-3),
		DefaultOptimizer(OptRMSprop, 1e-2),
		DefaultOptimizer(OptAdagrad, 1e-2),
	}
}

// optSink keeps the benchmarked steps from being optimised away.
var optSink Point

// BenchmarkOptimizerStep times one Step in the regime of a real run: the
// optimizer starts afresh every 10,000 steps (the longest run), so Adam's
// powers of β stay in the range where they matter. The "/cycled" variants
// also change the momentum (beta1) every step, as onecycle does.
func BenchmarkOptimizerStep(b *testing.B) {
	const runLen = 10000
	for _, c := range optBenchConfigs() {
		for _, cycled := range []bool{false, true} {
			name := c.Name
			if cycled {
				if c.Name != OptSGD && c.Name != OptAdam {
					continue
				}
				name += "/cycled"
			}
			b.Run(name, func(b *testing.B) {
				p, g := Point{1, 2}, Point{0.1, -0.2}
				var opt Optimizer
				k := 0
				b.ReportAllocs()
				for b.Loop() {
					if k%runLen == 0 {
						b.StopTimer()
						var err error
						if opt, err = NewOptimizer(c); err != nil {
							b.Fatal(err)
						}
						p = Point{1, 2}
						b.StartTimer()
					}
					if cycled {
						opt.SetMomentum(0.85 + 0.1*float64(k%runLen)/runLen)
					}
					p = opt.Step(p, g, c.LR)
					k++
				}
				optSink = p
			})
		}
	}
}
