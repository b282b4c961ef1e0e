package sim

import (
	"fmt"
	"math"
	"strings"
)

// This file holds the optimizers. Each follows the single-tensor update of
// the PyTorch 1.13 class of the same name (torch/optim/*.py, maximize=False,
// float64) operation by operation, in PyTorch's order of evaluation, so that
// the rounding matches as far as the CPU allows:
//
//	t.add(u, alpha=a)          t + a·u
//	t.addcmul(u, w, value=a)   t + (a·u)·w
//	t.addcdiv(u, w, value=a)   t + (a·u)/w
//
// A 2D parameter is one tensor of two elements, so every state tensor is a
// Point and the step counter is shared by both coordinates.

// Compile-time checks that every optimizer meets the interface.
var (
	_ Optimizer = (*sgdOpt)(nil)
	_ Optimizer = (*adamOpt)(nil)
	_ Optimizer = (*rmspropOpt)(nil)
	_ Optimizer = (*adagradOpt)(nil)
)

// NewOptimizer checks c and returns a fresh optimizer (no state yet) of the
// named kind. A bad setting gives a *FieldError whose field is relative to
// the optimizer object ("lr", "betas[1]"); an unknown name gives one with
// field "name" that wraps ErrUnknownOptimizer.
func NewOptimizer(c OptimizerConfig) (Optimizer, error) {
	if err := checkOptimizer(c); err != nil {
		return nil, err
	}
	switch c.Name {
	case OptSGD:
		return &sgdOpt{cfg: c}, nil
	case OptAdam, OptAdamW:
		return newAdam(c), nil
	case OptRMSprop:
		return &rmspropOpt{cfg: c}, nil
	default: // OptAdagrad: checkOptimizer accepted the name
		init := c.InitialAccumulatorValue
		return &adagradOpt{cfg: c, sum: Point{init, init}}, nil
	}
}

// checkOptimizer applies PyTorch's constructor checks to c, made stricter
// where the lab needs it (lr > 0, momentum and betas below 1, every value
// finite). It checks only the fields the named optimizer uses.
func checkOptimizer(c OptimizerConfig) error {
	switch c.Name {
	case OptSGD, OptAdam, OptAdamW, OptRMSprop, OptAdagrad:
	default:
		return &FieldError{
			Field: "name",
			Msg:   fmt.Sprintf("unknown optimizer %q; allowed: %s", c.Name, strings.Join(OptimizerNames, ", ")),
			Err:   ErrUnknownOptimizer,
		}
	}
	if !isFinite(c.LR) || c.LR <= 0 {
		return fieldErrorf("lr", "must be > 0 and finite, got %v", c.LR)
	}
	switch c.Name {
	case OptSGD:
		if err := checkOptUnit("momentum", c.Momentum, false); err != nil {
			return err
		}
		if err := checkOptUnit("dampening", c.Dampening, true); err != nil {
			return err
		}
		if err := checkOptNonNegative("weight_decay", c.WeightDecay); err != nil {
			return err
		}
		if c.Nesterov && (c.Momentum <= 0 || c.Dampening != 0) {
			return fieldErrorf("nesterov", "requires momentum > 0 and dampening = 0, got momentum %v and dampening %v",
				c.Momentum, c.Dampening)
		}
	case OptAdam, OptAdamW:
		if err := checkOptUnit("betas[0]", c.Betas[0], false); err != nil {
			return err
		}
		if err := checkOptUnit("betas[1]", c.Betas[1], false); err != nil {
			return err
		}
		if err := checkOptNonNegative("eps", c.Eps); err != nil {
			return err
		}
		if err := checkOptNonNegative("weight_decay", c.WeightDecay); err != nil {
			return err
		}
	case OptRMSprop:
		if err := checkOptUnit("alpha", c.Alpha, true); err != nil {
			return err
		}
		if err := checkOptNonNegative("eps", c.Eps); err != nil {
			return err
		}
		if err := checkOptNonNegative("weight_decay", c.WeightDecay); err != nil {
			return err
		}
		if err := checkOptUnit("momentum", c.Momentum, false); err != nil {
			return err
		}
	case OptAdagrad:
		if err := checkOptNonNegative("lr_decay", c.LRDecay); err != nil {
			return err
		}
		if err := checkOptNonNegative("weight_decay", c.WeightDecay); err != nil {
			return err
		}
		if err := checkOptNonNegative("initial_accumulator_value", c.InitialAccumulatorValue); err != nil {
			return err
		}
		if err := checkOptNonNegative("eps", c.Eps); err != nil {
			return err
		}
	}
	return nil
}

