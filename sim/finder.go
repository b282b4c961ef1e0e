package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Defaults of the LR range test, fastai's (LRFinder and Learner.lr_find),
// and the most steps it may take.
const (
	DefaultFinderStartLR = 1e-7
	DefaultFinderEndLR   = 10.0
	DefaultFinderNumIter = 100
	DefaultFinderSmooth  = 0.98 // β of fastai's AvgSmoothLoss
	DefaultFinderDiverge = 4.0  // fastai stops once the smoothed loss exceeds 4× the best
	MaxFinderNumIter     = 1000 // largest NumIter accepted
)

// Names of the suggestion rules, as in Suggestion.Rule.
const (
	RuleValley  = "valley"
	RuleSteep   = "steep"
	RuleMinimum = "minimum/10"
)

// FinderConfig sets up an LR range test. Its zero value, with a Start and an
// Optimizer, is usable: every zero field below (except Noise and Seed) takes
// its default.
type FinderConfig struct {
	Start     Point           // where the test starts
	Optimizer OptimizerConfig // the optimizer; its LR is ignored (the test sets the LR of every step)
	StartLR   float64         // LR of the first step, > 0; 0 means 1e-7
	EndLR     float64         // LR of step NumIter−1, > StartLR; 0 means 10
	NumIter   int             // most steps taken, 2 … 1000; 0 means 100
	// Smooth is β of the bias-corrected exponential average of the loss, in
	// [0, 1); 0 means 0.98. (A tiny β such as 1e-12 turns smoothing off in
	// effect.)
	Smooth float64
	// Diverge > 1 stops the test once the smoothed loss exceeds Diverge
	// times the best smoothed loss so far; 0 means 4. Losses are measured
	// above the lowest labelled minimum of the surface (0 when it lists
	// none), so the rule reads the same on surfaces whose minimum is not 0.
	Diverge float64
	Noise   float64 // σ ≥ 0 of the gradient noise, as in RunConfig
	Seed    uint64  // seed of the noise, as in RunConfig
	// BatchSize is the mini-batch size on a data surface, as in RunConfig
	// (0: the whole data set); the loss recorded is the whole data's.
	BatchSize int
}

// DefaultFinderConfig returns fastai's settings for a test from start with
// the optimizer opt.
func DefaultFinderConfig(start Point, opt OptimizerConfig) FinderConfig {
	return FinderConfig{
		Start: start, Optimizer: opt,
		StartLR: DefaultFinderStartLR, EndLR: DefaultFinderEndLR, NumIter: DefaultFinderNumIter,
		Smooth: DefaultFinderSmooth, Diverge: DefaultFinderDiverge,
	}
}

// Suggestion is an LR suggested by one rule.
type Suggestion struct {
	LR    float64 // the suggested LR
	Index int     // index into FinderResult.LR of the point the rule picked
	Rule  string  // RuleValley, RuleSteep or RuleMinimum
}

// Suggestions holds the LR suggested by each rule.
type Suggestions struct {
	// Valley is fastai's "valley" rule: about halfway into the longest
	// strictly decreasing sequence of smoothed losses.
	Valley Suggestion
	// Steep is the point where the smoothed loss falls fastest against
	// log10(LR).
	Steep Suggestion
	// Minimum is the LR at the lowest smoothed loss divided by 10
	// (fastai's "minimum"); its Index is that of the lowest loss.
	Minimum Suggestion
}

