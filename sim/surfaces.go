package sim

import (
	"fmt"
	"math"
)

// builtins lists the built-in surfaces in the order Catalog shows them
// (the research lessons' surfaces last: surfaces_research.go).
var builtins = append([]surfaceDef{
	{
		name: "quadratic",
		params: []paramDef{
			{"a", "curvature along the u axis (the x axis when theta = 0)", 1, 0.01, 1000},
			{"b", "curvature along the v axis (the y axis when theta = 0)", 10, 0.01, 1000},
			{"theta", "rotation of the u, v axes from the x, y axes, in radians", 0, -math.Pi, math.Pi},
		},
		make: func(v []float64) builtinSurface {
			return newQuadratic("Ill-conditioned bowl", v[0], v[1], v[2])
		},
	},
	{
		name: "rotated_bowl",
		params: []paramDef{
			{"a", "curvature along the valley (the u axis)", 1, 0.01, 1000},
			{"b", "curvature across the valley (the v axis)", 50, 0.01, 1000},
			{"theta", "angle of the valley from the x axis, in radians", math.Pi / 6, -math.Pi, math.Pi},
		},
		make: func(v []float64) builtinSurface {
			return newQuadratic("Rotated narrow valley", v[0], v[1], v[2])
		},
	},
	{
		name: "rosenbrock",
		params: []paramDef{
			{"a", "position of the minimum: (a, a²)", 1, -1.5, 1.5},
			{"b", "steepness of the valley walls", 100, 0.1, 1000},
		},
		make: func(v []float64) builtinSurface { return newRosenbrock(v[0], v[1]) },
	},
	{
		name: "himmelblau",
		make: func([]float64) builtinSurface { return newHimmelblau() },
	},
	{
		name: "beale",
		make: func([]float64) builtinSurface { return newBeale() },
	},
	{
		name: "sharp_flat",
		params: []paramDef{
			{"ws", "width of the sharp well (its curvature is about depth/ws²)", sharpFlatWS, 0.05, 0.5},
			{"wf", "width of the flat well", sharpFlatWF, 0.3, 2},
		},
		make: func(v []float64) builtinSurface { return newSharpFlat(v[0], v[1]) },
	},
	{
		name: "local_minimum",
		params: []paramDef{
			{"depth", "depth of the shallow valley that holds the local minimum", localMinDepth, 0, 1},
			{"width", "width of that valley", localMinWidth, 0.05, 1},
		},
		make: func(v []float64) builtinSurface { return newLocalMinimum(v[0], v[1]) },
	},
	{
		name: "saddle",
		params: []paramDef{
			{"scale", "curvature at the saddle point: +scale along x, −scale along y", 1, 0.1, 4},
		},
		make: func(v []float64) builtinSurface { return newSaddle(v[0]) },
	},
	{
		name: "bilinear",
		make: func([]float64) builtinSurface { return newBilinear() },
	},
	{
		name: "stable_game",
		params: []paramDef{
			{"c", "strength of the pull towards the equilibrium (convexity in x, concavity in y)", 0.3, 0.01, 5},
		},
		make: func(v []float64) builtinSurface { return newStableGame(v[0]) },
	},
}, researchSurfaces...)

// quadratic is f = ½(a·u² + b·v²) with u = cosθ·x + sinθ·y,
// v = −sinθ·x + cosθ·y. Its Hessian is constant.
type quadratic struct {
	described
	a, b, cos, sin float64
	h              Sym2
	lmax           float64 // h.MaxEigen()
}

var _ Surface = (*quadratic)(nil)

