package scenariotest

import (
	"fmt"
	"math"
	"slices"

	"lrlab/scenario"
	"lrlab/sim"
)

// The checks of the research lessons' kinds (scenario/expect_research.go).

// checksResearch are the research kinds' checks (Spikes: t may diverge).
var checksResearch = map[string]kindCheck{
	scenario.ExpectCrossesEdge: {fn: checkCrossesEdge},
	scenario.ExpectAtEdge:      {fn: checkAtEdge},
	scenario.ExpectHovers:      {fn: checkHovers},
	scenario.ExpectRises:       {fn: checkRises},
	scenario.ExpectSharperThan: {fn: checkSharpness},
	scenario.ExpectFlatterThan: {fn: checkSharpness},
	scenario.ExpectSpikes:      {fn: checkSpike, mayDiverge: true},
	scenario.ExpectNoSpike:     {fn: checkSpike},
	scenario.ExpectStableAt:    {fn: checkStableAt},
	scenario.ExpectDrops:       {fn: checkDrops},
	scenario.ExpectLowerBy:     {fn: checkLowerBy},
	scenario.ExpectPastLimit:   {fn: checkPastLimit},
	scenario.ExpectRisesToEdge: {fn: checkRisesToEdge},
	scenario.ExpectSettles:     {fn: checkSettles},
}

// otherRun returns run e.Other's trajectory for a research kind, an error
// (naming the run) unless it exists and took every step.
func (o Outcome) otherRun(e scenario.Expectation) (sim.Trajectory, error) {
	u, err := o.traj(e.Other)
	if err == nil {
		err = completed(u)
	}
	if err != nil {
		return u, fmt.Errorf("run %d %v", e.Other, err)
	}
	return u, nil
}

func checkCrossesEdge(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	if r0 := edgeRatio(t, 0); !(r0 < e.Value) {
		return fmt.Errorf("starts at lr/limit %.3g", r0)
	}
	top := 0.0
	for k := range len(t.Loss) / 4 {
		top = max(top, edgeRatio(t, k))
	}
	if !(top >= e.Value) {
		return fmt.Errorf("largest lr/limit in the first quarter %.3g", top)
	}
	return nil
}

func checkAtEdge(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	n := last(t)
	if r := edgeRatio(t, n); !(r >= 1-e.Value && r <= 1) {
		return fmt.Errorf("ends at lr/limit %.4g (sharpness %.4g)", r, t.EdgeSharpness[n])
	}
	return nil
}

func checkHovers(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	a, b := window(t, e.Window)
	for k := a; k < b; k++ {
		if r := edgeRatio(t, k); !(math.Abs(r-1) <= e.Value) {
			return fmt.Errorf("lr/limit %.3g at step %d (window %d–%d)", r, k, a, b-1)
		}
	}
	return nil
}

func checkRises(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	c := 0
	for k := 1; k < len(t.Loss); k++ {
		if t.Loss[k] > t.Loss[k-1] {
			c++
		}
	}
	if float64(c) < e.Value {
		return fmt.Errorf("the loss rose %d times", c)
	}
	return nil
}

func checkSharpness(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
	u, err := o.otherRun(e)
	if err != nil {
		return err
	}
	a, b := t.Sharpness[last(t)], u.Sharpness[len(u.Sharpness)-1]
	if (e.Kind == scenario.ExpectSharperThan && !(a > b)) || (e.Kind == scenario.ExpectFlatterThan && !(a < b)) {
		return fmt.Errorf("final sharpness %.4g, run %d's %.4g", a, e.Other, b)
	}
	return nil
}

func checkSpike(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	top := 0.0
	for _, l := range t.Loss {
		top = max(top, l)
	}
	if e.Kind == scenario.ExpectSpikes && !(top >= e.Value*t.Loss[0]) {
		return fmt.Errorf("largest loss %.3g, start %.3g", top, t.Loss[0])
	}
	if e.Kind == scenario.ExpectNoSpike && top > t.Loss[0] {
		return fmt.Errorf("largest loss %.3g above the start's %.3g", top, t.Loss[0])
	}
	return nil
}

func checkStableAt(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	k := int(e.Value)
	if k >= len(t.Loss) {
		return fmt.Errorf("no point %d", k)
	}
	if r := edgeRatio(t, k); !(r < 1) || !(t.Sharpness[k] < t.Sharpness[0]) {
		return fmt.Errorf("at step %d lr/limit %.3g, sharpness %.4g (start %.4g)", k, r, t.Sharpness[k], t.Sharpness[0])
	}
	return nil
}

func checkDrops(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	a, b := window(t, e.Window)
	m := 0.0
	for k := a; k < b; k++ {
		m += t.Loss[k]
	}
	m /= float64(b - a)
	if end := tailMean(t.Loss, 20); !(m >= e.Value*end) {
		return fmt.Errorf("mean loss %.3g over steps %d–%d, %.3g at the end", m, a, b-1, end)
	}
	return nil
}

func checkLowerBy(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
	u, err := o.otherRun(e)
	if err != nil {
		return err
	}
	if a, b := t.Loss[last(t)], u.Loss[len(u.Loss)-1]; !(a*e.Value <= b) {
		return fmt.Errorf("final loss %.3g, run %d's %.3g", a, e.Other, b)
	}
	return nil
}

func checkPastLimit(_ Outcome, _ scenario.Expectation, t sim.Trajectory) error {
	for k := range len(t.LR) {
		if edgeRatio(t, k) > 1 {
			return nil
		}
	}
	return fmt.Errorf("no step past the limit")
}

func checkRisesToEdge(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	a, _ := window(t, e.Window)
	if r0 := edgeRatio(t, 0); !(r0 < 0.5) {
		return fmt.Errorf("starts at lr/limit %.3g", r0)
	}
	top := 0.0
	for k := range a {
		top = max(top, edgeRatio(t, k))
	}
	if !(top >= e.Value) {
		return fmt.Errorf("largest lr/limit before step %d: %.3g", a, top)
	}
	return nil
}

func checkSettles(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	a, b := window(t, e.Window)
	rs := make([]float64, 0, b-a)
	in := 0
	for k := a; k < b; k++ {
		r := edgeRatio(t, k)
		if math.IsNaN(r) {
			return fmt.Errorf("no stability limit at step %d", k)
		}
		rs = append(rs, r)
		if math.Abs(r-1) <= e.Value {
			in++
		}
	}
	slices.Sort(rs)
	med := rs[len(rs)/2]
	if !(math.Abs(med-1) <= e.Value/2) || 10*in < 9*len(rs) {
		return fmt.Errorf("median lr/limit %.3g over steps %d–%d, %d of %d points within ±%g", med, a, b-1, in, len(rs), e.Value)
	}
	return nil
}