// FinderResult is the outcome of an LR range test. LR, Loss and Smoothed have
// one entry per step taken whose point stayed on the map.
type FinderResult struct {
	LR       []float64 // LR[i] is the LR of step i
	Loss     []float64 // Loss[i] is f after step i
	Smoothed []float64 // bias-corrected exponential average of Loss[0..i]
	// X, Y are the trajectory for animation: the start point, then the
	// point after each recorded step (one entry more than LR).
	X, Y []float64
	// StoppedAt is the LR of the step at which the test stopped (the
	// smoothed loss blew up or the point left the map), or the last LR
	// when it took every step.
	StoppedAt float64
	// Diverged reports whether the test stopped early, by the smoothed
	// loss or by the divergence rule.
	Diverged bool
	// Window is the range [Window[0], Window[1]) of indices the rules look
	// at: fastai's trimming drops the first NumIter/10 and the last 5
	// points. When fewer than 2 points would remain, every point is used.
	Window [2]int
	// ValleyTo is the index where the longest strictly decreasing
	// subsequence of the smoothed losses in Window ends, and ValleyFrom =
	// ValleyTo − its length + 1: where it starts as fastai's arithmetic
	// places it, taking it as contiguous (it is when the loss falls
	// steadily).
	ValleyFrom, ValleyTo int
	Suggestions          Suggestions
}

func (c *FinderConfig) fillDefaults() {
	if c.StartLR == 0 {
		c.StartLR = DefaultFinderStartLR
	}
	if c.EndLR == 0 {
		c.EndLR = DefaultFinderEndLR
	}
	if c.NumIter == 0 {
		c.NumIter = DefaultFinderNumIter
	}
	if c.Smooth == 0 {
		c.Smooth = DefaultFinderSmooth
	}
	if c.Diverge == 0 {
		c.Diverge = DefaultFinderDiverge
	}
}

func (c FinderConfig) validate() error {
	switch {
	case !isFinite(c.StartLR) || c.StartLR <= 0:
		return fieldErrorf("start_lr", "must be > 0 and finite, got %v", c.StartLR)
	case !isFinite(c.EndLR) || c.EndLR <= c.StartLR:
		return fieldErrorf("end_lr", "must be finite and > start_lr (%v), got %v", c.StartLR, c.EndLR)
	case c.NumIter < 2 || c.NumIter > MaxFinderNumIter:
		return fieldErrorf("num_iter", "must be 2 … %d, got %d", MaxFinderNumIter, c.NumIter)
	case !isFinite(c.Smooth) || c.Smooth < 0 || c.Smooth >= 1:
		return fieldErrorf("smooth", "must be in [0, 1), got %v", c.Smooth)
	case !isFinite(c.Diverge) || c.Diverge <= 1:
		return fieldErrorf("diverge", "must be > 1 and finite, got %v", c.Diverge)
	case !isFinite(c.Noise) || c.Noise < 0:
		return fieldErrorf("noise", "must be a finite number ≥ 0, got %v", c.Noise)
	case !c.Start.Finite():
		return fieldErrorf("start", "must be two finite numbers")
	}
	return nil
}

// FinderLR returns the LR of step i of a range test from startLR to endLR in
// n steps: startLR·(endLR/startLR)^(i/(n−1)), as pytorch-lr-finder's
// exponential schedule. Step n−1 uses endLR exactly.
func FinderLR(startLR, endLR float64, i, n int) float64 {
	if i == n-1 {
		return endLR
	}
	return startLR * math.Pow(endLR/startLR, float64(i)/float64(n-1))
}

