package scenario

import (
	"fmt"

	"lrlab/sim"
)

// Kinds of Expectation about data surfaces and mini-batches.
const (
	// ExpectNoisierThan: Run's loss floor (its mean loss over the last 100
	// points above the surface's minimum, averaged over floorSeeds seeds in
	// place of its own) is at least Value times Other's.
	ExpectNoisierThan = "noisier_than"
	// ExpectFloorNear: Run's loss floor (as above) is within a factor
	// Value of Other's, either way.
	ExpectFloorNear = "floor_near"
	// ExpectLimitRatio: the stability limit 2/λmax at Run's start is at
	// least Value times smaller than at the start of the same run on the
	// built-in data set Label (the same model on other data).
	ExpectLimitRatio = "limit_ratio"
)

// floorSeeds is the number of seeds a loss floor is averaged over.
const floorSeeds = 8

// floorWindow is the number of last points a loss floor is averaged over.
const floorWindow = 100

// describeData describes the data kinds for test failures.
func describeData(e Expectation) string {
	switch e.Kind {
	case ExpectNoisierThan:
		return fmt.Sprintf("run %d's loss floor is ≥ %g× run %d's (mean of the last %d steps over %d seeds)", e.Run, e.Value, e.Other, floorWindow, floorSeeds)
	case ExpectFloorNear:
		return fmt.Sprintf("run %d's loss floor is within %g× of run %d's (mean of the last %d steps over %d seeds)", e.Run, e.Value, e.Other, floorWindow, floorSeeds)
	case ExpectLimitRatio:
		return fmt.Sprintf("2/λmax at run %d's start is ≥ %g× smaller than on the data set %s", e.Run, e.Value, e.Label)
	}
	return ""
}

// checkData checks the data kinds.
func (o Outcome) checkData(e Expectation) error {
	switch e.Kind {
	case ExpectNoisierThan, ExpectFloorNear:
		a, err := o.lossFloor(e.Run)
		if err != nil {
			return err
		}
		b, err := o.lossFloor(e.Other)
		if err != nil {
			return err
		}
		if e.Kind == ExpectNoisierThan && !(a >= e.Value*b) {
			return fmt.Errorf("loss floor %.4g, run %d's %.4g", a, e.Other, b)
		}
		if e.Kind == ExpectFloorNear && !(a <= e.Value*b && b <= e.Value*a) {
			return fmt.Errorf("loss floor %.4g, run %d's %.4g", a, e.Other, b)
		}
	case ExpectLimitRatio:
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

// lossFloor returns run i's mean loss over its last floorWindow points
// above the surface's lowest listed minimum, averaged over seeds 1 …
// floorSeeds.
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
	for seed := uint64(1); seed <= floorSeeds; seed++ {
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
		sum += tailMean(t.Loss, floorWindow) - floor
	}
	return sum / floorSeeds, nil
}
