package sim

import (
	"math"
	"testing"
)

// testBowl is f = ½(a·x² + b·y²), written here so the runner's tests do not
// depend on the catalogue.
type testBowl struct{ a, b float64 }

func (s testBowl) Value(p Point) float64 { return 0.5 * (s.a*p.X*p.X + s.b*p.Y*p.Y) }
func (s testBowl) Grad(p Point) Point    { return Point{s.a * p.X, s.b * p.Y} }
func (s testBowl) Hessian(Point) Sym2    { return Sym2{XX: s.a, YY: s.b} }
func (s testBowl) Info() SurfaceInfo     { return SurfaceInfo{Name: "test_bowl", Kind: KindMinimize} }

// testBilinear is the game f = x·y.
type testBilinear struct{}

func (testBilinear) Value(p Point) float64 { return p.X * p.Y }
func (testBilinear) Grad(p Point) Point    { return Point{p.Y, p.X} }
func (testBilinear) Hessian(Point) Sym2    { return Sym2{XY: 1} }
func (testBilinear) Info() SurfaceInfo     { return SurfaceInfo{Name: "test_bilinear", Kind: KindGame} }

const relTol = 1e-12

func closeRel(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(got), math.Abs(want))
}

func sgd(lr float64) RunConfig {
	return RunConfig{
		Start:     Point{-2.5, 1.5},
		Optimizer: DefaultOptimizer(OptSGD, lr),
		Scheduler: DefaultScheduler(SchedConstant, 0),
	}
}

func mustRun(t *testing.T, s Surface, c RunConfig, steps int) *Run {
	t.Helper()
	r, err := NewRun(s, c, steps)
	if err != nil {
		t.Fatalf("NewRun: %v", err)
	}
	return r
}

// Plain gradient descent on a quadratic is x_t = (1 − lr·a)^t·x_0 per axis.
func TestRunQuadraticClosedForm(t *testing.T) {
	s := testBowl{a: 1, b: 10}
	for _, lr := range []float64{0.01, 0.1, 0.19} {
		tr := Simulate(mustRun(t, s, sgd(lr), 200))
		if tr.Status == StatusDiverged || len(tr.X) != 201 || len(tr.LR) != 200 {
			t.Fatalf("lr=%v: status %v, %d points, %d lrs", lr, tr.Status, len(tr.X), len(tr.LR))
		}
		for k := range tr.X {
			wantX := math.Pow(1-lr*s.a, float64(k)) * -2.5
			wantY := math.Pow(1-lr*s.b, float64(k)) * 1.5
			if !closeRel(tr.X[k], wantX, 1e-11) || !closeRel(tr.Y[k], wantY, 1e-11) {
				t.Fatalf("lr=%v step %d: got (%v, %v), want (%v, %v)", lr, k, tr.X[k], tr.Y[k], wantX, wantY)
			}
			if !closeRel(tr.Loss[k], s.Value(Point{wantX, wantY}), 1e-10) {
				t.Fatalf("lr=%v step %d: loss %v", lr, k, tr.Loss[k])
			}
		}
	}
}

// On a quadratic, plain GD diverges exactly when lr > 2/λmax. Just above the
// limit |1 − lr·b| > 1, so the y coordinate grows geometrically until it
// leaves the map; the divergence step is where the closed form first breaks
// the rule.
func TestRunDivergesPastStabilityLimit(t *testing.T) {
	s := testBowl{a: 1, b: 10}
	limit := 2 / s.Hessian(Point{}).MaxEigen()
	if !closeRel(limit, 0.2, relTol) {
		t.Fatalf("2/λmax = %v, want 0.2", limit)
	}
	below := Simulate(mustRun(t, s, sgd(0.199), 5000))
	if below.Status == StatusDiverged {
		t.Fatalf("lr 0.199 < 2/λmax diverged at %d", below.DivergedAt)
	}
	above := Simulate(mustRun(t, s, sgd(0.21), 5000))
	if above.Status != StatusDiverged {
		t.Fatalf("lr 0.21 > 2/λmax: status %v", above.Status)
	}
	// Find the first k where the closed form leaves the map.
	want := -1
	for k := 1; k < 5000; k++ {
		p := Point{math.Pow(1-0.21, float64(k)) * -2.5, math.Pow(1-2.1, float64(k)) * 1.5}
		if Leaves(p, s.Value(p)) {
			want = k
			break
		}
	}
	if above.DivergedAt != want {
		t.Errorf("diverged_at = %d, want %d", above.DivergedAt, want)
	}
	if len(above.LR) != above.DivergedAt {
		t.Errorf("lr has %d entries, want one per step taken (%d)", len(above.LR), above.DivergedAt)
	}
	// The diverging point has a finite loss (> 1e12) here, so it is the last point shown.
	if len(above.X) != above.DivergedAt+1 {
		t.Errorf("%d points for diverged_at %d", len(above.X), above.DivergedAt)
	}
	for k, l := range above.Loss {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			t.Fatalf("non-finite loss at %d", k)
		}
	}
}

