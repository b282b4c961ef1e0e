// Package scenariotest checks what a preset's text promises against the
// simulation: the expectations of scenario.Preset, simulated and measured.
// Only tests import it, so none of it is compiled into the server.
package scenariotest

import (
	"errors"
	"fmt"
	"math"

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

// A kindCheck checks one kind of Expectation on the run's trajectory t.
type kindCheck struct {
	fn func(o Outcome, e scenario.Expectation, t sim.Trajectory) error
	// compares: the kind needs run e.Other to have taken every step
	// (checked first); mayDiverge: t need not have (it may diverge).
	compares, mayDiverge bool
}

// checks are the kinds' checks, by kind (research kinds: checksResearch).
var checks = func() map[string]kindCheck {
	m := map[string]kindCheck{
		scenario.ExpectDiverges:    {fn: checkDiverges, mayDiverge: true},
		scenario.ExpectReaches:     {fn: checkReaches},
		scenario.ExpectApart:       {fn: checkApart},
		scenario.ExpectConverges:   {fn: checkConverges},
		scenario.ExpectCrawls:      {fn: checkCrawls},
		scenario.ExpectEndsIn:      {fn: checkEndsIn},
		scenario.ExpectLowerThan:   {fn: checkLowerThan, compares: true},
		scenario.ExpectRougherThan: {fn: checkRougherThan, compares: true},
		scenario.ExpectZigzags:     {fn: checkZigzags, mayDiverge: true},
		scenario.ExpectLargerGap:   {fn: checkLargerGap, compares: true},
		scenario.ExpectSpiralsOut:  {fn: checkDistance},
		scenario.ExpectStaysNear:   {fn: checkDistance},
		scenario.ExpectFartherThan: {fn: checkDistance, compares: true},
		scenario.ExpectApproaches:  {fn: checkDistance},
		scenario.ExpectFinderWorks: {fn: func(o Outcome, e scenario.Expectation, t sim.Trajectory) error { return o.checkFinder(e.Run, t) }},
	}
	for _, k := range []string{scenario.ExpectNoisierThan, scenario.ExpectFloorNear, scenario.ExpectLimitRatio} {
		m[k] = kindCheck{fn: func(o Outcome, e scenario.Expectation, _ sim.Trajectory) error { return o.checkData(e) }} // expect_data.go
	}
	for k, c := range checksResearch {
		m[k] = c
	}
	return m
}()

func (o Outcome) check(e scenario.Expectation) error {
	t, err := o.traj(e.Run)
	if err != nil {
		return err
	}
	c, ok := checks[e.Kind]
	if !ok {
		return fmt.Errorf("unknown kind %q", e.Kind)
	}
	if c.compares {
		if _, err := o.compared(e); err != nil {
			return err
		}
	}
	if !c.mayDiverge {
		if err := completed(t); err != nil {
			return err
		}
	}
	return c.fn(o, e, t)
}

// compared returns run e.Other's trajectory, an error unless it took
// every step.
func (o Outcome) compared(e scenario.Expectation) (sim.Trajectory, error) {
	u, err := o.traj(e.Other)
	if err != nil {
		return u, err
	}
	if err := completed(u); err != nil {
		return u, fmt.Errorf("run %d %v", e.Other, err)
	}
	return u, nil
}

// last returns the index of t's last point.
func last(t sim.Trajectory) int { return len(t.Loss) - 1 }

func checkDiverges(_ Outcome, _ scenario.Expectation, t sim.Trajectory) error {
	if n := last(t); t.Status != sim.StatusDiverged {
		return fmt.Errorf("did not diverge: final loss %.3g at (%.3g, %.3g)", t.Loss[n], t.X[n], t.Y[n])
	}
	return nil
}

func checkReaches(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	if l := t.Loss[last(t)]; l > e.Value {
		return fmt.Errorf("final loss %.3g", l)
	}
	return nil
}

func checkApart(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
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
	return nil
}

func checkConverges(_ Outcome, _ scenario.Expectation, t sim.Trajectory) error {
	if t.Status != sim.StatusConverged {
		return fmt.Errorf("status %v, final loss %.3g", t.Status, t.Loss[last(t)])
	}
	return nil
}

func checkCrawls(_ Outcome, e scenario.Expectation, t sim.Trajectory) error {
	if n := last(t); t.Loss[n] < e.Value*t.Loss[0] {
		return fmt.Errorf("final loss %.3g of a start loss %.3g", t.Loss[n], t.Loss[0])
	}
	return nil
}

func checkEndsIn(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
	n := last(t)
	m, ok := sim.Basin(o.Surface, sim.Point{X: t.X[n], Y: t.Y[n]})
	if !ok || m.Label != e.Label {
		return fmt.Errorf("ended at (%.3g, %.3g), in %q", t.X[n], t.Y[n], m.Label)
	}
	return nil
}

func checkLowerThan(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
	u, _ := o.compared(e) // checked by check
	if a, b := tailMean(t.Loss, 20), tailMean(u.Loss, 20); !(a < b) {
		return fmt.Errorf("mean final loss %.3g, run %d's %.3g", a, e.Other, b)
	}
	return nil
}

func checkRougherThan(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
	u, _ := o.compared(e)
	if a, b := roughness(t.Loss), roughness(u.Loss); !(a >= e.Value*b) {
		return fmt.Errorf("roughness %.3g, run %d's %.3g", a, e.Other, b)
	}
	return nil
}

func checkZigzags(_ Outcome, _ scenario.Expectation, t sim.Trajectory) error {
	k, back := min(50, last(t)), 0
	for i := 2; i <= k; i++ {
		if (t.X[i]-t.X[i-1])*(t.X[i-1]-t.X[i-2])+(t.Y[i]-t.Y[i-1])*(t.Y[i-1]-t.Y[i-2]) < 0 {
			back++
		}
	}
	if k < 2 || back < (k-1)*3/4 {
		return fmt.Errorf("%d of %d steps turned back", back, k-1)
	}
	return nil
}

func checkLargerGap(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
	u, _ := o.compared(e)
	if t.TestLoss == nil || u.TestLoss == nil {
		return errors.New("the scenario has no test shift")
	}
	n, m := last(t), last(u)
	if a, b := t.TestLoss[n]-t.Loss[n], u.TestLoss[m]-u.Loss[m]; !(a > b) {
		return fmt.Errorf("gap %.3g, run %d's %.3g", a, e.Other, b)
	}
	return nil
}

// checkDistance checks the kinds about the distance from the equilibrium.
func checkDistance(o Outcome, e scenario.Expectation, t sim.Trajectory) error {
	c := o.equilibrium()
	d := func(t sim.Trajectory, i int) float64 { return math.Hypot(t.X[i]-c.X, t.Y[i]-c.Y) }
	n := last(t)
	d0, d1 := d(t, 0), d(t, n)
	switch e.Kind {
	case scenario.ExpectSpiralsOut:
		if d1 < e.Value*d0 {
			return fmt.Errorf("distance %.3g → %.3g", d0, d1)
		}
	case scenario.ExpectStaysNear:
		for i := range n + 1 {
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
		u, _ := o.compared(e)
		if b := d(u, len(u.X)-1); !(d1 > b) {
			return fmt.Errorf("distance %.3g, run %d's %.3g", d1, e.Other, b)
		}
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
	c.Run = rc // the run's own settings, as the page's range test sends them
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
