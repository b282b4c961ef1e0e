package sim

import "math"

// This file holds the stability gauge: for each optimizer, the curvature its
// step sees and the largest constant LR that keeps that step stable on the
// quadratic model of the surface at the current point. It is the one place
// the rule lives; the server sends what it computes and the page draws it.
//
// Every optimizer here takes, on a quadratic with Hessian H and a frozen
// state, a step of the form
//
//	p ← p − lr·P⁻¹·m,   m ← β·m + (1−d)·g   (heavy ball; m = g without momentum)
//
// with a diagonal preconditioner P (the identity for sgd). Its iteration is
// stable iff lr·S < F, where S = λ₁(P⁻¹H) is the preconditioned sharpness
// and F the factor of the momentum rule:
//
//	sgd:              S = λmax(H) + weight_decay; F = 2, 2(1+β) with heavy
//	                  ball, 2(1+β)/(1−dampening) with dampening,
//	                  2(1+β)/(1+2β) with Nesterov
//	adam, adamw:      P = (1−β₁ⁿ)·(√v̂ + ε), the step's preconditioner with
//	                  its bias corrections; m is an EMA (d = β₁), so
//	                  F = (2+2β₁)/(1−β₁), 38 at β₁ = 0.9 (Cohen et al. 2022,
//	                  "Adaptive gradient methods at the edge of stability")
//	rmsprop:          P = √v + ε (√(v − ḡ²) + ε when centered); F = 2, or
//	                  2(1+β) with momentum
//	adagrad:          P = (√Σg² + ε)·(1 + (n−1)·lr_decay); F = 2
//
// P is the preconditioner the next step would use at the point with the
// true (noise-free) gradient there, so the gauge is defined at the start too.
// Weight decay adds to the curvature (Adam's L2 term to H; AdamW's decoupled
// decay to S, exact without momentum). The rule is asymptotic: the state
// moves, so it says where the step is stable now, not a guarantee.

// Stability is the stability gauge of a run at one point.
type Stability struct {
	// Sharpness is S, the curvature the optimizer's step sees: λmax of the
	// Hessian (+ weight decay) for sgd, the preconditioned sharpness
	// λ₁(P⁻¹H) for the adaptive optimizers. NaN when not defined (games).
	Sharpness float64
	// Factor is F: the step is stable on the quadratic model while lr·S < F.
	// 0 when no LR is stable or none bounds it (sgd with dampening 1).
	Factor float64
	// Limit is F/S, the largest stable constant LR at this point; NaN when
	// there is none (S ≤ 0 or not finite, F = 0, games).
	Limit float64
	// Formula names the limit as the page shows it, e.g. "2/λmax",
	// "2(1+β)/λmax", "(2+2β₁)/((1−β₁)·λ₁(P⁻¹H))".
	Formula string
}

// Edge returns the sharpness at which lr sits exactly at the limit, F/lr
// (2/lr for plain sgd, 38/lr for Adam at β₁ = 0.9): the line the sharpness
// chart draws against Sharpness. NaN when F = 0 or lr ≤ 0.
func (s Stability) Edge(lr float64) float64 {
	if s.Factor <= 0 || !(lr > 0) {
		return math.NaN()
	}
	return s.Factor / lr
}

// gauger is what every optimizer implements for the gauge.
type gauger interface {
	// gauge returns S, F and the formula at parameter p with true gradient
	// g and Hessian h, whose largest eigenvalue is lmax (h.MaxEigen(), which
	// a run has already computed for the point's sharpness), for the step
	// the optimizer would take next.
	gauge(p, g Point, h Sym2, lmax float64) (s, f float64, formula string)
}

var (
	_ gauger = (*sgdOpt)(nil)
	_ gauger = (*adamOpt)(nil)
	_ gauger = (*rmspropOpt)(nil)
	_ gauger = (*adagradOpt)(nil)
)

