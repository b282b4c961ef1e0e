package scenariotest

import (
	"lrlab/scenario"
	"math"
	"strings"
	"testing"

	"lrlab/sim"
)

// TestResearchPromisesCanFail changes the one setting each research
// lesson's promise rests on and checks that the promise then fails, with
// the kind that should catch it: the checks are not true of any run.
func TestResearchPromisesCanFail(t *testing.T) {
	for _, tc := range []struct {
		id, kind string
		change   func(s *scenario.Scenario)
	}{
		// a small LR stops far below its edge
		{"edge-of-stability", scenario.ExpectAtEdge, func(s *scenario.Scenario) { s.Runs[0].Optimizer.LR = 0.02 }},
		// below 2/λ₀ there is no catapult
		{"catapult", scenario.ExpectSpikes, func(s *scenario.Scenario) { s.Runs[1].Optimizer.LR = 0.1 }},
		// without warmup the target LR diverges
		{"warmup-sharpness", scenario.ExpectReaches, func(s *scenario.Scenario) { s.Runs[1].Scheduler = sim.DefaultScheduler(sim.SchedConstant, s.Steps) }},
		// without the decay the loss stays on the plateau
		{"wsd", scenario.ExpectDrops, func(s *scenario.Scenario) { s.Runs[2].Scheduler = sim.DefaultScheduler(sim.SchedConstant, s.Steps) }},
		// the constant step is not faster than itself
		{"silver-steps", scenario.ExpectLowerBy, func(s *scenario.Scenario) { s.Runs[1].Scheduler = sim.DefaultScheduler(sim.SchedConstant, s.Steps) }},
		// with PyTorch's β₂ = 0.999 the preconditioner shrinks too slowly to reach the edge in the run
		{"adam-edge", scenario.ExpectRisesToEdge, func(s *scenario.Scenario) { s.Runs[0].Optimizer.Betas[1] = 0.999 }},
	} {
		p, ok := scenario.PresetByID(tc.id)
		if !ok {
			t.Fatalf("no preset %s", tc.id)
		}
		if err := Check(p); err != nil {
			t.Fatalf("%s as written: %v", tc.id, err)
		}
		tc.change(&p.Scenario)
		err := Check(p)
		if err == nil {
			t.Errorf("%s changed: every promise still holds", tc.id)
			continue
		}
		var e scenario.Expectation
		for _, x := range p.Expect {
			if x.Kind == tc.kind {
				e = x
			}
		}
		if !strings.Contains(err.Error(), e.String()) {
			t.Errorf("%s changed: %v; want the %s promise to fail", tc.id, err, tc.kind)
		}
	}
}

// TestResearchLessonNumbers checks the numbers the research lessons' texts
// quote that no expectation covers.
func TestResearchLessonNumbers(t *testing.T) {
	// catapult: λ₀ ≈ 16 at the start, so 2/λ₀ ≈ 0.125 lies between LR 0.1 and 0.2
	p, _ := scenario.PresetByID("catapult")
	out, err := Simulate(p.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	if l0 := out.Trajectories[0].Sharpness[0]; l0 < 15.5 || l0 > 16.5 || !(0.1 < 2/l0 && 2/l0 < 0.2) {
		t.Errorf("catapult: λ₀ = %v", l0)
	}
	// silver-steps: the largest step is 83/L (1 + ρ⁵ at step 64)
	p, _ = scenario.PresetByID("silver-steps")
	if out, err = Simulate(p.Scenario); err != nil {
		t.Fatal(err)
	}
	top := 0.0
	for _, lr := range out.Trajectories[1].LR {
		top = max(top, lr)
	}
	if r := top / 0.01; r < 82.5 || r > 83.5 {
		t.Errorf("silver-steps: largest step %v/L", r)
	}
	// wsd: the decay takes the last 120 of 600 steps, 20 %
	p, _ = scenario.PresetByID("wsd")
	if c := p.Scenario.Runs[2].Scheduler; c.DecaySteps != 120 || p.Scenario.Steps != 600 || c.WarmupSteps != 0 {
		t.Errorf("wsd: %+v over %d steps", c, p.Scenario.Steps)
	}
	// adam-edge: the limit's factor is 38 at β₁ = 0.9
	p, _ = scenario.PresetByID("adam-edge")
	if out, err = Simulate(p.Scenario); err != nil {
		t.Fatal(err)
	}
	tr := out.Trajectories[0]
	if f := tr.StabilityLimit[0] * tr.EdgeSharpness[0]; math.Abs(f-38) > 1e-9 {
		t.Errorf("adam-edge: F = %v", f)
	}
}
