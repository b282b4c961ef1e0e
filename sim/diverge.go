package sim

import (
	"fmt"
	"math"
	"strconv"
)

// This file holds the rule that explains a divergence: which case applies
// and the numbers it quotes. The server sends the text (Divergence.Text) in
// the done message; the page picks its translated message by the same rule
// from the done message's overshoot fields, and a golden table written by
// diverge_golden_test.go keeps the two equal.

// Cases of a Divergence.
const (
	// DivergedOver: the LR where the run began to overshoot was past its
	// optimizer's stability limit there.
	DivergedOver = "over"
	// DivergedUnder: the LR was at or below the limit there (the run left a
	// region of low curvature before it blew up).
	DivergedUnder = "under"
	// DivergedCurvesDown: the surface curved down (λ ≤ 0) there, so no LR
	// is stable.
	DivergedCurvesDown = "curves-down"
	// DivergedNoLimit: there is no limit to quote (not defined at the point).
	DivergedNoLimit = "no-limit"
	// DivergedGame: a game run, where f's curvature sets no 2/λmax limit.
	DivergedGame = "game"
	// DivergedBilinear: simultaneous gradient descent–ascent on the
	// bilinear game, which spirals out at any LR.
	DivergedBilinear = "game-bilinear"
)

// Divergence is why a run diverged. The zero value (Case "") stands for a
// run that did not diverge.
type Divergence struct {
	Case string
	// At is the step at which the run diverged (Run.DivergedAt).
	At int
	// LR is the scheduled LR at the point where the run began to overshoot
	// (Run.Overshoot), the LR the explanation quotes.
	LR float64
	// From is the step of that point.
	From int
	// Gauge is the stability gauge there (Location.Gauge): its sharpness,
	// limit (NaN when none) and formula.
	Gauge Stability
	// Optimizer is the run's optimizer settings, for the names and
	// momentum the text quotes.
	Optimizer OptimizerConfig
}

// DivergeReason returns why run r diverged, judged at the point where it
// began to overshoot (Run.Overshoot: the last point before the loss began
// to grow, or the start) rather than after the blow-up, whose curvature the
// run never met with that LR. It is the zero Divergence for a run that did
// not diverge.
func DivergeReason(r *Run) Divergence {
	if r.Status() != StatusDiverged {
		return Divergence{}
	}
	o := r.Overshoot()
	cfg := r.Config()
	d := Divergence{At: r.DivergedAt(), LR: r.ScheduledLR(o.Step), From: o.Step, Gauge: o.Gauge, Optimizer: cfg.Optimizer}
	g := o.Gauge
	switch {
	case cfg.OptimizerY != nil && r.Surface().Info().Name == "bilinear" && cfg.Updates != UpdatesAlternating:
		// A game (NewRun gives every game run an OptimizerY): x descends f
		// while y ascends it, so f's curvature sets no limit.
		d.Case = DivergedBilinear
	case cfg.OptimizerY != nil:
		d.Case = DivergedGame
	case math.IsNaN(g.Limit) && g.Sharpness <= 0:
		d.Case = DivergedCurvesDown
	case math.IsNaN(g.Limit):
		d.Case = DivergedNoLimit
	case d.LR <= g.Limit:
		d.Case = DivergedUnder
	default:
		d.Case = DivergedOver
	}
	return d
}

// Text explains d in English, e.g. "diverged at step 133: LR 0.21 >
// 2/λmax = 0.2 (λmax = 10 at step 0, the last point before the loss began
// to grow)"; "" when the run did not diverge.
func (d Divergence) Text() string {
	if d.Case == "" {
		return ""
	}
	head := fmt.Sprintf("diverged at step %d: LR %s", d.At, formatG(d.LR))
	where := fmt.Sprintf("at step %d, the last point before the loss began to grow", d.From)
	switch d.Case {
	case DivergedBilinear:
		return head + "; on a game no 2/λmax limit applies, and simultaneous gradient descent–ascent on this bilinear game spirals out at any LR"
	case DivergedGame:
		return head + "; on a game no 2/λmax limit applies: whether the players settle depends on both LRs"
	case DivergedCurvesDown:
		return fmt.Sprintf("%s; the curvature is %s ≤ 0 %s: the surface curves down, so no LR is stable", head, formatG(d.Gauge.Sharpness), where)
	case DivergedNoLimit:
		return head
	}
	cmp := ">"
	if d.Case == DivergedUnder {
		cmp = "≤"
	}
	detail := d.momentumPrefix() + d.sharpnessName() + " = " + formatG(d.Gauge.Sharpness) + " " + where
	return fmt.Sprintf("%s %s %s = %s (%s)", head, cmp, d.Gauge.Formula, formatG(d.Gauge.Limit), detail)
}

// sharpnessName names the curvature the limit divides: λmax for sgd (plus
// its weight decay), the preconditioned sharpness for the others.
func (d Divergence) sharpnessName() string {
	switch {
	case d.Optimizer.Name != OptSGD:
		return "λ₁(P⁻¹H)"
	case d.Optimizer.WeightDecay != 0:
		return "λmax + weight_decay"
	}
	return "λmax"
}

// momentumPrefix names the momentum the limit's factor depends on
// ("β = 0.9, "), or "".
func (d Divergence) momentumPrefix() string {
	o := d.Optimizer
	switch {
	case (o.Name == OptSGD || o.Name == OptRMSprop) && o.Momentum != 0:
		return "β = " + formatG(o.Momentum) + ", "
	case o.Name == OptAdam || o.Name == OptAdamW:
		return "β₁ = " + formatG(o.Betas[0]) + ", "
	}
	return ""
}

// formatG writes v with 3 significant digits, for messages.
func formatG(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
