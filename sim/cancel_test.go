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
