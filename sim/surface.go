package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// SurfaceCustom is the name of the surface given by a formula (see
// SurfaceConfig.Formula). It is not in Catalog, which lists the built-in
// surfaces only.
const SurfaceCustom = "custom"

// NewSurface checks c and returns the surface it names with its parameters.
// Missing parameters take their default. An unknown name is a *FieldError on
// "name" wrapping ErrUnknownSurface; an unknown, out-of-range or non-finite
// parameter is a *FieldError on that parameter's key. The name "custom"
// builds a surface from c.Formula (see newCustomSurface).
func NewSurface(c SurfaceConfig) (Surface, error) {
	if c.Name == SurfaceCustom {
		return newCustomSurface(c) // sim/custom.go
	}
	if IsDataSurface(c.Name) {
		return newDataSurface(c) // sim/data.go
	}
	if c.Data != nil || c.Dataset != "" {
		return nil, fieldErrorf("data", "only the data surfaces %s and %s take data or a dataset", SurfaceLinReg, SurfaceLogReg)
	}
	def := findSurface(c.Name)
	if def == nil {
		return nil, &FieldError{
			Field: "name",
			Msg:   fmt.Sprintf("unknown surface %q; allowed: %s", c.Name, strings.Join(surfaceNames(), ", ")),
			Err:   ErrUnknownSurface,
		}
	}
	if c.Formula != "" {
		return nil, fieldErrorf("formula", "only the %s surface takes a formula", SurfaceCustom)
	}
	v, err := def.values(c.Params)
	if err != nil {
		return nil, err
	}
	return def.build(v), nil
}

// Catalog lists every built-in surface with its default parameters, in the
// order the UI shows them. The custom surface is not listed.
func Catalog() []SurfaceInfo {
	out := make([]SurfaceInfo, len(builtins))
	for i := range builtins {
		out[i] = builtins[i].build(builtins[i].defaults()).Info()
	}
	return append(out, dataCatalog()...)
}

// surfaceNames returns the names NewSurface accepts, custom last.
func surfaceNames() []string {
	var names []string
	for _, d := range builtins {
		names = append(names, d.name)
	}
	names = append(names, SurfaceLinReg, SurfaceLogReg)
	return append(names, SurfaceCustom)
}

// paramDef is one parameter of a built-in surface.
type paramDef struct {
	name, desc    string
	def, min, max float64 // default and the closed range allowed
}

// surfaceDef is a built-in surface family: its parameters and a constructor
// that fixes them.
type surfaceDef struct {
	name   string
	params []paramDef
	// make returns the surface for parameter values v, given in the order
	// of params and already checked. It fills every field of the
	// description except Name and Params, which build adds.
	make func(v []float64) builtinSurface
}

// builtinSurface is a surface whose description its surfaceDef completes.
type builtinSurface interface {
	Surface
	infoPtr() *SurfaceInfo
}

// build returns d's surface for the checked parameter values v.
func (d *surfaceDef) build(v []float64) Surface {
	s := d.make(v)
	in := s.infoPtr()
	in.Name = d.name
	in.Params = d.paramInfos(v)
	if in.Kind == "" {
		in.Kind = KindMinimize
	}
	return s
}

func findSurface(name string) *surfaceDef {
	for i := range builtins {
		if builtins[i].name == name {
			return &builtins[i]
		}
	}
	return nil
}

func (d *surfaceDef) defaults() []float64 {
	v := make([]float64, len(d.params))
	for i, p := range d.params {
		v[i] = p.def
	}
	return v
}

// values checks the parameters given by name and returns every parameter's
// value in the order of d.params. Keys are checked in sorted order so the
// error reported is always the same one.
func (d *surfaceDef) values(given map[string]float64) ([]float64, error) {
	v := d.defaults()
	for _, key := range slices.Sorted(maps.Keys(given)) {
		i := slices.IndexFunc(d.params, func(p paramDef) bool { return p.name == key })
		if i < 0 {
			if len(d.params) == 0 {
				return nil, fieldErrorf(key, "unknown parameter %q; surface %q has no parameters", key, d.name)
			}
			names := make([]string, len(d.params))
			for j, p := range d.params {
				names[j] = p.name
			}
			return nil, fieldErrorf(key, "unknown parameter %q of surface %q; allowed: %s", key, d.name, strings.Join(names, ", "))
		}
		x, p := given[key], d.params[i]
		if !isFinite(x) || x < p.min || x > p.max {
			return nil, fieldErrorf(key, "must be a finite number between %g and %g, got %v", p.min, p.max, x)
		}
		v[i] = x
	}
	return v, nil
}

// paramInfos describes d's parameters with the values v in use.
func (d *surfaceDef) paramInfos(v []float64) []ParamInfo {
	out := make([]ParamInfo, len(d.params))
	for i, p := range d.params {
		out[i] = ParamInfo{Name: p.name, Description: p.desc, Default: p.def, Min: p.min, Max: p.max, Value: v[i]}
	}
	return out
}

// evaluator is implemented by the built-in surfaces whose runs are stepped
// most (the benchmarked ones): it gives in one call what a run measures at
// every point, f, ∇f, ∇²f and λmax of ∇²f, each bit for bit what Value,
// Grad, Hessian and MaxEigen give (TestEvaluatorMatchesMethods). One call
// instead of three through the Surface interface lets the terms they have
// in common be computed once, and a constant λmax be computed when the
// surface is built.
type evaluator interface {
	eval(p Point) (f float64, g Point, h Sym2, lmax float64)
}

var (
	_ evaluator = (*quadratic)(nil)
	_ evaluator = (*rosenbrock)(nil)
)

// described holds a surface's SurfaceInfo; embedding it gives the Info
// method.
type described struct {
	info SurfaceInfo
}

func (d *described) infoPtr() *SurfaceInfo { return &d.info }

// Info returns a copy of the description, so callers may change it freely.
func (d *described) Info() SurfaceInfo {
	in := d.info
	in.Params = slices.Clone(in.Params)
	in.Minima = slices.Clone(in.Minima)
	return in
}

// newton refines an approximate stationary point p of s by Newton's method
// with the analytic gradient and Hessian. It reports false when the
// iteration does not settle (singular Hessian or no convergence).
func newton(s Surface, p Point) (Point, bool) {
	for range 100 {
		g, h := s.Grad(p), s.Hessian(p)
		det := h.XX*h.YY - h.XY*h.XY
		if det == 0 || !isFinite(det) {
			return p, false
		}
		step := Point{(h.YY*g.X - h.XY*g.Y) / det, (h.XX*g.Y - h.XY*g.X) / det}
		p = p.Sub(step)
		if !p.Finite() {
			return p, false
		}
		if step.Norm() <= 1e-15*(1+p.Norm()) {
			return p, true
		}
	}
	g := s.Grad(p)
	return p, g.Norm() <= 1e-12
}

// stationary returns the stationary point near guess, refined by newton,
// labelled and with its loss. It panics when Newton does not converge: the
// guesses are part of the source, so that is a bug.
func stationary(s Surface, guess Point, label string) Minimum {
	p, ok := newton(s, guess)
	if !ok {
		panic(fmt.Sprintf("sim: no stationary point near (%g, %g)", guess.X, guess.Y))
	}
	return Minimum{X: p.X, Y: p.Y, Loss: s.Value(p), Label: label}
}

// isLocalMin reports whether m is a strict local minimum of s (positive
// definite Hessian).
func isLocalMin(s Surface, m Minimum) bool {
	_, lo := s.Hessian(Point{m.X, m.Y}).Eigen()
	return lo > 0 && !math.IsNaN(lo)
}
