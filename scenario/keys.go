package scenario

import (
	"strings"

	"lrlab/sim"
)

// optimizerKeys lists, per optimizer, the PyTorch keyword names it takes
// besides "name", in PyTorch's order of the constructor's arguments.
var optimizerKeys = map[string][]string{
	sim.OptSGD:     {"lr", "momentum", "dampening", "nesterov", "weight_decay"},
	sim.OptAdam:    {"lr", "betas", "eps", "weight_decay", "amsgrad"},
	sim.OptAdamW:   {"lr", "betas", "eps", "weight_decay", "amsgrad"},
	sim.OptRMSprop: {"lr", "alpha", "eps", "weight_decay", "momentum", "centered"},
	sim.OptAdagrad: {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"},
}

// optimizerField returns a pointer to the field of c that key names: a
// *float64, *bool or *[2]float64.
func optimizerField(c *sim.OptimizerConfig, key string) any {
	switch key {
	case "lr":
		return &c.LR
	case "momentum":
		return &c.Momentum
	case "dampening":
		return &c.Dampening
	case "nesterov":
		return &c.Nesterov
	case "weight_decay":
		return &c.WeightDecay
	case "betas":
		return &c.Betas
	case "eps":
		return &c.Eps
	case "amsgrad":
		return &c.Amsgrad
	case "alpha":
		return &c.Alpha
	case "centered":
		return &c.Centered
	case "lr_decay":
		return &c.LRDecay
	case "initial_accumulator_value":
		return &c.InitialAccumulatorValue
	}
	panic("scenario: no optimizer key " + key)
}

// schedulerKeys lists, per scheduler, the keyword names it takes besides
// "name", in PyTorch's order of the constructor's arguments.
var schedulerKeys = map[string][]string{
	sim.SchedConstant:       {},
	sim.SchedStep:           {"step_size", "gamma"},
	sim.SchedMultiStep:      {"milestones", "gamma"},
	sim.SchedExponential:    {"gamma"},
	sim.SchedCosine:         {"T_max", "eta_min"},
	sim.SchedCosineRestarts: {"T_0", "T_mult", "eta_min"},
	sim.SchedLinear:         {"start_factor", "end_factor", "total_iters"},
	sim.SchedWarmupCosine:   {"warmup_steps", "start_factor", "eta_min"},
	sim.SchedOneCycle: {"max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor",
		"final_div_factor", "three_phase", "cycle_momentum", "base_momentum", "max_momentum"},
	sim.SchedCyclic: {"base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma"},
	sim.SchedWSD:    {"warmup_steps", "decay_steps", "decay_shape", "eta_min"},
	sim.SchedSilver: {},
}

// schedulerField returns a pointer to the field of c that key names: a
// *int, *float64, *bool, *string or *[]int.
func schedulerField(c *sim.SchedulerConfig, key string) any {
	switch key {
	case "step_size":
		return &c.StepSize
	case "gamma":
		return &c.Gamma
	case "milestones":
		return &c.Milestones
	case "T_max":
		return &c.TMax
	case "eta_min":
		return &c.EtaMin
	case "T_0":
		return &c.T0
	case "T_mult":
		return &c.TMult
	case "start_factor":
		return &c.StartFactor
	case "end_factor":
		return &c.EndFactor
	case "total_iters":
		return &c.TotalIters
	case "warmup_steps":
		return &c.WarmupSteps
	case "max_lr":
		return &c.MaxLR
	case "total_steps":
		return &c.TotalSteps
	case "pct_start":
		return &c.PctStart
	case "anneal_strategy":
		return &c.AnnealStrategy
	case "div_factor":
		return &c.DivFactor
	case "final_div_factor":
		return &c.FinalDivFactor
	case "three_phase":
		return &c.ThreePhase
	case "cycle_momentum":
		return &c.CycleMomentum
	case "base_momentum":
		return &c.BaseMomentum
	case "max_momentum":
		return &c.MaxMomentum
	case "base_lr":
		return &c.BaseLR
	case "step_size_up":
		return &c.StepSizeUp
	case "step_size_down":
		return &c.StepSizeDown
	case "mode":
		return &c.Mode
	case "decay_steps":
		return &c.DecaySteps
	case "decay_shape":
		return &c.DecayShape
	}
	panic("scenario: no scheduler key " + key)
}

// Structural bounds of values, checked before sim checks their meaning.
const (
	maxInt        = 1_000_000_000 // scheduler counts (T_max, step_size…)
	maxSeed       = 1<<53 - 1     // seeds stay exact in a browser's numbers
	maxMilestones = 1000
	maxString     = 32 // anneal_strategy, mode
	maxLabel      = 60
)

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// allowedKeys formats the keys an object takes, for error messages.
func allowedKeys(keys []string) string { return strings.Join(keys, ", ") }

// suggest returns the key of keys closest to s when it is a plausible typo
// (edit distance ≤ 2, or a difference of case only), else "".
func suggest(s string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if strings.EqualFold(k, s) {
			return k
		}
		if d := editDistance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if len(s) <= 2 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownKey is the error for a key an object does not take.
func unknownKey(path, key, what string, keys []string) error {
	msg := "unknown key " + quote(key)
	if s := suggest(key, keys); s != "" {
		msg += " (did you mean " + quote(s) + "?)"
	}
	if what != "" {
		msg += "; allowed for " + what + ": " + allowedKeys(keys)
	} else {
		msg += "; allowed: " + allowedKeys(keys)
	}
	return fieldError(join(path, key), msg)
}

// unknownName is the error for a name not in names.
func unknownName(path, what, name string, names []string, sentinel error) error {
	msg := "unknown " + what + " " + quote(name)
	if s := suggest(name, names); s != "" {
		msg += " (did you mean " + quote(s) + "?)"
	}
	return &sim.FieldError{Field: path, Msg: msg + "; allowed: " + strings.Join(names, ", "), Err: sentinel}
}
