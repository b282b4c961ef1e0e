package sim

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// This file holds the learning-rate schedulers. Each gives the LR that the
// PyTorch 1.13 class of the same name (torch/optim/lr_scheduler.py) has set
// after t calls of scheduler.step(), for one param group, in float64.
//
// PyTorch updates most schedulers recursively (the "chainable" get_lr: the
// new LR is computed from the previous one); here every LR is computed in
// closed form from t, so LR(t) is a pure function of t that allocates
// nothing. The two agree to about 1e-12 relative; the tests compare the
// closed forms with the recursions. Where PyTorch itself works in closed form
// (OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts' T_cur bookkeeping), the
// same operations are done in the same order.
//
// The horizon. In a run of `steps` steps PyTorch computes the LRs of steps
// 0 … steps: the constructor's value and one per scheduler.step(), the last
// one after the last optimizer step. NewScheduler checks that all of them
// are finite (and that PyTorch would not raise on any of them), and LR(t)
// for t > steps returns LR(steps), so LR never returns a non-finite value.

// Compile-time checks that every scheduler meets the interface.
var (
	_ Scheduler = (*constantSched)(nil)
	_ Scheduler = (*stepSched)(nil)
	_ Scheduler = (*multiStepSched)(nil)
	_ Scheduler = (*exponentialSched)(nil)
	_ Scheduler = (*cosineSched)(nil)
	_ Scheduler = (*restartsSched)(nil)
	_ Scheduler = (*linearSched)(nil)
	_ Scheduler = (*warmupCosineSched)(nil)
	_ Scheduler = (*oneCycleSched)(nil)
	_ Scheduler = (*cyclicSched)(nil)
)

// NewScheduler checks c and returns the scheduler for a run of the given
// number of steps (≥ 1) whose optimizer is named optimizer and has learning
// rate lr (> 0): PyTorch's base_lr, the LR the schedule scales. An empty
// name means "constant".
//
// A bad setting gives a *FieldError whose field is relative to the scheduler
// object, under PyTorch's keyword name ("gamma", "milestones[1]"); an
// unknown name gives one with field "name" that wraps ErrUnknownScheduler.
// Settings that would make PyTorch raise during the run (a OneCycleLR phase
// of zero length, more steps than total_steps) or make an LR non-finite are
// rejected too. A bad lr or steps, which the caller should have checked
// already, gives a *FieldError with an empty field.
//
// The scheduler's LR(t) and Momentum(t) are defined for 0 ≤ t ≤ steps (the
// values PyTorch computes in such a run); a larger t gives the value at
// steps, and a negative t panics.
func NewScheduler(c SchedulerConfig, lr float64, steps int, optimizer string) (Scheduler, error) {
	if steps < 1 {
		return nil, fieldErrorf("", "needs a run of at least 1 step, got %d", steps)
	}
	if !isFinite(lr) || lr <= 0 {
		return nil, fieldErrorf("", "needs the optimizer's lr to be > 0 and finite, got %v", lr)
	}
	h := horizon(steps)
	var (
		s     Scheduler
		err   error
		blame string // the setting to name when an LR turns out non-finite
	)
	switch c.Name {
	case "", SchedConstant:
		s = &constantSched{lr: lr}
	case SchedStep:
		s, err, blame = newStep(c, lr, h), checkStep(c), "gamma"
	case SchedMultiStep:
		err, blame = checkMultiStep(c), "gamma"
		if err == nil {
			s = newMultiStep(c, lr, h)
		}
	case SchedExponential:
		s, err, blame = &exponentialSched{horizon: h, lr: lr, gamma: c.Gamma}, schedPositive("gamma", c.Gamma), "gamma"
	case SchedCosine:
		s, err, blame = &cosineSched{horizon: h, base: lr, etaMin: c.EtaMin, tMax: c.TMax}, checkCosine(c), "eta_min"
	case SchedCosineRestarts:
		s, err, blame = &restartsSched{horizon: h, base: lr, etaMin: c.EtaMin, t0: c.T0, mult: c.TMult}, checkRestarts(c), "eta_min"
	case SchedLinear:
		s, err, blame = &linearSched{horizon: h, base: lr, start: c.StartFactor, end: c.EndFactor, total: c.TotalIters}, checkLinear(c), "start_factor"
	case SchedWarmupCosine:
		err, blame = checkWarmupCosine(c, steps), "eta_min"
		if err == nil {
			s = &warmupCosineSched{horizon: h, base: lr, start: c.StartFactor, warmup: c.WarmupSteps,
				cos: cosineSched{horizon: h, base: lr, etaMin: c.EtaMin, tMax: steps - c.WarmupSteps}}
		}
	case SchedOneCycle:
		s, err = newOneCycle(c, lr, h, optimizer)
		blame = "max_lr"
	case SchedCyclic:
		s, err = newCyclic(c, lr, h)
		blame = "max_lr"
	case SchedWSD, SchedSilver: // scheduler_research.go
		s, err, blame = newResearchSched(c, lr, steps, h)
	default:
		return nil, &FieldError{
			Field: "name",
			Msg:   fmt.Sprintf("unknown scheduler %q; allowed: %s", c.Name, strings.Join(SchedulerNames, ", ")),
			Err:   ErrUnknownScheduler,
		}
	}
	if err != nil {
		return nil, err
	}
	if err := schedCheckFinite(s, steps, lr, blame); err != nil {
		return nil, err
	}
	return s, nil
}

