// Package scenariotest checks what a preset's text promises against the
// simulation: the expectations of scenario.Preset, simulated and measured.
// Only tests import it, so none of it is compiled into the server.
package scenariotest

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"lrlab/scenario"
	"lrlab/sim"
)

// Check simulates preset p and reports whether every expectation holds.
func Check(p scenario.Preset) error {
	out, err := Simulate(p.Scenario)
	if err != nil {
		return err
	}
	return out.Check(p.Expect)
}

// Outcome is the simulated result of a scenario that expectations are
// checked against.
type Outcome struct {
	Scenario     scenario.Scenario
	Surface      sim.Surface
	Trajectories []sim.Trajectory
}

// Simulate builds s and runs every run to its end.
func Simulate(s scenario.Scenario) (Outcome, error) {
	surf, runs, err := s.Build()
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Scenario: s, Surface: surf}
	for _, r := range runs {
		out.Trajectories = append(out.Trajectories, sim.Simulate(r))
	}
	return out, nil
}

// Check reports whether every expectation holds for the outcome; the error
// names each one that does not, with the measured values.
func (o Outcome) Check(exp []scenario.Expectation) error {
	var errs []error
	for _, e := range exp {
		if err := o.check(e); err != nil {
			errs = append(errs, fmt.Errorf("%v: %w", e, err))
		}
	}
	return errors.Join(errs...)
}

func (o Outcome) traj(i int) (sim.Trajectory, error) {
	if i < 0 || i >= len(o.Trajectories) {
		return sim.Trajectory{}, fmt.Errorf("no run %d", i)
	}
	return o.Trajectories[i], nil
}

// completed fails unless the run took every step.
func completed(t sim.Trajectory) error {
	if t.Status == sim.StatusDiverged {
		return fmt.Errorf("diverged at step %d", t.DivergedAt)
	}
	return nil
}