// LRFinder runs an LR range test on s: from c.Start with c.Optimizer, step i
// uses FinderLR(StartLR, EndLR, i, NumIter) and the loss after each step is
// recorded and smoothed. The test stops after NumIter steps, when the
// smoothed loss exceeds Diverge times the best so far (that step is still
// recorded, as fastai records it), or when a point breaks the divergence rule
// (Leaves; that point is not recorded). It then applies the three suggestion
// rules to the smoothed losses (fastai's Recorder keeps smoothed losses too)
// within Window. The window is fastai's trimming in lr_find, [NumIter/10 :
// −5]; with the default 100 steps it also matches pytorch-lr-finder's
// default skip_start = 10, skip_end = 5, so the steep rule skips the first
// and last points as both libraries do. When no step stayed on the map, the
// result holds no points and every suggestion is zero.
//
// Bad settings are returned as *FieldError; a game surface is refused.
func LRFinder(s Surface, c FinderConfig) (FinderResult, error) {
	if s == nil {
		panic("sim: LRFinder with nil surface")
	}
	c.fillDefaults()
	if err := c.validate(); err != nil {
		return FinderResult{}, err
	}
	info := s.Info()
	if info.Kind == KindGame {
		return FinderResult{}, fieldErrorf("surface", "the LR finder needs a surface to minimise; %q is a two-player game", info.Name)
	}
	opt := c.Optimizer
	opt.LR = c.StartLR
	o, err := NewOptimizer(opt)
	if err != nil {
		return FinderResult{}, Prefix("optimizer", err)
	}
	p := c.Start
	if Leaves(p, s.Value(p)) {
		return FinderResult{}, fieldErrorf("start", "f is not finite or too large at (%g, %g)", p.X, p.Y)
	}
	floor := 0.0
	for i, m := range info.Minima {
		if i == 0 || m.Loss < floor {
			floor = m.Loss
		}
	}
	var rng *rand.Rand
	if c.Noise > 0 {
		rng = rand.New(rand.NewPCG(c.Seed, 0x9e3779b97f4a7c15))
	}

	batchGrad, err := finderBatches(s, c) // sim/batch.go
	if err != nil {
		return FinderResult{}, err
	}
	n := c.NumIter
	res := FinderResult{
		LR: make([]float64, 0, n), Loss: make([]float64, 0, n), Smoothed: make([]float64, 0, n),
		X: append(make([]float64, 0, n+1), p.X), Y: append(make([]float64, 0, n+1), p.Y),
	}
	avg, corr, best := 0.0, 1.0, math.Inf(1)
	for i := range n {
		lr := FinderLR(c.StartLR, c.EndLR, i, n)
		res.StoppedAt = lr
		g := batchGrad(p)
		if rng != nil {
			g.X += c.Noise * rng.NormFloat64()
			g.Y += c.Noise * rng.NormFloat64()
		}
		p = o.Step(p, g, lr)
		f := s.Value(p)
		if Leaves(p, f) {
			res.Diverged = true
			break
		}
		avg = c.Smooth*avg + (1-c.Smooth)*f
		corr *= c.Smooth
		sm := avg / (1 - corr)
		res.LR = append(res.LR, lr)
		res.Loss = append(res.Loss, f)
		res.Smoothed = append(res.Smoothed, sm)
		res.X = append(res.X, p.X)
		res.Y = append(res.Y, p.Y)
		best = math.Min(best, sm)
		if ex := best - floor; ex > 0 && sm-floor > c.Diverge*ex {
			res.Diverged = true
			break
		}
	}
	res.Window = finderWindow(len(res.LR), n)
	res.Suggestions, res.ValleyFrom, res.ValleyTo = suggest(res.LR, res.Smoothed, res.Window)
	return res, nil
}

// finderWindow is fastai's trimming of the recorded points before the
// suggestion rules, [numIter/10 : −5], widened to every point when fewer than
// 2 would remain (fastai would fail on an empty window).
func finderWindow(n, numIter int) [2]int {
	lo, hi := numIter/10, n-5
	if hi-lo < 2 {
		return [2]int{0, n}
	}
	return [2]int{lo, hi}
}

func suggest(lrs, smoothed []float64, w [2]int) (Suggestions, int, int) {
	if w[1] <= w[0] {
		return Suggestions{
			Valley:  Suggestion{Rule: RuleValley},
			Steep:   Suggestion{Rule: RuleSteep},
			Minimum: Suggestion{Rule: RuleMinimum},
		}, 0, 0
	}
	lo, hi := w[0], w[1]
	l, s := lrs[lo:hi], smoothed[lo:hi]
	v, from, to := ValleyIndex(s)
	st := SteepIndex(l, s)
	m := MinimumIndex(s)
	return Suggestions{
		Valley:  Suggestion{LR: l[v], Index: lo + v, Rule: RuleValley},
		Steep:   Suggestion{LR: l[st], Index: lo + st, Rule: RuleSteep},
		Minimum: Suggestion{LR: l[m] / 10, Index: lo + m, Rule: RuleMinimum},
	}, lo + from, lo + to
}