// schedCheckFinite checks every value s gives within the horizon.
func schedCheckFinite(s Scheduler, steps int, lr float64, blame string) error {
	for t := 0; t <= steps; t++ {
		v := s.LR(t)
		m, _ := s.Momentum(t)
		if !isFinite(v) || !isFinite(m) {
			return fieldErrorf(blame, "gives a non-finite LR at step %d with lr %v; allowed: values that keep every LR of the %d steps finite", t, lr, steps)
		}
	}
	return nil
}

// horizon is the last step whose LR PyTorch computes in a run: the number of
// steps. LR(t) for larger t is LR(horizon).
type horizon int

// at returns the step whose value LR(t) reports: t itself up to the horizon.
// A negative t is a programmer error.
func (h horizon) at(t int) int {
	if t < 0 {
		panic(fmt.Sprintf("sim: scheduler step %d < 0", t))
	}
	return min(t, int(h))
}

// Checks shared by the schedulers. Each names the field and says what is
// allowed.

func schedPositive(field string, v float64) error {
	if !isFinite(v) || v <= 0 {
		return fieldErrorf(field, "must be > 0 and finite, got %v", v)
	}
	return nil
}

func schedNonNegative(field string, v float64) error {
	if !isFinite(v) || v < 0 {
		return fieldErrorf(field, "must be ≥ 0 and finite, got %v", v)
	}
	return nil
}

func schedAtLeast(field string, v, least int) error {
	if v < least {
		return fieldErrorf(field, "must be an integer ≥ %d, got %d", least, v)
	}
	return nil
}

// schedFactor checks a value in (0, 1] (or [0, 1] when zeroOK).
func schedFactor(field string, v float64, zeroOK bool) error {
	if zeroOK {
		if !(v >= 0 && v <= 1) {
			return fieldErrorf(field, "must be in [0, 1], got %v", v)
		}
	} else if !(v > 0 && v <= 1) {
		return fieldErrorf(field, "must be in (0, 1], got %v", v)
	}
	return nil
}

// schedFirstErr returns the first non-nil error.
func schedFirstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// constantSched keeps the optimizer's LR: no scheduler at all.
type constantSched struct{ lr float64 }

func (s *constantSched) LR(t int) float64 {
	if t < 0 {
		panic(fmt.Sprintf("sim: scheduler step %d < 0", t))
	}
	return s.lr
}

func (s *constantSched) Momentum(int) (float64, bool) { return 0, false }

// stepSched is StepLR: lr·gamma^⌊t/step_size⌋.
type stepSched struct {
	horizon
	lr       float64
	gamma    float64
	stepSize int
}

