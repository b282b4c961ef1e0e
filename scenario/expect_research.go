package scenario

import (
	"fmt"
	"math"
	"slices"

	"lrlab/sim"
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

// edgeRatio returns r = lr/limit at point k of t (NaN without a limit).
func edgeRatio(t sim.Trajectory, k int) float64 {
	lr := t.LR[min(k, len(t.LR)-1)]
	return lr / t.StabilityLimit[k]
}

// window returns the point indices [a, b) of fractions w of t's points.
func window(t sim.Trajectory, w [2]float64) (int, int) {
	n := len(t.Loss)
	a, b := int(w[0]*float64(n-1)), int(w[1]*float64(n-1))+1
	return max(0, a), min(n, max(b, a+1))
}

// checkResearch checks the research kinds; ok is false for other kinds.
func (o Outcome) checkResearch(e Expectation, t sim.Trajectory) (err error, ok bool) {
	n := len(t.Loss)
	other := func() (sim.Trajectory, error) {
		u, err := o.traj(e.Other)
		if err == nil {
			err = completed(u)
		}
		return u, err
	}
	switch e.Kind {
	case ExpectCrossesEdge:
		if r0 := edgeRatio(t, 0); !(r0 < e.Value) {
			return fmt.Errorf("starts at lr/limit %.3g", r0), true
		}
		top := 0.0
		for k := range n / 4 {
			top = max(top, edgeRatio(t, k))
		}
		if !(top >= e.Value) {
			return fmt.Errorf("largest lr/limit in the first quarter %.3g", top), true
		}
	case ExpectAtEdge:
		if r := edgeRatio(t, n-1); !(r >= 1-e.Value && r <= 1) {
			return fmt.Errorf("ends at lr/limit %.4g (sharpness %.4g)", r, t.EdgeSharpness[n-1]), true
		}
	case ExpectHovers:
		a, b := window(t, e.Window)
		for k := a; k < b; k++ {
			if r := edgeRatio(t, k); !(math.Abs(r-1) <= e.Value) {
				return fmt.Errorf("lr/limit %.3g at step %d (window %d–%d)", r, k, a, b-1), true
			}
		}
	case ExpectRises:
		c := 0
		for k := 1; k < n; k++ {
			if t.Loss[k] > t.Loss[k-1] {
				c++
			}
		}
		if float64(c) < e.Value {
			return fmt.Errorf("the loss rose %d times", c), true
		}
	case ExpectSharperThan, ExpectFlatterThan:
		u, err := other()
		if err != nil {
			return fmt.Errorf("run %d %v", e.Other, err), true
		}
		a, b := t.Sharpness[n-1], u.Sharpness[len(u.Sharpness)-1]
		if (e.Kind == ExpectSharperThan && !(a > b)) || (e.Kind == ExpectFlatterThan && !(a < b)) {
			return fmt.Errorf("final sharpness %.4g, run %d's %.4g", a, e.Other, b), true
		}
	case ExpectSpikes, ExpectNoSpike:
		top := 0.0
		for _, l := range t.Loss {
			top = max(top, l)
		}
		if e.Kind == ExpectSpikes && !(top >= e.Value*t.Loss[0]) {
			return fmt.Errorf("largest loss %.3g, start %.3g", top, t.Loss[0]), true
		}
		if e.Kind == ExpectNoSpike && top > t.Loss[0] {
			return fmt.Errorf("largest loss %.3g above the start's %.3g", top, t.Loss[0]), true
		}
	case ExpectStableAt:
		k := int(e.Value)
		if k >= n {
			return fmt.Errorf("no point %d", k), true
		}
		if r := edgeRatio(t, k); !(r < 1) || !(t.Sharpness[k] < t.Sharpness[0]) {
			return fmt.Errorf("at step %d lr/limit %.3g, sharpness %.4g (start %.4g)", k, r, t.Sharpness[k], t.Sharpness[0]), true
		}
	case ExpectDrops:
		a, b := window(t, e.Window)
		m := 0.0
		for k := a; k < b; k++ {
			m += t.Loss[k]
		}
		m /= float64(b - a)
		if end := tailMean(t.Loss, 20); !(m >= e.Value*end) {
			return fmt.Errorf("mean loss %.3g over steps %d–%d, %.3g at the end", m, a, b-1, end), true
		}
	case ExpectLowerBy:
		u, err := other()
		if err != nil {
			return fmt.Errorf("run %d %v", e.Other, err), true
		}
		if a, b := t.Loss[n-1], u.Loss[len(u.Loss)-1]; !(a*e.Value <= b) {
			return fmt.Errorf("final loss %.3g, run %d's %.3g", a, e.Other, b), true
		}
	case ExpectPastLimit:
		for k := range len(t.LR) {
			if edgeRatio(t, k) > 1 {
				return nil, true
			}
		}
		return fmt.Errorf("no step past the limit"), true
	case ExpectRisesToEdge:
		a, _ := window(t, e.Window)
		if r0 := edgeRatio(t, 0); !(r0 < 0.5) {
			return fmt.Errorf("starts at lr/limit %.3g", r0), true
		}
		top := 0.0
		for k := range a {
			top = max(top, edgeRatio(t, k))
		}
		if !(top >= e.Value) {
			return fmt.Errorf("largest lr/limit before step %d: %.3g", a, top), true
		}
	case ExpectSettles:
		a, b := window(t, e.Window)
		rs := make([]float64, 0, b-a)
		in := 0
		for k := a; k < b; k++ {
			r := edgeRatio(t, k)
			if math.IsNaN(r) {
				return fmt.Errorf("no stability limit at step %d", k), true
			}
			rs = append(rs, r)
			if math.Abs(r-1) <= e.Value {
				in++
			}
		}
		slices.Sort(rs)
		med := rs[len(rs)/2]
		if !(math.Abs(med-1) <= e.Value/2) || 10*in < 9*len(rs) {
			return fmt.Errorf("median lr/limit %.3g over steps %d–%d, %d of %d points within ±%g", med, a, b-1, in, len(rs), e.Value), true
		}
	default:
		return nil, false
	}
	return nil, true
}