// ValleyIndex is fastai's "valley" rule on losses (non-empty). It finds the
// longest strictly decreasing subsequence of the losses with fastai's O(n²)
// dynamic programme (lds[i] = length of the longest one ending at i; the
// first i with the largest length wins), takes fastai's
//
//	maxStart = maxEnd − lds[maxEnd]
//	sections = (maxEnd − maxStart)/3
//	idx      = maxStart + int(sections) + int(sections/2)
//
// (so maxStart is one before the subsequence's first point and idx lies
// about halfway into the middle third) and returns idx with from =
// maxStart+1 and to = maxEnd, the valley as fastai places it: taken as
// contiguous, which it is when the losses fall steadily. When fastai's idx would be −1 (at most two
// decreasing points from the very start, or none at all), where Python would
// index the last element, ValleyIndex returns 0.
func ValleyIndex(losses []float64) (idx, from, to int) {
	n := len(losses)
	if n == 0 {
		panic("sim: ValleyIndex of no losses")
	}
	lds := make([]int, n)
	for i := range lds {
		lds[i] = 1
	}
	maxEnd := 0
	for i := 1; i < n; i++ {
		for j := range i {
			if losses[i] < losses[j] && lds[i] < lds[j]+1 {
				lds[i] = lds[j] + 1
			}
		}
		if lds[maxEnd] < lds[i] {
			maxEnd = i
		}
	}
	maxStart := maxEnd - lds[maxEnd]
	sections := float64(maxEnd-maxStart) / 3
	idx = maxStart + int(sections) + int(sections/2)
	return max(idx, 0), maxStart + 1, maxEnd
}

// SteepIndex returns the index where losses fall fastest against log10 of
// lrs: the smallest derivative, computed as numpy.gradient(losses,
// log10(lrs)) does (second-order central differences inside, one-sided at
// the two ends). This is pytorch-lr-finder's steepest-gradient suggestion,
// but against log LR instead of the index (the same up to a constant factor
// when the LRs are spaced evenly in log). With one point it returns 0; the
// LRs must be strictly increasing.
func SteepIndex(lrs, losses []float64) int {
	n := len(losses)
	if len(lrs) != n || n == 0 {
		panic(fmt.Sprintf("sim: SteepIndex with %d LRs and %d losses", len(lrs), n))
	}
	if n == 1 {
		return 0
	}
	x := make([]float64, n)
	for i, lr := range lrs {
		x[i] = math.Log10(lr)
	}
	best, bestG := 0, (losses[1]-losses[0])/(x[1]-x[0])
	for i := 1; i < n; i++ {
		var g float64
		if i == n-1 {
			g = (losses[i] - losses[i-1]) / (x[i] - x[i-1])
		} else {
			hs, hd := x[i]-x[i-1], x[i+1]-x[i]
			g = -hd/(hs*(hd+hs))*losses[i-1] + (hd-hs)/(hd*hs)*losses[i] + hs/(hd*(hd+hs))*losses[i+1]
		}
		if g < bestG {
			best, bestG = i, g
		}
	}
	return best
}

// MinimumIndex returns the index of the smallest loss (the first one on a
// tie), as numpy's argmin. fastai's "minimum" rule suggests the LR there
// divided by 10.
func MinimumIndex(losses []float64) int {
	if len(losses) == 0 {
		panic("sim: MinimumIndex of no losses")
	}
	m := 0
	for i, l := range losses {
		if l < losses[m] {
			m = i
		}
	}
	return m
}
