package sim

import (
	"math"
	"testing"
)

// The contract's four surfaces, written again here from the contract's
// formulas so the parity test shares no code with surfaces.go.
var parityGrads = map[string]func(x, y float64) (float64, float64){
	// quadratic with a=1, b=10, theta=0.3
	"quadratic": func(x, y float64) (float64, float64) {
		c, s := math.Cos(0.3), math.Sin(0.3)
		u, v := c*x+s*y, -s*x+c*y
		du, dv := 1*u, 10*v
		return c*du - s*dv, s*du + c*dv
	},
	"rosenbrock": func(x, y float64) (float64, float64) {
		return -2*(1-x) - 400*x*(y-x*x), 200 * (y - x*x)
	},
	"himmelblau": func(x, y float64) (float64, float64) {
		a, b := x*x+y-11, x+y*y-7
		return 4*a*x + 2*b, 2*a + 4*b*y
	},
	"beale": func(x, y float64) (float64, float64) {
		a, b, c := 1.5-x+x*y, 2.25-x+x*y*y, 2.625-x+x*y*y*y
		return 2*a*(y-1) + 2*b*(y*y-1) + 2*c*(y*y*y-1), 2*a*x + 2*b*2*x*y + 2*c*3*x*y*y
	},
}

// TestRunMatchesPyTorchReference runs every optimizer (with the settings
// that change its update) under several schedulers for 200 steps on each of
// the contract's surfaces through NewRun, and compares every point and LR
// with a loop written from PyTorch's documented algorithm (optRef, from the
// optimizer tests) and recursive scheduler formulas (from the scheduler
// tests), with the contract's step order: step t uses the LR of t, then the
// scheduler advances. onecycle also cycles momentum / beta1.
func TestRunMatchesPyTorchReference(t *testing.T) {
	const steps = 200
	const tol = 1e-9
	starts := map[string]Point{
		"quadratic": {-2.5, 1.5}, "rosenbrock": {-1.2, 1}, "himmelblau": {0.5, 0.5}, "beale": {1, 1.5},
	}
	// LRs small enough that no surface leaves the map in 200 steps.
	baseLR := map[string]float64{"quadratic": 0.05, "rosenbrock": 2e-4, "himmelblau": 2e-3, "beale": 2e-3}
	adaptiveLR := map[string]float64{"quadratic": 0.05, "rosenbrock": 0.01, "himmelblau": 0.05, "beale": 0.02}
	opts := []OptimizerConfig{
		DefaultOptimizer(OptSGD, 1),
		optWith(OptSGD, 1, func(c *OptimizerConfig) { c.Momentum = 0.9 }),
		optWith(OptSGD, 1, func(c *OptimizerConfig) { c.Momentum, c.Nesterov, c.WeightDecay = 0.8, true, 0.01 }),
		optWith(OptSGD, 1, func(c *OptimizerConfig) { c.Momentum, c.Dampening = 0.5, 0.3 }),
		DefaultOptimizer(OptAdam, 1),
		optWith(OptAdam, 1, func(c *OptimizerConfig) { c.Amsgrad, c.WeightDecay = true, 0.01 }),
		DefaultOptimizer(OptAdamW, 1),
		optWith(OptRMSprop, 1, func(c *OptimizerConfig) { c.Centered, c.Momentum = true, 0.5 }),
		DefaultOptimizer(OptRMSprop, 1),
		optWith(OptAdagrad, 1, func(c *OptimizerConfig) { c.LRDecay = 0.01 }),
	}
	type sched struct {
		cfg SchedulerConfig
		ref func(lr float64) (lrs, moms []float64)
	}
	scheds := []sched{
		{DefaultScheduler(SchedConstant, steps), func(lr float64) ([]float64, []float64) {
			return refExponential(lr, 1, steps), nil
		}},
		{DefaultScheduler(SchedStep, steps), func(lr float64) ([]float64, []float64) {
			return refStep(lr, 0.1, steps/4, steps), nil
		}},
		{DefaultScheduler(SchedCosine, steps), func(lr float64) ([]float64, []float64) {
			return refCosine(lr, 0, steps, steps), nil
		}},
		{DefaultScheduler(SchedWarmupCosine, steps), func(lr float64) ([]float64, []float64) {
			return refWarmupCosine(lr, 0.01, 0, steps/10, steps, steps), nil
		}},
		{DefaultScheduler(SchedOneCycle, steps), func(lr float64) ([]float64, []float64) {
			c := DefaultScheduler(SchedOneCycle, steps)
			c.MaxLR = lr
			return refOneCycle(c, steps)
		}},
	}
	for name, grad := range parityGrads {
		params := map[string]float64{}
		if name == "quadratic" {
			params = map[string]float64{"a": 1, "b": 10, "theta": 0.3}
		}
		surf, err := NewSurface(SurfaceConfig{Name: name, Params: params})
		if err != nil {
			t.Fatal(err)
		}
		for _, oc := range opts {
			for _, sc := range scheds {
				oc := oc
				oc.LR = baseLR[name]
				if oc.Name != OptSGD {
					oc.LR = adaptiveLR[name]
				}
				if oc.Name == OptAdagrad && sc.cfg.Name == SchedOneCycle {
					continue // PyTorch refuses: adagrad has no momentum to cycle
				}
				lrs, moms := sc.ref(oc.LR)
				r, err := NewRun(surf, RunConfig{Start: starts[name], Optimizer: oc, Scheduler: sc.cfg}, steps)
				if err != nil {
					t.Fatalf("%s %+v %s: %v", name, oc, sc.cfg.Name, err)
				}
				tr := Simulate(r)
				if tr.Status == StatusDiverged {
					t.Fatalf("%s %s %s: diverged at %d; pick a smaller LR for the test", name, oc.Name, sc.cfg.Name, tr.DivergedAt)
				}
				ref := newOptRef(oc)
				p := [2]float64{starts[name].X, starts[name].Y}
				for k := 0; k < steps; k++ {
					if moms != nil {
						switch oc.Name {
						case OptSGD, OptRMSprop:
							ref.c.Momentum = moms[k]
						case OptAdam, OptAdamW:
							ref.c.Betas[0] = moms[k]
						}
					}
					if e := optRelErr(tr.LR[k], lrs[k]); e > tol {
						t.Fatalf("%s %s %s: lr[%d] = %v, want %v", name, oc.Name, sc.cfg.Name, k, tr.LR[k], lrs[k])
					}
					gx, gy := grad(p[0], p[1])
					p = ref.step(p, [2]float64{gx, gy}, lrs[k])
					ex, ey := optRelErr(tr.X[k+1], p[0]), optRelErr(tr.Y[k+1], p[1])
					if ex > tol || ey > tol {
						t.Fatalf("%s %s (%+v) %s: step %d at (%v, %v), reference (%v, %v)",
							name, oc.Name, oc, sc.cfg.Name, k+1, tr.X[k+1], tr.Y[k+1], p[0], p[1])
					}
				}
			}
		}
	}
}
