package sim

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// Tolerances of the scheduler tests, relative to the larger magnitude.
const (
	schedExactTol = 1e-14 // a defining point: the closed form up to rounding
	schedCurveTol = 1e-9  // closed form against PyTorch's recursive formulas
)

func schedClose(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(got), math.Abs(want))
}

// schedCfg returns DefaultScheduler(name, steps) changed by edit.
func schedCfg(name string, steps int, edit func(*SchedulerConfig)) SchedulerConfig {
	c := DefaultScheduler(name, steps)
	if edit != nil {
		edit(&c)
	}
	return c
}

func mustScheduler(t *testing.T, c SchedulerConfig, lr float64, steps int, opt string) Scheduler {
	t.Helper()
	s, err := NewScheduler(c, lr, steps, opt)
	if err != nil {
		t.Fatalf("NewScheduler(%+v, %v, %d, %q): %v", c, lr, steps, opt, err)
	}
	return s
}

func TestSchedulerDefiningPoints(t *testing.T) {
	const base, eta = 0.1, 0.001
	mid := (base + eta) / 2
	cos := func(edit func(*SchedulerConfig)) SchedulerConfig { return schedCfg(SchedCosine, 200, edit) }
	one := func(edit func(*SchedulerConfig)) SchedulerConfig {
		return schedCfg(SchedOneCycle, 100, func(c *SchedulerConfig) {
			c.MaxLR = base
			if edit != nil {
				edit(c)
			}
		})
	}
	cyc := func(edit func(*SchedulerConfig)) SchedulerConfig {
		return schedCfg(SchedCyclic, 200, func(c *SchedulerConfig) {
			c.BaseLR, c.MaxLR, c.StepSizeUp = 0.01, 0.1, 5
			if edit != nil {
				edit(c)
			}
		})
	}
	initial, minLR := base/25, base/25/1e4
	type point struct {
		t    int
		want float64
	}
	tests := []struct {
		name   string
		cfg    SchedulerConfig
		lr     float64
		steps  int
		points []point
	}{
		{"constant", SchedulerConfig{Name: SchedConstant}, base, 100,
			[]point{{0, base}, {57, base}, {100, base}}},
		{"empty name is constant", SchedulerConfig{}, base, 100, []point{{0, base}, {99, base}}},
		{"step boundaries", schedCfg(SchedStep, 100, func(c *SchedulerConfig) { c.StepSize, c.Gamma = 10, 0.5 }), 1, 100,
			[]point{{0, 1}, {9, 1}, {10, 0.5}, {19, 0.5}, {20, 0.25}, {99, math.Pow(0.5, 9)}}},
		{"multistep milestones", schedCfg(SchedMultiStep, 100, func(c *SchedulerConfig) { c.Milestones, c.Gamma = []int{5, 8}, 0.1 }), 1, 100,
			[]point{{0, 1}, {4, 1}, {5, 0.1}, {7, 0.1}, {8, 0.1 * 0.1}, {99, 0.1 * 0.1}}},
		{"multistep milestone 0 acts at step 0", schedCfg(SchedMultiStep, 100, func(c *SchedulerConfig) { c.Milestones, c.Gamma = []int{0}, 0.5 }), 1, 100,
			[]point{{0, 0.5}, {1, 0.5}}},
		{"multistep no milestones", schedCfg(SchedMultiStep, 100, func(c *SchedulerConfig) { c.Milestones = nil }), 1, 100,
			[]point{{0, 1}, {99, 1}}},
		{"exponential", schedCfg(SchedExponential, 100, func(c *SchedulerConfig) { c.Gamma = 0.9 }), 2, 100,
			[]point{{0, 2}, {1, 1.8}, {10, 2 * math.Pow(0.9, 10)}, {99, 2 * math.Pow(0.9, 99)}}},
		{"cosine", cos(func(c *SchedulerConfig) { c.TMax, c.EtaMin = 50, eta }), base, 200,
			[]point{{0, base}, {25, mid}, {50, eta}, {75, mid}, {100, base}, {150, eta}}},
		{"cosine_restarts T_mult 1", schedCfg(SchedCosineRestarts, 200, func(c *SchedulerConfig) { c.T0, c.TMult, c.EtaMin = 10, 1, eta }), base, 200,
			[]point{{0, base}, {5, mid}, {10, base}, {15, mid}, {20, base}, {190, base}}},
		{"cosine_restarts T_mult 2", schedCfg(SchedCosineRestarts, 200, func(c *SchedulerConfig) { c.T0, c.TMult, c.EtaMin = 10, 2, eta }), base, 200,
			// restarts at 10, 10+20 = 30, 30+40 = 70, 70+80 = 150
			[]point{{0, base}, {5, mid}, {10, base}, {20, mid}, {30, base}, {50, mid}, {70, base}, {110, mid}, {150, base}}},
		{"cosine_restarts T_mult 3", schedCfg(SchedCosineRestarts, 200, func(c *SchedulerConfig) { c.T0, c.TMult = 4, 3 }), base, 200,
			// restarts at 4, 4+12 = 16, 16+36 = 52, 52+108 = 160
			[]point{{2, base / 2}, {4, base}, {10, base / 2}, {16, base}, {52, base}, {106, base / 2}, {160, base}}},
		{"linear ends", schedCfg(SchedLinear, 100, func(c *SchedulerConfig) { c.StartFactor, c.EndFactor, c.TotalIters = 0.25, 1, 4 }), 1, 100,
			[]point{{0, 0.25}, {2, 0.625}, {4, 1}, {50, 1}}},
		{"linear down", schedCfg(SchedLinear, 100, func(c *SchedulerConfig) { c.StartFactor, c.EndFactor, c.TotalIters = 1, 0, 10 }), 2, 100,
			[]point{{0, 2}, {5, 1}, {10, 0}, {99, 0}}},
		{"linear total_iters 0 keeps start_factor", schedCfg(SchedLinear, 100, func(c *SchedulerConfig) { c.StartFactor, c.EndFactor, c.TotalIters = 0.5, 1, 0 }), 1, 100,
			[]point{{0, 0.5}, {1, 0.5}, {99, 0.5}}},
		{"warmup_cosine", schedCfg(SchedWarmupCosine, 100, func(c *SchedulerConfig) { c.WarmupSteps, c.StartFactor, c.EtaMin = 10, 0.01, eta }), base, 100,
			[]point{{0, base * 0.01}, {5, base * (0.01 + 0.99*0.5)}, {10, base}, {55, mid}, {100, eta}}},
		{"warmup_cosine without warm-up", schedCfg(SchedWarmupCosine, 100, func(c *SchedulerConfig) { c.WarmupSteps, c.EtaMin = 0, eta }), base, 100,
			[]point{{0, base}, {50, mid}, {100, eta}}},
		{"onecycle", one(nil), 1, 100,
			[]point{{0, initial}, {29, base}, {64, (base + minLR) / 2}, {99, minLR}}},
		{"onecycle max_lr 0 is the optimizer's lr", schedCfg(SchedOneCycle, 100, nil), base, 100,
			[]point{{0, initial}, {29, base}, {99, minLR}}},
		{"onecycle linear", one(func(c *SchedulerConfig) { c.AnnealStrategy = "linear" }), 1, 100,
			// at the end PyTorch computes (min_lr−max_lr)·1 + max_lr, which is min_lr only to ~1e-11
			[]point{{0, initial}, {29, base}, {64, (base + minLR) / 2}, {99, (minLR-base)*1 + base}}},
		{"onecycle three_phase", one(func(c *SchedulerConfig) { c.ThreePhase = true }), 1, 100,
			// phases end at 29, 58, 99
			[]point{{0, initial}, {29, base}, {58, initial}, {99, minLR}}},
		{"onecycle total_steps past the run", one(func(c *SchedulerConfig) { c.TotalSteps = 200 }), 1, 100,
			[]point{{0, initial}, {59, base}}},
		{"cyclic triangular period", cyc(nil), 1, 200,
			[]point{{0, 0.01}, {5, 0.1}, {10, 0.01}, {15, 0.1}, {20, 0.01}, {195, 0.1}, {7, 0.01 + 0.09*0.6}}},
		{"cyclic triangular2 halving", cyc(func(c *SchedulerConfig) { c.Mode = "triangular2" }), 1, 200,
			[]point{{0, 0.01}, {5, 0.1}, {10, 0.01}, {15, 0.01 + 0.09/2}, {25, 0.01 + 0.09/4}, {35, 0.01 + 0.09/8}}},
		{"cyclic exp_range", cyc(func(c *SchedulerConfig) { c.Mode, c.Gamma = "exp_range", 0.9 }), 1, 200,
			[]point{{0, 0.01}, {5, 0.01 + 0.09*math.Pow(0.9, 5)}, {10, 0.01}, {15, 0.01 + 0.09*math.Pow(0.9, 15)}}},
		{"cyclic asymmetric", cyc(func(c *SchedulerConfig) { c.StepSizeUp, c.StepSizeDown = 2, 6 }), 1, 200,
			[]point{{0, 0.01}, {1, 0.055}, {2, 0.1}, {5, 0.055}, {8, 0.01}, {10, 0.1}}},
		{"cyclic defaults from lr", schedCfg(SchedCyclic, 200, func(c *SchedulerConfig) { c.StepSizeUp = 5 }), 0.5, 200,
			[]point{{0, 0.05}, {5, 0.5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustScheduler(t, tc.cfg, tc.lr, tc.steps, OptSGD)
			for _, p := range tc.points {
				if got := s.LR(p.t); !schedClose(got, p.want, schedExactTol) {
					t.Errorf("LR(%d) = %.17g, want %.17g", p.t, got, p.want)
				}
			}
		})
	}
}

// TestSchedulerExactPoints checks values that PyTorch's arithmetic gives
// exactly, not just to rounding.
func TestSchedulerExactPoints(t *testing.T) {
	cosine := mustScheduler(t, schedCfg(SchedCosine, 200, func(c *SchedulerConfig) { c.TMax, c.EtaMin = 50, 0.001 }), 0.1, 200, OptSGD)
	one := mustScheduler(t, schedCfg(SchedOneCycle, 100, func(c *SchedulerConfig) { c.MaxLR = 0.1 }), 1, 100, OptSGD)
	cases := []struct {
		name      string
		got, want float64
	}{
		{"cosine at T_max is eta_min", cosine.LR(50), 0.001},
		{"onecycle peak is max_lr", one.LR(29), 0.1},
		{"onecycle end is min_lr", one.LR(99), 0.1 / 25 / 1e4},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
}

func TestSchedulerOneCycleMomentum(t *testing.T) {
	tests := []struct {
		name   string
		three  bool
		points map[int]float64
	}{
		{"two phases", false, map[int]float64{0: 0.95, 29: 0.85, 64: 0.9, 99: 0.95}},
		{"three phases", true, map[int]float64{0: 0.95, 29: 0.85, 58: 0.95, 80: 0.95, 99: 0.95}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := schedCfg(SchedOneCycle, 100, func(c *SchedulerConfig) { c.ThreePhase = tc.three })
			for _, opt := range []string{OptSGD, OptAdam, OptAdamW, OptRMSprop} {
				s := mustScheduler(t, c, 0.1, 100, opt)
				for step, want := range tc.points {
					m, ok := s.Momentum(step)
					if !ok || !schedClose(m, want, schedExactTol) {
						t.Errorf("%s: Momentum(%d) = %.17g, %v; want %.17g, true", opt, step, m, ok, want)
					}
				}
			}
		})
	}
	if m, _ := mustScheduler(t, schedCfg(SchedOneCycle, 100, nil), 0.1, 100, OptSGD).Momentum(29); m != 0.85 {
		t.Errorf("momentum at the peak = %.17g, want exactly base_momentum 0.85", m)
	}
	off := schedCfg(SchedOneCycle, 100, func(c *SchedulerConfig) { c.CycleMomentum = false })
	for _, opt := range []string{OptSGD, OptAdagrad} {
		if _, ok := mustScheduler(t, off, 0.1, 100, opt).Momentum(10); ok {
			t.Errorf("%s with cycle_momentum=false: Momentum reports a value", opt)
		}
	}
	for _, name := range SchedulerNames {
		if name == SchedOneCycle {
			continue
		}
		if _, ok := mustScheduler(t, DefaultScheduler(name, 100), 0.1, 100, OptSGD).Momentum(3); ok {
			t.Errorf("%s: Momentum reports a value", name)
		}
	}
}

// The references below follow PyTorch 1.13's step(): the chainable get_lr
// of each class, which computes the new LR from the previous one.

func refStep(base, gamma float64, stepSize, n int) []float64 {
	out := make([]float64, n)
	lr := base
	for t := range out {
		if t != 0 && t%stepSize == 0 {
			lr *= gamma
		}
		out[t] = lr
	}
	return out
}

func refMultiStep(base, gamma float64, milestones []int, n int) []float64 {
	out := make([]float64, n)
	lr := base
	for t := range out {
		for _, m := range milestones {
			if m == t {
				lr *= gamma
			}
		}
		out[t] = lr
	}
	return out
}

func refExponential(base, gamma float64, n int) []float64 {
	out := make([]float64, n)
	lr := base
	for t := range out {
		if t > 0 {
			lr *= gamma
		}
		out[t] = lr
	}
	return out
}

// cosineStep is CosineAnnealingLR's chainable get_lr at last_epoch t ≥ 1.
func cosineStep(lr, base, etaMin float64, tMax, t int) float64 {
	if ((t-1-tMax)%(2*tMax)+2*tMax)%(2*tMax) == 0 {
		return lr + (base-etaMin)*(1-math.Cos(math.Pi/float64(tMax)))/2
	}
	return (1+math.Cos(math.Pi*float64(t)/float64(tMax)))/
		(1+math.Cos(math.Pi*float64(t-1)/float64(tMax)))*(lr-etaMin) + etaMin
}

func refCosine(base, etaMin float64, tMax, n int) []float64 {
	out := make([]float64, n)
	lr := base
	for t := range out {
		if t > 0 {
			lr = cosineStep(lr, base, etaMin, tMax, t)
		}
		out[t] = lr
	}
	return out
}

func refRestarts(base, etaMin float64, t0, mult, n int) []float64 {
	out := make([]float64, n)
	tCur, tI := 0, t0
	for t := range out {
		if t > 0 {
			tCur++
			if tCur >= tI {
				tCur %= tI
				tI *= mult
			}
		}
		out[t] = etaMin + (base-etaMin)*(1+math.Cos(math.Pi*float64(tCur)/float64(tI)))/2
	}
	return out
}

// linearStep is LinearLR's chainable get_lr at last_epoch t.
func linearStep(lr, base, start, end float64, total, t int) float64 {
	switch {
	case t == 0:
		return base * start
	case t > total:
		return lr
	}
	return lr * (1 + (end-start)/(float64(total)*start+float64(t-1)*(end-start)))
}

func refLinear(base, start, end float64, total, n int) []float64 {
	out := make([]float64, n)
	lr := base
	for t := range out {
		lr = linearStep(lr, base, start, end, total, t)
		out[t] = lr
	}
	return out
}

// refWarmupCosine is SequentialLR: LinearLR up to the milestone, then
// CosineAnnealingLR restarted with step(0) (its closed form at epoch 0),
// then its chainable steps.
func refWarmupCosine(base, start, etaMin float64, warmup, steps, n int) []float64 {
	out := make([]float64, n)
	tMax := steps - warmup
	lr := base
	for t := range out {
		switch {
		case t < warmup:
			lr = linearStep(lr, base, start, 1, warmup, t)
		case t == warmup:
			lr = etaMin + (base-etaMin)*(1+math.Cos(0))/2
		default:
			lr = cosineStep(lr, base, etaMin, tMax, t-warmup)
		}
		out[t] = lr
	}
	return out
}

// refOneCycle follows OneCycleLR.get_lr with its list of phases.
func refOneCycle(c SchedulerConfig, n int) (lrs, moms []float64) {
	initial := c.MaxLR / c.DivFactor
	value := map[string]float64{
		"initial_lr": initial, "max_lr": c.MaxLR, "min_lr": initial / c.FinalDivFactor,
		"max_momentum": c.MaxMomentum, "base_momentum": c.BaseMomentum,
	}
	type phase struct {
		end                    float64
		startLR, endLR, sM, eM string
	}
	total := float64(c.TotalSteps)
	phases := []phase{
		{c.PctStart*total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
		{total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"},
	}
	if c.ThreePhase {
		phases = []phase{
			{c.PctStart*total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
			{2*c.PctStart*total - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
			{total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"},
		}
	}
	anneal := func(start, end, pct float64) float64 {
		if c.AnnealStrategy == "cos" {
			return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1)
		}
		return (end-start)*pct + start
	}
	for step := 0; step < n; step++ {
		start := 0.0
		for i, p := range phases {
			if float64(step) <= p.end || i == len(phases)-1 {
				pct := (float64(step) - start) / (p.end - start)
				lrs = append(lrs, anneal(value[p.startLR], value[p.endLR], pct))
				moms = append(moms, anneal(value[p.sM], value[p.eM], pct))
				break
			}
			start = p.end
		}
	}
	return lrs, moms
}

// refCyclic follows CyclicLR.get_lr with its scale_fn and scale_mode.
func refCyclic(base, maxLR float64, up, down int, mode string, gamma float64, n int) []float64 {
	totalSize := float64(up + down)
	ratio := float64(up) / totalSize
	scaleFn, byCycle := func(float64) float64 { return 1 }, true
	switch mode {
	case "triangular2":
		scaleFn = func(x float64) float64 { return 1 / math.Pow(2, x-1) }
	case "exp_range":
		scaleFn, byCycle = func(x float64) float64 { return math.Pow(gamma, x) }, false
	}
	out := make([]float64, n)
	for t := range out {
		cycle := math.Floor(1 + float64(t)/totalSize)
		x := 1 + float64(t)/totalSize - cycle
		scale := x / ratio
		if x > ratio {
			scale = (x - 1) / (ratio - 1)
		}
		arg := float64(t)
		if byCycle {
			arg = cycle
		}
		out[t] = base + (maxLR-base)*scale*scaleFn(arg)
	}
	return out
}

func TestSchedulerCurvesMatchPyTorchRecursion(t *testing.T) {
	const n, lr = 200, 0.1
	oneCycle := func(edit func(*SchedulerConfig)) SchedulerConfig {
		return schedCfg(SchedOneCycle, n, func(c *SchedulerConfig) {
			c.MaxLR = 0.3
			if edit != nil {
				edit(c)
			}
		})
	}
	oneLR := func(c SchedulerConfig) []float64 { l, _ := refOneCycle(c, n); return l }
	cyclic := func(mode string, up, down int, gamma float64) SchedulerConfig {
		return schedCfg(SchedCyclic, n, func(c *SchedulerConfig) {
			c.BaseLR, c.MaxLR, c.StepSizeUp, c.StepSizeDown, c.Mode, c.Gamma = 0.02, 0.2, up, down, mode, gamma
		})
	}
	tests := []struct {
		name string
		cfg  SchedulerConfig
		want []float64
	}{
		{"step", schedCfg(SchedStep, n, func(c *SchedulerConfig) { c.StepSize, c.Gamma = 13, 0.7 }), refStep(lr, 0.7, 13, n)},
		{"multistep", schedCfg(SchedMultiStep, n, func(c *SchedulerConfig) { c.Milestones, c.Gamma = []int{0, 30, 31, 120}, 0.5 }),
			refMultiStep(lr, 0.5, []int{0, 30, 31, 120}, n)},
		{"exponential", schedCfg(SchedExponential, n, func(c *SchedulerConfig) { c.Gamma = 0.98 }), refExponential(lr, 0.98, n)},
		{"exponential rising", schedCfg(SchedExponential, n, func(c *SchedulerConfig) { c.Gamma = 1.03 }), refExponential(lr, 1.03, n)},
		{"cosine over the run", schedCfg(SchedCosine, n, func(c *SchedulerConfig) { c.EtaMin = 0.001 }), refCosine(lr, 0.001, n, n)},
		{"cosine past T_max", schedCfg(SchedCosine, n, func(c *SchedulerConfig) { c.TMax, c.EtaMin = 30, 0.002 }), refCosine(lr, 0.002, 30, n)},
		{"cosine T_max 1", schedCfg(SchedCosine, n, func(c *SchedulerConfig) { c.TMax, c.EtaMin = 1, 0.01 }), refCosine(lr, 0.01, 1, n)},
		{"cosine_restarts", schedCfg(SchedCosineRestarts, n, func(c *SchedulerConfig) { c.T0, c.EtaMin = 7, 0.003 }), refRestarts(lr, 0.003, 7, 1, n)},
		{"cosine_restarts T_mult 3", schedCfg(SchedCosineRestarts, n, func(c *SchedulerConfig) { c.T0, c.TMult, c.EtaMin = 5, 3, 0.001 }),
			refRestarts(lr, 0.001, 5, 3, n)},
		{"linear", schedCfg(SchedLinear, n, func(c *SchedulerConfig) { c.StartFactor, c.EndFactor, c.TotalIters = 0.2, 0.9, 37 }),
			refLinear(lr, 0.2, 0.9, 37, n)},
		{"linear down", schedCfg(SchedLinear, n, func(c *SchedulerConfig) { c.StartFactor, c.EndFactor, c.TotalIters = 1, 0.05, 150 }),
			refLinear(lr, 1, 0.05, 150, n)},
		{"warmup_cosine", schedCfg(SchedWarmupCosine, n, func(c *SchedulerConfig) { c.WarmupSteps, c.StartFactor, c.EtaMin = 20, 0.01, 0.001 }),
			refWarmupCosine(lr, 0.01, 0.001, 20, n, n)},
		{"warmup_cosine 1 step", schedCfg(SchedWarmupCosine, n, func(c *SchedulerConfig) { c.WarmupSteps, c.StartFactor, c.EtaMin = 1, 0.5, 0 }),
			refWarmupCosine(lr, 0.5, 0, 1, n, n)},
		{"onecycle", oneCycle(nil), oneLR(oneCycle(nil))},
		{"onecycle linear", oneCycle(func(c *SchedulerConfig) { c.AnnealStrategy = "linear" }),
			oneLR(oneCycle(func(c *SchedulerConfig) { c.AnnealStrategy = "linear" }))},
		{"onecycle three_phase", oneCycle(func(c *SchedulerConfig) { c.ThreePhase, c.PctStart = true, 0.27 }),
			oneLR(oneCycle(func(c *SchedulerConfig) { c.ThreePhase, c.PctStart = true, 0.27 }))},
		{"onecycle three_phase past half", oneCycle(func(c *SchedulerConfig) { c.ThreePhase, c.PctStart = true, 0.7 }),
			oneLR(oneCycle(func(c *SchedulerConfig) { c.ThreePhase, c.PctStart = true, 0.7 }))},
		{"onecycle long", oneCycle(func(c *SchedulerConfig) { c.TotalSteps, c.PctStart = 333, 0.123 }),
			oneLR(oneCycle(func(c *SchedulerConfig) { c.TotalSteps, c.PctStart = 333, 0.123 }))},
		{"cyclic triangular", cyclic("triangular", 15, 25, 1), refCyclic(0.02, 0.2, 15, 25, "triangular", 1, n)},
		{"cyclic triangular2", cyclic("triangular2", 10, 0, 1), refCyclic(0.02, 0.2, 10, 10, "triangular2", 1, n)},
		{"cyclic exp_range", cyclic("exp_range", 12, 7, 0.99), refCyclic(0.02, 0.2, 12, 7, "exp_range", 0.99, n)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustScheduler(t, tc.cfg, lr, n, OptSGD)
			if len(tc.want) != n {
				t.Fatalf("reference has %d values, want %d", len(tc.want), n)
			}
			bad, worst := 0, 0.0
			for step, want := range tc.want {
				got := s.LR(step)
				if got != want {
					worst = math.Max(worst, math.Abs(got-want)/math.Max(math.Abs(got), math.Abs(want)))
				}
				if !schedClose(got, want, schedCurveTol) {
					if bad++; bad <= 5 {
						t.Errorf("LR(%d) = %.17g, PyTorch's recursion gives %.17g", step, got, want)
					}
				}
			}
			t.Logf("largest relative difference over %d steps: %.2g", n, worst)
		})
	}
	// Momentum of onecycle against the reference too.
	for _, three := range []bool{false, true} {
		c := oneCycle(func(c *SchedulerConfig) { c.ThreePhase = three })
		_, want := refOneCycle(c, n)
		s := mustScheduler(t, c, lr, n, OptAdam)
		for step, w := range want {
			if m, _ := s.Momentum(step); !schedClose(m, w, schedCurveTol) {
				t.Errorf("three_phase=%v: Momentum(%d) = %.17g, want %.17g", three, step, m, w)
			}
		}
	}
}

// TestSchedulerHorizon checks that LR beyond the run's steps holds the value
// at the last step PyTorch computes, and that every LR is finite.
func TestSchedulerHorizon(t *testing.T) {
	const steps = 50
	for _, name := range SchedulerNames {
		s := mustScheduler(t, DefaultScheduler(name, steps), 0.1, steps, OptSGD)
		for _, step := range []int{steps + 1, 10 * steps, math.MaxInt} {
			if got, want := s.LR(step), s.LR(steps); got != want {
				t.Errorf("%s: LR(%d) = %v, want LR(%d) = %v", name, step, got, steps, want)
			}
		}
		for step := 0; step <= steps; step++ {
			if v := s.LR(step); !isFinite(v) || v < 0 {
				t.Errorf("%s: LR(%d) = %v", name, step, v)
			}
		}
	}
	rising := mustScheduler(t, schedCfg(SchedExponential, 100, func(c *SchedulerConfig) { c.Gamma = 2 }), 1, 100, OptSGD)
	if v := rising.LR(math.MaxInt); !isFinite(v) {
		t.Errorf("exponential gamma 2: LR(MaxInt) = %v", v)
	}
}

func TestSchedulerNegativeStepPanics(t *testing.T) {
	for _, name := range SchedulerNames {
		s := mustScheduler(t, DefaultScheduler(name, 10), 0.1, 10, OptSGD)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: LR(-1) did not panic", name)
				}
			}()
			s.LR(-1)
		}()
	}
}

func TestSchedulerNoAllocs(t *testing.T) {
	for _, name := range SchedulerNames {
		c := DefaultScheduler(name, 1000)
		if name == SchedCosineRestarts {
			c.TMult = 2
		}
		s := mustScheduler(t, c, 0.1, 1000, OptSGD)
		sum := 0.0
		allocs := testing.AllocsPerRun(10, func() {
			for step := 0; step < 1000; step += 7 {
				sum += s.LR(step)
				m, _ := s.Momentum(step)
				sum += m
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per 143 calls, want 0", name, allocs)
		}
	}
}

func TestSchedulerDefaultsAreValid(t *testing.T) {
	for _, steps := range []int{1, 2, 3, 10, 200, 10000} {
		for _, name := range SchedulerNames {
			for _, opt := range []string{OptSGD, OptAdam, OptRMSprop} {
				if _, err := NewScheduler(DefaultScheduler(name, steps), 0.01, steps, opt); err != nil {
					t.Errorf("DefaultScheduler(%q, %d) with %s: %v", name, steps, opt, err)
				}
			}
		}
	}
}

func TestSchedulerValidation(t *testing.T) {
	const steps = 100
	with := func(name string, edit func(*SchedulerConfig)) SchedulerConfig { return schedCfg(name, steps, edit) }
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name  string
		cfg   SchedulerConfig
		opt   string
		field string
	}{
		{"unknown name", SchedulerConfig{Name: "cosinee"}, OptSGD, "name"},
		{"step_size 0", with(SchedStep, func(c *SchedulerConfig) { c.StepSize = 0 }), OptSGD, "step_size"},
		{"step gamma 0", with(SchedStep, func(c *SchedulerConfig) { c.Gamma = 0 }), OptSGD, "gamma"},
		{"step gamma NaN", with(SchedStep, func(c *SchedulerConfig) { c.Gamma = nan }), OptSGD, "gamma"},
		{"step gamma overflows", with(SchedStep, func(c *SchedulerConfig) { c.StepSize, c.Gamma = 1, 1e10 }), OptSGD, "gamma"},
		{"multistep negative", with(SchedMultiStep, func(c *SchedulerConfig) { c.Milestones = []int{-1, 5} }), OptSGD, "milestones[0]"},
		{"multistep not increasing", with(SchedMultiStep, func(c *SchedulerConfig) { c.Milestones = []int{50, 40} }), OptSGD, "milestones[1]"},
		{"multistep repeated", with(SchedMultiStep, func(c *SchedulerConfig) { c.Milestones = []int{1, 2, 2} }), OptSGD, "milestones[2]"},
		{"multistep gamma", with(SchedMultiStep, func(c *SchedulerConfig) { c.Gamma = -0.1 }), OptSGD, "gamma"},
		{"exponential gamma inf", with(SchedExponential, func(c *SchedulerConfig) { c.Gamma = inf }), OptSGD, "gamma"},
		{"exponential gamma overflows", with(SchedExponential, func(c *SchedulerConfig) { c.Gamma = 1e4 }), OptSGD, "gamma"},
		{"T_max 0", with(SchedCosine, func(c *SchedulerConfig) { c.TMax = 0 }), OptSGD, "T_max"},
		{"cosine eta_min negative", with(SchedCosine, func(c *SchedulerConfig) { c.EtaMin = -1 }), OptSGD, "eta_min"},
		{"cosine eta_min inf", with(SchedCosine, func(c *SchedulerConfig) { c.EtaMin = inf }), OptSGD, "eta_min"},
		{"T_0 0", with(SchedCosineRestarts, func(c *SchedulerConfig) { c.T0 = 0 }), OptSGD, "T_0"},
		{"T_mult 0", with(SchedCosineRestarts, func(c *SchedulerConfig) { c.TMult = 0 }), OptSGD, "T_mult"},
		{"restarts eta_min NaN", with(SchedCosineRestarts, func(c *SchedulerConfig) { c.EtaMin = nan }), OptSGD, "eta_min"},
		{"start_factor 0", with(SchedLinear, func(c *SchedulerConfig) { c.StartFactor = 0 }), OptSGD, "start_factor"},
		{"start_factor 1.5", with(SchedLinear, func(c *SchedulerConfig) { c.StartFactor = 1.5 }), OptSGD, "start_factor"},
		{"end_factor -0.1", with(SchedLinear, func(c *SchedulerConfig) { c.EndFactor = -0.1 }), OptSGD, "end_factor"},
		{"end_factor NaN", with(SchedLinear, func(c *SchedulerConfig) { c.EndFactor = nan }), OptSGD, "end_factor"},
		{"total_iters negative", with(SchedLinear, func(c *SchedulerConfig) { c.TotalIters = -1 }), OptSGD, "total_iters"},
		{"warmup_steps negative", with(SchedWarmupCosine, func(c *SchedulerConfig) { c.WarmupSteps = -1 }), OptSGD, "warmup_steps"},
		{"warmup_steps = steps", with(SchedWarmupCosine, func(c *SchedulerConfig) { c.WarmupSteps = steps }), OptSGD, "warmup_steps"},
		{"warmup start_factor", with(SchedWarmupCosine, func(c *SchedulerConfig) { c.StartFactor = 0 }), OptSGD, "start_factor"},
		{"warmup eta_min", with(SchedWarmupCosine, func(c *SchedulerConfig) { c.EtaMin = -0.5 }), OptSGD, "eta_min"},
		{"onecycle max_lr negative", with(SchedOneCycle, func(c *SchedulerConfig) { c.MaxLR = -1 }), OptSGD, "max_lr"},
		{"onecycle max_lr NaN", with(SchedOneCycle, func(c *SchedulerConfig) { c.MaxLR = nan }), OptSGD, "max_lr"},
		{"total_steps < steps", with(SchedOneCycle, func(c *SchedulerConfig) { c.TotalSteps = steps - 1 }), OptSGD, "total_steps"},
		{"pct_start 0", with(SchedOneCycle, func(c *SchedulerConfig) { c.PctStart = 0 }), OptSGD, "pct_start"},
		{"pct_start 1.5", with(SchedOneCycle, func(c *SchedulerConfig) { c.PctStart = 1.5 }), OptSGD, "pct_start"},
		{"pct_start NaN", with(SchedOneCycle, func(c *SchedulerConfig) { c.PctStart = nan }), OptSGD, "pct_start"},
		{"pct_start zero-length rise", with(SchedOneCycle, func(c *SchedulerConfig) { c.PctStart = 0.01 }), OptSGD, "pct_start"},
		{"pct_start zero-length third phase", with(SchedOneCycle, func(c *SchedulerConfig) { c.ThreePhase, c.PctStart = true, 0.505 }), OptSGD, "pct_start"},
		{"anneal_strategy", with(SchedOneCycle, func(c *SchedulerConfig) { c.AnnealStrategy = "cosine" }), OptSGD, "anneal_strategy"},
		{"div_factor 0", with(SchedOneCycle, func(c *SchedulerConfig) { c.DivFactor = 0 }), OptSGD, "div_factor"},
		{"div_factor overflows", with(SchedOneCycle, func(c *SchedulerConfig) { c.MaxLR, c.DivFactor = 1e300, 1e-10 }), OptSGD, "div_factor"},
		{"final_div_factor negative", with(SchedOneCycle, func(c *SchedulerConfig) { c.FinalDivFactor = -2 }), OptSGD, "final_div_factor"},
		{"cycle_momentum with adagrad", with(SchedOneCycle, nil), OptAdagrad, "cycle_momentum"},
		{"base_momentum 1", with(SchedOneCycle, func(c *SchedulerConfig) { c.BaseMomentum = 1 }), OptSGD, "base_momentum"},
		{"max_momentum negative", with(SchedOneCycle, func(c *SchedulerConfig) { c.MaxMomentum = -0.1 }), OptAdam, "max_momentum"},
		{"cyclic max_lr negative", with(SchedCyclic, func(c *SchedulerConfig) { c.MaxLR = -1 }), OptSGD, "max_lr"},
		{"cyclic base_lr negative", with(SchedCyclic, func(c *SchedulerConfig) { c.BaseLR = -0.01 }), OptSGD, "base_lr"},
		{"cyclic base_lr inf", with(SchedCyclic, func(c *SchedulerConfig) { c.BaseLR = inf }), OptSGD, "base_lr"},
		{"step_size_up 0", with(SchedCyclic, func(c *SchedulerConfig) { c.StepSizeUp = 0 }), OptSGD, "step_size_up"},
		{"step_size_down negative", with(SchedCyclic, func(c *SchedulerConfig) { c.StepSizeDown = -3 }), OptSGD, "step_size_down"},
		{"mode", with(SchedCyclic, func(c *SchedulerConfig) { c.Mode = "triangle" }), OptSGD, "mode"},
		{"exp_range gamma 0", with(SchedCyclic, func(c *SchedulerConfig) { c.Mode, c.Gamma = "exp_range", 0 }), OptSGD, "gamma"},
		{"exp_range gamma 1.5", with(SchedCyclic, func(c *SchedulerConfig) { c.Mode, c.Gamma = "exp_range", 1.5 }), OptSGD, "gamma"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewScheduler(tc.cfg, 0.1, steps, tc.opt)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, %v; want a *FieldError on %q", s, err, tc.field)
			}
			if fe.Field != tc.field {
				t.Errorf("field %q (%v), want %q", fe.Field, err, tc.field)
			}
			if fe.Msg == "" {
				t.Errorf("empty message")
			}
		})
	}
}

