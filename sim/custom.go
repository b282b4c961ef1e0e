package sim

import (
	"errors"
	"maps"
	"slices"

	"lrlab/sim/expr"
)

// customSurface is the surface f(x, y) given by a formula (package expr),
// with the exact gradient and Hessian that the compiled formula computes.
type customSurface struct {
	prog *expr.Program
	info SurfaceInfo
}

var _ Surface = (*customSurface)(nil)

// The custom surface's view and start point. A formula can be anything, so
// these are fixed: the square [−3, 3]² around the origin and a start in its
// upper-left quarter, away from the axes where many formulas are symmetric.
var (
	customView  = Box{XMin: -3, XMax: 3, YMin: -3, YMax: 3}
	customStart = Point{-2, 2}
)

// newCustomSurface compiles c.Formula (see package expr for the language
// and its limits) into the "custom" surface. It takes no parameters.
// Errors are *FieldError values on "formula" whose Column is the 1-based
// character column the message names (0 for the whole formula), or on the
// key of a parameter given.
//
// The surface is KindMinimize with the view [−3, 3]², the start (−2, 2) and
// no known minima; its Formula is "f = " and the canonical text of the
// formula. Values and derivatives are returned as computed: where they are
// not finite (log of a negative number, sqrt'(0)) a run leaves the map.
func newCustomSurface(c SurfaceConfig) (Surface, error) {
	if len(c.Params) > 0 {
		key := slices.Sorted(maps.Keys(c.Params))[0]
		return nil, fieldErrorf(key, "unknown parameter %q; surface %q has no parameters", key, SurfaceCustom)
	}
	prog, err := expr.Compile(c.Formula)
	if err != nil {
		fe := &FieldError{Field: "formula", Msg: err.Error()}
		var pe *expr.Error
		if errors.As(err, &pe) {
			fe.Column = pe.Column
		}
		return nil, fe
	}
	return &customSurface{
		prog: prog,
		info: SurfaceInfo{
			Name:        SurfaceCustom,
			Title:       "Custom formula",
			Description: "A surface you type as a formula in x and y, with its exact gradient and Hessian.",
			Formula:     "f = " + prog.String(),
			Kind:        KindMinimize,
			Params:      []ParamInfo{},
			View:        customView,
			Start:       customStart,
			Minima:      []Minimum{},
		},
	}, nil
}

// Value returns f(p).
func (s *customSurface) Value(p Point) float64 { return s.prog.Value(p.X, p.Y) }

// Grad returns ∇f(p).
func (s *customSurface) Grad(p Point) Point {
	_, dx, dy := s.prog.Grad(p.X, p.Y)
	return Point{dx, dy}
}

// Hessian returns ∇²f(p).
func (s *customSurface) Hessian(p Point) Sym2 {
	j := s.prog.Eval(p.X, p.Y)
	return Sym2{XX: j.DXX, XY: j.DXY, YY: j.DYY}
}

// Info describes the surface; the caller may change the copy it gets.
func (s *customSurface) Info() SurfaceInfo {
	in := s.info
	in.Params = []ParamInfo{}
	in.Minima = []Minimum{}
	return in
}
