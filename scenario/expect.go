package scenario

import (
	"errors"
	"fmt"
	"math"

	"lrlab/sim"
)

// Kinds of Expectation: what a preset promises the learner will see.
const (
	ExpectDiverges    = "diverges"      // Run diverges (the divergence rule stops it)
	ExpectReaches     = "reaches"       // Run takes every step and its final loss is ≤ Value
	ExpectCrawls      = "crawls"        // Run takes every step and its final loss is still ≥ Value × its start loss
	ExpectEndsIn      = "ends_in"       // Run takes every step and ends in the minimum labelled Label (sim.Basin)
	ExpectLowerThan   = "lower_than"    // Run's mean loss over its last 20 points is below Other's
	ExpectRougherThan = "rougher_than"  // Run's loss curve is at least Value times as jagged as Other's (mean |Δloss| over the second half)
	ExpectZigzags     = "zigzags"       // most of Run's first 50 steps point against the step before (dot product < 0)
	ExpectLargerGap   = "larger_gap"    // Run's final test − train loss gap is larger than Other's
	ExpectSpiralsOut  = "spirals_out"   // Run ends at least Value times as far from the equilibrium as it started
	ExpectStaysNear   = "stays_near"    // Run's distance from the equilibrium stays within Value times its start distance, and above 1/Value of it at the end
	ExpectFartherThan = "farther_than"  // Run ends farther from the equilibrium than Other
	ExpectApproaches  = "approaches"    // Run ends within Value times its start distance from the equilibrium
	ExpectApart       = "apart"         // Run's path and Other's are at least Value apart at some step (the map shows both, neither hidden under the other)
	ExpectConverges   = "converges"     // Run ends with status converged (every step taken, final ‖∇f‖ ≤ 1e-6): what the legend calls converged, so a text may say "converges"
	ExpectFinderWorks = "finder_stable" // the LR finder's first suggestion (the one that trains best, sim.TrySuggestions) for Run's optimizer and start does not diverge and reaches a lower final loss than Run
)

// Expectation is one outcome a preset's text promises, in a form a test
// (or the page) can check against the simulated trajectories.
type Expectation struct {
	Kind  string  // one of the Expect… constants
	Run   int     // index of the run it is about
	Other int     // the run compared with (lower_than, rougher_than, larger_gap, farther_than)
	Label string  // the minimum's label (ends_in): "global", "local", "sharp", "flat", "equilibrium"
	Value float64 // the threshold, as the kind says
	// Window is the part of the run a kind looks at, as fractions of its
	// points from the start ([0.25, 0.75]: the middle half); research kinds
	// only (expect_research.go).
	Window [2]float64
}

// String describes e in English, for test failures and documentation.
func (e Expectation) String() string {
	switch e.Kind {
	case ExpectDiverges:
		return fmt.Sprintf("run %d diverges", e.Run)
	case ExpectReaches:
		return fmt.Sprintf("run %d ends with loss ≤ %g", e.Run, e.Value)
	case ExpectCrawls:
		return fmt.Sprintf("run %d still has ≥ %g of its start loss at the end", e.Run, e.Value)
	case ExpectEndsIn:
		return fmt.Sprintf("run %d ends in the %s minimum", e.Run, e.Label)
	case ExpectLowerThan:
		return fmt.Sprintf("run %d ends with a lower loss than run %d", e.Run, e.Other)
	case ExpectRougherThan:
		return fmt.Sprintf("run %d's loss curve is ≥ %g× as jagged as run %d's", e.Run, e.Value, e.Other)
	case ExpectZigzags:
		return fmt.Sprintf("run %d zig-zags", e.Run)
	case ExpectLargerGap:
		return fmt.Sprintf("run %d ends with a larger test−train gap than run %d", e.Run, e.Other)
	case ExpectSpiralsOut:
		return fmt.Sprintf("run %d ends ≥ %g× as far from the equilibrium as it started", e.Run, e.Value)
	case ExpectStaysNear:
		return fmt.Sprintf("run %d stays within %g× its start distance from the equilibrium", e.Run, e.Value)
	case ExpectApproaches:
		return fmt.Sprintf("run %d ends within %g× its start distance from the equilibrium", e.Run, e.Value)
	case ExpectFartherThan:
		return fmt.Sprintf("run %d ends farther from the equilibrium than run %d", e.Run, e.Other)
	case ExpectApart:
		return fmt.Sprintf("run %d's path is at least %g away from run %d's at some step", e.Run, e.Value, e.Other)
	case ExpectConverges:
		return fmt.Sprintf("run %d converges (final ‖∇f‖ ≤ 1e-6)", e.Run)
	case ExpectFinderWorks:
		return fmt.Sprintf("the LR finder's first suggestion for run %d converges better than run %d's LR", e.Run, e.Run)
	case ExpectNoisierThan, ExpectFloorNear, ExpectLimitRatio:
		return describeData(e) // expect_data.go
	}
	if s, ok := e.researchString(); ok {
		return s
	}
	return fmt.Sprintf("%s(run %d)", e.Kind, e.Run)
}

