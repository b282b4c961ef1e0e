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

// FinderConfig sets up an LR range test. Its zero value, with a Run.Start
// and an Optimizer, is usable: every zero field below (except Run) takes its
// default.
type FinderConfig struct {
	// Run holds the run-level settings of the run the test is for, as a
	// scenario's run has them: the start, the gradient noise and its seed,
	// the batch size on a data surface (0: the whole data set; the loss
	// recorded is the whole data's), the gradient clipping, and any
	// run-level setting added later. Its optimizer, scheduler and label are
	// not read: the test has its own optimizer (below) and sets the LR of
	// every step.
	Run       RunConfig
	Optimizer OptimizerConfig // the optimizer; its LR is ignored (the test sets the LR of every step)
	StartLR   float64         // LR of the first step, > 0; 0 means 1e-7
	EndLR     float64         // the LR the schedule heads for (never reached: fastai's last step uses StartLR·(EndLR/StartLR)^((NumIter−1)/NumIter)), > StartLR; 0 means 10
	NumIter   int             // most steps taken, 2 … 1000; 0 means 100 (fastai raises values below 6 to 6; the test takes the number asked)
	// Smooth is β of the bias-corrected exponential average of the loss, in
	// [0, 1); 0 means 0.98. (A tiny β such as 1e-12 turns smoothing off in
	// effect.)
	Smooth float64
	// Diverge > 1 stops the test once the smoothed loss exceeds Diverge
	// times the best smoothed loss so far (fastai's smooth_loss >
	// 4*best_loss); 0 means 4. Like fastai's, the rule assumes the loss is
	// positive, as a training loss is: once the best smoothed loss is ≤ 0
	// it holds at once.
	Diverge float64
}

