package sim

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// Defaults of an LR sweep, and the most LRs it may try.
const (
	DefaultSweepNum   = 40
	DefaultSweepLRMin = 1e-5
	DefaultSweepLRMax = 10.0
	MaxSweepNum       = 1000 // largest Num, or length of LRs, accepted
)

// SweepConfig sets up an LR sweep: every optimizer at every LR with every
// seed, each run from Run.Start for Steps steps. Zero fields marked so take
// their default.
type SweepConfig struct {
	Surface Surface // the surface, not nil
	// Run holds the run-level settings every run shares, as a scenario's run
	// has them: the start, the gradient noise σ, the batch size on a data
	// surface (0: the whole data set; with mini-batches every seed is run),
	// the gradient clipping, and any run-level setting added later. Its
	// optimizer, scheduler, seed and label are not read: the sweep's are.
	Run        RunConfig
	Steps      int               // steps per run, ≥ 1
	Optimizers []OptimizerConfig // at least one; their LR is replaced by the sweep's
	// Scheduler applies to every run, built for the run's LR; the zero
	// value (empty name) means constant.
	Scheduler SchedulerConfig
	// LRs, when not empty, lists the LRs to try (each > 0 and finite);
	// they are sorted and duplicates removed. Otherwise Num LRs are spaced
	// evenly in log from LRMin to LRMax, both ends included exactly.
	LRs   []float64
	LRMin float64 // lowest LR, > 0; 0 means 1e-5
	LRMax float64 // highest LR, ≥ LRMin; 0 means 10
	Num   int     // number of LRs, 1 … 1000; 0 means 40 (with 1, only LRMin)
	// Seeds of the gradient noise and the mini-batches; empty means {1}.
	// Without either every seed gives the same run, so only the first is
	// run.
	Seeds []uint64
}

// SweepPoint is the outcome of one optimizer at one LR, over the seeds.
type SweepPoint struct {
	Optimizer string  // the optimizer's label (OptimizerLabel)
	OptIndex  int     // its index in SweepConfig.Optimizers
	LR        float64 // the LR
	// FinalLoss is the median over seeds of each run's final loss. A run
	// that diverged contributes its last finite loss (the point Run.Current
	// shows). Always finite.
	FinalLoss float64
	// Diverged reports whether any seed's run diverged; DivergedAt is the
	// earliest step at which one did (−1 if none); DivergedRuns counts them.
	Diverged     bool
	DivergedAt   int
	DivergedRuns int
	// LossMin and LossMax are the lowest and highest final loss over the
	// seeds (both FinalLoss with one seed or no noise).
	LossMin, LossMax float64
	// Runs is the number of runs behind the point (seeds actually run).
	Runs int
}

// SweepResult holds the points of a sweep ordered by optimizer (in the
// order of SweepConfig.Optimizers) then by increasing LR.
type SweepResult struct {
	LRs    []float64 // the LRs tried, increasing
	Points []SweepPoint
}

// LogSpace returns n values from lo to hi spaced evenly in log, with lo and
// hi exactly at the ends. n = 1 gives {lo}.
func LogSpace(lo, hi float64, n int) []float64 {
	if n < 1 {
		return nil
	}
	v := make([]float64, n)
	v[0] = lo
	if n == 1 {
		return v
	}
	a, b := math.Log(lo), math.Log(hi)
	for i := 1; i < n-1; i++ {
		v[i] = math.Exp(a + (b-a)*float64(i)/float64(n-1))
	}
	v[n-1] = hi
	return v
}

// OptimizerLabel names an optimizer setting briefly, for legends: the name,
// then the settings that set plain sgd apart ("sgd momentum=0.9 nesterov").
func OptimizerLabel(c OptimizerConfig) string {
	s := c.Name
	if c.Momentum != 0 && (c.Name == OptSGD || c.Name == OptRMSprop) {
		s += " momentum=" + strconv.FormatFloat(c.Momentum, 'g', -1, 64)
	}
	if c.Nesterov && c.Name == OptSGD {
		s += " nesterov"
	}
	return s
}

func (c *SweepConfig) lrs() ([]float64, error) {
	if len(c.LRs) > 0 {
		for i, lr := range c.LRs {
			if !isFinite(lr) || lr <= 0 {
				return nil, fieldErrorf(fmt.Sprintf("lrs[%d]", i), "must be > 0 and finite, got %v", lr)
			}
		}
		if len(c.LRs) > MaxSweepNum {
			return nil, fieldErrorf("lrs", "at most %d LRs, got %d", MaxSweepNum, len(c.LRs))
		}
		l := slices.Clone(c.LRs)
		slices.Sort(l)
		return slices.Compact(l), nil
	}
	lo, hi, n := c.LRMin, c.LRMax, c.Num
	if lo == 0 {
		lo = DefaultSweepLRMin
	}
	if hi == 0 {
		hi = DefaultSweepLRMax
	}
	if n == 0 {
		n = DefaultSweepNum
	}
	switch {
	case !isFinite(lo) || lo <= 0:
		return nil, fieldErrorf("lr_min", "must be > 0 and finite, got %v", lo)
	case !isFinite(hi) || hi < lo:
		return nil, fieldErrorf("lr_max", "must be finite and ≥ lr_min (%v), got %v", lo, hi)
	case n < 1 || n > MaxSweepNum:
		return nil, fieldErrorf("num", "must be 1 … %d, got %d", MaxSweepNum, n)
	}
	return LogSpace(lo, hi, n), nil
}

