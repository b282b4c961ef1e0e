package sim_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"lrlab/sim"
)

// analysisSurface builds a catalogue surface with its default parameters.
func analysisSurface(t testing.TB, name string) sim.Surface {
	t.Helper()
	s, err := sim.NewSurface(sim.SurfaceConfig{Name: name})
	if err != nil {
		t.Fatalf("NewSurface(%q): %v", name, err)
	}
	return s
}

// The valley rule on hand-worked losses. lds[i] is the length of the longest
// strictly decreasing subsequence ending at i; fastai keeps the first i with
// the largest length (maxEnd), then maxStart = maxEnd − lds[maxEnd],
// sections = (maxEnd − maxStart)/3, idx = maxStart + int(sections) +
// int(sections/2).
func TestValleyIndexByHand(t *testing.T) {
	tests := []struct {
		name             string
		losses           []float64
		idx, from, to    int
		lengthForComment int
	}{
		// lds = 1,2,3,…,10,1,1: maxEnd 9, maxStart 9−10 = −1,
		// sections 10/3 = 3.33: idx = −1 + 3 + int(1.67) = 3.
		{"steady fall then rise", []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 2, 3}, 3, 0, 9, 10},
		// lds = 1,2,2,3,4,1,5,1 (5 > 3 > 2 > 1 > 0.5 ends at 6): maxEnd 6,
		// maxStart 6−5 = 1, sections 5/3 = 1.67: idx = 1 + 1 + int(0.83) = 2.
		// fastai treats the sequence as if contiguous, so from = 2 though the
		// subsequence itself starts at 0.
		{"bumpy", []float64{5, 3, 4, 2, 1, 6, 0.5, 7}, 2, 2, 6, 5},
		// lds = 1,2,1,2,3,4,5,6,7: the second fall wins (7 > 2):
		// maxEnd 8, maxStart 8−7 = 1, sections 7/3 = 2.33: idx = 1 + 2 + 1 = 4.
		{"two valleys", []float64{3, 2, 9, 8, 7, 6, 5, 4, 1}, 4, 2, 8, 7},
		// Equal losses do not extend a valley (strict <); lds = 1,2,2,3:
		// maxEnd 1 (the first 2), then 3; maxStart 0, sections 1:
		// idx = 0 + 1 + 0 = 1.
		{"plateau", []float64{4, 3, 3, 2}, 1, 1, 3, 3},
		// No fall at all: fastai never sets maxStart or maxEnd (both stay
		// 0), so idx = 0.
		{"rising", []float64{1, 1, 2}, 0, 0, 0, 1},
		// Two points falling from the start: maxStart −1, sections 2/3:
		// idx −1, and Python's lrs[−1] is the last point.
		{"two", []float64{2, 1}, 1, 0, 1, 2},
		{"one", []float64{1}, 0, 0, 0, 1},
	}
	for _, tc := range tests {
		idx, from, to := sim.ValleyIndex(tc.losses)
		if idx != tc.idx || from != tc.from || to != tc.to {
			t.Errorf("%s: ValleyIndex = %d (valley %d…%d), want %d (valley %d…%d)", tc.name, idx, from, to, tc.idx, tc.from, tc.to)
		}
	}
}

// The steep rule on hand-worked slopes: fastai's forward differences
// against ln(LR), (l[i+1] − l[i])/(ln lr[i+1] − ln lr[i]), and the left end
// of the steepest.
func TestSteepIndexByHand(t *testing.T) {
	decades := []float64{1, 10, 100, 1000, 10000}
	// slopes ×ln 10: −1, −4, −0.5, −0.1: the segment from point 1
	if got := sim.SteepIndex(decades, []float64{10, 9, 5, 4.5, 4.4}); got != 1 {
		t.Errorf("SteepIndex = %d, want 1", got)
	}
	// The steepest fall into the last point: −1, −1, −1, −6: point 3.
	if got := sim.SteepIndex(decades, []float64{10, 9, 8, 7, 1}); got != 3 {
		t.Errorf("SteepIndex = %d, want 3", got)
	}
	// Uneven spacing: ln 10 then 2 ln 10, losses 0, −1, −9: slopes
	// −1/ln 10 and −8/(2 ln 10) = −4/ln 10: point 1.
	if got := sim.SteepIndex([]float64{1, 10, 1000}, []float64{0, -1, -9}); got != 1 {
		t.Errorf("SteepIndex (uneven) = %d, want 1", got)
	}
	// Equal slopes: the first, as torch's argmin.
	if got := sim.SteepIndex([]float64{1, 10, 100}, []float64{3, 2, 1}); got != 0 {
		t.Errorf("SteepIndex (tie) = %d, want 0", got)
	}
	if got := sim.SteepIndex([]float64{1}, []float64{3}); got != 0 {
		t.Errorf("SteepIndex (one point) = %d, want 0", got)
	}
}