// DefaultFinderConfig returns fastai's settings for a test from start with
// the optimizer opt.
func DefaultFinderConfig(start Point, opt OptimizerConfig) FinderConfig {
	return FinderConfig{
		Run: RunConfig{Start: start}, Optimizer: opt,
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

// Suggestions holds the LR suggested by each rule: fastai's valley, steep
// and minimum, computed as fastai's lr_find computes them.
type Suggestions struct {
	// Valley is fastai's "valley" rule (its default): about halfway into
	// the longest strictly decreasing sequence of smoothed losses.
	Valley Suggestion
	// Steep is fastai's "steep" rule: the left end of the segment between
	// two recorded points where the smoothed loss falls fastest against
	// ln(LR).
	Steep Suggestion
	// Minimum is the LR at the lowest smoothed loss divided by 10
	// (fastai's "minimum"); its Index is that of the lowest loss.
	Minimum Suggestion
}

// FinderResult is the outcome of an LR range test. LR, Loss and Smoothed have
// one entry per step taken.
type FinderResult struct {
	LR []float64 // LR[i] is the LR of step i
	// Loss[i] is f at the point step i starts from (X[i], Y[i]): the loss
	// of the forward pass before the optimizer's step, as fastai's
	// Recorder and pytorch-lr-finder both record it.
	Loss     []float64
	Smoothed []float64 // bias-corrected exponential average of Loss[0..i] (fastai's AvgSmoothLoss)
	// X, Y are the trajectory for animation: the start point, then the
	// point after each recorded step (one entry more than LR).
	X, Y []float64
	// StoppedAt is the LR of the last step taken.
	StoppedAt float64
	// Diverged reports whether the test stopped early: the smoothed loss
	// passed Diverge times the best, or the loss stopped being finite.
	Diverged bool
	// Window is the range [Window[0], Window[1]) of indices the rules look
	// at: fastai's trimming in lr_find, [NumIter/10 : −5] of what it
	// recorded, cut before the first loss that is not a number. When it
	// holds fewer than 2 points (fastai's rules then fail) there are no
	// suggestions: every one is zero.
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
	case !c.Run.Start.Finite():
		return fieldErrorf("start", "must be two finite numbers")
	}
	return checkSettings(c.Run) // as a run checks them
}

// FinderLR returns the LR of step i of a range test from startLR towards
// endLR in n steps: startLR·(endLR/startLR)^(i/n), fastai's SchedExp at
// pos = train_iter/num_it. The last step, n−1, stays below endLR.
func FinderLR(startLR, endLR float64, i, n int) float64 {
	return startLR * math.Pow(endLR/startLR, float64(i)/float64(n))
}

// LRFinder runs an LR range test on s as fastai's Learner.lr_find does:
// from c.Start with c.Optimizer, step i uses FinderLR(StartLR, EndLR, i,
// NumIter); the loss at the point the step starts from is recorded and
// smoothed (AvgSmoothLoss), then the test stops when the smoothed loss
// exceeds Diverge times the best smoothed loss so far (that step is
// recorded, as fastai records it), after NumIter steps, or when the loss is
// no longer a finite number (not recorded; the window is cut as fastai cuts
// it). It then applies fastai's three suggestion rules to the smoothed
// losses within Window. When Window holds fewer than MinFinderWindow
// points (the test stopped within NumIter/10 + 6 steps), every suggestion
// is zero.
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
	p := c.Run.Start
	if Leaves(p, s.Value(p)) {
		return FinderResult{}, fieldErrorf("start", "f is not finite or too large at (%g, %g)", p.X, p.Y)
	}
	var rng *rand.Rand
	if c.Run.Noise > 0 {
		rng = rand.New(rand.NewPCG(c.Run.Seed, 0x9e3779b97f4a7c15))
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
	// recorded is how many points fastai's Recorder would hold and cut
	// where its window is cut before the first NaN; they differ from
	// len(res.LR) only when the loss stops being finite.
	recorded, cut := 0, -1
	avg, best := 0.0, math.Inf(1)
	for i := range n {
		lr := FinderLR(c.StartLR, c.EndLR, i, n)
		f := s.Value(p)
		if !isFinite(f) || !p.Finite() {
			res.Diverged = true
			if math.IsNaN(f) || !p.Finite() {
				// fastai's smoothed loss turns NaN, which never passes the
				// stop rule: it records NaN to the last step, and lr_find
				// cuts its window before the first one.
				recorded, cut = n, len(res.LR)
			} else {
				// ±Inf is recorded, and +Inf stops the test.
				recorded = len(res.LR) + 1
			}
			break
		}
		res.StoppedAt = lr
		avg = lerp(f, avg, c.Smooth)
		sm := avg / (1 - math.Pow(c.Smooth, float64(len(res.LR)+1)))
		res.LR = append(res.LR, lr)
		res.Loss = append(res.Loss, f)
		res.Smoothed = append(res.Smoothed, sm)
		recorded = len(res.LR)
		g := batchGrad(p)
		if rng != nil {
			g.X += c.Run.Noise * rng.NormFloat64()
			g.Y += c.Run.Noise * rng.NormFloat64()
		}
		p = o.Step(p, clipGradNorm(g, c.Run.ClipGradNorm), lr) // noise, then clipping, as Run.Step
		res.X = append(res.X, p.X)
		res.Y = append(res.Y, p.Y)
		best = math.Min(best, sm)
		if sm > c.Diverge*best {
			res.Diverged = true
			break
		}
	}
	res.Window = finderWindow(len(res.LR), recorded, cut, n)
	res.Suggestions, res.ValleyFrom, res.ValleyTo = suggest(res.LR, res.Smoothed, res.Window)
	return res, nil
}

// finderWindow is fastai's trimming of the recorded points before the
// suggestion rules: [numIter/10 : −5] of the recorded points (as Python
// slices them), cut before the first NaN (cut ≥ 0), within the n points
// kept here; empty (lo = hi) when nothing is left.
func finderWindow(n, recorded, cut, numIter int) [2]int {
	lo, hi := min(numIter/10, n), recorded-5
	if cut >= 0 {
		hi = min(hi, cut)
	}
	return [2]int{lo, max(lo, min(hi, n))}
}

// MinFinderWindow is the fewest points fastai's rules need (its steep rule
// takes the slope between two).
const MinFinderWindow = 2

func suggest(lrs, smoothed []float64, w [2]int) (Suggestions, int, int) {
	if w[1]-w[0] < MinFinderWindow {
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
// contiguous, which it is when the losses fall steadily. fastai sets
// maxStart only when some loss falls (else it stays 0, and idx is 0); when
// idx is −1 (the longest run is two points ending at index 1), Python's
// lrs[−1] is the last point, and so is ValleyIndex's.
func ValleyIndex(losses []float64) (idx, from, to int) {
	n := len(losses)
	if n == 0 {
		panic("sim: ValleyIndex of no losses")
	}
	lds := make([]int, n)
	for i := range lds {
		lds[i] = 1
	}
	maxStart, maxEnd := 0, 0
	for i := 1; i < n; i++ {
		for j := range i {
			if losses[i] < losses[j] && lds[i] < lds[j]+1 {
				lds[i] = lds[j] + 1
			}
		}
		if lds[maxEnd] < lds[i] {
			maxEnd = i
			maxStart = maxEnd - lds[maxEnd]
		}
	}
	sections := float64(maxEnd-maxStart) / 3
	idx = maxStart + int(sections) + int(sections/2)
	if idx < 0 {
		idx += n // Python's negative index
	}
	return idx, maxEnd - lds[maxEnd] + 1, maxEnd
}

// SteepIndex is fastai's "steep" rule: the slopes between neighbouring
// points against ln(LR), (losses[i+1] − losses[i]) / (ln lrs[i+1] − ln
// lrs[i]), and the index i of the smallest (the first on a tie, as torch's
// argmin), the left end of the steepest segment. With one point (where
// fastai fails) it returns 0; the LRs must be strictly increasing.
func SteepIndex(lrs, losses []float64) int {
	n := len(losses)
	if len(lrs) != n || n == 0 {
		panic(fmt.Sprintf("sim: SteepIndex with %d LRs and %d losses", len(lrs), n))
	}
	best, bestG := 0, math.Inf(1)
	for i := 0; i+1 < n; i++ {
		g := (losses[i+1] - losses[i]) / (math.Log(lrs[i+1]) - math.Log(lrs[i]))
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

// SuggestionTrial is one suggested LR tried out: the test's optimizer at
// that constant LR, from the test's start, with its noise, for Steps steps.
type SuggestionTrial struct {
	Rule      string  // RuleValley, RuleSteep or RuleMinimum
	LR        float64 // the suggested LR
	FinalLoss float64 // f at the last point reached (the last before a divergence)
	Diverged  bool    // the run broke the divergence rule
}

// TrySuggestions trains with each of g's suggestions (fastai's order:
// valley, steep, minimum; zero LRs are skipped) as SuggestionTrial says,
// and returns the trials with the index of the one a student can use
// first: the lowest final loss among those that did not diverge (the first
// on a tie), or −1 when every one diverged or there was none. fastai's
// rules read the range test's curve only; on a noise-free surface valley
// often lands far below a useful LR, and minimum/10 can still be past the
// stability limit, so the suggestion offered first is the one that trains
// best here. steps is 1 … the caller's limit.
func TrySuggestions(s Surface, c FinderConfig, g Suggestions, steps int) ([]SuggestionTrial, int, error) {
	best := -1
	var out []SuggestionTrial
	for _, sg := range []Suggestion{g.Valley, g.Steep, g.Minimum} {
		if !(sg.LR > 0) {
			continue
		}
		opt := c.Optimizer
		opt.LR = sg.LR
		rc := c.Run // the tested run's settings, at the suggested constant LR
		rc.Optimizer, rc.Scheduler = opt, DefaultScheduler(SchedConstant, steps)
		r, err := NewRun(s, rc, steps)
		if err != nil {
			return nil, -1, err
		}
		tr := Simulate(r)
		tt := SuggestionTrial{Rule: sg.Rule, LR: sg.LR, FinalLoss: tr.Loss[len(tr.Loss)-1], Diverged: tr.Status == StatusDiverged}
		out = append(out, tt)
		if !tt.Diverged && (best < 0 || tt.FinalLoss < out[best].FinalLoss) {
			best = len(out) - 1
		}
	}
	return out, best, nil
}

// lerp is torch.lerp(start, end, weight), as fastai's AvgSmoothLoss calls it
// (torch.lerp(loss, val, beta)) and as torch computes it: start + weight·(end
// − start) for weight < 0.5, else end − (end − start)·(1 − weight).
func lerp(start, end, weight float64) float64 {
	if weight < 0.5 {
		return start + weight*(end-start)
	}
	return end - (end-start)*(1-weight)
}
