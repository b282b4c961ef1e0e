package server

import (
	"bytes"
	"compress/gzip"
	"flag"
	"math"
	"testing"

	"lrlab/sim"
)

// gzipSize is the size of b compressed as the server compresses grids.
func gzipSize(t testing.TB, b []byte) int {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// TestMeasureGridBytes prints the bytes of each built-in surface's grid at
// its default view and the page's n (256), in both formats, before and
// after gzip:
//
//	LRLAB_MEASURE=1 go test ./server -run TestMeasureGridBytes -v
func TestMeasureGridBytes(t *testing.T) {
	measuring(t)
	for _, info := range sim.Catalog() {
		if info.Name == "custom" {
			continue
		}
		surf, err := sim.NewSurface(sim.SurfaceConfig{Name: info.Name})
		if err != nil {
			t.Fatal(err)
		}
		n := sim.GridSize(surf, 256)
		values := sim.Grid(surf, info.View, n, n)
		levels := sim.ContourLevels(values, gridLevels)
		segs := sim.Contours(values, n, n, info.View, levels)
		v1 := encodeGrid(n, n, info.View, values, levels, segs)
		v2 := encodeGridV2(n, n, info.View, values, levels, segs)
		nseg := 0
		for _, s := range segs {
			nseg += len(s) / 4
		}
		t.Logf("%-16s n %3d, %5d segments: LRG1 %7d B, gzip %7d B; LRG2 %7d B, gzip %6d B (%.1f%% of LRG1)",
			info.Name, n, nseg, len(v1), gzipSize(t, v1), len(v2), gzipSize(t, v2), 100*float64(gzipSize(t, v2))/float64(len(v1)))
	}
}

// TestGridValueQuantisation checks LRG2's value codes against the closed
// form of their precision: every finite value comes back within a relative
// 1.7·10⁻⁴ of its height above vmin (or within s below s), the extremes
// exactly, and a value that is not finite as NaN.
func TestGridValueQuantisation(t *testing.T) {
	vmin, vmax := -3.0, 4e6
	s := (vmax - vmin) * gridLogScale
	top := math.Log1p((vmax - vmin) / s)
	for _, v := range []float64{vmin, vmin + 1e-9, vmin + 1e-3, 0, 1, 17.5, 1234, 99999, vmax} {
		got := dequantiseValue(quantiseValue(v, vmin, s, top), vmin, s, top)
		h := v - vmin
		if err := math.Abs(got - v); err > 1.7e-4*h && err > s {
			t.Errorf("value %g came back as %g: error %g, more than 1.7e-4 of its height %g", v, got, err, h)
		}
	}
	if c := quantiseValue(vmax, vmin, s, top); c != gridQuantum {
		t.Errorf("vmax: code %d, want %d", c, gridQuantum)
	}
	if c := quantiseValue(vmin, vmin, s, top); c != 0 {
		t.Errorf("vmin: code %d, want 0", c)
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if c := quantiseValue(v, vmin, s, top); c != gridNotFinite {
			t.Errorf("%g: code %d, want %d", v, c, gridNotFinite)
		}
	}
	if !math.IsNaN(dequantiseValue(gridNotFinite, vmin, s, top)) {
		t.Error("the code of a value that is not finite did not come back as NaN")
	}
}

var updateGrids = flag.Bool("update", false, "rewrite web/static/test/golden/grid-*.bin")

// goldenGrids are the grids whose two formats web/static/test/grid2.test.js
// decodes and compares: a smooth surface, a steep one, and a formula that
// is not finite on part of the view.
var goldenGrids = []struct{ file, surface, formula string }{
	{"grid-quadratic", "quadratic", ""},
	{"grid-rosenbrock", "rosenbrock", ""},
	{"grid-log", "custom", "log(x) + y^2"},
}

// TestGridGolden writes (with -update) or checks the LRG1 and LRG2 forms of
// goldenGrids at n 64 that the page's decoder is tested on, so that the Go
// encoder and the JavaScript decoder cannot drift apart:
//
//	go test ./server -run TestGridGolden -update
func TestGridGolden(t *testing.T) {
	for _, gg := range goldenGrids {
		surf, err := sim.NewSurface(sim.SurfaceConfig{Name: gg.surface, Formula: gg.formula})
		if err != nil {
			t.Fatal(err)
		}
		box := surf.Info().View
		if gg.formula != "" {
			box = sim.Box{XMin: -2, XMax: 2, YMin: -2, YMax: 2}
		}
		const n = 64
		values := sim.Grid(surf, box, n, n)
		levels := sim.ContourLevels(values, gridLevels)
		segs := sim.Contours(values, n, n, box, levels)
		for ext, body := range map[string][]byte{
			".lrg1.bin": encodeGrid(n, n, box, values, levels, segs),
			".lrg2.bin": encodeGridV2(n, n, box, values, levels, segs),
		} {
			checkGolden(t, gg.file+ext, body, *updateGrids, "go test ./server -run TestGridGolden -update")
		}
	}
}
