package sim

// Optimizer names, as PyTorch spells the classes in lower case.
const (
	OptSGD     = "sgd"
	OptAdam    = "adam"
	OptAdamW   = "adamw"
	OptRMSprop = "rmsprop"
	OptAdagrad = "adagrad"
)

// OptimizerNames lists the optimizers in the order the UI shows them.
var OptimizerNames = []string{OptSGD, OptAdam, OptAdamW, OptRMSprop, OptAdagrad}

// OptimizerConfig holds an optimizer's name and every hyper-parameter under
// PyTorch's keyword name. Only the fields of the named optimizer are used:
//
//	sgd:     LR, Momentum, Dampening, Nesterov, WeightDecay
//	adam:    LR, Betas, Eps, WeightDecay, Amsgrad
//	adamw:   LR, Betas, Eps, WeightDecay, Amsgrad
//	rmsprop: LR, Alpha, Eps, WeightDecay, Momentum, Centered
//	adagrad: LR, LRDecay, WeightDecay, InitialAccumulatorValue, Eps
//
// The zero value is not a usable configuration (LR 0 is rejected): start from
// DefaultOptimizer, which holds PyTorch 1.13's defaults.
type OptimizerConfig struct {
	Name                    string
	LR                      float64    // learning rate, > 0
	Momentum                float64    // sgd, rmsprop: momentum factor in [0, 1)
	Dampening               float64    // sgd: dampening for momentum in [0, 1]
	Nesterov                bool       // sgd: Nesterov momentum (needs momentum > 0, dampening 0)
	WeightDecay             float64    // L2 penalty (decoupled for adamw), ≥ 0
	Betas                   [2]float64 // adam, adamw: coefficients of the running averages, each in [0, 1)
	Eps                     float64    // adam, adamw, rmsprop, adagrad: term added to the denominator, ≥ 0
	Amsgrad                 bool       // adam, adamw: use the maximum of past squared-gradient averages
	Alpha                   float64    // rmsprop: smoothing constant in [0, 1]
	Centered                bool       // rmsprop: normalise by an estimate of the gradient's variance
	LRDecay                 float64    // adagrad: learning-rate decay, ≥ 0
	InitialAccumulatorValue float64    // adagrad: starting value of the sum of squares, ≥ 0
}

// DefaultOptimizer returns PyTorch 1.13's defaults for the named optimizer,
// with lr set to lr (PyTorch's own default lr where it has one is 1e-3 for
// adam/adamw, 1e-2 for rmsprop/adagrad; sgd has none). The name is not
// checked here: NewOptimizer rejects unknown names.
func DefaultOptimizer(name string, lr float64) OptimizerConfig {
	c := OptimizerConfig{Name: name, LR: lr}
	switch name {
	case OptAdam, OptAdamW:
		c.Betas = [2]float64{0.9, 0.999}
		c.Eps = 1e-8
		if name == OptAdamW {
			c.WeightDecay = 1e-2
		}
	case OptRMSprop:
		c.Alpha = 0.99
		c.Eps = 1e-8
	case OptAdagrad:
		c.Eps = 1e-10
	}
	return c
}

// Optimizer is one optimizer's state for one 2D parameter. It follows the
// update rules of the PyTorch class of the same name (1.13, single-tensor,
// maximize=False, foreach=False, float64).
type Optimizer interface {
	// Step returns the parameter after one update from p with gradient g
	// (noise already added) at learning rate lr, and advances the state.
	Step(p, g Point, lr float64) Point
	// SetMomentum sets the value that schedulers with momentum cycling
	// change: sgd's and rmsprop's momentum, adam's and adamw's beta1.
	// Optimizers without one (adagrad) ignore it.
	SetMomentum(m float64)
	// Velocity returns the current momentum buffer (sgd, rmsprop) or first
	// moment estimate (adam, adamw); zero when there is none.
	Velocity() Point
	// Config returns the settings in use (with a cycled momentum applied).
	Config() OptimizerConfig
	// Reconfigure replaces the hyper-parameters and keeps the state, as
	// editing a PyTorch param_group does. c.Name must equal the current name.
	Reconfigure(c OptimizerConfig) error
}