func (o Outcome) check(e scenario.Expectation) error {
	t, err := o.traj(e.Run)
	if err != nil {
		return err
	}
	var u sim.Trajectory
	switch e.Kind {
	case scenario.ExpectLowerThan, scenario.ExpectRougherThan, scenario.ExpectLargerGap, scenario.ExpectFartherThan:
		if u, err = o.traj(e.Other); err != nil {
			return err
		}
		if err := completed(u); err != nil {
			return fmt.Errorf("run %d %v", e.Other, err)
		}
	}
	if e.Kind != scenario.ExpectDiverges && e.Kind != scenario.ExpectZigzags && e.Kind != scenario.ExpectSpikes {
		if err := completed(t); err != nil {
			return err
		}
	}
	n := len(t.Loss)
	switch e.Kind {
	case scenario.ExpectDiverges:
		if t.Status != sim.StatusDiverged {
			return fmt.Errorf("did not diverge: final loss %.3g at (%.3g, %.3g)", t.Loss[n-1], t.X[n-1], t.Y[n-1])
		}
	case scenario.ExpectReaches:
		if t.Loss[n-1] > e.Value {
			return fmt.Errorf("final loss %.3g", t.Loss[n-1])
		}
	case scenario.ExpectApart:
		u, err := o.traj(e.Other)
		if err != nil {
			return err
		}
		most := 0.0
		for k := 0; k < len(t.X) && k < len(u.X); k++ {
			most = math.Max(most, math.Hypot(t.X[k]-u.X[k], t.Y[k]-u.Y[k]))
		}
		if most < e.Value {
			return fmt.Errorf("the paths are at most %.3g apart", most)
		}
	case scenario.ExpectConverges:
		if t.Status != sim.StatusConverged {
			return fmt.Errorf("status %v, final loss %.3g", t.Status, t.Loss[n-1])
		}
	case scenario.ExpectCrawls:
		if t.Loss[n-1] < e.Value*t.Loss[0] {
			return fmt.Errorf("final loss %.3g of a start loss %.3g", t.Loss[n-1], t.Loss[0])
		}
	case scenario.ExpectEndsIn:
		m, ok := sim.Basin(o.Surface, sim.Point{X: t.X[n-1], Y: t.Y[n-1]})
		if !ok || m.Label != e.Label {
			return fmt.Errorf("ended at (%.3g, %.3g), in %q", t.X[n-1], t.Y[n-1], m.Label)
		}
	case scenario.ExpectLowerThan:
		if a, b := tailMean(t.Loss, 20), tailMean(u.Loss, 20); !(a < b) {
			return fmt.Errorf("mean final loss %.3g, run %d's %.3g", a, e.Other, b)
		}
	case scenario.ExpectRougherThan:
		if a, b := roughness(t.Loss), roughness(u.Loss); !(a >= e.Value*b) {
			return fmt.Errorf("roughness %.3g, run %d's %.3g", a, e.Other, b)
		}
	case scenario.ExpectZigzags:
		k, back := min(50, n-1), 0
		for i := 2; i <= k; i++ {
			if (t.X[i]-t.X[i-1])*(t.X[i-1]-t.X[i-2])+(t.Y[i]-t.Y[i-1])*(t.Y[i-1]-t.Y[i-2]) < 0 {
				back++
			}
		}
		if k < 2 || back < (k-1)*3/4 {
			return fmt.Errorf("%d of %d steps turned back", back, k-1)
		}
	case scenario.ExpectLargerGap:
		if t.TestLoss == nil || u.TestLoss == nil {
			return errors.New("the scenario has no test shift")
		}
		a, b := t.TestLoss[n-1]-t.Loss[n-1], u.TestLoss[len(u.Loss)-1]-u.Loss[len(u.Loss)-1]
		if !(a > b) {
			return fmt.Errorf("gap %.3g, run %d's %.3g", a, e.Other, b)
		}
	case scenario.ExpectSpiralsOut, scenario.ExpectStaysNear, scenario.ExpectFartherThan, scenario.ExpectApproaches:
		c := o.equilibrium()
		d := func(t sim.Trajectory, i int) float64 { return math.Hypot(t.X[i]-c.X, t.Y[i]-c.Y) }
		d0, d1 := d(t, 0), d(t, n-1)
		switch e.Kind {
		case scenario.ExpectSpiralsOut:
			if d1 < e.Value*d0 {
				return fmt.Errorf("distance %.3g → %.3g", d0, d1)
			}
		case scenario.ExpectStaysNear:
			for i := range n {
				if d(t, i) > e.Value*d0 {
					return fmt.Errorf("distance %.3g at step %d, start %.3g", d(t, i), i, d0)
				}
			}
			if d1 < d0/e.Value {
				return fmt.Errorf("distance %.3g → %.3g", d0, d1)
			}
		case scenario.ExpectApproaches:
			if d1 > e.Value*d0 {
				return fmt.Errorf("distance %.3g → %.3g", d0, d1)
			}
		case scenario.ExpectFartherThan:
			if b := d(u, len(u.X)-1); !(d1 > b) {
				return fmt.Errorf("distance %.3g, run %d's %.3g", d1, e.Other, b)
			}
		}
	case scenario.ExpectFinderWorks:
		return o.checkFinder(e.Run, t)
	case scenario.ExpectNoisierThan, scenario.ExpectFloorNear, scenario.ExpectLimitRatio:
		return o.checkData(e) // expect_data.go
	default:
		if err, ok := o.checkResearch(e, t); ok {
			return err
		}
		return fmt.Errorf("unknown kind %q", e.Kind)
	}
	return nil
}

// equilibrium returns the surface's first labelled minimum (its
// equilibrium on a game), or the origin.
func (o Outcome) equilibrium() sim.Point {
	for _, m := range o.Surface.Info().Minima {
		if m.Label != "saddle" {
			return sim.Point{X: m.X, Y: m.Y}
		}
	}
	return sim.Point{}
}

