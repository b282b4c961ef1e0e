package sim

import (
	"math"
	"testing"
)

// The silver stepsizes against the paper's definition written out by hand:
// h_i = 1 + ρ^(ν(i)−1), ρ = 1 + √2, for i = 1 … 16.
func TestSilverStepsizes(t *testing.T) {
	r := 1 + math.Sqrt2
	want := []float64{
		math.Sqrt2, 2, math.Sqrt2, 1 + r, math.Sqrt2, 2, math.Sqrt2, 1 + r*r,
		math.Sqrt2, 2, math.Sqrt2, 1 + r, math.Sqrt2, 2, math.Sqrt2, 1 + r*r*r,
	}
	for i, w := range want {
		if got := SilverStep(i + 1); !closeRel(got, w, 1e-15) {
			t.Errorf("h_%d = %v, want %v", i+1, got, w)
		}
	}
	if !closeRel(1+1/r, math.Sqrt2, 1e-15) {
		t.Error("1 + 1/ρ is not √2")
	}
	s, err := NewScheduler(DefaultScheduler(SchedSilver, 127), 0.01, 127, OptSGD)
	if err != nil {
		t.Fatal(err)
	}
	for tt := 0; tt < 127; tt++ {
		if got, w := s.LR(tt), 0.01*SilverStep(tt+1); got != w {
			t.Fatalf("LR(%d) = %v, want %v", tt, got, w)
		}
	}
	if s.LR(1000) != s.LR(127) {
		t.Error("LR past the horizon is not LR(steps)")
	}
}

// On the ill-conditioned bowl (L = 100) the silver schedule in units of
// 1/L beats the constant step 1/L by far after 2^7 − 1 steps, though some of
// its steps are far above 2/L (the lesson silver-steps promises this).
func TestSilverBeatsConstantOnBowl(t *testing.T) {
	s := testBowl{a: 1, b: 100}
	run := func(sched string) (Trajectory, float64) {
		c := RunConfig{Start: Point{-2.5, 1.5}, Optimizer: DefaultOptimizer(OptSGD, 0.01), Scheduler: DefaultScheduler(sched, 127)}
		tr := Simulate(mustRun(t, s, c, 127))
		top := 0.0
		for _, lr := range tr.LR {
			top = max(top, lr)
		}
		return tr, top
	}
	cst, _ := run(SchedConstant)
	sil, top := run(SchedSilver)
	if sil.Status == StatusDiverged {
		t.Fatalf("silver diverged at %d", sil.DivergedAt)
	}
	a, b := cst.Loss[127], sil.Loss[127]
	t.Logf("loss after 127 steps: constant %.3g, silver %.3g (×%.3g); largest step %.3g = %.3g/L", a, b, a/b, top, top*100)
	if !(b*10 <= a) || !(top > 2/100.0) {
		t.Errorf("constant %.3g, silver %.3g, largest step %v", a, b, top)
	}
}

// WSD against its definition at the phase boundaries, for each shape.
func TestWSDCurve(t *testing.T) {
	const lr, eta, n = 0.5, 0.01, 100
	for _, shape := range []string{WSDLinear, WSDCosine, WSDOneMinusSqrt} {
		c := DefaultScheduler(SchedWSD, n)
		c.WarmupSteps, c.DecaySteps, c.DecayShape, c.EtaMin = 10, 40, shape, eta
		s, err := NewScheduler(c, lr, n, OptSGD)
		if err != nil {
			t.Fatal(err)
		}
		at := func(p float64) float64 {
			switch shape {
			case WSDLinear:
				return eta + (lr-eta)*(1-p)
			case WSDCosine:
				return eta + (lr-eta)*(1+math.Cos(math.Pi*p))/2
			}
			return eta + (lr-eta)*(1-math.Sqrt(p))
		}
		for _, tc := range []struct {
			t    int
			want float64
		}{
			{0, lr / 10}, {4, lr * 5 / 10}, {9, lr}, {10, lr}, {59, lr}, {60, lr},
			{70, at(0.25)}, {80, at(0.5)}, {99, at(39.0 / 40)}, {100, eta}, {500, eta},
		} {
			if got := s.LR(tc.t); !closeRel(got, tc.want, 1e-14) {
				t.Errorf("%s: LR(%d) = %v, want %v", shape, tc.t, got, tc.want)
			}
		}
	}
	for _, tc := range []struct {
		mod  func(*SchedulerConfig)
		want string
	}{
		{func(c *SchedulerConfig) { c.DecayShape = "sqrt" }, `decay_shape: unknown decay shape "sqrt"; allowed: linear, cosine, 1-sqrt`},
		{func(c *SchedulerConfig) { c.WarmupSteps, c.DecaySteps = 60, 50 }, "decay_steps: warmup_steps + decay_steps must be ≤ the run's 100 steps, got 60 + 50"},
		{func(c *SchedulerConfig) { c.DecaySteps = -1 }, "decay_steps: must be an integer ≥ 0, got -1"},
		{func(c *SchedulerConfig) { c.EtaMin = -1 }, "eta_min: must be ≥ 0 and finite, got -1"},
	} {
		c := DefaultScheduler(SchedWSD, n)
		tc.mod(&c)
		if _, err := NewScheduler(c, lr, n, OptSGD); err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
	// no warm-up and no decay: the constant LR
	c := DefaultScheduler(SchedWSD, n)
	c.WarmupSteps, c.DecaySteps = 0, 0
	s, _ := NewScheduler(c, lr, n, OptSGD)
	for tt := 0; tt <= n; tt++ {
		if s.LR(tt) != lr {
			t.Fatalf("LR(%d) = %v", tt, s.LR(tt))
		}
	}
}