func TestSchedulerValidationMessages(t *testing.T) {
	tests := []struct {
		cfg  SchedulerConfig
		opt  string
		want string
	}{
		{SchedulerConfig{Name: "cosinee"}, OptSGD,
			`name: unknown scheduler "cosinee"; allowed: constant, step, multistep, exponential, cosine, cosine_restarts, linear, warmup_cosine, onecycle, cyclic, wsd, silver`},
		{schedCfg(SchedOneCycle, 100, func(c *SchedulerConfig) { c.PctStart = 1.5 }), OptSGD, "pct_start: must be in (0, 1), got 1.5"},
		{schedCfg(SchedOneCycle, 100, nil), OptAdagrad, "cycle_momentum: adagrad has no momentum or beta1 to cycle; set cycle_momentum=false"},
		{schedCfg(SchedStep, 100, func(c *SchedulerConfig) { c.Gamma = -1 }), OptSGD, "gamma: must be > 0 and finite, got -1"},
		{schedCfg(SchedMultiStep, 100, func(c *SchedulerConfig) { c.Milestones = []int{50, 40} }), OptSGD,
			"milestones[1]: must be greater than milestones[0] = 50 (milestones strictly increase), got 40"},
	}
	for _, tc := range tests {
		_, err := NewScheduler(tc.cfg, 0.1, 100, tc.opt)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
	_, err := NewScheduler(SchedulerConfig{Name: "nope"}, 0.1, 100, OptSGD)
	if !errors.Is(err, ErrUnknownScheduler) {
		t.Errorf("unknown name: %v does not wrap ErrUnknownScheduler", err)
	}
	if err := Prefix("runs[0].scheduler", err); err.(*FieldError).Field != "runs[0].scheduler.name" {
		t.Errorf("prefixed field: %v", err)
	}
	for _, bad := range []struct {
		lr    float64
		steps int
	}{{0, 10}, {math.NaN(), 10}, {0.1, 0}} {
		if _, err := NewScheduler(SchedulerConfig{}, bad.lr, bad.steps, OptSGD); err == nil {
			t.Errorf("lr %v, steps %d: no error", bad.lr, bad.steps)
		}
	}
}

// ExampleNewScheduler shows a one-cycle schedule: a rise from max_lr/25 to
// max_lr over the first 30% of the steps, then a fall far below the start,
// with the momentum moving the other way.
func ExampleNewScheduler() {
	cfg := DefaultScheduler(SchedOneCycle, 10)
	s, err := NewScheduler(cfg, 0.5, 10, OptSGD)
	if err != nil {
		panic(err)
	}
	for t := 0; t < 10; t += 2 {
		m, _ := s.Momentum(t)
		fmt.Printf("step %d: lr %.5f momentum %.4f\n", t, s.LR(t), m)
	}
	// Output:
	// step 0: lr 0.02000 momentum 0.9500
	// step 2: lr 0.50000 momentum 0.8500
	// step 4: lr 0.40587 momentum 0.8688
	// step 6: lr 0.19437 momentum 0.9111
	// step 8: lr 0.02476 momentum 0.9450
}
