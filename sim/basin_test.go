package sim_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"lrlab/sim"
)

func TestBasin(t *testing.T) {
	s := analysisSurface(t, "sharp_flat")
	info := s.Info()
	v := info.View
	r := sim.BasinRadius(s)
	if want := math.Hypot(v.XMax-v.XMin, v.YMax-v.YMin) / 8; r != want {
		t.Errorf("BasinRadius = %v, want %v", r, want)
	}
	labels := map[string]bool{}
	for _, m := range info.Minima {
		labels[m.Label] = true
		for _, d := range []sim.Point{{}, {X: 0.99 * r}, {Y: -0.99 * r}, {X: 0.6 * r, Y: 0.6 * r}} {
			got, ok := sim.Basin(s, sim.Point{X: m.X + d.X, Y: m.Y + d.Y})
			if !ok || got != m {
				t.Errorf("Basin at %v + %v = %+v, %v; want %+v", m, d, got, ok, m)
			}
		}
	}
	if !labels[sim.LabelSharp] || !labels[sim.LabelFlat] {
		t.Fatalf("sharp_flat's minima are labelled %v, want %q and %q", labels, sim.LabelSharp, sim.LabelFlat)
	}
	for _, p := range []sim.Point{{X: v.XMax, Y: v.YMax}, {X: v.XMin, Y: v.YMin}, {X: math.NaN()}} {
		if m, ok := sim.Basin(s, p); ok {
			t.Errorf("Basin(%v) = %+v, want none", p, m)
		}
	}
}

// On sharp_flat, plain sgd from the default start falls into the sharp well
// with a small LR; a larger LR, or gradient noise, carries it on to the flat
// well. The share of seeds ending in the flat well must rise with the LR and
// with the noise. The runs are seeded, so the shares are deterministic; tol
// allows for the spread of 100 seeds between neighbouring settings.
func TestFlatShareRisesWithLRAndNoise(t *testing.T) {
	s := analysisSurface(t, "sharp_flat")
	lrs := []float64{0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1}
	noises := []float64{0, 0.5, 1}
	const seeds, steps, tol = 100, 1000, 0.1
	share, err := sim.FlatShare(context.Background(), s, sim.RunConfig{Start: s.Info().Start}, sim.DefaultOptimizer(sim.OptSGD, 0), lrs, noises, seeds, steps)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range share {
		t.Logf("noise %.2g: flat share %v at lr %v", noises[i], row, lrs)
	}
	last := len(lrs) - 1
	for i, row := range share {
		if row[last] < row[0]+0.5 {
			t.Errorf("noise %v: flat share %v at lr %v, %v at lr %v: want a rise of at least 0.5", noises[i], row[0], lrs[0], row[last], lrs[last])
		}
		for j := 1; j < len(row); j++ {
			if row[j] < row[j-1]-tol {
				t.Errorf("noise %v: flat share falls from %v at lr %v to %v at lr %v", noises[i], row[j-1], lrs[j-1], row[j], lrs[j])
			}
		}
	}
	// Without noise every seed is the same run: all or nothing, the
	// smallest LR trapped, the largest through.
	for j, v := range share[0] {
		if v != 0 && v != 1 {
			t.Errorf("noise 0, lr %v: share %v, want 0 or 1", lrs[j], v)
		}
	}
	if share[0][0] != 0 || share[0][last] != 1 {
		t.Errorf("noise 0: share %v at lr %v and %v at lr %v, want 0 and 1", share[0][0], lrs[0], share[0][last], lrs[last])
	}
	// More noise, more runs in the flat well, at every LR; and somewhere
	// noise makes the difference between none and most.
	gain := 0.0
	for j := range lrs {
		for i := 1; i < len(noises); i++ {
			if share[i][j] < share[i-1][j]-tol {
				t.Errorf("lr %v: flat share falls from %v at noise %v to %v at noise %v", lrs[j], share[i-1][j], noises[i-1], share[i][j], noises[i])
			}
		}
		gain = math.Max(gain, share[len(noises)-1][j]-share[0][j])
	}
	if gain < 0.5 {
		t.Errorf("noise %v raises the flat share by at most %v over no noise, want ≥ 0.5", noises[len(noises)-1], gain)
	}
}