func newStep(c SchedulerConfig, lr float64, h horizon) *stepSched {
	return &stepSched{horizon: h, lr: lr, gamma: c.Gamma, stepSize: max(1, c.StepSize)}
}

func checkStep(c SchedulerConfig) error {
	return schedFirstErr(schedAtLeast("step_size", c.StepSize, 1), schedPositive("gamma", c.Gamma))
}

func (s *stepSched) LR(t int) float64 {
	t = s.at(t)
	return s.lr * math.Pow(s.gamma, float64(t/s.stepSize))
}

func (s *stepSched) Momentum(int) (float64, bool) { return 0, false }

// multiStepSched is MultiStepLR: lr·gamma^k where k is the number of
// milestones ≤ t. lrs[k] holds lr·gamma^k.
type multiStepSched struct {
	horizon
	milestones []int
	lrs        []float64
}

func checkMultiStep(c SchedulerConfig) error {
	for i, m := range c.Milestones {
		field := fmt.Sprintf("milestones[%d]", i)
		if m < 0 {
			return fieldErrorf(field, "must be ≥ 0, got %d", m)
		}
		if i > 0 && m <= c.Milestones[i-1] {
			return fieldErrorf(field, "must be greater than milestones[%d] = %d (milestones strictly increase), got %d", i-1, c.Milestones[i-1], m)
		}
	}
	return schedPositive("gamma", c.Gamma)
}

func newMultiStep(c SchedulerConfig, lr float64, h horizon) *multiStepSched {
	s := &multiStepSched{horizon: h, milestones: append([]int(nil), c.Milestones...)}
	s.lrs = make([]float64, len(c.Milestones)+1)
	for k := range s.lrs {
		s.lrs[k] = lr * math.Pow(c.Gamma, float64(k))
	}
	return s
}

func (s *multiStepSched) LR(t int) float64 {
	t = s.at(t)
	k := sort.SearchInts(s.milestones, t+1) // milestones ≤ t, as bisect_right
	return s.lrs[k]
}

func (s *multiStepSched) Momentum(int) (float64, bool) { return 0, false }

// exponentialSched is ExponentialLR: lr·gamma^t.
type exponentialSched struct {
	horizon
	lr, gamma float64
}

func (s *exponentialSched) LR(t int) float64 {
	t = s.at(t)
	return s.lr * math.Pow(s.gamma, float64(t))
}

func (s *exponentialSched) Momentum(int) (float64, bool) { return 0, false }

// cosineSched is CosineAnnealingLR:
// eta_min + (base−eta_min)·(1 + cos(π·t/T_max))/2. Past T_max it keeps
// following the cosine (the LR rises again), as PyTorch's recursion does.
type cosineSched struct {
	horizon
	base, etaMin float64
	tMax         int
}

func checkCosine(c SchedulerConfig) error {
	return schedFirstErr(schedAtLeast("T_max", c.TMax, 1), schedNonNegative("eta_min", c.EtaMin))
}

func (s *cosineSched) LR(t int) float64 {
	return s.value(s.at(t))
}

// value is the closed form at t, without the horizon.
func (s *cosineSched) value(t int) float64 {
	return s.etaMin + (s.base-s.etaMin)*(1+math.Cos(math.Pi*float64(t)/float64(s.tMax)))/2
}

func (s *cosineSched) Momentum(int) (float64, bool) { return 0, false }

// restartsSched is CosineAnnealingWarmRestarts: the cosine of
// CosineAnnealingLR over a period T_i, restarted (T_cur = 0) at the end of
// each period, whose length is multiplied by T_mult at each restart.
type restartsSched struct {
	horizon
	base, etaMin float64
	t0, mult     int
}

func checkRestarts(c SchedulerConfig) error {
	return schedFirstErr(schedAtLeast("T_0", c.T0, 1), schedAtLeast("T_mult", c.TMult, 1), schedNonNegative("eta_min", c.EtaMin))
}

