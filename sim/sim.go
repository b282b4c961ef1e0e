// Package sim is the numerical core of the learning-rate lab: loss surfaces
// with analytic derivatives, optimizers and learning-rate schedulers with
// PyTorch 1.13 semantics, and the stepping of runs with the divergence rule.
//
// It is a pure library: no net/http, no logging, no clock. Everything it
// returns is finite; a run whose next point would not be finite (or would
// leave the map) stops with StatusDiverged instead.
//
// Programmer errors (a nil surface, a negative index) panic. Bad settings that
// come from a user are returned as *FieldError values naming the setting.
package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Point is a point of the 2D parameter space, or a 2D vector such as a
// gradient.
type Point struct {
	X, Y float64
}

// Add returns p+q.
func (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }

// Sub returns p−q.
func (p Point) Sub(q Point) Point { return Point{p.X - q.X, p.Y - q.Y} }

// Scale returns s·p.
func (p Point) Scale(s float64) Point { return Point{s * p.X, s * p.Y} }

// Norm returns the Euclidean norm of p.
func (p Point) Norm() float64 { return hypot(p.X, p.Y) }

// hypot is math.Hypot without its cost where the plain formula cannot
// overflow or underflow (the common case on every step).
func hypot(a, b float64) float64 {
	s := a*a + b*b
	if s > 1e-300 && s < 1e300 {
		return math.Sqrt(s)
	}
	return math.Hypot(a, b)
}

// Finite reports whether both coordinates are finite.
func (p Point) Finite() bool { return isFinite(p.X) && isFinite(p.Y) }

// MarshalJSON writes p as [x, y], the form the API uses for points
// ("start": [-2.5, 1.5]).
func (p Point) MarshalJSON() ([]byte, error) { return json.Marshal([2]float64{p.X, p.Y}) }

// UnmarshalJSON reads p from [x, y], or from {"x": …, "y": …} as written
// before Point had MarshalJSON.
func (p *Point) UnmarshalJSON(b []byte) error {
	var a [2]float64
	if err := json.Unmarshal(b, &a); err == nil {
		p.X, p.Y = a[0], a[1]
		return nil
	}
	var o struct{ X, Y float64 }
	if err := json.Unmarshal(b, &o); err != nil {
		return fmt.Errorf("sim: a point is [x, y]: %w", err)
	}
	p.X, p.Y = o.X, o.Y
	return nil
}

// Sym2 is a symmetric 2×2 matrix [[XX, XY], [XY, YY]], such as a Hessian.
type Sym2 struct {
	XX, XY, YY float64
}

// Eigen returns the eigenvalues of h, largest first, in closed form.
func (h Sym2) Eigen() (hi, lo float64) {
	mean := 0.5 * (h.XX + h.YY)
	half := 0.5 * (h.XX - h.YY)
	r := hypot(half, h.XY)
	return mean + r, mean - r
}

// MaxEigen returns the largest eigenvalue λmax of h. Plain gradient descent
// on the quadratic model with this Hessian is stable for lr < 2/λmax.
func (h Sym2) MaxEigen() float64 {
	hi, _ := h.Eigen()
	return hi
}

// Surface is a loss surface f(x, y) with analytic first and second
// derivatives. Implementations must be safe for concurrent use by several
// goroutines (they hold only immutable parameters).
type Surface interface {
	// Value returns f(p).
	Value(p Point) float64
	// Grad returns ∇f(p).
	Grad(p Point) Point
	// Hessian returns ∇²f(p).
	Hessian(p Point) Sym2
	// Info describes the surface with its current parameters.
	Info() SurfaceInfo
}

// SurfaceConfig selects a surface and its parameters, as a scenario names it.
type SurfaceConfig struct {
	Name    string             // a name from Catalog, or "custom"
	Params  map[string]float64 // by ParamInfo.Name; missing ones take their default
	Formula string             // the expression in x and y, for "custom" only
	// Data holds the (x, y) rows of a data surface (linreg, logreg); nil
	// means the built-in set Dataset (or the surface's default set).
	Data    [][2]float64
	Dataset string // a built-in data set's name (Datasets), for data surfaces only
}

// Surface kinds, as in SurfaceInfo.Kind.
const (
	KindMinimize = "minimize" // both coordinates descend f
	KindGame     = "game"     // x descends f, y ascends it
)

// SurfaceInfo describes a surface for people and for the API.
type SurfaceInfo struct {
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Formula     string      `json:"formula"` // plain text, e.g. "f = (a−x)² + b(y−x²)²"
	Kind        string      `json:"kind"`    // KindMinimize or KindGame
	Params      []ParamInfo `json:"params"`
	View        Box         `json:"view"`
	Start       Point       `json:"start"`
	Minima      []Minimum   `json:"minima"`
	Data        *DataInfo   `json:"data,omitempty"` // data surfaces only
}

// ParamInfo describes one parameter of a surface.
type ParamInfo struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Default     float64 `json:"default"`
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
	Value       float64 `json:"value"` // the value in use
}

// Box is an axis-aligned rectangle of the parameter space (the view box).
type Box struct {
	XMin float64 `json:"xmin"`
	XMax float64 `json:"xmax"`
	YMin float64 `json:"ymin"`
	YMax float64 `json:"ymax"`
}

// Minimum is a known stationary point of a surface.
type Minimum struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Loss  float64 `json:"loss"`
	Label string  `json:"label"` // "global", "local", "sharp", "flat", "saddle", "equilibrium"
}

// Divergence limits (the contract's divergence rule). A run diverges at the
// first step whose new point has a non-finite coordinate or loss, a loss with
// |loss| > MaxLoss, or a coordinate with |x| or |y| > MaxCoord.
const (
	MaxLoss  = 1e12
	MaxCoord = 1e6
)

// Leaves reports whether a point p with loss f breaks the divergence rule.
func Leaves(p Point, f float64) bool {
	return !isFinite(p.X) || !isFinite(p.Y) || !isFinite(f) ||
		math.Abs(f) > MaxLoss || math.Abs(p.X) > MaxCoord || math.Abs(p.Y) > MaxCoord
}

// isFinite reports whether v is neither NaN nor ±Inf (v−v is NaN exactly then).
func isFinite(v float64) bool { return v-v == 0 }

// FieldError is a user error in one setting. Field is a path relative to the
// object being validated ("lr", "betas[1]"); callers prefix it with the
// path of that object ("runs[0].optimizer.") using Prefix.
type FieldError struct {
	Field string
	Msg   string
	Err   error // the sentinel error this one reports (ErrUnknownSurface…), or nil
	// Column is the 1-based character column of a formula (Field "formula")
	// that Msg points at, so a page can underline it; 0 when there is none.
	Column int
}

// Unwrap returns the sentinel error e reports, so errors.Is(err,
// ErrUnknownSurface) works through a *FieldError.
func (e *FieldError) Unwrap() error { return e.Err }

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Prefix returns err with prefix prepended to its field when err is a
// *FieldError, and err unchanged otherwise.
func Prefix(prefix string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		f := fe.Field
		switch {
		case f == "":
			f = prefix
		case f[0] == '[':
			f = prefix + f
		default:
			f = prefix + "." + f
		}
		return &FieldError{Field: f, Msg: fe.Msg, Err: fe.Err, Column: fe.Column}
	}
	return err
}

func fieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Sentinel errors, wrapped by the *FieldError messages that report them.
var (
	ErrUnknownSurface   = errors.New("unknown surface")
	ErrUnknownOptimizer = errors.New("unknown optimizer")
	ErrUnknownScheduler = errors.New("unknown scheduler")
)
