package sim

import (
	"context"
	"testing"
)

// BenchmarkGrid512Cancellable is BenchmarkGrid512 on a Cancellable
// surface: the cost of checking the context at every evaluation.
func BenchmarkGrid512Cancellable(b *testing.B) {
	for _, name := range []string{"rosenbrock", "quadratic"} {
		s, err := NewSurface(SurfaceConfig{Name: name})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cs, stop := Cancellable(ctx, s)
		box := s.Info().View
		b.Run(name+"/plain", func(b *testing.B) {
			for b.Loop() {
				Grid(s, box, 512, 512)
			}
		})
		b.Run(name+"/cancellable", func(b *testing.B) {
			for b.Loop() {
				Grid(cs, box, 512, 512)
			}
		})
		stop()
		cancel()
	}
}

// TestCancellableNaNAfterCancel: the wrapper passes values through until
// its context ends, then answers NaN.
func TestCancellableNaNAfterCancel(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: "quadratic"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cs, stop := Cancellable(ctx, s)
	defer stop()
	p := Point{1, 2}
	if cs.Value(p) != s.Value(p) || cs.Grad(p) != s.Grad(p) || cs.Hessian(p) != s.Hessian(p) || cs.Info().Name != "quadratic" {
		t.Fatal("the wrapper changes the surface before cancellation")
	}
	cancel()
	g, h := cs.Grad(p), cs.Hessian(p)
	if v := cs.Value(p); v == v || g.X == g.X || g.Y == g.Y || h.XX == h.XX || h.XY == h.XY || h.YY == h.YY {
		t.Errorf("after cancel: %v %v %v; want NaN", v, g, h)
	}
}

// TestFormulaCost: the cost of a custom surface's formula, through a
// Cancellable wrapper too; 0 for a built-in surface.
func TestFormulaCost(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: SurfaceCustom, Formula: "x^y + sin(x)"})
	if err != nil {
		t.Fatal(err)
	}
	c, stop := Cancellable(context.Background(), s)
	defer stop()
	q, _ := NewSurface(SurfaceConfig{Name: "quadratic"})
	if got := FormulaCost(s); got < 40 || FormulaCost(c) != got || FormulaCost(q) != 0 {
		t.Errorf("costs: formula %d, wrapped %d, quadratic %d", got, FormulaCost(c), FormulaCost(q))
	}
}

// A data surface wrapped by Cancellable is still a data surface: its runs
// draw mini-batches and its step cost counts its rows.
func TestCancellableKeepsDataSurface(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: SurfaceLinReg, Dataset: "noisy_line"})
	if err != nil {
		t.Fatal(err)
	}
	w, stop := Cancellable(context.Background(), s)
	defer stop()
	if got, want := StepCost(w, 8), StepCost(s, 8); got != want || got == 1 {
		t.Fatalf("StepCost through the wrapper = %d, want %d (> 1)", got, want)
	}
	if !MiniBatched(w, 8) {
		t.Fatal("MiniBatched through the wrapper is false")
	}
	c := RunConfig{Start: Point{0, 0}, Optimizer: DefaultOptimizer("sgd", 0.01), BatchSize: 8, Seed: 3}
	a, err := NewRun(s, c, 20)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewRun(w, c, 20)
	if err != nil {
		t.Fatal(err)
	}
	ta, tb := Simulate(a), Simulate(b)
	for i := range ta.X {
		if ta.X[i] != tb.X[i] || ta.Y[i] != tb.Y[i] {
			t.Fatalf("point %d: (%g, %g) through the wrapper, (%g, %g) without", i, tb.X[i], tb.Y[i], ta.X[i], ta.Y[i])
		}
	}
}