// period returns T_cur and T_i after t steps, as PyTorch's step() counts
// them: T_cur goes up by one and, on reaching T_i, wraps to 0 while T_i is
// multiplied by T_mult.
func (s *restartsSched) period(t int) (tCur, tI int) {
	if s.mult == 1 {
		return t % s.t0, s.t0
	}
	tCur, tI = t, s.t0
	for tCur >= tI {
		tCur -= tI
		if tI > math.MaxInt/s.mult {
			tI = math.MaxInt // beyond any step: the rest is one period
		} else {
			tI *= s.mult
		}
	}
	return tCur, tI
}

func (s *restartsSched) LR(t int) float64 {
	tCur, tI := s.period(s.at(t))
	return s.etaMin + (s.base-s.etaMin)*(1+math.Cos(math.Pi*float64(tCur)/float64(tI)))/2
}

func (s *restartsSched) Momentum(int) (float64, bool) { return 0, false }

// linearSched is LinearLR: base·(start + (end−start)·min(t, total)/total).
// With total_iters = 0 PyTorch's recursion keeps base·start_factor for ever
// (it never applies the end factor), and so does this.
type linearSched struct {
	horizon
	base, start, end float64
	total            int
}

func checkLinear(c SchedulerConfig) error {
	return schedFirstErr(schedFactor("start_factor", c.StartFactor, false), schedFactor("end_factor", c.EndFactor, true),
		schedAtLeast("total_iters", c.TotalIters, 0))
}

func (s *linearSched) LR(t int) float64 {
	t = s.at(t)
	if s.total == 0 {
		return s.base * s.start
	}
	return s.base * (s.start + (s.end-s.start)*float64(min(t, s.total))/float64(s.total))
}

func (s *linearSched) Momentum(int) (float64, bool) { return 0, false }

// warmupCosineSched is SequentialLR([LinearLR(start_factor, 1.0,
// total_iters=warmup_steps), CosineAnnealingLR(T_max=steps−warmup_steps,
// eta_min)], milestones=[warmup_steps]): a linear rise to the base LR over
// the warm-up, then (SequentialLR restarts the cosine with step(0), so it
// starts from the base LR) a cosine down to eta_min at the run's end. With no
// warm-up it is the cosine over the whole run, from the base LR (a literal
// SequentialLR with milestone 0 would instead start at base·start_factor and
// anneal from there).
type warmupCosineSched struct {
	horizon
	base, start float64
	warmup      int
	cos         cosineSched
}

func checkWarmupCosine(c SchedulerConfig, steps int) error {
	if c.WarmupSteps < 0 || c.WarmupSteps >= steps {
		return fieldErrorf("warmup_steps", "must be an integer ≥ 0 and < the run's %d steps, got %d", steps, c.WarmupSteps)
	}
	return schedFirstErr(schedFactor("start_factor", c.StartFactor, false), schedNonNegative("eta_min", c.EtaMin))
}

func (s *warmupCosineSched) LR(t int) float64 {
	t = s.at(t)
	if t < s.warmup {
		return s.base * (s.start + (1.0-s.start)*float64(t)/float64(s.warmup))
	}
	return s.cos.value(t - s.warmup)
}

func (s *warmupCosineSched) Momentum(int) (float64, bool) { return 0, false }

// oneCyclePhase is one phase of OneCycleLR: from the previous phase's end
// step (0 for the first) to end, the LR anneals from startLR to endLR and the
// momentum from startM to endM.
type oneCyclePhase struct {
	end            float64
	startLR, endLR float64
	startM, endM   float64
}

// oneCycleSched is OneCycleLR with total_steps given: a rise from
// max_lr/div_factor to max_lr, then a fall to min_lr (three_phase: a fall
// back to the initial LR, then a fall to min_lr), with the momentum moving
// the other way between max_momentum and base_momentum.
type oneCycleSched struct {
	horizon
	phases [3]oneCyclePhase
	n      int  // phases in use: 2 or 3
	cos    bool // anneal_strategy "cos"; else "linear"
	cycle  bool // cycle_momentum
}

