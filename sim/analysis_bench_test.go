package sim_test

import (
	"context"
	"testing"

	"lrlab/sim"
)

// BenchmarkSweep is the sweep the page runs: sgd, sgd with momentum 0.9 and
// adam at 40 LRs from 1e-5 to 10, 500 steps each, on the quadratic.
// Target: under 200 ms per sweep on two cores.
func BenchmarkSweep(b *testing.B) {
	s := analysisSurface(b, "quadratic")
	mom := sim.DefaultOptimizer(sim.OptSGD, 0)
	mom.Momentum = 0.9
	c := sim.SweepConfig{
		Surface: s, Run: sim.RunConfig{Start: s.Info().Start}, Steps: 500,
		Optimizers: []sim.OptimizerConfig{sim.DefaultOptimizer(sim.OptSGD, 0), mom, sim.DefaultOptimizer(sim.OptAdam, 0)},
	}
	for b.Loop() {
		if _, err := sim.Sweep(context.Background(), c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLRFinder is one range test with fastai's defaults on the
// quadratic.
func BenchmarkLRFinder(b *testing.B) {
	s := analysisSurface(b, "quadratic")
	c := sim.DefaultFinderConfig(s.Info().Start, sim.DefaultOptimizer(sim.OptSGD, 0))
	for b.Loop() {
		if _, err := sim.LRFinder(s, c); err != nil {
			b.Fatal(err)
		}
	}
}
