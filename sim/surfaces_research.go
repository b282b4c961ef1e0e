package sim

import (
	"fmt"
	"math"
)

// The surfaces of the research lessons (issue 16): what happens at the
// stability limit rather than past it.

// researchSurfaces are appended to the catalogue after the others.
var researchSurfaces = []surfaceDef{
	{
		name: "uv",
		make: func([]float64) builtinSurface { return newUV() },
	},
	{
		name: "eos",
		make: func([]float64) builtinSurface { return newEOS() },
	},
	{
		name: "river",
		params: []paramDef{
			{"b", "curvature across the river (the y axis)", riverB, 1, 100},
			{"s", "slope of the river bed along x, far from its lowest point", riverS, 0.001, 1},
		},
		make: func(v []float64) builtinSurface { return newRiver(v[0], v[1]) },
	},
}

// uv is f = ½(x·y − 1)², the two-layer scalar linear network u·v fitted to
// 1. Its minima are the hyperbola x·y = 1, where the Hessian
// [[y², 1], [1, x²]] has eigenvalues x² + y² and 0: flat minima (near
// (1, 1), sharpness 2) and sharp ones (far out on the branches) lie on one
// valley.
type uv struct{ described }

var _ Surface = (*uv)(nil)

func newUV() *uv {
	s := &uv{}
	s.info = SurfaceInfo{
		Title:       "Two-layer scalar model u·v",
		Description: "Every point of the hyperbola x·y = 1 is a minimum with sharpness x² + y²: flat near (1, 1), sharp far out on the branches. A large LR cannot settle where the valley is sharp and is thrown (catapulted) to a flatter part of it.",
		Formula:     "f = ½(x·y − 1)²",
		View:        Box{XMin: -2, XMax: 5, YMin: -2, YMax: 3},
		Start:       Point{4, 0.1},
		// three points of the valley, labelled so the legend can say a run
		// ended near one: the flattest of each branch and the one nearest
		// the default start (a catapult throws a run to the other branch)
		Minima: []Minimum{
			{X: 1, Y: 1, Loss: 0, Label: "global"},
			{X: -1, Y: -1, Loss: 0, Label: "global"},
			{X: 4, Y: 0.25, Loss: 0, Label: "global"},
		},
	}
	return s
}

// Value returns f(p).
func (*uv) Value(p Point) float64 {
	r := p.X*p.Y - 1
	return 0.5 * r * r
}

// Grad returns ∇f(p).
func (*uv) Grad(p Point) Point {
	r := p.X*p.Y - 1
	return Point{r * p.Y, r * p.X}
}

// Hessian returns ∇²f(p).
func (*uv) Hessian(p Point) Sym2 {
	return Sym2{XX: p.Y * p.Y, XY: 2*p.X*p.Y - 1, YY: p.X * p.X}
}

// eos is f = ¼(x²·y² − 1)², the minimalist example of Zhu, Wang, Wang,
// Zhou & Ge (2022). Its minima are x·y = ±1 with sharpness 2(x² + y²).
// Gradient descent from an unbalanced start whose nearby minima are sharper
// than 2/lr oscillates about the valley while it drifts to a minimum whose
// sharpness is just below 2/lr.
type eos struct{ described }

var _ Surface = (*eos)(nil)

func newEOS() *eos {
	s := &eos{}
	s.info = SurfaceInfo{
		Title:       "Edge of stability, a minimalist example",
		Description: "The minima x·y = ±1 have sharpness 2(x² + y²). From an unbalanced start, gradient descent with a large LR first sharpens, then oscillates across the valley at sharpness ≈ 2/lr while it drifts along it, and stops at a minimum just flat enough for its LR.",
		Formula:     "f = ¼(x²·y² − 1)²",
		View:        Box{XMin: -1, XMax: 5, YMin: -1, YMax: 3},
		Start:       Point{4, 0.3},
		// points of the valley, so the legend can say a run ended near one:
		// the flattest, where lr 0.1 settles (sharpness ≈ 20), and the
		// nearest to the start
		Minima: []Minimum{
			{X: 1, Y: 1, Loss: 0, Label: "global"},
			{X: 3, Y: 1.0 / 3, Loss: 0, Label: "global"},
			{X: 4, Y: 0.25, Loss: 0, Label: "global"},
		},
	}
	return s
}

// Value returns f(p).
func (*eos) Value(p Point) float64 {
	u := p.X*p.X*p.Y*p.Y - 1
	return 0.25 * u * u
}

// Grad returns ∇f(p): u·(x·y², x²·y) with u = x²y² − 1.
func (*eos) Grad(p Point) Point {
	u := p.X*p.X*p.Y*p.Y - 1
	return Point{u * p.X * p.Y * p.Y, u * p.X * p.X * p.Y}
}

// Hessian returns ∇²f(p).
func (*eos) Hessian(p Point) Sym2 {
	x2, y2 := p.X*p.X, p.Y*p.Y
	u := x2*y2 - 1
	return Sym2{
		XX: 2*x2*y2*y2 + u*y2,
		XY: 2*x2*p.X*y2*p.Y + 2*u*p.X*p.Y,
		YY: 2*x2*x2*y2 + u*x2,
	}
}

// The river surface's defaults and shape.
const (
	riverB = 18  // curvature across the river: at lr 0.1, lr·b = 1.8, near the edge
	riverS = 0.2 // slope of the river bed
	riverW = 0.1 // half-width of the rounded bottom of the river bed, along x
)

// river is f = ½·b·y² + s·w·(√(1 + x²/w²) − 1): a "river valley" loss
// (Wen et al. 2024): steep across the river (curvature b), a slow descent
// along it (slope s, rounded at x = 0 with curvature s/w). Under gradient
// noise σ, SGD at lr keeps E[½·b·y²] ≈ lr·σ²/(2(2 − lr·b)) across the river,
// a plateau that a large LR near 2/b makes high, while it moves along the
// river at about lr·s per step; decaying the LR lowers the plateau.
type river struct {
	described
	b, s float64
}

var _ Surface = (*river)(nil)

func newRiver(b, s float64) *river {
	r := &river{b: b, s: s}
	r.info = SurfaceInfo{
		Title: "River valley",
		Description: fmt.Sprintf("Steep across the river (curvature %g, stable for lr < %.3g), a gentle slope %g along it. With noisy gradients a large LR bounces across the river on a high plateau of loss while it travels down the river; lowering the LR drops it into the river bed.",
			b, 2/b, s),
		Formula: "f = ½·b·y² + s·w·(√(1 + x²/w²) − 1), w = 0.1",
		View:    Box{XMin: -9, XMax: 1, YMin: -1.5, YMax: 1.5},
		Start:   Point{-8, 1},
		Minima:  []Minimum{{X: 0, Y: 0, Loss: 0, Label: "global"}},
	}
	return r
}

// Value returns f(p).
func (r *river) Value(p Point) float64 {
	q := p.X / riverW
	return 0.5*r.b*p.Y*p.Y + r.s*riverW*(math.Sqrt(1+q*q)-1)
}

// Grad returns ∇f(p).
func (r *river) Grad(p Point) Point {
	q := p.X / riverW
	return Point{r.s * q / math.Sqrt(1+q*q), r.b * p.Y}
}

// Hessian returns ∇²f(p).
func (r *river) Hessian(p Point) Sym2 {
	q := p.X / riverW
	root := math.Sqrt(1 + q*q)
	return Sym2{XX: r.s / (riverW * root * root * root), YY: r.b}
}