// checkOptUnit reports v outside [0, 1) (or [0, 1] when closed) as a
// *FieldError for field. NaN is outside.
func checkOptUnit(field string, v float64, closed bool) error {
	if closed {
		if !(v >= 0 && v <= 1) {
			return fieldErrorf(field, "must be in [0, 1], got %v", v)
		}
		return nil
	}
	if !(v >= 0 && v < 1) {
		return fieldErrorf(field, "must be in [0, 1), got %v", v)
	}
	return nil
}

// checkOptNonNegative reports v < 0 or not finite as a *FieldError for field.
func checkOptNonNegative(field string, v float64) error {
	if !isFinite(v) || v < 0 {
		return fieldErrorf(field, "must be ≥ 0 and finite, got %v", v)
	}
	return nil
}

// reconfigureCheck validates c for an optimizer currently named name, as
// Reconfigure needs.
func reconfigureCheck(name string, c OptimizerConfig) error {
	if c.Name != name {
		return fieldErrorf("name", "cannot change %s to %q while keeping its state; create a new optimizer", name, c.Name)
	}
	return checkOptimizer(c)
}

// sgdOpt is torch.optim.SGD. The momentum buffer exists from the first step
// taken with momentum ≠ 0, when it is a copy of the gradient; steps without
// momentum leave it untouched (PyTorch keeps it in the state).
type sgdOpt struct {
	cfg    OptimizerConfig
	buf    Point
	hasBuf bool
}

// Step implements Optimizer.
func (o *sgdOpt) Step(p, g Point, lr float64) Point {
	c := &o.cfg
	if wd := c.WeightDecay; wd != 0 {
		g = Point{g.X + wd*p.X, g.Y + wd*p.Y}
	}
	if m := c.Momentum; m != 0 {
		if !o.hasBuf {
			o.buf, o.hasBuf = g, true
		} else {
			d := 1 - c.Dampening
			o.buf = Point{o.buf.X*m + d*g.X, o.buf.Y*m + d*g.Y}
		}
		if c.Nesterov {
			g = Point{g.X + m*o.buf.X, g.Y + m*o.buf.Y}
		} else {
			g = o.buf
		}
	}
	return Point{p.X + -lr*g.X, p.Y + -lr*g.Y}
}

// SetMomentum implements Optimizer: it sets momentum.
func (o *sgdOpt) SetMomentum(m float64) { o.cfg.Momentum = m }

// Velocity implements Optimizer: the momentum buffer while momentum is on.
func (o *sgdOpt) Velocity() Point {
	if o.cfg.Momentum == 0 || !o.hasBuf {
		return Point{}
	}
	return o.buf
}

// Config implements Optimizer.
func (o *sgdOpt) Config() OptimizerConfig { return o.cfg }

// Reconfigure implements Optimizer.
func (o *sgdOpt) Reconfigure(c OptimizerConfig) error {
	if err := reconfigureCheck(o.cfg.Name, c); err != nil {
		return err
	}
	o.cfg = c
	return nil
}

// adamOpt is torch.optim.Adam, or torch.optim.AdamW when decoupled.
type adamOpt struct {
	cfg       OptimizerConfig
	decoupled bool    // adamw: p·(1 − lr·wd) instead of adding wd·p to the gradient
	step      float64 // steps taken
	m, v      Point   // exp_avg, exp_avg_sq
	vmax      Point   // max_exp_avg_sq (all zero until amsgrad is first used)
	pow1      betaPow // beta1^step
	pow2      betaPow // beta2^step
}

func newAdam(c OptimizerConfig) *adamOpt {
	return &adamOpt{cfg: c, decoupled: c.Name == OptAdamW, pow1: newBetaPow(c.Betas[0]), pow2: newBetaPow(c.Betas[1])}
}

