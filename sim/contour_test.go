package sim

import (
	"fmt"
	"math"
	"testing"
)

// circleSurface is f = x² + y².
type circleSurface struct{ planeSurface }

func (circleSurface) Value(p Point) float64 { return p.X*p.X + p.Y*p.Y }

func TestContourLevelsIncreaseStrictly(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, in := range Catalog() {
		s, _ := NewSurface(SurfaceConfig{Name: in.Name})
		g := Grid(s, in.View, 128, 128)
		g[0], g[1], g[2] = nan, inf, -inf
		levels := ContourLevels(g, 20)
		if len(levels) < 15 {
			t.Errorf("%s: %d levels, want about 20: %v", in.Name, len(levels), levels)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range g[3:] {
			lo, hi = min(lo, float64(v)), max(hi, float64(v))
		}
		for k, l := range levels {
			if !(l > lo && l < hi) || (k > 0 && !(l > levels[k-1])) {
				t.Fatalf("%s: levels not strictly increasing inside (%g, %g): %v", in.Name, lo, hi, levels)
			}
		}
	}
}

func TestContourLevelsShowFloorAndWalls(t *testing.T) {
	// Rosenbrock's view spans values 0 … ~2500; the valley floor is below 1.
	s, _ := NewSurface(SurfaceConfig{Name: "rosenbrock"})
	levels := ContourLevels(Grid(s, s.Info().View, 256, 256), 20)
	below1, above100 := 0, 0
	for _, l := range levels {
		if l < 1 {
			below1++
		}
		if l > 100 {
			above100++
		}
	}
	if below1 < 2 || above100 < 3 {
		t.Errorf("levels %v: %d below 1, %d above 100; want the floor and the walls both drawn", levels, below1, above100)
	}
}

func TestContourLevelsDegenerate(t *testing.T) {
	nan := float32(math.NaN())
	for _, tt := range []struct {
		values []float32
		n      int
	}{
		{[]float32{1, 2, 3}, 0},
		{nil, 5},
		{[]float32{nan, nan}, 5},
		{[]float32{2, 2, 2, nan}, 5},
	} {
		if l := ContourLevels(tt.values, tt.n); l != nil {
			t.Errorf("ContourLevels(%v, %d) = %v, want nil", tt.values, tt.n, l)
		}
	}
}

// segments returns the segments of one level as pairs of points.
func segments(seg []float32) [][2]Point {
	var out [][2]Point
	for k := 0; k+3 < len(seg); k += 4 {
		out = append(out, [2]Point{{float64(seg[k]), float64(seg[k+1])}, {float64(seg[k+2]), float64(seg[k+3])}})
	}
	return out
}

func TestContoursCircle(t *testing.T) {
	box := Box{XMin: -2, XMax: 2, YMin: -2, YMax: 2}
	const n = 101 // spacing 0.04
	g := Grid(circleSurface{}, box, n, n)
	radii := []float64{0.5, 1, 1.5}
	levels := make([]float64, len(radii))
	for k, r := range radii {
		levels[k] = r * r
	}
	cs := Contours(g, n, n, box, levels)
	for k, r := range radii {
		segs := segments(cs[k])
		if len(segs) < 20 {
			t.Fatalf("r = %g: %d segments", r, len(segs))
		}
		// Linear interpolation of r² along a cell edge of length h misplaces
		// a crossing by at most about h²/(8r).
		tol := 0.04 * 0.04 / (8 * r) * 1.5
		length := 0.0
		for _, s := range segs {
			for _, p := range s {
				if d := math.Abs(p.Norm() - r); d > tol {
					t.Errorf("r = %g: endpoint %v at radius %g", r, p, p.Norm())
				}
			}
			length += s[1].Sub(s[0]).Norm()
		}
		if rel := math.Abs(length/(2*math.Pi*r) - 1); rel > 2e-3 {
			t.Errorf("r = %g: total length %g, want 2πr = %g", r, length, 2*math.Pi*r)
		}
	}
}

func TestContoursPlane(t *testing.T) {
	box := Box{XMin: 0, XMax: 4, YMin: -1, YMax: 1}
	const nx, ny = 33, 17
	f := planeSurface{2, 3}
	g := Grid(f, box, nx, ny)
	levels := []float64{-1, 0.5, 3, 7.25}
	cs := Contours(g, nx, ny, box, levels)
	for k, lev := range levels {
		segs := segments(cs[k])
		if len(segs) == 0 {
			t.Fatalf("level %g: no segments", lev)
		}
		for _, s := range segs {
			for _, p := range s {
				// Every endpoint lies on the straight line 2x + 3y = lev.
				if d := math.Abs(f.Value(p) - lev); d > 1e-5 {
					t.Errorf("level %g: endpoint %v has f = %g", lev, p, f.Value(p))
				}
			}
		}
	}
}

func TestContoursSaddleCells(t *testing.T) {
	box := Box{XMin: 0, XMax: 1, YMin: 0, YMax: 1}
	// Values row-major: bottom-left, bottom-right, top-left, top-right.
	for _, tt := range []struct {
		name     string
		values   []float32 // row 0 then row 1
		cutCorns []Point   // the corners each segment cuts off, in order
	}{
		// Bottom-left and top-right above 0.5, centre average 0.4 below:
		// the lines cut off the two corners above.
		{"case 5 centre below", []float32{1, 0, 0, 0.6}, []Point{{0, 0}, {1, 1}}},
		// Same corners above, centre average 0.6 above: the lines cut off
		// the two corners below.
		{"case 5 centre above", []float32{1, 0.4, 0.4, 0.6}, []Point{{1, 0}, {0, 1}}},
		{"case 10 centre below", []float32{0, 1, 0.6, 0}, []Point{{1, 0}, {0, 1}}},
		{"case 10 centre above", []float32{0.4, 1, 0.6, 0.4}, []Point{{0, 0}, {1, 1}}},
	} {
		cs := Contours(tt.values, 2, 2, box, []float64{0.5})
		segs := segments(cs[0])
		if len(segs) != 2 {
			t.Fatalf("%s: %d segments, want 2", tt.name, len(segs))
		}
		for k, s := range segs {
			// A segment cutting off corner c has both ends on the two
			// edges through c.
			c := tt.cutCorns[k]
			for _, p := range s {
				if p.X != c.X && p.Y != c.Y {
					t.Errorf("%s: segment %v does not cut off corner %v", tt.name, s, c)
				}
			}
		}
	}
}

func TestContoursSkipNaNCells(t *testing.T) {
	nan := float32(math.NaN())
	// 3×2 grid: the left cell has a NaN corner, the right one is fine.
	values := []float32{nan, 0, 0, 1, 1, 1}
	cs := Contours(values, 3, 2, Box{XMin: 0, XMax: 2, YMin: 0, YMax: 1}, []float64{0.5})
	segs := segments(cs[0])
	if len(segs) != 1 {
		t.Fatalf("%d segments, want 1: %v", len(segs), segs)
	}
	for _, p := range segs[0] {
		if p.X < 1 {
			t.Errorf("segment %v in the cell with a NaN corner", segs[0])
		}
	}
}

func TestContoursUnsortedLevels(t *testing.T) {
	box := Box{XMin: -2, XMax: 2, YMin: -2, YMax: 2}
	g := Grid(circleSurface{}, box, 41, 41)
	a := Contours(g, 41, 41, box, []float64{2, 0.5, 1})
	b := Contours(g, 41, 41, box, []float64{0.5, 1, 2})
	if fmt.Sprint(a[0]) != fmt.Sprint(b[2]) || fmt.Sprint(a[1]) != fmt.Sprint(b[0]) {
		t.Error("the segments of a level depend on the order of the levels")
	}
}

func BenchmarkContours512(b *testing.B) {
	s, _ := NewSurface(SurfaceConfig{Name: "rosenbrock"})
	view := s.Info().View
	g := Grid(s, view, 512, 512)
	levels := ContourLevels(g, 20)
	for b.Loop() {
		Contours(g, 512, 512, view, levels)
	}
}

func ExampleContours() {
	// f = x + y on the unit square, sampled at its four corners.
	values := []float32{0, 1, 1, 2}
	box := Box{XMin: 0, XMax: 1, YMin: 0, YMax: 1}
	for _, seg := range Contours(values, 2, 2, box, []float64{1.5}) {
		fmt.Println(seg)
	}
	// Output:
	// [1 0.5 0.5 1]
}