func newOneCycle(c SchedulerConfig, lr float64, h horizon, optimizer string) (*oneCycleSched, error) {
	steps := int(h)
	maxLR := c.MaxLR
	if maxLR == 0 {
		maxLR = lr
	}
	if err := schedPositive("max_lr", maxLR); err != nil {
		return nil, err
	}
	if c.TotalSteps < steps {
		return nil, fieldErrorf("total_steps", "must be an integer ≥ the run's %d steps (PyTorch raises past total_steps), got %d", steps, c.TotalSteps)
	}
	if !(c.PctStart > 0 && c.PctStart < 1) {
		return nil, fieldErrorf("pct_start", "must be in (0, 1), got %v", c.PctStart)
	}
	if c.AnnealStrategy != "cos" && c.AnnealStrategy != "linear" {
		return nil, fieldErrorf("anneal_strategy", "must be \"cos\" or \"linear\", got %q", c.AnnealStrategy)
	}
	if err := schedFirstErr(schedPositive("div_factor", c.DivFactor), schedPositive("final_div_factor", c.FinalDivFactor)); err != nil {
		return nil, err
	}
	initialLR := maxLR / c.DivFactor
	if !isFinite(initialLR) {
		return nil, fieldErrorf("div_factor", "makes max_lr/div_factor non-finite (max_lr %v); allowed: values that keep it finite, got %v", maxLR, c.DivFactor)
	}
	minLR := initialLR / c.FinalDivFactor
	if !isFinite(minLR) {
		return nil, fieldErrorf("final_div_factor", "makes the final LR non-finite (initial LR %v); allowed: values that keep it finite, got %v", initialLR, c.FinalDivFactor)
	}
	if c.CycleMomentum {
		if optimizer == OptAdagrad {
			return nil, fieldErrorf("cycle_momentum", "adagrad has no momentum or beta1 to cycle; set cycle_momentum=false")
		}
		if err := schedFirstErr(schedMomentum("base_momentum", c.BaseMomentum), schedMomentum("max_momentum", c.MaxMomentum)); err != nil {
			return nil, err
		}
	}
	s := &oneCycleSched{horizon: h, cos: c.AnnealStrategy == "cos", cycle: c.CycleMomentum}
	n, pct := float64(c.TotalSteps), c.PctStart
	lo, hi := c.BaseMomentum, c.MaxMomentum
	if c.ThreePhase {
		s.n = 3
		s.phases[0] = oneCyclePhase{end: pct*n - 1, startLR: initialLR, endLR: maxLR, startM: hi, endM: lo}
		s.phases[1] = oneCyclePhase{end: 2*pct*n - 2, startLR: maxLR, endLR: initialLR, startM: lo, endM: hi}
		s.phases[2] = oneCyclePhase{end: n - 1, startLR: initialLR, endLR: minLR, startM: hi, endM: hi}
	} else {
		s.n = 2
		s.phases[0] = oneCyclePhase{end: pct*n - 1, startLR: initialLR, endLR: maxLR, startM: hi, endM: lo}
		s.phases[1] = oneCyclePhase{end: n - 1, startLR: maxLR, endLR: minLR, startM: lo, endM: hi}
	}
	for t := 0; t <= steps; t++ {
		if _, _, ok := s.value(t); !ok {
			return nil, fieldErrorf("pct_start", "gives a phase of zero length with total_steps %d, on which PyTorch divides by zero at step %d; allowed: values with pct_start·total_steps ≠ 1 (three_phase: and 2·pct_start·total_steps ≠ total_steps+1), got %v",
				c.TotalSteps, t, c.PctStart)
		}
	}
	return s, nil
}

// schedMomentum checks a momentum or beta1 value in [0, 1).
func schedMomentum(field string, v float64) error {
	if !(v >= 0 && v < 1) {
		return fieldErrorf(field, "must be in [0, 1), got %v", v)
	}
	return nil
}

// value returns the LR and momentum after t steps, as PyTorch's get_lr
// computes them; ok is false where PyTorch would divide by zero.
func (s *oneCycleSched) value(t int) (lr, m float64, ok bool) {
	step := float64(t)
	start := 0.0
	for i := 0; i < s.n; i++ {
		p := &s.phases[i]
		if step <= p.end || i == s.n-1 {
			width := p.end - start
			if width == 0 {
				return 0, 0, false
			}
			pct := (step - start) / width
			return s.anneal(p.startLR, p.endLR, pct), s.anneal(p.startM, p.endM, pct), true
		}
		start = p.end
	}
	panic("unreachable: the last phase always matches")
}