// GaugeOf returns the stability gauge of optimizer o at parameter p with
// true gradient g and Hessian h. It does not change o's state.
func GaugeOf(o Optimizer, p, g Point, h Sym2) Stability {
	var st Stability
	gg, _ := o.(gauger)
	gaugeOf(&st, gg, p, g, h, h.MaxEigen())
	return st
}

// gaugeOf is GaugeOf with o's gauger gg (nil when it has none) and h's
// largest eigenvalue lmax already known.
func gaugeOf(st *Stability, gg gauger, p, g Point, h Sym2, lmax float64) {
	if gg == nil {
		*st = noGauge()
		return
	}
	s, f, formula := gg.gauge(p, g, h, lmax)
	st.Sharpness, st.Factor, st.Limit, st.Formula = s, f, math.NaN(), formula
	if !isFinite(s) {
		st.Sharpness = math.NaN()
	}
	if f > 0 && s > 0 && isFinite(s) {
		if l := f / s; isFinite(l) && l > 0 {
			st.Limit = l
		}
	}
}

func noGauge() Stability {
	return Stability{Sharpness: math.NaN(), Limit: math.NaN()}
}

// StabilityLimit returns the largest constant LR at which opt is stable on
// the quadratic model of a surface whose Hessian has largest eigenvalue
// lambda, before any step (the LR finder's and the sweep's reference line):
//
//   - sgd: 2/λ; with heavy-ball momentum β (and dampening d),
//     2(1+β)/((1−d)λ); with Nesterov momentum, 2(1+β)/((1+2β)λ); weight
//     decay wd adds to the curvature (λ + wd);
//   - other optimizers: plain sgd's 2/λmax, as a reference line (their
//     limit depends on the preconditioner they build along the run, which
//     GaugeOf reports point by point).
//
// ok is false when there is no limit: λ (+ wd for sgd) ≤ 0 or not finite,
// or sgd with dampening 1.
func StabilityLimit(lambda float64, opt OptimizerConfig) (limit float64, formula string, ok bool) {
	if !isFinite(lambda) {
		return 0, "", false
	}
	if opt.Name != OptSGD {
		if lambda <= 0 {
			return 0, "", false
		}
		return 2 / lambda, "2/λmax", true
	}
	s, f, formula := sgdGauge(&opt, lambda)
	if f <= 0 || s <= 0 {
		return 0, "", false
	}
	return f / s, formula, true
}

// sgdGauge returns S, F and the formula of sgd with settings c at curvature
// lambda.
func sgdGauge(c *OptimizerConfig, lambda float64) (s, f float64, formula string) {
	s, wd := lambda+c.WeightDecay, c.WeightDecay != 0
	beta, d := c.Momentum, c.Dampening
	// The formulas are literals: building them would allocate on every step.
	switch {
	case beta == 0:
		return s, 2, pick(wd, "2/(λmax + weight_decay)", "2/λmax")
	case c.Nesterov:
		return s, 2 * (1 + beta) / (1 + 2*beta), pick(wd, "2(1+β)/((1+2β)(λmax + weight_decay))", "2(1+β)/((1+2β)λmax)")
	case d >= 1:
		return s, 0, "none"
	case d != 0:
		return s, 2 * (1 + beta) / (1 - d), pick(wd, "2(1+β)/((1−dampening)(λmax + weight_decay))", "2(1+β)/((1−dampening)λmax)")
	}
	return s, 2 * (1 + beta), pick(wd, "2(1+β)/(λmax + weight_decay)", "2(1+β)/λmax")
}

// pick returns a when c holds, else b.
func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func (o *sgdOpt) gauge(_, _ Point, _ Sym2, lmax float64) (float64, float64, string) {
	return sgdGauge(&o.cfg, lmax) // by pointer: the config is large, and this runs every step
}

// precondSharpness returns λ₁(P⁻¹H) for the diagonal P = diag(px, py) > 0:
// the largest eigenvalue of the symmetric P^−½·H·P^−½, which has the same
// eigenvalues. +Inf when a diagonal entry is not positive.
func precondSharpness(h Sym2, px, py float64) float64 {
	if !(px > 0) || !(py > 0) {
		return math.Inf(1)
	}
	return Sym2{XX: h.XX / px, XY: h.XY / math.Sqrt(px*py), YY: h.YY / py}.MaxEigen()
}