func TestRunConvergedStatus(t *testing.T) {
	s := testBowl{a: 1, b: 10}
	if got := Simulate(mustRun(t, s, sgd(0.1), 400)).Status; got != StatusConverged {
		t.Errorf("lr 0.1, 400 steps: status %v, want converged", got)
	}
	if got := Simulate(mustRun(t, s, sgd(1e-4), 50)).Status; got != StatusCompleted {
		t.Errorf("lr 1e-4, 50 steps: status %v, want completed", got)
	}
}

func TestRunDeterministic(t *testing.T) {
	s := testBowl{a: 1, b: 10}
	c := sgd(0.05)
	c.Noise, c.Seed = 0.5, 7
	a := Simulate(mustRun(t, s, c, 300))
	b := Simulate(mustRun(t, s, c, 300))
	for k := range a.X {
		if a.X[k] != b.X[k] || a.Y[k] != b.Y[k] {
			t.Fatalf("same scenario differs at step %d", k)
		}
	}
	c.Seed = 8
	d := Simulate(mustRun(t, s, c, 300))
	same := true
	for k := range a.X {
		same = same && a.X[k] == d.X[k]
	}
	if same {
		t.Error("different seeds with noise > 0 gave the same trajectory")
	}
}

// A live change of the LR applies from the next step, exactly as a fresh
// run from that point would (plain SGD has no state).
func TestRunSetMatchesFreshRun(t *testing.T) {
	s := testBowl{a: 1, b: 10}
	r := mustRun(t, s, sgd(0.05), 100)
	for range 30 {
		r.Step()
	}
	at := r.Current()
	c := DefaultOptimizer(OptSGD, 0.15)
	if err := r.Set(RunChange{Optimizer: &c}); err != nil {
		t.Fatal(err)
	}
	fresh := sgd(0.15)
	fresh.Start = at.P
	f := mustRun(t, s, fresh, 70)
	for range 70 {
		r.Step()
		f.Step()
		if r.Current().P != f.Current().P {
			t.Fatalf("after set, step %d: %v vs fresh %v", r.Current().Step, r.Current().P, f.Current().P)
		}
	}
}

func TestRunSetRejectsBadValues(t *testing.T) {
	r := mustRun(t, testBowl{1, 10}, sgd(0.1), 10)
	bad := DefaultOptimizer(OptSGD, -1)
	err := r.Set(RunChange{Optimizer: &bad})
	fe, ok := err.(*FieldError)
	if !ok || fe.Field != "optimizer.lr" {
		t.Fatalf("Set(lr=-1) = %v, want a FieldError on optimizer.lr", err)
	}
	if r.Config().Optimizer.LR != 0.1 {
		t.Error("a rejected Set changed the run")
	}
	if err := r.Set(RunChange{Settings: func(c *RunConfig) { c.Noise = -1 }}); err == nil {
		t.Error("Set(noise=-1) accepted")
	}
	y := DefaultOptimizer(OptSGD, 0.1)
	if fe, ok := r.Set(RunChange{OptimizerY: &y}).(*FieldError); !ok || fe.Field != "optimizer_y" {
		t.Errorf("Set(optimizer_y) on a minimisation surface = %v, want a FieldError on optimizer_y", fe)
	}
}

