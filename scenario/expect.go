package scenario

import (
	"fmt"
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
	Kind  string  `json:"kind"`            // one of the Expect… constants
	Run   int     `json:"run"`             // index of the run it is about
	Other int     `json:"other,omitempty"` // the run compared with (lower_than, rougher_than, larger_gap, farther_than)
	Label string  `json:"label,omitempty"` // the minimum's label (ends_in): "global", "local", "sharp", "flat", "equilibrium"
	Value float64 `json:"value,omitempty"` // the threshold, as the kind says
	// Window is the part of the run a kind looks at, as fractions of its
	// points from the start ([0.25, 0.75]: the middle half); research kinds
	// only (expect_research.go).
	Window [2]float64 `json:"window,omitzero"`
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