func newQuadratic(title string, a, b, theta float64) *quadratic {
	c, s := math.Cos(theta), math.Sin(theta)
	q := &quadratic{a: a, b: b, cos: c, sin: s}
	q.h = Sym2{XX: a*c*c + b*s*s, XY: (a - b) * c * s, YY: a*s*s + b*c*c}
	q.lmax = q.h.MaxEigen()
	hi, lo := max(a, b), min(a, b)
	q.info = SurfaceInfo{
		Title: title,
		Description: fmt.Sprintf("A bowl with curvatures %g and %g (condition number %.3g): plain gradient descent is stable only for lr < 2/λmax = %.3g.",
			a, b, hi/lo, 2/hi),
		Formula: "f = ½(a·u² + b·v²), u = cosθ·x + sinθ·y, v = −sinθ·x + cosθ·y",
		View:    Box{XMin: -3, XMax: 3, YMin: -2, YMax: 2},
		Start:   Point{-2.5, 1.5},
		Minima:  []Minimum{{X: 0, Y: 0, Loss: 0, Label: "global"}},
	}
	return q
}

func (q *quadratic) uv(p Point) (u, v float64) {
	return q.cos*p.X + q.sin*p.Y, -q.sin*p.X + q.cos*p.Y
}

// Value returns f(p).
func (q *quadratic) Value(p Point) float64 { return q.value(q.uv(p)) }

// Grad returns ∇f(p).
func (q *quadratic) Grad(p Point) Point { return q.grad(q.uv(p)) }

// Hessian returns ∇²f(p), the same everywhere.
func (q *quadratic) Hessian(Point) Sym2 { return q.h }

func (q *quadratic) value(u, v float64) float64 { return 0.5 * (q.a*u*u + q.b*v*v) }

func (q *quadratic) grad(u, v float64) Point {
	au, bv := q.a*u, q.b*v
	return Point{au*q.cos - bv*q.sin, au*q.sin + bv*q.cos}
}

// eval implements evaluator: the rotation once for f and ∇f, and the
// constant Hessian's λmax as computed when q was built.
func (q *quadratic) eval(p Point) (float64, Point, Sym2, float64) {
	u, v := q.uv(p)
	return q.value(u, v), q.grad(u, v), q.h, q.lmax
}

// rosenbrock is f = (a−x)² + b(y−x²)².
type rosenbrock struct {
	described
	a, b float64
}

var _ Surface = (*rosenbrock)(nil)

func newRosenbrock(a, b float64) *rosenbrock {
	r := &rosenbrock{a: a, b: b}
	r.info = SurfaceInfo{
		Title:       "Rosenbrock's banana valley",
		Description: "A curved, flat-bottomed valley: finding it is easy, following it to the minimum at (a, a²) is slow.",
		Formula:     "f = (a−x)² + b(y−x²)²",
		View:        Box{XMin: -2, XMax: 2, YMin: -1, YMax: 3},
		Start:       Point{-1.2, 1},
		Minima:      []Minimum{{X: a, Y: a * a, Loss: 0, Label: "global"}},
	}
	return r
}

// Value returns f(p).
func (r *rosenbrock) Value(p Point) float64 {
	d, w := r.a-p.X, p.Y-p.X*p.X
	return d*d + r.b*w*w
}

// Grad returns ∇f(p).
func (r *rosenbrock) Grad(p Point) Point {
	w := p.Y - p.X*p.X
	return Point{-2*(r.a-p.X) - 4*r.b*p.X*w, 2 * r.b * w}
}

// Hessian returns ∇²f(p).
func (r *rosenbrock) Hessian(p Point) Sym2 {
	return Sym2{XX: 2 - 4*r.b*(p.Y-p.X*p.X) + 8*r.b*p.X*p.X, XY: -4 * r.b * p.X, YY: 2 * r.b}
}

// eval implements evaluator. The three methods inline here, so their
// common terms (y − x², x²) are computed once.
func (r *rosenbrock) eval(p Point) (float64, Point, Sym2, float64) {
	h := r.Hessian(p)
	return r.Value(p), r.Grad(p), h, h.MaxEigen()
}

// himmelblau is f = (x²+y−11)² + (x+y²−7)².
type himmelblau struct{ described }

var _ Surface = (*himmelblau)(nil)

