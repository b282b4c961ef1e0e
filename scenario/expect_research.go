package scenario

import (
	"fmt"
)

// Kinds of Expectation for the research lessons (issue 16): what happens at
// the stability limit. "The edge ratio" of a point is r = lr/limit, the LR of
// the step taken from it over the stability limit there (sim.Stability:
// λmax·lr/2 for plain SGD, λ₁(P⁻¹H)·lr·(1−β₁)/(2+2β₁) for Adam); r = 1 is
// the edge of stability. A point with no limit fails every check on r.
const (
	ExpectCrossesEdge = "crosses_edge"  // Run starts below the edge (r < Value) and reaches r ≥ Value within the first quarter of its steps
	ExpectAtEdge      = "at_edge"       // Run ends with 1 − Value ≤ r ≤ 1: just below the edge
	ExpectHovers      = "hovers"        // over the Window of Run's points, every r is within [1 − Value, 1 + Value]
	ExpectRises       = "rises"         // Run's loss rises from one step to the next at least Value times (it falls non-monotonically)
	ExpectSharperThan = "sharper_than"  // Run ends at a larger sharpness λmax than Other
	ExpectFlatterThan = "flatter_than"  // Run ends at a smaller sharpness λmax than Other
	ExpectSpikes      = "spikes"        // Run's loss somewhere reaches at least Value times its start loss
	ExpectNoSpike     = "no_spike"      // Run's loss never exceeds its start loss
	ExpectStableAt    = "stable_at"     // at point Value, Run has r < 1 and a lower sharpness than at its start
	ExpectDrops       = "drops"         // Run's mean loss over Window is at least Value times its mean over its last 20 points
	ExpectLowerBy     = "lower_by"      // Run's final loss is at least Value times lower than Other's
	ExpectPastLimit   = "past_limit"    // some step of Run takes an LR above the stability limit at its point (r > 1), yet Run completes
	ExpectRisesToEdge = "rises_to_edge" // Run starts at r < 0.5 and reaches r ≥ Value before its Window starts
	ExpectSettles     = "settles"       // over the Window, the median r is within ±Value/2 of 1 and at least 90 % of the points are within ±Value
)

// researchString describes the research kinds, for String.
func (e Expectation) researchString() (string, bool) {
	w := fmt.Sprintf("steps %.0f%%–%.0f%%", 100*e.Window[0], 100*e.Window[1])
	switch e.Kind {
	case ExpectCrossesEdge:
		return fmt.Sprintf("run %d starts below and crosses the edge (lr/limit ≥ %g) early", e.Run, e.Value), true
	case ExpectAtEdge:
		return fmt.Sprintf("run %d ends within %g below the edge", e.Run, e.Value), true
	case ExpectHovers:
		return fmt.Sprintf("run %d stays within ±%g of the edge over %s", e.Run, e.Value, w), true
	case ExpectRises:
		return fmt.Sprintf("run %d's loss rises at least %g times", e.Run, e.Value), true
	case ExpectSharperThan:
		return fmt.Sprintf("run %d ends sharper than run %d", e.Run, e.Other), true
	case ExpectFlatterThan:
		return fmt.Sprintf("run %d ends flatter than run %d", e.Run, e.Other), true
	case ExpectSpikes:
		return fmt.Sprintf("run %d's loss spikes to ≥ %g× its start", e.Run, e.Value), true
	case ExpectNoSpike:
		return fmt.Sprintf("run %d's loss never exceeds its start", e.Run), true
	case ExpectStableAt:
		return fmt.Sprintf("run %d is below the edge and flatter than at its start at step %g", e.Run, e.Value), true
	case ExpectDrops:
		return fmt.Sprintf("run %d's loss drops ≥ %g× from %s to its end", e.Run, e.Value, w), true
	case ExpectLowerBy:
		return fmt.Sprintf("run %d ends ≥ %g× lower than run %d", e.Run, e.Value, e.Other), true
	case ExpectPastLimit:
		return fmt.Sprintf("run %d takes steps past the stability limit and completes", e.Run), true
	case ExpectRisesToEdge:
		return fmt.Sprintf("run %d rises from below half the edge to lr/limit ≥ %g before %s", e.Run, e.Value, w), true
	case ExpectSettles:
		return fmt.Sprintf("run %d settles at the edge over %s (median within ±%g, 90 %% of points within ±%g)", e.Run, w, e.Value/2, e.Value), true
	}
	return "", false
}