// Step implements Optimizer.
func (o *adamOpt) Step(p, g Point, lr float64) Point {
	c := &o.cfg
	b1, b2 := c.Betas[0], c.Betas[1]
	o.step++
	wd := c.WeightDecay
	if o.decoupled {
		f := 1 - lr*wd
		p = Point{p.X * f, p.Y * f}
	} else if wd != 0 {
		g = Point{g.X + wd*p.X, g.Y + wd*p.Y}
	}
	d1, d2 := 1-b1, 1-b2
	o.m = Point{o.m.X*b1 + d1*g.X, o.m.Y*b1 + d1*g.Y}
	o.v = Point{o.v.X*b2 + d2*g.X*g.X, o.v.Y*b2 + d2*g.Y*g.Y}
	bc1 := 1 - o.pow1.next(b1, o.step)
	bc2 := 1 - o.pow2.next(b2, o.step)
	stepSize := lr
	if bc1 != 1 { // β₁ⁿ is held as 0 from a few hundred steps on (betaPow), and lr/1 is lr exactly
		stepSize = lr / bc1
	}
	bc2Sqrt := math.Sqrt(bc2)
	v := o.v
	if c.Amsgrad {
		o.vmax = Point{max(o.vmax.X, v.X), max(o.vmax.Y, v.Y)}
		v = o.vmax
	}
	denX := math.Sqrt(v.X)/bc2Sqrt + c.Eps
	denY := math.Sqrt(v.Y)/bc2Sqrt + c.Eps
	return Point{p.X + -stepSize*o.m.X/denX, p.Y + -stepSize*o.m.Y/denY}
}

// SetMomentum implements Optimizer: it sets beta1.
func (o *adamOpt) SetMomentum(m float64) { o.cfg.Betas[0] = m }

// Velocity implements Optimizer: the first moment estimate exp_avg.
func (o *adamOpt) Velocity() Point { return o.m }

// Config implements Optimizer.
func (o *adamOpt) Config() OptimizerConfig { return o.cfg }

// Reconfigure implements Optimizer. Turning amsgrad on later starts the
// maximum from zero (PyTorch 1.13 would fail on the missing state).
func (o *adamOpt) Reconfigure(c OptimizerConfig) error {
	if err := reconfigureCheck(o.cfg.Name, c); err != nil {
		return err
	}
	o.cfg = c
	return nil
}

// rmspropOpt is torch.optim.RMSprop. The momentum buffer and the gradient
// average start at zero; turning momentum or centered on later starts them
// from zero at that step (PyTorch 1.13 would fail on the missing state).
type rmspropOpt struct {
	cfg       OptimizerConfig
	squareAvg Point
	gradAvg   Point
	buf       Point
}

// Step implements Optimizer.
func (o *rmspropOpt) Step(p, g Point, lr float64) Point {
	c := &o.cfg
	if wd := c.WeightDecay; wd != 0 {
		g = Point{g.X + wd*p.X, g.Y + wd*p.Y}
	}
	a := c.Alpha
	d := 1 - a
	o.squareAvg = Point{o.squareAvg.X*a + d*g.X*g.X, o.squareAvg.Y*a + d*g.Y*g.Y}
	var avgX, avgY float64
	if c.Centered {
		o.gradAvg = Point{o.gradAvg.X*a + d*g.X, o.gradAvg.Y*a + d*g.Y}
		avgX = math.Sqrt(o.squareAvg.X + -o.gradAvg.X*o.gradAvg.X)
		avgY = math.Sqrt(o.squareAvg.Y + -o.gradAvg.Y*o.gradAvg.Y)
	} else {
		avgX, avgY = math.Sqrt(o.squareAvg.X), math.Sqrt(o.squareAvg.Y)
	}
	avgX += c.Eps
	avgY += c.Eps
	if m := c.Momentum; m > 0 {
		o.buf = Point{o.buf.X*m + g.X/avgX, o.buf.Y*m + g.Y/avgY}
		return Point{p.X + -lr*o.buf.X, p.Y + -lr*o.buf.Y}
	}
	return Point{p.X + -lr*g.X/avgX, p.Y + -lr*g.Y/avgY}
}

// SetMomentum implements Optimizer: it sets momentum.
func (o *rmspropOpt) SetMomentum(m float64) { o.cfg.Momentum = m }

// Velocity implements Optimizer: the momentum buffer while momentum is on.
func (o *rmspropOpt) Velocity() Point {
	if o.cfg.Momentum <= 0 {
		return Point{}
	}
	return o.buf
}

// Config implements Optimizer.
func (o *rmspropOpt) Config() OptimizerConfig { return o.cfg }

// Reconfigure implements Optimizer.
func (o *rmspropOpt) Reconfigure(c OptimizerConfig) error {
	if err := reconfigureCheck(o.cfg.Name, c); err != nil {
		return err
	}
	o.cfg = c
	return nil
}

