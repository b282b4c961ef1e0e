package sim

import (
	"fmt"
	"math"
	"strconv"
)

// The sharp_flat surface: f = 1 + (k/2)|p−cf|² − df·exp(−|p−cf|²/(2wf²))
// − ds·exp(−|p−cs|²/(2ws²)). The sharp well at cs lies on the straight path
// from the default start to the flat well at cf (the bowl and the flat well
// are both centred at cf, so gradient flow from the start heads straight for
// cf): a small learning rate falls into the sharp well on the way, a larger
// one cannot settle there (its curvature ds/ws² makes it unstable for
// lr > 2ws²/ds) and ends in the flat well.
const (
	sharpFlatWS = 0.1 // default width of the sharp well
	sharpFlatWF = 1.0 // default width of the flat well
	sharpFlatDS = 1.1 // depth of the sharp well
	sharpFlatDF = 0.7 // depth of the flat well
	sharpFlatK  = 0.1 // curvature of the bowl that keeps f bounded below
)

var (
	sharpFlatCS    = Point{-0.9, 0.7} // centre of the sharp well
	sharpFlatCF    = Point{1.5, -0.5} // centre of the flat well and of the bowl
	sharpFlatStart = Point{-2.5, 1.5} // cs = start + 0.4·(cf − start)
)

// The local_minimum surface: f = √(1 + |p−cg|²) − 1 − depth·exp(−(x−xl)²/(2·width²)),
// a bowl whose slope stays below 1 far from the global minimum at cg, crossed
// by a shallow valley at x = xl between the default start and cg. A small
// learning rate stops in the valley; a larger one steps over it.
const (
	localMinDepth = 0.25 // default depth of the valley
	localMinWidth = 0.12 // default width of the valley
	localMinXL    = -0.5 // x of the valley's floor line
)

var (
	localMinCG    = Point{1.5, 0}  // the global minimum
	localMinStart = Point{-2.5, 1} // the default start
)

// wells is a loss made of smooth radial pieces added together.
type wells struct {
	described
	base    float64
	bowls   []bowlTerm
	hubers  []huberTerm
	gauss   []gaussTerm
	trenchs []trenchTerm
}

var _ Surface = (*wells)(nil)

// bowlTerm is (k/2)|p−c|².
type bowlTerm struct {
	c Point
	k float64
}

// huberTerm is h·(√(1 + |p−c|²/s²) − 1): quadratic near c with curvature
// h/s², linear far away with slope h/s.
type huberTerm struct {
	c    Point
	h, s float64
}

// gaussTerm is −d·exp(−|p−c|²/(2w²)): a round well of depth d, width w and
// curvature d/w² at its centre.
type gaussTerm struct {
	c    Point
	d, w float64
}

// trenchTerm is −d·exp(−(x−x0)²/(2w²)): a straight valley along y.
type trenchTerm struct {
	x0, d, w float64
}

// Value returns f(p).
func (s *wells) Value(p Point) float64 {
	f := s.base
	for _, t := range s.bowls {
		d := p.Sub(t.c)
		f += 0.5 * t.k * (d.X*d.X + d.Y*d.Y)
	}
	for _, t := range s.hubers {
		d := p.Sub(t.c)
		f += t.h * (math.Sqrt(1+(d.X*d.X+d.Y*d.Y)/(t.s*t.s)) - 1)
	}
	for _, t := range s.gauss {
		d := p.Sub(t.c)
		f -= t.d * math.Exp(-(d.X*d.X+d.Y*d.Y)/(2*t.w*t.w))
	}
	for _, t := range s.trenchs {
		d := p.X - t.x0
		f -= t.d * math.Exp(-d*d/(2*t.w*t.w))
	}
	return f
}

// Grad returns ∇f(p).
func (s *wells) Grad(p Point) Point {
	var g Point
	for _, t := range s.bowls {
		g = g.Add(p.Sub(t.c).Scale(t.k))
	}
	for _, t := range s.hubers {
		d := p.Sub(t.c)
		s2 := t.s * t.s
		q := math.Sqrt(1 + (d.X*d.X+d.Y*d.Y)/s2)
		g = g.Add(d.Scale(t.h / (s2 * q)))
	}
	for _, t := range s.gauss {
		d := p.Sub(t.c)
		w2 := t.w * t.w
		e := t.d * math.Exp(-(d.X*d.X+d.Y*d.Y)/(2*w2))
		g = g.Add(d.Scale(e / w2))
	}
	for _, t := range s.trenchs {
		d := p.X - t.x0
		w2 := t.w * t.w
		g.X += t.d * math.Exp(-d*d/(2*w2)) * d / w2
	}
	return g
}