func newHimmelblau() *himmelblau {
	h := &himmelblau{}
	h.info = SurfaceInfo{
		Title:       "Himmelblau's four valleys",
		Description: "Four minima of equal loss 0: which one a run reaches depends on the start, the optimizer and the learning rate.",
		Formula:     "f = (x²+y−11)² + (x+y²−7)²",
		View:        Box{XMin: -5, XMax: 5, YMin: -5, YMax: 5},
		Start:       Point{0, 0},
	}
	for _, g := range []Point{{3, 2}, {-2.805118, 3.131312}, {-3.779310, -3.283186}, {3.584428, -1.848127}} {
		h.info.Minima = append(h.info.Minima, stationary(h, g, "global"))
	}
	return h
}

// Value returns f(p).
func (*himmelblau) Value(p Point) float64 {
	a, b := p.X*p.X+p.Y-11, p.X+p.Y*p.Y-7
	return a*a + b*b
}

// Grad returns ∇f(p).
func (*himmelblau) Grad(p Point) Point {
	a, b := p.X*p.X+p.Y-11, p.X+p.Y*p.Y-7
	return Point{4*p.X*a + 2*b, 2*a + 4*p.Y*b}
}

// Hessian returns ∇²f(p).
func (*himmelblau) Hessian(p Point) Sym2 {
	a, b := p.X*p.X+p.Y-11, p.X+p.Y*p.Y-7
	return Sym2{XX: 4*a + 8*p.X*p.X + 2, XY: 4 * (p.X + p.Y), YY: 2 + 4*b + 8*p.Y*p.Y}
}

// beale is f = Σᵢ (cᵢ − x + x·yⁱ)² for i = 1, 2, 3 with c = 1.5, 2.25, 2.625.
type beale struct{ described }

var _ Surface = (*beale)(nil)

var bealeC = [3]float64{1.5, 2.25, 2.625}

func newBeale() *beale {
	b := &beale{}
	b.info = SurfaceInfo{
		Title:       "Beale's flat plateau",
		Description: "A wide flat plateau cut by steep ridges; the minimum at (3, 0.5) lies in a narrow curved valley.",
		Formula:     "f = (1.5−x+xy)² + (2.25−x+xy²)² + (2.625−x+xy³)²",
		View:        Box{XMin: -4.5, XMax: 4.5, YMin: -4.5, YMax: 4.5},
		Start:       Point{1, 1.5},
		Minima:      []Minimum{{X: 3, Y: 0.5, Loss: 0, Label: "global"}},
	}
	return b
}

// Value returns f(p).
func (*beale) Value(p Point) float64 {
	f, yi := 0.0, 1.0
	for _, c := range bealeC {
		yi *= p.Y
		t := c - p.X + p.X*yi
		f += t * t
	}
	return f
}

// Grad returns ∇f(p).
func (*beale) Grad(p Point) Point {
	var g Point
	yPrev := 1.0 // y^(i−1)
	for i, c := range bealeC {
		n := float64(i + 1)
		yi := yPrev * p.Y
		t := c - p.X + p.X*yi
		g.X += 2 * t * (yi - 1)
		g.Y += 2 * t * n * p.X * yPrev
		yPrev = yi
	}
	return g
}

// Hessian returns ∇²f(p).
func (*beale) Hessian(p Point) Sym2 {
	var h Sym2
	yPrev2, yPrev := 0.0, 1.0 // y^(i−2) (0 for i = 1, where it is multiplied by 0), y^(i−1)
	for i, c := range bealeC {
		n := float64(i + 1)
		yi := yPrev * p.Y
		t := c - p.X + p.X*yi
		tx, ty := yi-1, n*p.X*yPrev // ∂t/∂x, ∂t/∂y
		h.XX += 2 * tx * tx
		h.XY += 2 * (tx*ty + t*n*yPrev)
		h.YY += 2 * (ty*ty + t*n*(n-1)*p.X*yPrev2)
		yPrev2, yPrev = yPrev, yi
	}
	return h
}

// saddle is f = ½·scale·(x² − y²) + ¼y⁴: a saddle point at the origin between
// two minima at (0, ±√scale).
type saddle struct {
	described
	s float64
}

var _ Surface = (*saddle)(nil)