// adagradOpt is torch.optim.Adagrad. The sum of squares starts at
// initial_accumulator_value when the optimizer is created; changing that
// value later does not touch the sum, as in PyTorch.
type adagradOpt struct {
	cfg  OptimizerConfig
	step float64
	sum  Point
}

// Step implements Optimizer.
func (o *adagradOpt) Step(p, g Point, lr float64) Point {
	c := &o.cfg
	o.step++
	if wd := c.WeightDecay; wd != 0 {
		g = Point{g.X + wd*p.X, g.Y + wd*p.Y}
	}
	clr := lr / (1 + (o.step-1)*c.LRDecay)
	o.sum = Point{o.sum.X + g.X*g.X, o.sum.Y + g.Y*g.Y}
	stdX := math.Sqrt(o.sum.X) + c.Eps
	stdY := math.Sqrt(o.sum.Y) + c.Eps
	return Point{p.X + -clr*g.X/stdX, p.Y + -clr*g.Y/stdY}
}

// SetMomentum implements Optimizer: adagrad has no momentum, so it does
// nothing.
func (o *adagradOpt) SetMomentum(float64) {}

// Velocity implements Optimizer: always zero.
func (o *adagradOpt) Velocity() Point { return Point{} }

// Config implements Optimizer.
func (o *adagradOpt) Config() OptimizerConfig { return o.cfg }

// Reconfigure implements Optimizer.
func (o *adagradOpt) Reconfigure(c OptimizerConfig) error {
	if err := reconfigureCheck(o.cfg.Name, c); err != nil {
		return err
	}
	o.cfg = c
	return nil
}

// betaPow tracks β^n for Adam's bias corrections without calling math.Pow
// on every step. It holds β^n as an unevaluated sum hi+lo (a double-double),
// so a running product keeps about 100 bits and hi is β^n correctly rounded
// (what PyTorch's `beta ** step` gives through C's pow) except in rare ties.
// Powers below tinyPow, for which 1 − β^n is exactly 1 in float64, are held
// as 0: that keeps subnormal arithmetic (slow on x86) out of the step. When
// β changes (onecycle cycles beta1) the power is recomputed for the new β by
// squaring, in double-double too.
type betaPow struct {
	base   float64 // β
	n      float64 // the exponent held
	hi, lo float64 // β^n ≈ hi + lo
}

// tinyPow is a power of β small enough that 1 − β^n rounds to 1.
const tinyPow = 0x1p-60

func newBetaPow(b float64) betaPow { return betaPow{base: b, hi: 1} }

// next returns β^n rounded to float64 (0 below tinyPow), where n is the
// previous exponent plus one in the common case.
func (q *betaPow) next(b, n float64) float64 {
	if b == q.base && n == q.n+1 {
		if q.hi != 0 {
			q.hi, q.lo = ddMulFloat(q.hi, q.lo, b)
			if q.hi < tinyPow {
				q.hi, q.lo = 0, 0
			}
		}
	} else {
		q.hi, q.lo = ddPow(b, n)
		q.base = b
	}
	q.n = n
	return q.hi
}

// ddMulFloat returns (hi+lo)·b as a normalised double-double.
func ddMulFloat(hi, lo, b float64) (float64, float64) {
	p := hi * b
	e := math.FMA(hi, b, -p) + lo*b
	s := p + e
	return s, e - (s - p)
}

// ddMul returns (ah+al)·(bh+bl) as a normalised double-double.
func ddMul(ah, al, bh, bl float64) (float64, float64) {
	p := ah * bh
	e := math.FMA(ah, bh, -p) + (ah*bl + al*bh)
	s := p + e
	return s, e - (s - p)
}

// ddPow returns b^n as a double-double for 0 ≤ b < 1 and a whole number
// n ≥ 0, by binary exponentiation; 0 when b^n < tinyPow.
func ddPow(b, n float64) (float64, float64) {
	rh, rl := 1.0, 0.0
	xh, xl := b, 0.0
	for k := uint64(n); k > 0; k >>= 1 {
		if xh < tinyPow {
			// A set bit remains, so the result has a factor ≤ xh.
			return 0, 0
		}
		if k&1 == 1 {
			rh, rl = ddMul(rh, rl, xh, xl)
		}
		if k > 1 {
			xh, xl = ddMul(xh, xl, xh, xl)
		}
	}
	if rh < tinyPow {
		return 0, 0
	}
	return rh, rl
}