// Simultaneous gradient descent–ascent on x·y grows lr_y·x² + lr_x·y² by
// exactly (1 + lr_x·lr_y) per step; alternating updates keep it bounded.
func TestRunGameBilinear(t *testing.T) {
	c := sgd(0.1)
	c.Start = Point{1, 0.5}
	oy := DefaultOptimizer(OptSGD, 0.05)
	c.OptimizerY = &oy
	energy := func(p Point) float64 { return 0.05*p.X*p.X + 0.1*p.Y*p.Y }
	r := mustRun(t, testBilinear{}, c, 200)
	prev := energy(r.Current().P)
	for r.Step() {
		e := energy(r.Current().P)
		if !closeRel(e, prev*(1+0.1*0.05), 1e-12) {
			t.Fatalf("step %d: energy %v, want %v", r.Current().Step, e, prev*1.005)
		}
		prev = e
	}
	c.Updates = UpdatesAlternating
	r = mustRun(t, testBilinear{}, c, 5000)
	e0 := energy(r.Current().P)
	for r.Step() {
		if e := energy(r.Current().P); e > 2*e0 {
			t.Fatalf("alternating updates grew to %v (start %v) at step %d", e, e0, r.Current().Step)
		}
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	s := testBowl{1, 10}
	cases := []struct {
		name  string
		edit  func(*RunConfig)
		steps int
		field string
	}{
		{"zero steps", func(*RunConfig) {}, 0, "steps"},
		{"negative noise", func(c *RunConfig) { c.Noise = -0.1 }, 10, "noise"},
		{"NaN noise", func(c *RunConfig) { c.Noise = math.NaN() }, 10, "noise"},
		{"NaN start", func(c *RunConfig) { c.Start.X = math.NaN() }, 10, "start"},
		{"zero lr", func(c *RunConfig) { c.Optimizer.LR = 0 }, 10, "optimizer.lr"},
		{"unknown optimizer", func(c *RunConfig) { c.Optimizer.Name = "sgdd" }, 10, "optimizer.name"},
		{"unknown scheduler", func(c *RunConfig) { c.Scheduler.Name = "cosinus" }, 10, "scheduler.name"},
	}
	for _, tc := range cases {
		c := sgd(0.1)
		tc.edit(&c)
		_, err := NewRun(s, c, tc.steps)
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != tc.field {
			t.Errorf("%s: err = %v, want FieldError on %q", tc.name, err, tc.field)
		}
	}
}

func BenchmarkRunStep(b *testing.B) {
	cases := []struct {
		name string
		surf func() (Surface, error)
		opt  OptimizerConfig
	}{
		{"rosenbrock/adam", func() (Surface, error) { return NewSurface(SurfaceConfig{Name: "rosenbrock"}) }, DefaultOptimizer(OptAdam, 1e-3)},
		{"quadratic/sgd_momentum", func() (Surface, error) { return NewSurface(SurfaceConfig{Name: "quadratic"}) },
			func() OptimizerConfig { c := DefaultOptimizer(OptSGD, 0.01); c.Momentum = 0.9; return c }()},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			s, err := bc.surf()
			if err != nil {
				b.Fatal(err)
			}
			// Runs of the largest size a scenario allows, started afresh
			// (outside the timer) when one ends.
			const steps = 10000
			c := RunConfig{Start: Point{-1.5, 1.5}, Optimizer: bc.opt, Scheduler: DefaultScheduler(SchedConstant, steps)}
			r, err := NewRun(s, c, steps)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if !r.Step() {
					b.StopTimer()
					r, _ = NewRun(s, c, steps)
					b.StartTimer()
					r.Step()
				}
			}
		})
	}
}

// BenchmarkSurfaceStep times one optimizer step on a surface: the gradient
// at the current point and the update, nothing else (BenchmarkRunStep adds
// what a run records at every new point: loss, gradient norm, λmax, the
// divergence checks).
func BenchmarkSurfaceStep(b *testing.B) {
	mom := DefaultOptimizer(OptSGD, 0.01)
	mom.Momentum = 0.9
	cases := []struct {
		name, surf string
		opt        OptimizerConfig
	}{
		{"rosenbrock/adam", "rosenbrock", DefaultOptimizer(OptAdam, 1e-3)},
		{"quadratic/sgd_momentum", "quadratic", mom},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			s, err := NewSurface(SurfaceConfig{Name: bc.surf})
			if err != nil {
				b.Fatal(err)
			}
			start := Point{-1.5, 1.5}
			o, err := NewOptimizer(bc.opt)
			if err != nil {
				b.Fatal(err)
			}
			p := start
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p = o.Step(p, s.Grad(p), bc.opt.LR)
				if i++; i == 10000 { // as a run of the largest allowed size, then afresh
					b.StopTimer()
					o, _ = NewOptimizer(bc.opt)
					p = start
					i = 0
					b.StartTimer()
				}
			}
			if !p.Finite() {
				b.Fatal("left the map")
			}
		})
	}
}

