package sim

import (
	"context"
	"math"
)

// Cancellable returns s wrapped so that once ctx is done every value,
// gradient and Hessian it gives is NaN at once, without evaluating s: a
// run on it leaves the map at its next step and ends, and a grid of it
// fills the rest of its points with NaN in a few nanoseconds each. Callers
// that compute on behalf of a request wrap its surface, build the runs on
// the wrapper, and check ctx.Err() after the computation, discarding the
// result when it is set: the work done after the request ends is then a
// check of ctx's done channel per evaluation (a few nanoseconds), not the
// rest of the computation. stop is for symmetry with context.AfterFunc
// users; it releases nothing today but callers defer it.
func Cancellable(ctx context.Context, s Surface) (c Surface, stop func()) {
	return &cancelSurface{Surface: s, done: ctx.Done()}, func() {}
}

// cancelSurface is Cancellable's wrapper.
type cancelSurface struct {
	Surface
	done <-chan struct{} // nil for a context that never ends
}

// stopped reports whether the context has ended, without blocking.
func (s *cancelSurface) stopped() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *cancelSurface) Value(p Point) float64 {
	if s.stopped() {
		return math.NaN()
	}
	return s.Surface.Value(p)
}

func (s *cancelSurface) Grad(p Point) Point {
	if s.stopped() {
		return Point{math.NaN(), math.NaN()}
	}
	return s.Surface.Grad(p)
}

func (s *cancelSurface) Hessian(p Point) Sym2 {
	if s.stopped() {
		nan := math.NaN()
		return Sym2{XX: nan, XY: nan, YY: nan}
	}
	return s.Surface.Hessian(p)
}