func newSaddle(scale float64) *saddle {
	s := &saddle{s: scale}
	y := math.Sqrt(scale)
	s.info = SurfaceInfo{
		Title:       "Saddle point",
		Description: "Downhill in y, uphill in x: a run that starts close to y = 0 lingers near the saddle before it slides to one of the two minima.",
		Formula:     "f = ½·scale·(x² − y²) + ¼y⁴",
		View:        Box{XMin: -3, XMax: 3, YMin: -2.5, YMax: 2.5},
		Start:       Point{-2.5, 0.02},
		Minima: []Minimum{
			{X: 0, Y: 0, Loss: 0, Label: "saddle"},
			{X: 0, Y: y, Loss: -scale * scale / 4, Label: "global"},
			{X: 0, Y: -y, Loss: -scale * scale / 4, Label: "global"},
		},
	}
	return s
}

// Value returns f(p).
func (s *saddle) Value(p Point) float64 {
	y2 := p.Y * p.Y
	return 0.5*s.s*(p.X*p.X-y2) + 0.25*y2*y2
}

// Grad returns ∇f(p).
func (s *saddle) Grad(p Point) Point {
	return Point{s.s * p.X, -s.s*p.Y + p.Y*p.Y*p.Y}
}

// Hessian returns ∇²f(p).
func (s *saddle) Hessian(p Point) Sym2 {
	return Sym2{XX: s.s, YY: -s.s + 3*p.Y*p.Y}
}

// bilinear is the game f = x·y: x descends f, y ascends it.
type bilinear struct{ described }

var _ Surface = (*bilinear)(nil)

func newBilinear() *bilinear {
	b := &bilinear{}
	b.info = SurfaceInfo{
		Title:       "Bilinear game",
		Description: "A two-player game: x lowers f, y raises it. Simultaneous gradient steps spiral outwards at every learning rate; alternating steps circle the equilibrium.",
		Formula:     "f = x·y",
		Kind:        KindGame,
		View:        Box{XMin: -3, XMax: 3, YMin: -3, YMax: 3},
		Start:       Point{1, 1},
		Minima:      []Minimum{{X: 0, Y: 0, Loss: 0, Label: "equilibrium"}},
	}
	return b
}

// Value returns f(p).
func (*bilinear) Value(p Point) float64 { return p.X * p.Y }

// Grad returns ∇f(p).
func (*bilinear) Grad(p Point) Point { return Point{p.Y, p.X} }

// Hessian returns ∇²f(p), the same everywhere.
func (*bilinear) Hessian(Point) Sym2 { return Sym2{XY: 1} }

// stableGame is the game f = x·y + (c/2)(x² − y²), strongly convex in x and
// strongly concave in y.
type stableGame struct {
	described
	c float64
}

var _ Surface = (*stableGame)(nil)

func newStableGame(c float64) *stableGame {
	g := &stableGame{c: c}
	g.info = SurfaceInfo{
		Title: "Stable game",
		Description: fmt.Sprintf("A two-player game (x lowers f, y raises it) with a pull towards the equilibrium: simultaneous gradient steps with equal learning rates converge only for lr < 2c/(1+c²) = %.3g.",
			2*c/(1+c*c)),
		Formula: "f = x·y + (c/2)(x² − y²)",
		Kind:    KindGame,
		View:    Box{XMin: -3, XMax: 3, YMin: -3, YMax: 3},
		Start:   Point{1, 1},
		Minima:  []Minimum{{X: 0, Y: 0, Loss: 0, Label: "equilibrium"}},
	}
	return g
}

// Value returns f(p).
func (g *stableGame) Value(p Point) float64 {
	return p.X*p.Y + 0.5*g.c*(p.X*p.X-p.Y*p.Y)
}

// Grad returns ∇f(p).
func (g *stableGame) Grad(p Point) Point {
	return Point{p.Y + g.c*p.X, p.X - g.c*p.Y}
}

// Hessian returns ∇²f(p), the same everywhere.
func (g *stableGame) Hessian(Point) Sym2 { return Sym2{XX: g.c, XY: 1, YY: -g.c} }