// Outcome is the simulated result of a scenario that expectations are
// checked against.
type Outcome struct {
	Scenario     Scenario
	Surface      sim.Surface
	Trajectories []sim.Trajectory
}

// Simulate builds s and runs every run to its end.
func Simulate(s Scenario) (Outcome, error) {
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
func (o Outcome) Check(exp []Expectation) error {
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

func (o Outcome) check(e Expectation) error {
	t, err := o.traj(e.Run)
	if err != nil {
		return err
	}
	var u sim.Trajectory
	switch e.Kind {
	case ExpectLowerThan, ExpectRougherThan, ExpectLargerGap, ExpectFartherThan:
		if u, err = o.traj(e.Other); err != nil {
			return err
		}
		if err := completed(u); err != nil {
			return fmt.Errorf("run %d %v", e.Other, err)
		}
	}
	if e.Kind != ExpectDiverges && e.Kind != ExpectZigzags && e.Kind != ExpectSpikes {
		if err := completed(t); err != nil {
			return err
		}
	}
	n := len(t.Loss)
	switch e.Kind {
	case ExpectDiverges:
		if t.Status != sim.StatusDiverged {
			return fmt.Errorf("did not diverge: final loss %.3g at (%.3g, %.3g)", t.Loss[n-1], t.X[n-1], t.Y[n-1])
		}
	case ExpectReaches:
		if t.Loss[n-1] > e.Value {
			return fmt.Errorf("final loss %.3g", t.Loss[n-1])
		}
	case ExpectApart:
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
	case ExpectConverges:
		if t.Status != sim.StatusConverged {
			return fmt.Errorf("status %v, final loss %.3g", t.Status, t.Loss[n-1])
		}
	case ExpectCrawls:
		if t.Loss[n-1] < e.Value*t.Loss[0] {
			return fmt.Errorf("final loss %.3g of a start loss %.3g", t.Loss[n-1], t.Loss[0])
		}
	case ExpectEndsIn:
		m, ok := sim.Basin(o.Surface, sim.Point{X: t.X[n-1], Y: t.Y[n-1]})
		if !ok || m.Label != e.Label {
			return fmt.Errorf("ended at (%.3g, %.3g), in %q", t.X[n-1], t.Y[n-1], m.Label)
		}
	case ExpectLowerThan:
		if a, b := tailMean(t.Loss, 20), tailMean(u.Loss, 20); !(a < b) {
			return fmt.Errorf("mean final loss %.3g, run %d's %.3g", a, e.Other, b)
		}
	case ExpectRougherThan:
		if a, b := roughness(t.Loss), roughness(u.Loss); !(a >= e.Value*b) {
			return fmt.Errorf("roughness %.3g, run %d's %.3g", a, e.Other, b)
		}
	case ExpectZigzags:
		k, back := min(50, n-1), 0
		for i := 2; i <= k; i++ {
			if (t.X[i]-t.X[i-1])*(t.X[i-1]-t.X[i-2])+(t.Y[i]-t.Y[i-1])*(t.Y[i-1]-t.Y[i-2]) < 0 {
				back++
			}
		}
		if k < 2 || back < (k-1)*3/4 {
			return fmt.Errorf("%d of %d steps turned back", back, k-1)
		}
	case ExpectLargerGap:
		if t.TestLoss == nil || u.TestLoss == nil {
			return errors.New("the scenario has no test shift")
		}
		a, b := t.TestLoss[n-1]-t.Loss[n-1], u.TestLoss[len(u.Loss)-1]-u.Loss[len(u.Loss)-1]
		if !(a > b) {
			return fmt.Errorf("gap %.3g, run %d's %.3g", a, e.Other, b)
		}
	case ExpectSpiralsOut, ExpectStaysNear, ExpectFartherThan, ExpectApproaches:
		c := o.equilibrium()
		d := func(t sim.Trajectory, i int) float64 { return math.Hypot(t.X[i]-c.X, t.Y[i]-c.Y) }
		d0, d1 := d(t, 0), d(t, n-1)
		switch e.Kind {
		case ExpectSpiralsOut:
			if d1 < e.Value*d0 {
				return fmt.Errorf("distance %.3g → %.3g", d0, d1)
			}
		case ExpectStaysNear:
			for i := range n {
				if d(t, i) > e.Value*d0 {
					return fmt.Errorf("distance %.3g at step %d, start %.3g", d(t, i), i, d0)
				}
			}
			if d1 < d0/e.Value {
				return fmt.Errorf("distance %.3g → %.3g", d0, d1)
			}
		case ExpectApproaches:
			if d1 > e.Value*d0 {
				return fmt.Errorf("distance %.3g → %.3g", d0, d1)
			}
		case ExpectFartherThan:
			if b := d(u, len(u.X)-1); !(d1 > b) {
				return fmt.Errorf("distance %.3g, run %d's %.3g", d1, e.Other, b)
			}
		}
	case ExpectFinderWorks:
		return o.checkFinder(e.Run, t)
	case ExpectNoisierThan, ExpectFloorNear, ExpectLimitRatio:
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
