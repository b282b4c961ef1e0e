package scenario

import (
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
		change   func(s *Scenario)
	}{
		// a small LR stops far below its edge
		{"edge-of-stability", ExpectAtEdge, func(s *Scenario) { s.Runs[0].Optimizer.LR = 0.02 }},
		// below 2/λ₀ there is no catapult
		{"catapult", ExpectSpikes, func(s *Scenario) { s.Runs[1].Optimizer.LR = 0.1 }},
		// without warmup the target LR diverges
		{"warmup-sharpness", ExpectReaches, func(s *Scenario) { s.Runs[1].Scheduler = sim.DefaultScheduler(sim.SchedConstant, s.Steps) }},
		// without the decay the loss stays on the plateau
		{"wsd", ExpectDrops, func(s *Scenario) { s.Runs[2].Scheduler = sim.DefaultScheduler(sim.SchedConstant, s.Steps) }},
		// the constant step is not faster than itself
		{"silver-steps", ExpectLowerBy, func(s *Scenario) { s.Runs[1].Scheduler = sim.DefaultScheduler(sim.SchedConstant, s.Steps) }},
		// with PyTorch's β₂ = 0.999 the preconditioner shrinks too slowly to reach the edge in the run
		{"adam-edge", ExpectRisesToEdge, func(s *Scenario) { s.Runs[0].Optimizer.Betas[1] = 0.999 }},
	} {
		p, ok := PresetByID(tc.id)
		if !ok {
			t.Fatalf("no preset %s", tc.id)
		}
		if err := p.Check(); err != nil {
			t.Fatalf("%s as written: %v", tc.id, err)
		}
		tc.change(&p.Scenario)
		err := p.Check()
		if err == nil {
			t.Errorf("%s changed: every promise still holds", tc.id)
			continue
		}
		var e Expectation
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