// Scheduler names.
const (
	SchedConstant       = "constant"
	SchedStep           = "step"
	SchedMultiStep      = "multistep"
	SchedExponential    = "exponential"
	SchedCosine         = "cosine"
	SchedCosineRestarts = "cosine_restarts"
	SchedLinear         = "linear"
	SchedWarmupCosine   = "warmup_cosine"
	SchedOneCycle       = "onecycle"
	SchedCyclic         = "cyclic"
)

// SchedulerNames lists the schedulers in the order the UI shows them.
var SchedulerNames = []string{SchedConstant, SchedStep, SchedMultiStep, SchedExponential,
	SchedCosine, SchedCosineRestarts, SchedLinear, SchedWarmupCosine, SchedOneCycle, SchedCyclic,
	SchedWSD, SchedSilver}

// SchedulerConfig holds a scheduler's name and settings under PyTorch's
// keyword names. Only the fields of the named scheduler are used:
//
//	constant:        (none)
//	step:            StepSize, Gamma                       (StepLR)
//	multistep:       Milestones, Gamma                     (MultiStepLR)
//	exponential:     Gamma                                 (ExponentialLR)
//	cosine:          TMax, EtaMin                          (CosineAnnealingLR)
//	cosine_restarts: T0, TMult, EtaMin                     (CosineAnnealingWarmRestarts)
//	linear:          StartFactor, EndFactor, TotalIters    (LinearLR)
//	warmup_cosine:   WarmupSteps, StartFactor, EtaMin      (SequentialLR of LinearLR then CosineAnnealingLR)
//	onecycle:        MaxLR, TotalSteps, PctStart, AnnealStrategy, DivFactor,
//	                 FinalDivFactor, ThreePhase, CycleMomentum, BaseMomentum, MaxMomentum (OneCycleLR)
//	cyclic:          BaseLR, MaxLR, StepSizeUp, StepSizeDown, Mode, Gamma (CyclicLR, no momentum cycling)
//	wsd:             WarmupSteps, DecaySteps, DecayShape, EtaMin (warmup–stable–decay; LambdaLR in PyTorch)
//	silver:          (none)  (the silver stepsizes of Altschuler & Parrilo; LambdaLR in PyTorch)
//
// Start from DefaultScheduler, which fills PyTorch's defaults and, where
// PyTorch has none, values derived from the number of steps.
type SchedulerConfig struct {
	Name           string
	StepSize       int     // step: decay every StepSize steps, ≥ 1
	Gamma          float64 // step, multistep, exponential: decay factor > 0; cyclic: exp_range base
	Milestones     []int   // multistep: strictly increasing steps, each ≥ 0
	TMax           int     // cosine: half period in steps, ≥ 1
	EtaMin         float64 // cosine, cosine_restarts, warmup_cosine: lowest LR, ≥ 0
	T0             int     // cosine_restarts: length of the first period, ≥ 1
	TMult          int     // cosine_restarts: period growth factor, ≥ 1
	StartFactor    float64 // linear, warmup_cosine: factor at step 0, in (0, 1]
	EndFactor      float64 // linear: factor from TotalIters on, in [0, 1]
	TotalIters     int     // linear: steps to go from StartFactor to EndFactor, ≥ 0
	WarmupSteps    int     // warmup_cosine: steps of linear warm-up, ≥ 0 and < the run's steps
	MaxLR          float64 // onecycle, cyclic: peak LR; 0 means the optimizer's lr
	TotalSteps     int     // onecycle: length of the cycle, ≥ the run's steps
	PctStart       float64 // onecycle: fraction of the cycle spent rising, in (0, 1)
	AnnealStrategy string  // onecycle: "cos" or "linear"
	DivFactor      float64 // onecycle: initial_lr = max_lr/div_factor, > 0
	FinalDivFactor float64 // onecycle: min_lr = initial_lr/final_div_factor, > 0
	ThreePhase     bool    // onecycle: fastai's three-phase schedule
	CycleMomentum  bool    // onecycle: cycle momentum (sgd, rmsprop) or beta1 (adam, adamw) inversely to the LR
	BaseMomentum   float64 // onecycle: lowest momentum, at the LR's peak
	MaxMomentum    float64 // onecycle: highest momentum, at the start and end
	BaseLR         float64 // cyclic: lowest LR; 0 means MaxLR/10
	StepSizeUp     int     // cyclic: steps rising, ≥ 1
	StepSizeDown   int     // cyclic: steps falling; 0 means StepSizeUp
	Mode           string  // cyclic: "triangular", "triangular2" or "exp_range"
	DecaySteps     int     // wsd: steps of the final decay, ≥ 0; warmup_steps + decay_steps ≤ the run's steps
	DecayShape     string  // wsd: "linear", "cosine" or "1-sqrt"
}

