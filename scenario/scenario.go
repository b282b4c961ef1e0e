// Package scenario reads and writes the lab's scenarios: one surface and one
// or more runs on it, advanced in lock-step.
//
// # JSON
//
// Decode reads the contract's scenario object strictly: every error is a
// *sim.FieldError whose Field is the full JSON path of the bad setting
// ("runs[0].optimizer.momentom", "surface.b", "steps") and whose message
// says what is allowed. MarshalJSON writes the normalised form, with every
// setting explicit and only the keys that apply to each optimizer and
// scheduler, which Decode reads back unchanged. MergeOptimizer and
// MergeScheduler apply the websocket "set" message to a run's settings.
//
// # Share links
//
// ParseQuery reads a share link's query and Query/Encode write one
// (docs/ARCHITECTURE.md, "Share-link query"):
//
//	surface=quadratic&b=10&steps=300&run=sgd,lr=0.19&run=sgd,lr=0.21,momentum=0.9,sched=cosine,T_max=100,x=-2.5,y=1.5
//
// Top level: surface, the surface's parameters by name, formula (custom),
// view=xmin,xmax,ymin,ymax, steps, rate (0 or max: as fast as possible),
// shift=dx,dy (the test shift), lang, embed. Each run= is the optimizer's
// name, then key=value pairs: the PyTorch keyword names of the optimizer and
// of the scheduler (sched=NAME selects it), and the run-level settings of
// the schema's run (runTable: the start as x and y, the label last; on game
// surfaces opt_y, player y's optimizer, with lr_y and any other optimizer
// key with the suffix _y, such as momentum_y=0.5). Lists
// (betas, milestones) have ";" between their numbers, which a URL carries as
// %3B (Go's url.ParseQuery rejects a bare ";"). A run's lr defaults to 1e-3
// (sgd, adam, adamw) or 1e-2 (rmsprop, adagrad). Keys at their default are
// left out, so four runs fit in well under 300 characters.
//
// Numbers are written as the shorter of their plain and exponential
// spellings ("0.19", "1e-5"; whole-number settings as plain integers) and
// read with the syntax [+-]digits[.digits][e[+-]digits]. Booleans are
// true/false (1/0 are read too). In a label, "%", "," and "=" are written
// %25, %2C and %3D before the query's own escaping. testdata/share_cases.json
// holds cases the browser's decoder shares.
//
// # Presets
//
// Presets lists the ready-made scenarios of the lessons (docs: LESSON.md),
// each with a title and a summary in English and Japanese and the outcomes
// its text promises (Expect), which Check verifies by simulating it.
// PyTorchSnippet writes a short PyTorch script that reproduces one run.
package scenario

import (
	"math"

	"lrlab/sim"
)

// Scenario is one surface and the runs on it, with every setting resolved:
// omitted keys of the JSON or query already hold their defaults.
type Scenario struct {
	// Surface selects the loss surface; Params holds every parameter of a
	// catalogued surface (defaults filled in).
	Surface sim.SurfaceConfig
	// Steps is the number of steps each run takes, 1 … Limits.MaxSteps
	// (default 200).
	Steps int
	// View is the part of the plane shown; nil means the surface's own view.
	View *sim.Box
	// TestShift, when set, gives every run a test loss f(p − shift): the
	// test surface is the train surface moved by this vector.
	TestShift *sim.Point
	// Runs are the runs, at least one.
	Runs []sim.RunConfig
}

// Limits bounds what a scenario may ask for. A zero field means the value in
// DefaultLimits.
type Limits struct {
	MaxRuns  int // runs per scenario
	MaxSteps int // steps per run
}

// DefaultLimits are the server's default limits: 8 runs of up to 10,000
// steps.
var DefaultLimits = Limits{MaxRuns: 8, MaxSteps: 10000}

// DefaultSteps is the number of steps of a scenario that does not say
// (or Limits.MaxSteps when that is smaller).
const DefaultSteps = 200

// startReach is how far a start point may lie from the map: inside the
// surface's default view box enlarged this many times about its centre.
const startReach = 10

func (l Limits) withDefaults() Limits {
	if l.MaxRuns <= 0 {
		l.MaxRuns = DefaultLimits.MaxRuns
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = DefaultLimits.MaxSteps
	}
	return l
}

// Build returns the scenario's surface and one run per RunConfig, each at
// its start point (with the test shift set when the scenario has one).
// Errors are *sim.FieldError with the JSON path of the setting
// ("runs[1].optimizer.lr", "surface.b").
func (s Scenario) Build() (sim.Surface, []*sim.Run, error) {
	surf, err := sim.NewSurface(s.Surface)
	if err != nil {
		return nil, nil, sim.Prefix("surface", err)
	}
	runs, err := s.RunsOn(surf)
	if err != nil {
		return nil, nil, err
	}
	return surf, runs, nil
}

// RunsOn returns the scenario's runs on surf, which is its surface or a
// wrapper of it (sim.Cancellable), with Build's errors.
func (s Scenario) RunsOn(surf sim.Surface) ([]*sim.Run, error) {
	runs := make([]*sim.Run, len(s.Runs))
	for i, rc := range s.Runs {
		r, err := sim.NewRun(surf, rc, s.Steps)
		if err != nil {
			if fe, ok := asFieldError(err); ok && fe.Field == "steps" {
				return nil, err
			}
			return nil, sim.Prefix(index("runs", i), err)
		}
		if s.TestShift != nil {
			r.SetTestShift(*s.TestShift)
		}
		runs[i] = r
	}
	return runs, nil
}

// startBox returns the box a start point must lie in: the view v enlarged
// startReach times about its centre.
func startBox(v sim.Box) sim.Box {
	cx, cy := (v.XMin+v.XMax)/2, (v.YMin+v.YMax)/2
	hx, hy := (v.XMax-v.XMin)/2*startReach, (v.YMax-v.YMin)/2*startReach
	return sim.Box{XMin: cx - hx, XMax: cx + hx, YMin: cy - hy, YMax: cy + hy}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