// anneal is OneCycleLR's _annealing_cos or _annealing_linear: from `from` at
// pct = 0 to `to` at pct = 1.
func (s *oneCycleSched) anneal(from, to, pct float64) float64 {
	if s.cos {
		return to + (from-to)/2.0*(math.Cos(math.Pi*pct)+1)
	}
	return (to-from)*pct + from
}

func (s *oneCycleSched) LR(t int) float64 {
	lr, _, _ := s.value(s.at(t))
	return lr
}

// Momentum returns the cycled momentum (or beta1) when cycle_momentum is
// set.
func (s *oneCycleSched) Momentum(t int) (float64, bool) {
	if !s.cycle {
		return 0, false
	}
	_, m, _ := s.value(s.at(t))
	return m, true
}

// Cyclic modes.
const (
	cyclicTriangular  = "triangular"
	cyclicTriangular2 = "triangular2"
	cyclicExpRange    = "exp_range"
)

// cyclicSched is CyclicLR without momentum cycling: the LR goes up from
// base_lr to max_lr in step_size_up steps and back in step_size_down steps,
// the amplitude scaled per cycle (triangular: 1, triangular2: halved each
// cycle) or per step (exp_range: gamma^t).
type cyclicSched struct {
	horizon
	base, max float64
	totalSize float64 // step_size_up + step_size_down
	stepRatio float64 // step_size_up / totalSize
	mode      string
	gamma     float64
}

func newCyclic(c SchedulerConfig, lr float64, h horizon) (*cyclicSched, error) {
	maxLR := c.MaxLR
	if maxLR == 0 {
		maxLR = lr
	}
	if err := schedPositive("max_lr", maxLR); err != nil {
		return nil, err
	}
	baseLR := c.BaseLR
	if baseLR == 0 {
		baseLR = maxLR / 10
	}
	if err := schedPositive("base_lr", baseLR); err != nil {
		return nil, err
	}
	if err := schedAtLeast("step_size_up", c.StepSizeUp, 1); err != nil {
		return nil, err
	}
	if c.StepSizeDown < 0 {
		return nil, fieldErrorf("step_size_down", "must be an integer ≥ 0 (0 means step_size_up), got %d", c.StepSizeDown)
	}
	switch c.Mode {
	case cyclicTriangular, cyclicTriangular2:
	case cyclicExpRange:
		if !(c.Gamma > 0 && c.Gamma <= 1) {
			return nil, fieldErrorf("gamma", "must be in (0, 1] for mode exp_range, got %v", c.Gamma)
		}
	default:
		return nil, fieldErrorf("mode", "must be %q, %q or %q, got %q", cyclicTriangular, cyclicTriangular2, cyclicExpRange, c.Mode)
	}
	up := float64(c.StepSizeUp)
	down := up
	if c.StepSizeDown > 0 {
		down = float64(c.StepSizeDown)
	}
	total := up + down
	return &cyclicSched{horizon: h, base: baseLR, max: maxLR, totalSize: total, stepRatio: up / total,
		mode: c.Mode, gamma: c.Gamma}, nil
}

func (s *cyclicSched) LR(t int) float64 {
	t = s.at(t)
	cycle := math.Floor(1 + float64(t)/s.totalSize)
	x := 1 + float64(t)/s.totalSize - cycle
	var scale float64
	if x <= s.stepRatio {
		scale = x / s.stepRatio
	} else {
		scale = (x - 1) / (s.stepRatio - 1)
	}
	height := (s.max - s.base) * scale
	switch s.mode {
	case cyclicTriangular2:
		return s.base + height*(1/math.Pow(2, cycle-1))
	case cyclicExpRange:
		return s.base + height*math.Pow(s.gamma, float64(t))
	}
	return s.base + height
}

func (s *cyclicSched) Momentum(int) (float64, bool) { return 0, false }