// clip_grad_norm, against PyTorch's clip_grad_norm_ in closed form: on
// f = ½(x² + 10y²) from (3, 2) the gradient is (3, 20), ‖g‖ = √409; with
// max_norm 1 SGD's first step is lr·g·1/(√409 + 1e-6). A max_norm above
// ‖g‖ leaves every step as without clipping, bit for bit.
func TestRunClipGradNorm(t *testing.T) {
	surf, err := NewSurface(SurfaceConfig{Name: "quadratic", Params: map[string]float64{"a": 1, "b": 10}})
	if err != nil {
		t.Fatal(err)
	}
	c := sgd(0.1)
	c.Start = Point{3, 2}
	c.ClipGradNorm = 1
	r, err := NewRun(surf, c, 50)
	if err != nil {
		t.Fatal(err)
	}
	r.Step()
	coef := 1 / (math.Sqrt(409) + 1e-6)
	want := Point{3 - 0.1*3*coef, 2 - 0.1*20*coef}
	if got := r.Current().P; got != want {
		t.Errorf("first clipped step to %v, want %v", got, want)
	}
	// the step's length is lr·max_norm, less PyTorch's 1e-6 in the denominator
	if moved, want := math.Hypot(r.Current().P.X-3, r.Current().P.Y-2), 0.1*math.Sqrt(409)*coef; math.Abs(moved-want) > 1e-15 {
		t.Errorf("a clipped step moves %v, want lr·max_norm·‖g‖/(‖g‖ + 1e-6) = %v", moved, want)
	}
	plain, loose := c, c
	plain.ClipGradNorm, loose.ClipGradNorm = 0, 1e6
	a, _ := NewRun(surf, plain, 50)
	b, _ := NewRun(surf, loose, 50)
	for range 50 {
		a.Step()
		b.Step()
		if a.Current().P != b.Current().P {
			t.Fatalf("step %d: clip_grad_norm 1e6 moved to %v, without clipping %v", a.Current().Step, b.Current().P, a.Current().P)
		}
	}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		c.ClipGradNorm = bad
		if _, err := NewRun(surf, c, 10); err == nil || err.(*FieldError).Field != "clip_grad_norm" {
			t.Errorf("clip_grad_norm %v: %v, want an error on clip_grad_norm", bad, err)
		}
		if err := r.Set(RunChange{Settings: func(c *RunConfig) { c.ClipGradNorm = bad }}); err == nil {
			t.Errorf("Set(clip_grad_norm %v) accepted", bad)
		}
	}
}

// On a game each player's gradient is clipped apart: x's step is at most
// lr·max_norm whatever y's gradient is.
func TestRunClipGradNormGame(t *testing.T) {
	surf, err := NewSurface(SurfaceConfig{Name: "bilinear"})
	if err != nil {
		t.Fatal(err)
	}
	c := sgd(0.5)
	c.Start = Point{0.8, 0.6}
	c.ClipGradNorm = 0.1
	r, err := NewRun(surf, c, 10)
	if err != nil {
		t.Fatal(err)
	}
	g := surf.Grad(c.Start)
	r.Step()
	p := r.Current().P
	wantX := 0.8 - 0.5*math.Copysign(0.1/(math.Abs(g.X)+1e-6)*math.Abs(g.X), g.X)
	wantY := 0.6 + 0.5*math.Copysign(0.1/(math.Abs(g.Y)+1e-6)*math.Abs(g.Y), g.Y)
	if math.Abs(p.X-wantX) > 1e-15 || math.Abs(p.Y-wantY) > 1e-15 {
		t.Errorf("first step to %v, want (%v, %v)", p, wantX, wantY)
	}
}
