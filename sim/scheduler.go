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