func (o Outcome) checkFinder(i int, t sim.Trajectory) error {
	rc := o.Scenario.Runs[i]
	c := sim.DefaultFinderConfig(rc.Start, rc.Optimizer)
	c.Noise, c.Seed = rc.Noise, rc.Seed
	res, err := sim.LRFinder(o.Surface, c)
	if err != nil {
		return err
	}
	// The suggestion the page offers first: the one that trains best.
	trials, first, err := sim.TrySuggestions(o.Surface, c, res.Suggestions, o.Scenario.Steps)
	if err != nil {
		return err
	}
	if first < 0 {
		return fmt.Errorf("no suggestion of the LR finder trains without diverging: %+v", trials)
	}
	lr := trials[first].LR
	rc.Optimizer.LR = lr
	rc.Scheduler = sim.DefaultScheduler(sim.SchedConstant, o.Scenario.Steps)
	r, err := sim.NewRun(o.Surface, rc, o.Scenario.Steps)
	if err != nil {
		return fmt.Errorf("%s LR %.3g: %v", trials[first].Rule, lr, err)
	}
	u := sim.Simulate(r)
	if err := completed(u); err != nil {
		return fmt.Errorf("%s LR %.3g %v", trials[first].Rule, lr, err)
	}
	if a, b := u.Loss[len(u.Loss)-1], t.Loss[len(t.Loss)-1]; !(a < b) {
		return fmt.Errorf("%s LR %.3g ends at loss %.3g, run %d at %.3g", trials[first].Rule, lr, a, i, b)
	}
	return nil
}

// tailMean is the mean of the last k values of v.
func tailMean(v []float64, k int) float64 {
	k = min(k, len(v))
	s := 0.0
	for _, x := range v[len(v)-k:] {
		s += x
	}
	return s / float64(k)
}

// roughness is the mean |Δloss| over the second half of the loss curve.
func roughness(v []float64) float64 {
	h := len(v) / 2
	if len(v)-h < 2 {
		return 0
	}
	s := 0.0
	for i := h + 1; i < len(v); i++ {
		s += math.Abs(v[i] - v[i-1])
	}
	return s / float64(len(v)-h-1)
}

// checkData checks the data kinds.
func (o Outcome) checkData(e scenario.Expectation) error {
	switch e.Kind {
	case scenario.ExpectNoisierThan, scenario.ExpectFloorNear:
		a, err := o.lossFloor(e.Run)
		if err != nil {
			return err
		}
		b, err := o.lossFloor(e.Other)
		if err != nil {
			return err
		}
		if e.Kind == scenario.ExpectNoisierThan && !(a >= e.Value*b) {
			return fmt.Errorf("loss floor %.4g, run %d's %.4g", a, e.Other, b)
		}
		if e.Kind == scenario.ExpectFloorNear && !(a <= e.Value*b && b <= e.Value*a) {
			return fmt.Errorf("loss floor %.4g, run %d's %.4g", a, e.Other, b)
		}
	case scenario.ExpectLimitRatio:
		if e.Run < 0 || e.Run >= len(o.Scenario.Runs) {
			return fmt.Errorf("no run %d", e.Run)
		}
		start := o.Scenario.Runs[e.Run].Start
		twin, err := sim.NewSurface(sim.SurfaceConfig{Name: o.Scenario.Surface.Name, Dataset: e.Label})
		if err != nil {
			return err
		}
		here := 2 / o.Surface.Hessian(start).MaxEigen()
		there := 2 / twin.Hessian(twin.Info().Start).MaxEigen()
		if !(there >= e.Value*here) {
			return fmt.Errorf("2/λmax = %.3g here, %.3g on %s: %.3g×", here, there, e.Label, there/here)
		}
	}
	return nil
}