// Hessian returns ∇²f(p).
func (s *wells) Hessian(p Point) Sym2 {
	var h Sym2
	for _, t := range s.bowls {
		h.XX += t.k
		h.YY += t.k
	}
	for _, t := range s.hubers {
		// ∇² = h/(s²q)·I − h/(s⁴q³)·d dᵀ
		d := p.Sub(t.c)
		s2 := t.s * t.s
		q := math.Sqrt(1 + (d.X*d.X+d.Y*d.Y)/s2)
		a, b := t.h/(s2*q), t.h/(s2*s2*q*q*q)
		h.XX += a - b*d.X*d.X
		h.XY -= b * d.X * d.Y
		h.YY += a - b*d.Y*d.Y
	}
	for _, t := range s.gauss {
		// ∇² = (e/w²)·(I − d dᵀ/w²)
		d := p.Sub(t.c)
		w2 := t.w * t.w
		a := t.d * math.Exp(-(d.X*d.X+d.Y*d.Y)/(2*w2)) / w2
		h.XX += a * (1 - d.X*d.X/w2)
		h.XY -= a * d.X * d.Y / w2
		h.YY += a * (1 - d.Y*d.Y/w2)
	}
	for _, t := range s.trenchs {
		d := p.X - t.x0
		w2 := t.w * t.w
		h.XX += t.d * math.Exp(-d*d/(2*w2)) / w2 * (1 - d*d/w2)
	}
	return h
}

// addMinimum appends the local minimum near guess labelled label, when
// Newton's method finds one within radius of guess.
func (s *wells) addMinimum(guess Point, radius float64, label string) {
	p, ok := newton(s, guess)
	if !ok || p.Sub(guess).Norm() > radius {
		return
	}
	m := Minimum{X: p.X, Y: p.Y, Loss: s.Value(p), Label: label}
	if isLocalMin(s, m) {
		s.info.Minima = append(s.info.Minima, m)
	}
}

func newSharpFlat(ws, wf float64) *wells {
	s := &wells{
		base:  1,
		bowls: []bowlTerm{{c: sharpFlatCF, k: sharpFlatK}},
		gauss: []gaussTerm{
			{c: sharpFlatCF, d: sharpFlatDF, w: wf},
			{c: sharpFlatCS, d: sharpFlatDS, w: ws},
		},
	}
	lamS, lamF := sharpFlatDS/(ws*ws)+sharpFlatK, sharpFlatDF/(wf*wf)+sharpFlatK
	s.info = SurfaceInfo{
		Title: "Sharp and flat minima",
		Description: fmt.Sprintf("A narrow deep well (curvature ≈ %.3g, stable for lr < %.2g) on the way to a wide shallow one (curvature ≈ %.2g): a small learning rate settles in the sharp well, a larger one or gradient noise carries the run on to the flat well.",
			lamS, 2/lamS, lamF),
		Formula: fmt.Sprintf("f = 1 + %g/2·|p−cf|² − %g·exp(−|p−cf|²/(2·wf²)) − %g·exp(−|p−cs|²/(2·ws²)), cs = %s, cf = %s",
			sharpFlatK, sharpFlatDF, sharpFlatDS, pointText(sharpFlatCS), pointText(sharpFlatCF)),
		View:  Box{XMin: -3, XMax: 3, YMin: -2, YMax: 2},
		Start: sharpFlatStart,
	}
	s.addMinimum(sharpFlatCS, 2*ws, "sharp")
	s.addMinimum(sharpFlatCF, wf, "flat")
	return s
}

func newLocalMinimum(depth, width float64) *wells {
	s := &wells{
		hubers: []huberTerm{{c: localMinCG, h: 1, s: 1}},
	}
	if depth > 0 {
		s.trenchs = []trenchTerm{{x0: localMinXL, d: depth, w: width}}
	}
	s.info = SurfaceInfo{
		Title:       "Local minimum",
		Description: "A shallow valley lies across the way to the global minimum: a small learning rate gets stuck in it, a larger one steps over it.",
		Formula: fmt.Sprintf("f = √(1 + |p−cg|²) − 1 − depth·exp(−(x %s)²/(2·width²)), cg = %s",
			signedText(-localMinXL), pointText(localMinCG)),
		View:  Box{XMin: -3, XMax: 3, YMin: -2, YMax: 2},
		Start: localMinStart,
	}
	s.addMinimum(localMinCG, 0.5, "global")
	if depth > 0 {
		s.addMinimum(Point{localMinXL, 0}, 2*width, "local")
	}
	return s
}

// numberText formats v for a formula shown to people, with a true minus sign.
func numberText(v float64) string {
	if v < 0 {
		return "−" + strconv.FormatFloat(-v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// signedText formats v as a term added to what precedes it: "+ 0.5" or "− 0.5".
func signedText(v float64) string {
	if v < 0 {
		return "− " + numberText(-v)
	}
	return "+ " + numberText(v)
}

// pointText formats p as "(x, y)".
func pointText(p Point) string {
	return "(" + numberText(p.X) + ", " + numberText(p.Y) + ")"
}
