package sim_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"lrlab/sim"
)

// On the quadratic a=1, b=10 (λmax = 10), gradient descent with heavy-ball
// momentum β (β = 0: plain sgd) is stable for lr < 2(1+β)/λmax: the slowest
// mode along y is multiplied each step by a root of
// z² − (1 + β − 10·lr)·z + β, which crosses −1 exactly there. The sweep's
// diverged flags must switch exactly at that LR.
func TestSweepStabilityLimit(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	if got := s.Hessian(sim.Point{}).MaxEigen(); got != 10 {
		t.Fatalf("λmax = %v, want 10", got)
	}
	factors := []float64{0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 1.1, 2}
	for _, beta := range []float64{0, 0.5, 0.9} {
		limit := 2 * (1 + beta) / 10
		opt := sim.DefaultOptimizer(sim.OptSGD, 0.1)
		opt.Momentum = beta
		lrs := make([]float64, len(factors))
		for i, f := range factors {
			lrs[i] = f * limit
		}
		if beta == 0 {
			// Exactly at the limit the mode along y flips sign with
			// constant amplitude: bounded, not diverged.
			lrs = append(lrs, 0.2)
		}
		// 10,000 steps: at 1.001×limit the slowest case (sgd) grows by
		// 1.002 per step and needs about 6,300 steps to pass |loss| > 1e12.
		res, err := sim.Sweep(context.Background(), sim.SweepConfig{
			Surface: s, Run: sim.RunConfig{Start: s.Info().Start}, Steps: 10000,
			Optimizers: []sim.OptimizerConfig{opt}, LRs: lrs,
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Points) != len(lrs) {
			t.Fatalf("β=%v: %d points, want %d", beta, len(res.Points), len(lrs))
		}
		f0 := s.Value(s.Info().Start)
		for i, p := range res.Points {
			if i > 0 && !(p.LR > res.Points[i-1].LR) {
				t.Errorf("β=%v: LRs not increasing: %v then %v", beta, res.Points[i-1].LR, p.LR)
			}
			want := p.LR > limit
			if p.Diverged != want {
				t.Errorf("β=%v: lr %.6g (%.4g×limit): diverged %v, want %v", beta, p.LR, p.LR/limit, p.Diverged, want)
			}
			if math.IsNaN(p.FinalLoss) || math.IsInf(p.FinalLoss, 0) {
				t.Errorf("β=%v: lr %v: final loss %v not finite", beta, p.LR, p.FinalLoss)
			}
			if p.Diverged && (p.DivergedAt < 1 || p.DivergedAt > 10000 || p.DivergedRuns != 1) {
				t.Errorf("β=%v: lr %v: diverged at %d (%d runs)", beta, p.LR, p.DivergedAt, p.DivergedRuns)
			}
			if !p.Diverged && (p.DivergedAt != -1 || p.FinalLoss > f0) {
				t.Errorf("β=%v: lr %v: not diverged but diverged_at %d, final loss %v > start %v", beta, p.LR, p.DivergedAt, p.FinalLoss, f0)
			}
			if p.Optimizer != sim.OptimizerLabel(opt) || p.LossMin != p.FinalLoss || p.LossMax != p.FinalLoss || p.Runs != 1 {
				t.Errorf("β=%v: point %+v", beta, p)
			}
		}
	}
}

// The default grid: 40 LRs from 1e-5 to 10, log-spaced, both ends exact;
// points ordered by optimizer then LR; progress reaches the total.
func TestSweepGridAndOrder(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	opts := []sim.OptimizerConfig{sim.DefaultOptimizer(sim.OptSGD, 0), sim.DefaultOptimizer(sim.OptAdam, 0)}
	calls, last := 0, 0
	res, err := sim.Sweep(context.Background(), sim.SweepConfig{
		Surface: s, Run: sim.RunConfig{Start: s.Info().Start, Noise: 0.3}, Steps: 50, Optimizers: opts,
		Seeds: []uint64{1, 2, 3},
	}, func(done, total int) {
		calls++
		if total != 2*40*3 || done != last+1 {
			t.Errorf("progress(%d, %d) after %d", done, total, last)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 240 || last != 240 {
		t.Errorf("progress called %d times, last %d; want 240", calls, last)
	}
	if len(res.LRs) != 40 || res.LRs[0] != 1e-5 || res.LRs[39] != 10 {
		t.Fatalf("grid: %d LRs from %v to %v", len(res.LRs), res.LRs[0], res.LRs[len(res.LRs)-1])
	}
	step := math.Log(res.LRs[1] / res.LRs[0])
	for i := 1; i < 40; i++ {
		if r := math.Log(res.LRs[i] / res.LRs[i-1]); math.Abs(r-step) > 1e-12 {
			t.Errorf("LR %d: log step %v, want %v", i, r, step)
		}
	}
	if len(res.Points) != 80 {
		t.Fatalf("%d points, want 80", len(res.Points))
	}
	for i, p := range res.Points {
		oi, li := i/40, i%40
		if p.OptIndex != oi || p.Optimizer != opts[oi].Name || p.LR != res.LRs[li] || p.Runs != 3 {
			t.Errorf("point %d: %+v", i, p)
		}
		if !(p.LossMin <= p.FinalLoss && p.FinalLoss <= p.LossMax) {
			t.Errorf("point %d: final %v outside [%v, %v]", i, p.FinalLoss, p.LossMin, p.LossMax)
		}
	}
	// With noise, the seeds spread the final losses.
	if p := res.Points[20]; !(p.LossMin < p.LossMax) {
		t.Errorf("sgd at lr %v: no spread over seeds: %+v", p.LR, p)
	}
	// The same sweep again gives the same numbers (one generator per run).
	again, _ := sim.Sweep(context.Background(), sim.SweepConfig{
		Surface: s, Run: sim.RunConfig{Start: s.Info().Start, Noise: 0.3}, Steps: 50, Optimizers: opts,
		Seeds: []uint64{1, 2, 3},
	}, nil)
	for i := range res.Points {
		if res.Points[i] != again.Points[i] {
			t.Fatalf("point %d differs between two sweeps: %+v, %+v", i, res.Points[i], again.Points[i])
		}
	}
}

func TestSweepCancel(t *testing.T) {
	s := analysisSurface(t, "rosenbrock")
	c := sim.SweepConfig{
		Surface: s, Run: sim.RunConfig{Start: s.Info().Start, Noise: 0.1}, Steps: 10000, Num: 1000, LRMin: 1e-6, LRMax: 1e-3,
		Optimizers: []sim.OptimizerConfig{sim.DefaultOptimizer(sim.OptSGD, 0), sim.DefaultOptimizer(sim.OptAdam, 0)},
		Seeds:      []uint64{1, 2, 3, 4},
	}
	ctx, cancel := context.WithCancel(context.Background())
	began := time.Now()
	var took time.Duration
	_, err := sim.Sweep(ctx, c, func(done, total int) {
		if done == 1 {
			cancel()
			took = time.Since(began)
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if since := time.Since(began) - took; since > 500*time.Millisecond {
		t.Errorf("returned %v after the cancel", since)
	}
	// Already cancelled: no run at all.
	calls := 0
	if _, err := sim.Sweep(ctx, c, func(int, int) { calls++ }); !errors.Is(err, context.Canceled) || calls > 0 {
		t.Errorf("cancelled context: err %v after %d runs", err, calls)
	}
	// A deadline is reported as such.
	dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer dcancel()
	if _, err := sim.Sweep(dctx, c, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: err = %v", err)
	}
}

func TestSweepErrors(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	good := sim.SweepConfig{Surface: s, Run: sim.RunConfig{Start: sim.Point{X: 1, Y: 1}}, Steps: 10,
		Optimizers: []sim.OptimizerConfig{sim.DefaultOptimizer(sim.OptSGD, 0)}}
	badMomentum := sim.DefaultOptimizer(sim.OptSGD, 0)
	badMomentum.Momentum = -1
	tests := []struct {
		field string
		edit  func(*sim.SweepConfig)
	}{
		{"steps", func(c *sim.SweepConfig) { c.Steps = 0 }},
		{"start", func(c *sim.SweepConfig) { c.Run.Start.X = math.Inf(1) }},
		{"noise", func(c *sim.SweepConfig) { c.Run.Noise = -1 }},
		{"optimizers", func(c *sim.SweepConfig) { c.Optimizers = nil }},
		{"optimizers[1].momentum", func(c *sim.SweepConfig) { c.Optimizers = append(c.Optimizers, badMomentum) }},
		{"optimizers[0].name", func(c *sim.SweepConfig) { c.Optimizers[0].Name = "sgdd" }},
		{"lr_min", func(c *sim.SweepConfig) { c.LRMin = -1 }},
		{"lr_max", func(c *sim.SweepConfig) { c.LRMin, c.LRMax = 1, 0.5 }},
		{"num", func(c *sim.SweepConfig) { c.Num = 1001 }},
		{"lrs[1]", func(c *sim.SweepConfig) { c.LRs = []float64{0.1, math.NaN()} }},
	}
	for _, tc := range tests {
		c := good
		c.Optimizers = append([]sim.OptimizerConfig(nil), good.Optimizers...)
		tc.edit(&c)
		_, err := sim.Sweep(context.Background(), c, nil)
		var fe *sim.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("field %s: got %v", tc.field, err)
		}
	}
}

func TestLogSpace(t *testing.T) {
	v := sim.LogSpace(1e-3, 1e3, 7)
	for i, want := range []float64{1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3} {
		if math.Abs(v[i]-want) > 1e-14*want {
			t.Errorf("LogSpace[%d] = %v, want %v", i, v[i], want)
		}
	}
	if v[0] != 1e-3 || v[6] != 1e3 {
		t.Errorf("ends %v, %v not exact", v[0], v[6])
	}
	if v := sim.LogSpace(0.5, 2, 1); len(v) != 1 || v[0] != 0.5 {
		t.Errorf("LogSpace n=1: %v", v)
	}
}