// SeedsRun is the number of seeds the sweep runs: all of Seeds (at least
// one) when the runs are random (gradient noise, or mini-batches on a data
// surface), else one, since every seed would give the same run.
func (c SweepConfig) SeedsRun() int {
	if c.Run.Noise == 0 && !MiniBatched(c.Surface, c.Run.BatchSize) {
		return 1
	}
	return max(len(c.Seeds), 1)
}

// sweepRun returns base's run with optimizer opt at lr and seed, under sched
// (constant when its name is empty).
func sweepRun(base RunConfig, opt OptimizerConfig, sched SchedulerConfig, lr float64, seed uint64) RunConfig {
	opt.LR = lr
	if sched.Name == "" {
		sched = DefaultScheduler(SchedConstant, 0)
	}
	rc := base
	rc.Optimizer, rc.Scheduler, rc.Seed = opt, sched, seed
	return rc
}

// runOutcome is the end of one run.
type runOutcome struct {
	final      Location
	divergedAt int // −1 unless diverged
}

// runToEnd takes every step of r, checking ctx every 256 steps.
func runToEnd(ctx context.Context, r *Run) (runOutcome, error) {
	for i := 0; r.Step(); i++ {
		if i&255 == 255 && ctx.Err() != nil {
			return runOutcome{}, ctx.Err()
		}
	}
	return runOutcome{final: r.Current(), divergedAt: r.DivergedAt()}, nil
}

// parallelRuns calls do(i) for i in [0, n) on runtime.GOMAXPROCS(0)
// goroutines and done(i, result) on the caller's goroutine as each ends. It
// returns the first error, or ctx.Err() as soon as ctx is done.
func parallelRuns[T any](ctx context.Context, n int, do func(ctx context.Context, i int) (T, error), done func(i int, v T)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	type result struct {
		i   int
		v   T
		err error
	}
	jobs := make(chan int)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range jobs {
				v, err := do(ctx, i)
				select {
				case results <- result{i, v, err}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() { cancel(); wg.Wait() }()
	for range n {
		select {
		case r := <-results:
			if r.err != nil {
				return r.err
			}
			done(r.i, r.v)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Sweep runs every (optimizer, LR, seed) of c on all cores and summarises
// each (optimizer, LR) over the seeds. progress, when not nil, is called on
// the caller's goroutine after each run with the number of runs done and the
// total. Bad settings are returned as *FieldError (an optimizer's error with
// its index, "optimizers[1].momentum"); when ctx is done, Sweep returns
// ctx.Err() promptly.
func Sweep(ctx context.Context, c SweepConfig, progress func(done, total int)) (SweepResult, error) {
	if c.Surface == nil {
		panic("sim: Sweep with nil surface")
	}
	lrs, err := c.lrs()
	if err != nil {
		return SweepResult{}, err
	}
	if len(c.Optimizers) == 0 {
		return SweepResult{}, fieldErrorf("optimizers", "must list at least one optimizer")
	}
	seeds := c.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{1}
	}
	seeds = seeds[:c.SeedsRun()]
	// Check every setting once, at the lowest LR, before starting.
	for i, o := range c.Optimizers {
		o.LR = lrs[0]
		if _, err := NewOptimizer(o); err != nil {
			return SweepResult{}, Prefix(fmt.Sprintf("optimizers[%d]", i), err)
		}
	}
	if _, err := NewRun(c.Surface, sweepRun(c.Run, c.Optimizers[0], c.Scheduler, lrs[0], seeds[0]), c.Steps); err != nil {
		return SweepResult{}, err
	}

	nl, ns := len(lrs), len(seeds)
	total := len(c.Optimizers) * nl * ns
	outs := make([]runOutcome, total)
	count := 0
	err = parallelRuns(ctx, total, func(ctx context.Context, k int) (runOutcome, error) {
		oi, li, si := k/(nl*ns), k/ns%nl, k%ns
		r, err := NewRun(c.Surface, sweepRun(c.Run, c.Optimizers[oi], c.Scheduler, lrs[li], seeds[si]), c.Steps)
		if err != nil {
			return runOutcome{}, Prefix(fmt.Sprintf("optimizers[%d]", oi), err)
		}
		return runToEnd(ctx, r)
	}, func(k int, o runOutcome) {
		outs[k] = o
		count++
		if progress != nil {
			progress(count, total)
		}
	})
	if err != nil {
		return SweepResult{}, err
	}

	res := SweepResult{LRs: lrs, Points: make([]SweepPoint, 0, len(c.Optimizers)*nl)}
	finals := make([]float64, ns)
	for oi, o := range c.Optimizers {
		label := OptimizerLabel(o)
		for li, lr := range lrs {
			pt := SweepPoint{Optimizer: label, OptIndex: oi, LR: lr, DivergedAt: -1, Runs: ns}
			for si := range ns {
				out := outs[(oi*nl+li)*ns+si]
				finals[si] = out.final.Loss
				if out.divergedAt >= 0 {
					pt.DivergedRuns++
					if !pt.Diverged || out.divergedAt < pt.DivergedAt {
						pt.DivergedAt = out.divergedAt
					}
					pt.Diverged = true
				}
			}
			pt.LossMin, pt.LossMax = slices.Min(finals), slices.Max(finals)
			pt.FinalLoss = median(finals)
			res.Points = append(res.Points, pt)
		}
	}
	return res, nil
}

// median returns the median of v (the mean of the middle two for an even
// length), sorting v in place.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return 0.5 * (v[n/2-1] + v[n/2])
}