func TestFlatShareErrorsAndCancel(t *testing.T) {
	s := analysisSurface(t, "sharp_flat")
	opt := sim.DefaultOptimizer(sim.OptSGD, 0)
	start := s.Info().Start
	for _, tc := range []struct {
		field        string
		lrs, noises  []float64
		seeds, steps int
	}{
		{"seeds", []float64{0.1}, []float64{0}, 0, 10},
		{"lrs", nil, []float64{0}, 1, 10},
		{"lrs[1]", []float64{0.1, -1}, []float64{0}, 1, 10},
		{"noises", []float64{0.1}, nil, 1, 10},
		{"noises[0]", []float64{0.1}, []float64{math.Inf(1)}, 1, 10},
		{"steps", []float64{0.1}, []float64{0}, 1, 0},
	} {
		_, err := sim.FlatShare(context.Background(), s, sim.RunConfig{Start: start}, opt, tc.lrs, tc.noises, tc.seeds, tc.steps)
		var fe *sim.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("field %s: got %v", tc.field, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sim.FlatShare(ctx, s, sim.RunConfig{Start: start}, opt, []float64{0.1}, []float64{1}, 1000, 10000); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// Two-player games through the runner: on bilinear f = x·y, x descends with
// lr_x and y ascends with lr_y. Simultaneous gradient descent–ascent maps
// (x, y) to (x − lr_x·y, y + lr_y·x), which multiplies
// Q = lr_y·x² + lr_x·y² by exactly 1 + lr_x·lr_y: it spirals out at every
// LR. Alternating updates (y sees the new x) conserve
// H = lr_y·x² + lr_x·y² − lr_x·lr_y·x·y, so Q stays within the factor
// (1 + √(lr_x·lr_y)/2)/(1 − √(lr_x·lr_y)/2) of its start.
func TestBilinearGameThroughRun(t *testing.T) {
	s := analysisSurface(t, "bilinear")
	if s.Info().Kind != sim.KindGame {
		t.Fatalf("bilinear is of kind %q, want %q", s.Info().Kind, sim.KindGame)
	}
	const lrX, lrY, steps = 0.1, 0.05, 1000
	game := func(updates string) *sim.Run {
		optY := sim.DefaultOptimizer(sim.OptSGD, lrY)
		r, err := sim.NewRun(s, sim.RunConfig{
			Start:      sim.Point{X: 1, Y: 1},
			Optimizer:  sim.DefaultOptimizer(sim.OptSGD, lrX),
			OptimizerY: &optY,
			Scheduler:  sim.DefaultScheduler(sim.SchedConstant, steps),
			Updates:    updates,
		}, steps)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	q := func(p sim.Point) float64 { return lrY*p.X*p.X + lrX*p.Y*p.Y }
	h := func(p sim.Point) float64 { return q(p) - lrX*lrY*p.X*p.Y }
	relErr := func(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

	r := game(sim.UpdatesSimultaneous)
	prev := r.Current().P
	for r.Step() {
		p := r.Current().P
		if e := relErr(q(p), (1+lrX*lrY)*q(prev)); e > 1e-12 {
			t.Fatalf("simultaneous, step %d: Q = %v, want (1 + lr_x·lr_y)·%v (relative error %.3g)", r.Current().Step, q(p), q(prev), e)
		}
		prev = p
	}
	if r.Status() == sim.StatusDiverged || r.Current().Step != steps {
		t.Fatalf("simultaneous: status %v at step %d", r.Status(), r.Current().Step)
	}
	if e := relErr(q(prev), math.Pow(1+lrX*lrY, steps)*q(sim.Point{X: 1, Y: 1})); e > 1e-10 {
		t.Errorf("simultaneous: Q after %d steps off (1 + lr_x·lr_y)^%d·Q0 by %.3g", steps, steps, e)
	}

	r = game(sim.UpdatesAlternating)
	q0, h0 := q(r.Current().P), h(r.Current().P)
	c := math.Sqrt(lrX * lrY)
	bound := q0 * (1 + c/2) / (1 - c/2)
	hiQ, loQ := q0, q0
	for r.Step() {
		p := r.Current().P
		hiQ, loQ = math.Max(hiQ, q(p)), math.Min(loQ, q(p))
		if q(p) > bound {
			t.Fatalf("alternating, step %d: Q = %v grew past %v (start %v)", r.Current().Step, q(p), bound, q0)
		}
		if e := relErr(h(p), h0); e > 1e-10 {
			t.Fatalf("alternating, step %d: H = %v drifted from %v (relative %.3g)", r.Current().Step, h(p), h0, e)
		}
	}
	if r.Current().Step != steps {
		t.Fatalf("alternating: stopped at step %d (%v)", r.Current().Step, r.Status())
	}
	t.Logf("alternating: Q in [%.6g, %.6g] over %d steps, start %.6g, bound %.6g", loQ, hiQ, steps, q0, bound)
}
