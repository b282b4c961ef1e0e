package sim

import (
	"math"
	"math/bits"
)

// The schedulers of the research lessons. PyTorch has neither built in;
// "Copy as PyTorch" writes each as a LambdaLR whose lambda is the factor
// LR(t)/lr computed here (scenario/pytorch.go), and the tests evaluate that
// lambda against these curves.

// Scheduler names of the research lessons.
const (
	SchedWSD    = "wsd"    // warmup–stable–decay (Hägele et al. 2024)
	SchedSilver = "silver" // the silver stepsize schedule (Altschuler & Parrilo 2023)
)

// The decay shapes of wsd (SchedulerConfig.DecayShape).
const (
	WSDLinear        = "linear"
	WSDCosine        = "cosine"
	WSDOneMinusSqrt  = "1-sqrt"
	wsdShapesAllowed = "linear, cosine, 1-sqrt"
)

// SilverRatio is ρ = 1 + √2.
var SilverRatio = 1 + math.Sqrt2

var (
	_ Scheduler = (*wsdSched)(nil)
	_ Scheduler = (*silverSched)(nil)
)

func newResearchSched(c SchedulerConfig, lr float64, steps int, h horizon) (Scheduler, error, string) {
	if c.Name == SchedSilver {
		return &silverSched{horizon: h, lr: lr}, nil, ""
	}
	if err := checkWSD(c, steps); err != nil {
		return nil, err, ""
	}
	return &wsdSched{horizon: h, lr: lr, etaMin: c.EtaMin, warmup: c.WarmupSteps, decay: c.DecaySteps,
		decayStart: steps - c.DecaySteps, shape: c.DecayShape}, nil, "eta_min"
}

func checkWSD(c SchedulerConfig, steps int) error {
	if err := schedAtLeast("warmup_steps", c.WarmupSteps, 0); err != nil {
		return err
	}
	if err := schedAtLeast("decay_steps", c.DecaySteps, 0); err != nil {
		return err
	}
	if c.WarmupSteps+c.DecaySteps > steps {
		return fieldErrorf("decay_steps", "warmup_steps + decay_steps must be ≤ the run's %d steps, got %d + %d",
			steps, c.WarmupSteps, c.DecaySteps)
	}
	switch c.DecayShape {
	case WSDLinear, WSDCosine, WSDOneMinusSqrt:
	default:
		return fieldErrorf("decay_shape", "unknown decay shape %q; allowed: %s", c.DecayShape, wsdShapesAllowed)
	}
	return schedNonNegative("eta_min", c.EtaMin)
}

// wsdSched is warmup–stable–decay over a run of n steps with W warm-up and
// D decay steps:
//
//	t < W:          lr·(t+1)/W               (linear warm-up; no step has LR 0)
//	W ≤ t < n − D:  lr                       (stable)
//	n − D ≤ t:      η + (lr − η)·s(p),  p = (t − (n − D))/D ∈ [0, 1]
//
// with s(p) = 1 − p (linear), ½(1 + cos πp) (cosine) or 1 − √p (1-sqrt,
// Hägele et al.'s choice), η = eta_min. The LR after the last step (t = n)
// is η. The warm-up is LinearLR(start_factor=1/W, total_iters=W−1).
type wsdSched struct {
	horizon
	lr, etaMin    float64
	warmup, decay int
	decayStart    int
	shape         string
}

func (s *wsdSched) LR(t int) float64 {
	t = s.at(t)
	switch {
	case t >= s.decayStart && s.decay > 0:
		p := float64(t-s.decayStart) / float64(s.decay)
		return s.etaMin + (s.lr-s.etaMin)*wsdShape(s.shape, p)
	case t < s.warmup:
		return s.lr * float64(t+1) / float64(s.warmup)
	}
	return s.lr
}

func (s *wsdSched) Momentum(int) (float64, bool) { return 0, false }

// wsdShape is the decay factor s(p) of a shape at progress p ∈ [0, 1].
func wsdShape(shape string, p float64) float64 {
	switch shape {
	case WSDLinear:
		return 1 - p
	case WSDCosine:
		return 0.5 * (1 + math.Cos(math.Pi*p))
	}
	return 1 - math.Sqrt(p)
}

// silverSched is the silver stepsize schedule: step t (0-based) is the
// paper's step i = t + 1, with stepsize h_i = 1 + ρ^(ν(i) − 1) in units of
// 1/L, where ν(i) is the 2-adic valuation of i (the number of trailing zero
// bits) and ρ = 1 + √2 (Altschuler & Parrilo 2023, "Acceleration by
// stepsize hedging", part II: √2, 2, √2, 2+√2, √2, 2, √2, 1+ρ², …). The
// run's lr is taken as 1/L. Its guarantee holds at the end of 2^k − 1 steps.
type silverSched struct {
	horizon
	lr float64
}

// SilverStep returns h_i = 1 + ρ^(ν(i)−1) for i ≥ 1.
func SilverStep(i int) float64 {
	if i < 1 {
		panic("sim: silver step index < 1")
	}
	nu := bits.TrailingZeros64(uint64(i))
	return 1 + math.Pow(SilverRatio, float64(nu-1))
}

func (s *silverSched) LR(t int) float64 { return s.lr * SilverStep(s.at(t)+1) }

func (s *silverSched) Momentum(int) (float64, bool) { return 0, false }