func TestMinimumIndexByHand(t *testing.T) {
	// The first of two equal lowest losses, as numpy's argmin.
	if got := sim.MinimumIndex([]float64{3, 1, 2, 1, 5}); got != 1 {
		t.Errorf("MinimumIndex = %d, want 1", got)
	}
	if got := sim.MinimumIndex([]float64{3, 2, 1}); got != 2 {
		t.Errorf("MinimumIndex = %d, want 2", got)
	}
}

func TestFinderLR(t *testing.T) {
	if got := sim.FinderLR(1e-7, 10, 0, 100); got != 1e-7 {
		t.Errorf("first LR = %v, want 1e-7", got)
	}
	// fastai's SchedExp at pos = i/n: the last step, 99 of 100, is at
	// 1e-7·1e8^0.99 = 10^0.92, below end_lr.
	if got := sim.FinderLR(1e-7, 10, 99, 100); math.Abs(got-math.Pow(10, 0.92)) > 1e-12 {
		t.Errorf("last LR = %v, want 10^0.92 = %v", got, math.Pow(10, 0.92))
	}
	// Halfway in steps is halfway in log: √(1e-4·1) = 1e-2.
	if got := sim.FinderLR(1e-4, 1, 2, 4); math.Abs(got-1e-2) > 1e-15 {
		t.Errorf("middle LR = %v, want 1e-2", got)
	}
}