// DefaultScheduler returns the defaults for the named scheduler in a run of
// the given number of steps: PyTorch's defaults where PyTorch has one, and
// otherwise (a required argument in PyTorch) these:
//
//	step:            step_size = max(1, steps/4), gamma = 0.1 (PyTorch's)
//	multistep:       milestones = [steps/2, 3·steps/4], gamma = 0.1 (PyTorch's)
//	exponential:     gamma = 0.99
//	cosine:          T_max = steps
//	cosine_restarts: T_0 = max(1, steps/4)
//	warmup_cosine:   warmup_steps = steps/10, start_factor = 0.01
//	onecycle:        max_lr = the optimizer's lr, total_steps = steps
//	cyclic:          max_lr = the optimizer's lr, base_lr = max_lr/10
//	wsd:             warmup_steps = steps/10, decay_steps = steps/5, decay_shape = "1-sqrt"
func DefaultScheduler(name string, steps int) SchedulerConfig {
	c := SchedulerConfig{Name: name}
	quarter := max(1, steps/4)
	switch name {
	case SchedStep:
		c.StepSize, c.Gamma = quarter, 0.1
	case SchedMultiStep:
		c.Milestones, c.Gamma = []int{steps / 2, 3 * steps / 4}, 0.1
		if c.Milestones[0] == c.Milestones[1] {
			c.Milestones = c.Milestones[:1]
		}
	case SchedExponential:
		c.Gamma = 0.99
	case SchedCosine:
		c.TMax = max(1, steps)
	case SchedCosineRestarts:
		c.T0, c.TMult = quarter, 1
	case SchedLinear:
		c.StartFactor, c.EndFactor, c.TotalIters = 1.0/3, 1.0, 5
	case SchedWarmupCosine:
		c.WarmupSteps, c.StartFactor = steps/10, 0.01
	case SchedOneCycle:
		c.TotalSteps = max(1, steps)
		c.PctStart, c.AnnealStrategy = 0.3, "cos"
		c.DivFactor, c.FinalDivFactor = 25, 1e4
		c.CycleMomentum, c.BaseMomentum, c.MaxMomentum = true, 0.85, 0.95
	case SchedCyclic:
		c.StepSizeUp, c.Mode, c.Gamma = 2000, "triangular", 1.0
	case SchedWSD:
		c.WarmupSteps, c.DecaySteps, c.DecayShape = steps/10, steps/5, WSDOneMinusSqrt
	}
	return c
}

// Scheduler gives the learning rate (and, for onecycle, the momentum) used at
// each step. Step t (0-based) uses LR(t); PyTorch's order is: optimizer.step()
// with the LR of t, then scheduler.step().
type Scheduler interface {
	// LR returns the learning rate used by step t ≥ 0.
	LR(t int) float64
	// Momentum returns the momentum (or beta1) used by step t, and whether
	// the scheduler sets one at all.
	Momentum(t int) (m float64, ok bool)
}
