package sim

import (
	"math"
	"testing"
)

// planeSurface is f = ax·x + ay·y, a test surface whose grid is easy to
// predict.
type planeSurface struct{ ax, ay float64 }

func (s planeSurface) Value(p Point) float64 { return s.ax*p.X + s.ay*p.Y }
func (s planeSurface) Grad(Point) Point      { return Point{s.ax, s.ay} }
func (s planeSurface) Hessian(Point) Sym2    { return Sym2{} }
func (s planeSurface) Info() SurfaceInfo     { return SurfaceInfo{Name: "plane"} }

// wildSurface is not finite or too large for float32 in places.
type wildSurface struct{ planeSurface }

func (wildSurface) Value(p Point) float64 {
	switch {
	case p.X == 0:
		return math.Inf(1)
	case p.X < 0 && p.Y < 0:
		return math.NaN()
	case p.X > 0 && p.Y > 0:
		return 1e300 // beyond float32
	}
	return -1
}

func TestGridLayout(t *testing.T) {
	box := Box{XMin: -1, XMax: 3, YMin: 10, YMax: 12}
	const nx, ny = 5, 3
	g := Grid(planeSurface{1, 100}, box, nx, ny)
	if len(g) != nx*ny {
		t.Fatalf("len %d, want %d", len(g), nx*ny)
	}
	for j := range ny {
		for i := range nx {
			x, y := -1+float64(i), 10+float64(j)
			if want := float32(x + 100*y); g[j*nx+i] != want {
				t.Errorf("values[%d·nx+%d] = %g, want f(%g, %g) = %g", j, i, g[j*nx+i], x, y, want)
			}
		}
	}
}

func TestGridNonFiniteIsNaN(t *testing.T) {
	box := Box{XMin: -1, XMax: 1, YMin: -1, YMax: 1}
	g := Grid(wildSurface{}, box, 3, 3)
	// Row 0 is y = −1: NaN, +Inf (x = 0), −1; row 2 is y = 1: −1, +Inf, 1e300.
	want := []bool{true, true, false, false, true, false, false, true, true}
	for k, v := range g {
		if isNaN := v != v; isNaN != want[k] {
			t.Errorf("values[%d] = %g, want NaN: %v", k, v, want[k])
		}
	}
}

func TestGridParallelMatchesSerial(t *testing.T) {
	configs := []SurfaceConfig{{Name: SurfaceCustom, Formula: "sin(3*x)*cos(2*y) + x^2/4"}}
	for _, in := range Catalog() {
		configs = append(configs, SurfaceConfig{Name: in.Name})
	}
	for _, c := range configs {
		s, err := NewSurface(c)
		if err != nil {
			t.Fatal(err)
		}
		in := s.Info()
		for _, n := range [][2]int{{2, 2}, {7, 3}, {64, 65}} {
			a, b := Grid(s, in.View, n[0], n[1]), GridSerial(s, in.View, n[0], n[1])
			for k := range a {
				if math.Float32bits(a[k]) != math.Float32bits(b[k]) {
					t.Fatalf("%s %v: values[%d] = %g parallel, %g serial", in.Name, n, k, a[k], b[k])
				}
			}
		}
	}
}

func TestGridPanicsOnTooFewPoints(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Grid with nx = 1 did not panic")
		}
	}()
	Grid(planeSurface{}, Box{XMax: 1, YMax: 1}, 1, 5)
}

// BenchmarkGrid512 evaluates the heatmap grid at the largest resolution the
// server allows.
func BenchmarkGrid512(b *testing.B) {
	for _, name := range []string{"rosenbrock", "quadratic", "sharp_flat"} {
		s, err := NewSurface(SurfaceConfig{Name: name})
		if err != nil {
			b.Fatal(err)
		}
		view := s.Info().View
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Grid(s, view, 512, 512)
			}
		})
		b.Run(name+"/serial", func(b *testing.B) {
			for b.Loop() {
				GridSerial(s, view, 512, 512)
			}
		})
	}
}