// On the quadratic a=1, b=10 (λmax = 10) plain gradient descent is stable for
// lr < 2/λmax = 0.2. fastai's test from (−2.5, 1.5) records the loss before
// each step; the smoothed loss (β = 0.98) lags so far behind that it never
// passes 4× its best in 100 steps, and the lowest smoothed loss comes late:
// valley and steep lie below the limit, minimum/10 beyond it.
func TestLRFinderQuadratic(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	start := s.Info().Start
	if start != (sim.Point{X: -2.5, Y: 1.5}) {
		t.Fatalf("quadratic's start = %v, want (−2.5, 1.5)", start)
	}
	c := sim.DefaultFinderConfig(start, sim.DefaultOptimizer(sim.OptSGD, 0))
	res, err := sim.LRFinder(s, c)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 0.2
	n := len(res.LR)
	sg := res.Suggestions
	t.Logf("stopped at lr %.4g after %d steps; valley %.3g (#%d, %d…%d), steep %.3g (#%d), minimum/10 %.3g (#%d); window %v",
		res.StoppedAt, n, sg.Valley.LR, sg.Valley.Index, res.ValleyFrom, res.ValleyTo,
		sg.Steep.LR, sg.Steep.Index, sg.Minimum.LR, sg.Minimum.Index, res.Window)
	if res.Diverged || n != 100 || res.StoppedAt != sim.FinderLR(1e-7, 10, 99, 100) {
		t.Errorf("%d steps, stopped at lr %v (diverged %v); want all 100 steps", n, res.StoppedAt, res.Diverged)
	}
	if len(res.Loss) != n || len(res.Smoothed) != n || len(res.X) != n+1 || len(res.Y) != n+1 {
		t.Fatalf("lengths: lr %d, loss %d, smoothed %d, x %d, y %d", n, len(res.Loss), len(res.Smoothed), len(res.X), len(res.Y))
	}
	if res.X[0] != start.X || res.Y[0] != start.Y {
		t.Errorf("trajectory starts at (%v, %v), want %v", res.X[0], res.Y[0], start)
	}
	for i, lr := range res.LR {
		if want := sim.FinderLR(1e-7, 10, i, 100); lr != want {
			t.Fatalf("LR[%d] = %v, want %v", i, lr, want)
		}
		// the loss before the step: at the point the step starts from
		if got := s.Value(sim.Point{X: res.X[i], Y: res.Y[i]}); got != res.Loss[i] {
			t.Fatalf("Loss[%d] = %v, f at the point = %v", i, res.Loss[i], got)
		}
	}
	if res.Loss[0] != s.Value(start) {
		t.Errorf("first loss %v, want f(start) = %v", res.Loss[0], s.Value(start))
	}
	for _, g := range []sim.Suggestion{sg.Valley, sg.Steep} {
		if !(g.LR > 0 && g.LR < limit) {
			t.Errorf("%s suggests %v, want in (0, %v)", g.Rule, g.LR, limit)
		}
	}
	if !(sg.Minimum.LR > limit) {
		t.Errorf("minimum/10 suggests %v; fastai's rule lands past %v here", sg.Minimum.LR, limit)
	}
	if sg.Valley.Rule != sim.RuleValley || sg.Steep.Rule != sim.RuleSteep || sg.Minimum.Rule != sim.RuleMinimum {
		t.Errorf("rules: %q %q %q", sg.Valley.Rule, sg.Steep.Rule, sg.Minimum.Rule)
	}
	// The suggestions are the rules applied to fastai's window of the
	// smoothed losses.
	lo, hi := res.Window[0], res.Window[1]
	if lo != 10 || hi != n-5 {
		t.Errorf("window %v, want [10, %d)", res.Window, n-5)
	}
	v, _, _ := sim.ValleyIndex(res.Smoothed[lo:hi])
	if sg.Valley.Index != lo+v || sg.Valley.LR != res.LR[lo+v] {
		t.Errorf("valley at #%d (%v), want #%d", sg.Valley.Index, sg.Valley.LR, lo+v)
	}
	if st := sim.SteepIndex(res.LR[lo:hi], res.Smoothed[lo:hi]); sg.Steep.Index != lo+st || sg.Steep.LR != res.LR[lo+st] {
		t.Errorf("steep at #%d, want #%d", sg.Steep.Index, lo+st)
	}
	if m := sim.MinimumIndex(res.Smoothed[lo:hi]); sg.Minimum.Index != lo+m || sg.Minimum.LR != res.LR[lo+m]/10 {
		t.Errorf("minimum at #%d, want #%d", sg.Minimum.Index, lo+m)
	}
	// Without noise the loss falls from the very first step, so the valley
	// starts at the first point the rule looks at.
	if res.ValleyFrom != lo {
		t.Errorf("valley starts at #%d, want the first point of the window #%d", res.ValleyFrom, lo)
	}
	// The smoothed loss is fastai's bias-corrected average.
	avg := 0.0
	for i, l := range res.Loss {
		avg = 0.98*avg + 0.02*l
		if want := avg / (1 - math.Pow(0.98, float64(i+1))); math.Abs(res.Smoothed[i]-want) > 1e-12*want {
			t.Fatalf("Smoothed[%d] = %v, want %v", i, res.Smoothed[i], want)
		}
	}
	// fastai's stop rule never fired.
	best := math.Inf(1)
	for i, sm := range res.Smoothed {
		best = math.Min(best, sm)
		if sm > 4*best {
			t.Errorf("step %d: smoothed %v > 4× best %v, yet the test went on", i, sm, best)
		}
	}

	// Tried for 200 steps: valley is slow (10⁴× steep's final loss), minimum/10
	// diverges, steep is the
	// one to offer first.
	trials, first, err := sim.TrySuggestions(s, c, sg, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		t.Logf("%-10s lr %.3g: final loss %.3g, diverged %v", tr.Rule, tr.LR, tr.FinalLoss, tr.Diverged)
	}
	if len(trials) != 3 || first != 1 || trials[1].Rule != sim.RuleSteep {
		t.Fatalf("trials %+v, first %d; want steep (1) first", trials, first)
	}
	if !trials[2].Diverged || trials[0].Diverged || trials[1].Diverged {
		t.Errorf("diverged: valley %v, steep %v, minimum %v; want only minimum/10", trials[0].Diverged, trials[1].Diverged, trials[2].Diverged)
	}
	if !(trials[1].FinalLoss < 1e-4 && trials[0].FinalLoss > 1e4*trials[1].FinalLoss) {
		t.Errorf("steep ends at %v, valley at %v (start %v)", trials[1].FinalLoss, trials[0].FinalLoss, s.Value(start))
	}
}