// lossFloor returns run i's mean loss over its last scenario.FloorWindow points
// above the surface's lowest listed minimum, averaged over seeds 1 …
// scenario.FloorSeeds.
func (o Outcome) lossFloor(i int) (float64, error) {
	if i < 0 || i >= len(o.Scenario.Runs) {
		return 0, fmt.Errorf("no run %d", i)
	}
	floor := 0.0
	for k, m := range o.Surface.Info().Minima {
		if k == 0 || m.Loss < floor {
			floor = m.Loss
		}
	}
	sum := 0.0
	for seed := uint64(1); seed <= scenario.FloorSeeds; seed++ {
		rc := o.Scenario.Runs[i]
		rc.Seed = seed
		r, err := sim.NewRun(o.Surface, rc, o.Scenario.Steps)
		if err != nil {
			return 0, err
		}
		t := sim.Simulate(r)
		if err := completed(t); err != nil {
			return 0, fmt.Errorf("run %d with seed %d %v", i, seed, err)
		}
		sum += tailMean(t.Loss, scenario.FloorWindow) - floor
	}
	return sum / scenario.FloorSeeds, nil
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
func (o Outcome) checkResearch(e scenario.Expectation, t sim.Trajectory) (err error, ok bool) {
	n := len(t.Loss)
	other := func() (sim.Trajectory, error) {
		u, err := o.traj(e.Other)
		if err == nil {
			err = completed(u)
		}
		return u, err
	}
	switch e.Kind {
	case scenario.ExpectCrossesEdge:
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
	case scenario.ExpectAtEdge:
		if r := edgeRatio(t, n-1); !(r >= 1-e.Value && r <= 1) {
			return fmt.Errorf("ends at lr/limit %.4g (sharpness %.4g)", r, t.EdgeSharpness[n-1]), true
		}
	case scenario.ExpectHovers:
		a, b := window(t, e.Window)
		for k := a; k < b; k++ {
			if r := edgeRatio(t, k); !(math.Abs(r-1) <= e.Value) {
				return fmt.Errorf("lr/limit %.3g at step %d (window %d–%d)", r, k, a, b-1), true
			}
		}
	case scenario.ExpectRises:
		c := 0
		for k := 1; k < n; k++ {
			if t.Loss[k] > t.Loss[k-1] {
				c++
			}
		}
		if float64(c) < e.Value {
			return fmt.Errorf("the loss rose %d times", c), true
		}
	case scenario.ExpectSharperThan, scenario.ExpectFlatterThan:
		u, err := other()
		if err != nil {
			return fmt.Errorf("run %d %v", e.Other, err), true
		}
		a, b := t.Sharpness[n-1], u.Sharpness[len(u.Sharpness)-1]
		if (e.Kind == scenario.ExpectSharperThan && !(a > b)) || (e.Kind == scenario.ExpectFlatterThan && !(a < b)) {
			return fmt.Errorf("final sharpness %.4g, run %d's %.4g", a, e.Other, b), true
		}
	case scenario.ExpectSpikes, scenario.ExpectNoSpike:
		top := 0.0
		for _, l := range t.Loss {
			top = max(top, l)
		}
		if e.Kind == scenario.ExpectSpikes && !(top >= e.Value*t.Loss[0]) {
			return fmt.Errorf("largest loss %.3g, start %.3g", top, t.Loss[0]), true
		}
		if e.Kind == scenario.ExpectNoSpike && top > t.Loss[0] {
			return fmt.Errorf("largest loss %.3g above the start's %.3g", top, t.Loss[0]), true
		}
	case scenario.ExpectStableAt:
		k := int(e.Value)
		if k >= n {
			return fmt.Errorf("no point %d", k), true
		}
		if r := edgeRatio(t, k); !(r < 1) || !(t.Sharpness[k] < t.Sharpness[0]) {
			return fmt.Errorf("at step %d lr/limit %.3g, sharpness %.4g (start %.4g)", k, r, t.Sharpness[k], t.Sharpness[0]), true
		}
	case scenario.ExpectDrops:
		a, b := window(t, e.Window)
		m := 0.0
		for k := a; k < b; k++ {
			m += t.Loss[k]
		}
		m /= float64(b - a)
		if end := tailMean(t.Loss, 20); !(m >= e.Value*end) {
			return fmt.Errorf("mean loss %.3g over steps %d–%d, %.3g at the end", m, a, b-1, end), true
		}
	case scenario.ExpectLowerBy:
		u, err := other()
		if err != nil {
			return fmt.Errorf("run %d %v", e.Other, err), true
		}
		if a, b := t.Loss[n-1], u.Loss[len(u.Loss)-1]; !(a*e.Value <= b) {
			return fmt.Errorf("final loss %.3g, run %d's %.3g", a, e.Other, b), true
		}
	case scenario.ExpectPastLimit:
		for k := range len(t.LR) {
			if edgeRatio(t, k) > 1 {
				return nil, true
			}
		}
		return fmt.Errorf("no step past the limit"), true
	case scenario.ExpectRisesToEdge:
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
	case scenario.ExpectSettles:
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