// withL2 returns h + wd·I and g + wd·p: the curvature and gradient an
// L2 penalty wd adds.
func withL2(p, g Point, h Sym2, wd float64) (Point, Sym2) {
	if wd == 0 {
		return g, h
	}
	return Point{g.X + wd*p.X, g.Y + wd*p.Y}, Sym2{XX: h.XX + wd, XY: h.XY, YY: h.YY + wd}
}

func (o *adamOpt) gauge(p, g Point, h Sym2, _ float64) (float64, float64, string) {
	c := &o.cfg
	b1, b2 := c.Betas[0], c.Betas[1]
	if !o.decoupled {
		g, h = withL2(p, g, h, c.WeightDecay)
	}
	v := Point{o.v.X*b2 + (1-b2)*g.X*g.X, o.v.Y*b2 + (1-b2)*g.Y*g.Y}
	if c.Amsgrad {
		v = Point{max(o.vmax.X, v.X), max(o.vmax.Y, v.Y)}
	}
	n := o.step + 1
	bc1 := 1 - o.pow1.peek(b1, n)
	bc2Sqrt := math.Sqrt(1 - o.pow2.peek(b2, n))
	px := math.Sqrt(v.X)/bc2Sqrt + c.Eps
	py := math.Sqrt(v.Y)/bc2Sqrt + c.Eps
	if bc1 != 1 { // as in Step: once β₁ⁿ is 0, the factor 1 changes nothing and only lengthens the chain
		px, py = bc1*px, bc1*py
	}
	s := precondSharpness(h, px, py)
	if o.decoupled {
		s += c.WeightDecay
	}
	return s, (2 + 2*b1) / (1 - b1), "(2+2β₁)/((1−β₁)·λ₁(P⁻¹H))"
}

func (o *rmspropOpt) gauge(p, g Point, h Sym2, _ float64) (float64, float64, string) {
	c := &o.cfg
	g, h = withL2(p, g, h, c.WeightDecay)
	a := c.Alpha
	v := Point{o.squareAvg.X*a + (1-a)*g.X*g.X, o.squareAvg.Y*a + (1-a)*g.Y*g.Y}
	if c.Centered {
		m := Point{o.gradAvg.X*a + (1-a)*g.X, o.gradAvg.Y*a + (1-a)*g.Y}
		v = Point{v.X - m.X*m.X, v.Y - m.Y*m.Y}
	}
	s := precondSharpness(h, math.Sqrt(max(v.X, 0))+c.Eps, math.Sqrt(max(v.Y, 0))+c.Eps)
	if m := c.Momentum; m > 0 {
		return s, 2 * (1 + m), "2(1+β)/λ₁(P⁻¹H)"
	}
	return s, 2, "2/λ₁(P⁻¹H)"
}

func (o *adagradOpt) gauge(p, g Point, h Sym2, _ float64) (float64, float64, string) {
	c := &o.cfg
	g, h = withL2(p, g, h, c.WeightDecay)
	sum := Point{o.sum.X + g.X*g.X, o.sum.Y + g.Y*g.Y}
	decay := 1 + o.step*c.LRDecay // the next step is step o.step+1
	s := precondSharpness(h, (math.Sqrt(sum.X)+c.Eps)*decay, (math.Sqrt(sum.Y)+c.Eps)*decay)
	return s, 2, "2/λ₁(P⁻¹H)"
}

// peek returns β^n for the gauge without advancing q: the held power times β
// when n is the next exponent (as it is on every step), else math.Pow
// (out of line in powOf, so that peek is inlined).
func (q *betaPow) peek(b, n float64) float64 {
	if b == q.base && n == q.n+1 {
		return q.hi * b
	}
	return powOf(b, n)
}

// powOf is math.Pow, kept out of line for peek.
//
//go:noinline
func powOf(b, n float64) float64 { return math.Pow(b, n) }