// The range test with noise is reproducible, and the zero config takes the
// defaults.
func TestLRFinderNoiseAndDefaults(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	c := sim.FinderConfig{Run: sim.RunConfig{Start: s.Info().Start, Noise: 0.5, Seed: 7}, Optimizer: sim.DefaultOptimizer(sim.OptAdam, 0)}
	a, err := sim.LRFinder(s, c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sim.LRFinder(s, c)
	if len(a.Loss) != len(b.Loss) || a.StoppedAt != b.StoppedAt || a.Loss[len(a.Loss)-1] != b.Loss[len(b.Loss)-1] {
		t.Errorf("two runs with the same seed differ")
	}
	if a.LR[0] != 1e-7 {
		t.Errorf("zero config: first LR %v, want 1e-7", a.LR[0])
	}
	c.Run.Seed = 8
	d, _ := sim.LRFinder(s, c)
	// (Adam's first steps move by the gradient's sign only, which noise
	// this small hardly changes: compare half-way.)
	if k := min(len(a.Loss), len(d.Loss)) / 2; d.Loss[k] == a.Loss[k] {
		t.Errorf("another seed gives the same loss at step %d", k)
	}
}

func TestLRFinderErrors(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	ok := sim.DefaultFinderConfig(sim.Point{X: 1, Y: 1}, sim.DefaultOptimizer(sim.OptSGD, 0))
	tests := []struct {
		field string
		edit  func(*sim.FinderConfig)
	}{
		{"start_lr", func(c *sim.FinderConfig) { c.StartLR = -1 }},
		{"start_lr", func(c *sim.FinderConfig) { c.StartLR = math.NaN() }},
		{"end_lr", func(c *sim.FinderConfig) { c.EndLR = c.StartLR / 2 }},
		{"end_lr", func(c *sim.FinderConfig) { c.EndLR = math.Inf(1) }},
		{"num_iter", func(c *sim.FinderConfig) { c.NumIter = 1 }},
		{"num_iter", func(c *sim.FinderConfig) { c.NumIter = 1001 }},
		{"smooth", func(c *sim.FinderConfig) { c.Smooth = 1 }},
		{"smooth", func(c *sim.FinderConfig) { c.Smooth = -0.1 }},
		{"diverge", func(c *sim.FinderConfig) { c.Diverge = 1 }},
		{"diverge", func(c *sim.FinderConfig) { c.Diverge = math.Inf(1) }},
		{"noise", func(c *sim.FinderConfig) { c.Run.Noise = -1 }},
		{"start", func(c *sim.FinderConfig) { c.Run.Start.X = math.NaN() }},
		{"optimizer.name", func(c *sim.FinderConfig) { c.Optimizer.Name = "sgdd" }},
	}
	for _, tc := range tests {
		c := ok
		tc.edit(&c)
		_, err := sim.LRFinder(s, c)
		var fe *sim.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("field %s: got %v", tc.field, err)
		}
	}
	if _, err := sim.LRFinder(analysisSurface(t, "bilinear"), ok); err == nil {
		t.Errorf("a game surface was accepted")
	}
	if _, err := sim.LRFinder(s, ok); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

// A test that blows up at once records the start and the first step, stops
// by fastai's rule, and leaves too few points for the rules (fastai's window
// [10 : −5] is empty): no suggestion.
func TestLRFinderBlowsUpAtOnce(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	c := sim.DefaultFinderConfig(s.Info().Start, sim.DefaultOptimizer(sim.OptSGD, 0))
	c.StartLR, c.EndLR = 1e5, 1e6
	res, err := sim.LRFinder(s, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.LR) != 2 || len(res.X) != 3 || !res.Diverged || res.StoppedAt != sim.FinderLR(1e5, 1e6, 1, 100) {
		t.Errorf("got %d points, %d positions, diverged %v, stopped at %v", len(res.LR), len(res.X), res.Diverged, res.StoppedAt)
	}
	if g := res.Suggestions; g.Valley.LR != 0 || g.Steep.LR != 0 || g.Minimum.LR != 0 {
		t.Errorf("suggestions %+v, want zero", g)
	}
	if res.Window[1]-res.Window[0] >= sim.MinFinderWindow {
		t.Errorf("window %v", res.Window)
	}
	if trials, first, _ := sim.TrySuggestions(s, c, res.Suggestions, 10); len(trials) != 0 || first != -1 {
		t.Errorf("trials of no suggestion: %v, %d", trials, first)
	}
}

// The test runs on any surface to minimise.
func TestLRFinderOtherSurfaces(t *testing.T) {
	for _, name := range []string{"rosenbrock", "himmelblau", "beale", "sharp_flat", "local_minimum"} {
		s := analysisSurface(t, name)
		for _, opt := range []string{sim.OptSGD, sim.OptAdam} {
			res, err := sim.LRFinder(s, sim.DefaultFinderConfig(s.Info().Start, sim.DefaultOptimizer(opt, 0)))
			if err != nil {
				t.Fatalf("%s, %s: %v", name, opt, err)
			}
			g := res.Suggestions
			t.Logf("%-13s %-4s: %3d steps, stopped at %.3g; valley %.3g, steep %.3g, minimum/10 %.3g",
				name, opt, len(res.LR), res.StoppedAt, g.Valley.LR, g.Steep.LR, g.Minimum.LR)
			if len(res.LR) > 0 && !(g.Valley.LR > 0 && g.Steep.LR > 0 && g.Minimum.LR > 0) {
				t.Errorf("%s, %s: suggestions %+v", name, opt, g)
			}
		}
	}
}

// TestAnalysesTakeTheRunsSettings checks that the range test and the sweep
// run with every run-level setting of the run they are for, here the
// gradient clipping: the range test's first step is the clipped closed form,
// and a sweep point ends where a Run with the same settings ends.
func TestAnalysesTakeTheRunsSettings(t *testing.T) {
	s := analysisSurface(t, "quadratic")
	start := s.Info().Start
	const clip = 0.5
	c := sim.DefaultFinderConfig(start, sim.DefaultOptimizer(sim.OptSGD, 0))
	c.Run.ClipGradNorm = clip
	res, err := sim.LRFinder(s, c)
	if err != nil {
		t.Fatal(err)
	}
	g := s.Grad(start)
	f := clip / (math.Sqrt(g.X*g.X+g.Y*g.Y) + 1e-6) // torch's clip_grad_norm_ factor (< 1 here)
	lr := res.LR[0]
	if wx, wy := start.X+-lr*(g.X*f), start.Y+-lr*(g.Y*f); res.X[1] != wx || res.Y[1] != wy {
		t.Errorf("clipped range test's first step: (%v, %v), want (%v, %v)", res.X[1], res.Y[1], wx, wy)
	}
	c.Run.ClipGradNorm = 0
	plain, _ := sim.LRFinder(s, c)
	if plain.X[1] == res.X[1] {
		t.Errorf("the range test ignores clip_grad_norm")
	}

	opt := sim.DefaultOptimizer(sim.OptSGD, 0)
	sw, err := sim.Sweep(context.Background(), sim.SweepConfig{Surface: s, Run: sim.RunConfig{Start: start, ClipGradNorm: clip}, Steps: 50,
		Optimizers: []sim.OptimizerConfig{opt}, LRs: []float64{0.15}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	opt.LR = 0.15
	r, err := sim.NewRun(s, sim.RunConfig{Start: start, Optimizer: opt, Scheduler: sim.DefaultScheduler(sim.SchedConstant, 50), ClipGradNorm: clip}, 50)
	if err != nil {
		t.Fatal(err)
	}
	tr := sim.Simulate(r)
	if got, want := sw.Points[0].FinalLoss, tr.Loss[len(tr.Loss)-1]; got != want {
		t.Errorf("clipped sweep's final loss %v, a clipped Run's %v", got, want)
	}
}

// TestSweepSeedsRun checks which sweeps run their seeds: one without noise
// or mini-batches (every seed would give the same run), all with either.
func TestSweepSeedsRun(t *testing.T) {
	quad, data := analysisSurface(t, "quadratic"), analysisSurface(t, sim.SurfaceLinReg)
	seeds := []uint64{1, 2, 3}
	for _, tt := range []struct {
		name string
		c    sim.SweepConfig
		want int
	}{
		{"no noise", sim.SweepConfig{Surface: quad, Seeds: seeds}, 1},
		{"noise", sim.SweepConfig{Surface: quad, Seeds: seeds, Run: sim.RunConfig{Noise: 0.1}}, 3},
		{"full batch", sim.SweepConfig{Surface: data, Seeds: seeds}, 1},
		{"mini-batches", sim.SweepConfig{Surface: data, Seeds: seeds, Run: sim.RunConfig{BatchSize: 10}}, 3},
		{"no seeds listed", sim.SweepConfig{Surface: quad, Run: sim.RunConfig{Noise: 0.1}}, 1},
	} {
		if got := tt.c.SeedsRun(); got != tt.want {
			t.Errorf("%s: SeedsRun %d, want %d", tt.name, got, tt.want)
		}
	}
}
