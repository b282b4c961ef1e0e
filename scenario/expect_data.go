package scenario

import (
	"fmt"
)

// Kinds of Expectation about data surfaces and mini-batches.
const (
	// ExpectNoisierThan: Run's loss floor (its mean loss over the last 100
	// points above the surface's minimum, averaged over FloorSeeds seeds in
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

// FloorSeeds is the number of seeds a loss floor is averaged over.
const FloorSeeds = 8

// FloorWindow is the number of last points a loss floor is averaged over.
const FloorWindow = 100

// describeData describes the data kinds for test failures.
func describeData(e Expectation) string {
	switch e.Kind {
	case ExpectNoisierThan:
		return fmt.Sprintf("run %d's loss floor is ≥ %g× run %d's (mean of the last %d steps over %d seeds)", e.Run, e.Value, e.Other, FloorWindow, FloorSeeds)
	case ExpectFloorNear:
		return fmt.Sprintf("run %d's loss floor is within %g× of run %d's (mean of the last %d steps over %d seeds)", e.Run, e.Value, e.Other, FloorWindow, FloorSeeds)
	case ExpectLimitRatio:
		return fmt.Sprintf("2/λmax at run %d's start is ≥ %g× smaller than on the data set %s", e.Run, e.Value, e.Label)
	}
	return ""
}
