package sim

import "math"

// The cyclical schedulers, whose LR rises as well as falls: OneCycleLR
// (which also cycles the momentum) and CyclicLR. The others are in
// scheduler.go, the research lessons' in scheduler_research.go.

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
