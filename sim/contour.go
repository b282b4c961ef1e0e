package sim

import (
	"math"
	"slices"
	"sort"
)

// contourSample is the most values ContourLevels looks at to find the low
// end of the distribution (a regular subsample of the grid).
const contourSample = 4096

// ContourLevels returns n strictly increasing contour levels for a grid of
// values (NaN and ±Inf are ignored), spaced evenly in log(f − fmin + δ)
// between the lowest and the highest value, both excluded. δ is the 1st
// percentile of f − fmin (at least a millionth of the range): on a narrow
// valley the levels crowd near the floor, where the interesting shape is,
// and still reach up the walls.
//
// It returns nil when n < 1 or the values have no finite spread (all equal,
// or none finite). Levels that would coincide in float64 are dropped, so the
// result can be shorter than n.
func ContourLevels(values []float32, n int) []float64 {
	if n < 1 {
		return nil
	}
	lo, hi, count := math.Inf(1), math.Inf(-1), 0
	for _, v := range values {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		lo, hi = min(lo, f), max(hi, f)
		count++
	}
	span := hi - lo
	if count == 0 || !(span > 0) || math.IsInf(span, 0) {
		return nil
	}
	delta := max(lowPercentile(values, count, lo), span*1e-6)
	l0, l1 := math.Log(delta), math.Log(span+delta)
	levels := make([]float64, 0, n)
	for k := 1; k <= n; k++ {
		v := lo - delta + math.Exp(l0+(l1-l0)*float64(k)/float64(n+1))
		if v <= lo || v >= hi || (len(levels) > 0 && v <= levels[len(levels)-1]) {
			continue
		}
		levels = append(levels, v)
	}
	return levels
}

// lowPercentile returns the 1st percentile of f − lo over a regular
// subsample of the finite values (count of them).
func lowPercentile(values []float32, count int, lo float64) float64 {
	stride := max(1, count/contourSample)
	sample := make([]float64, 0, min(count, contourSample+1))
	k := 0
	for _, v := range values {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if k%stride == 0 {
			sample = append(sample, f-lo)
		}
		k++
	}
	slices.Sort(sample)
	return sample[len(sample)/100]
}

// Contours traces the contour lines of a grid of values laid out as Grid
// returns them (nx×ny, row-major, row 0 at box.YMin) by marching squares.
// It returns one slice per level, in the order of levels, holding the
// segments of that level's lines as 4 float32 each: x0, y0, x1, y1 in the
// coordinates of box. A cell with a NaN corner has no segments. A corner
// counts as above a level when its value is greater than the level. Where a
// cell is ambiguous (two opposite corners above, two below), the average of
// its four corners decides whether its centre is above, and the lines go
// around the corners on the other side.
//
// Levels need not be sorted. It panics when len(values) ≠ nx·ny or nx, ny < 2.
func Contours(values []float32, nx, ny int, box Box, levels []float64) [][]float32 {
	checkGrid(nx, ny)
	if len(values) != nx*ny {
		panic("sim: Contours with len(values) ≠ nx·ny")
	}
	out := make([][]float32, len(levels))
	if len(levels) == 0 {
		return out
	}
	// order lists the levels' indices by increasing level, so a cell finds
	// the levels between its lowest and highest corner by binary search.
	order := make([]int, len(levels))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return levels[order[a]] < levels[order[b]] })
	sorted := make([]float64, len(levels))
	for i, k := range order {
		sorted[i] = levels[k]
	}

	xs := make([]float32, nx)
	for i := range xs {
		xs[i] = float32(gridCoord(box.XMin, box.XMax, i, nx))
	}
	ys := make([]float32, ny)
	for j := range ys {
		ys[j] = float32(gridCoord(box.YMin, box.YMax, j, ny))
	}

	for j := 0; j+1 < ny; j++ {
		for i := 0; i+1 < nx; i++ {
			// Corners counter-clockwise from the bottom left.
			v := [4]float32{values[j*nx+i], values[j*nx+i+1], values[(j+1)*nx+i+1], values[(j+1)*nx+i]}
			if v[0] != v[0] || v[1] != v[1] || v[2] != v[2] || v[3] != v[3] {
				continue
			}
			cmin := float64(min(v[0], v[1], v[2], v[3]))
			cmax := float64(max(v[0], v[1], v[2], v[3]))
			// Levels L with cmin ≤ L < cmax cross the cell.
			k := sort.SearchFloat64s(sorted, cmin)
			for ; k < len(sorted) && sorted[k] < cmax; k++ {
				lev := order[k]
				out[lev] = marchCell(out[lev], v, levels[lev], xs[i], xs[i+1], ys[j], ys[j+1])
			}
		}
	}
	return out
}

// cellEdges lists, for each case of a cell (bit c set when corner c is
// above the level; corners 0 bottom-left, 1 bottom-right, 2 top-right,
// 3 top-left), the pairs of edges its segments join. Edge e runs from corner
// e to corner e+1 (mod 4): 0 bottom, 1 right, 2 top, 3 left. Cases 5 and 10
// list the pairing for a centre below the level; a centre above swaps it.
var cellEdges = [16][]int{
	0:  nil,
	1:  {3, 0},
	2:  {0, 1},
	3:  {3, 1},
	4:  {1, 2},
	5:  {3, 0, 1, 2}, // corners 0 and 2 above: cut each off
	6:  {0, 2},
	7:  {3, 2},
	8:  {2, 3},
	9:  {2, 0},
	10: {0, 1, 2, 3}, // corners 1 and 3 above: cut each off
	11: {2, 1},
	12: {1, 3},
	13: {1, 0},
	14: {0, 3},
	15: nil,
}

// marchCell appends the segments of level lev in one cell with corner values
// v (counter-clockwise from the bottom left) spanning [x0, x1]×[y0, y1].
func marchCell(seg []float32, v [4]float32, lev float64, x0, x1, y0, y1 float32) []float32 {
	c := 0
	for k := range v {
		if float64(v[k]) > lev {
			c |= 1 << k
		}
	}
	edges := cellEdges[c]
	if c == 5 || c == 10 {
		centre := (float64(v[0]) + float64(v[1]) + float64(v[2]) + float64(v[3])) / 4
		if centre > lev {
			// The centre joins the corners above: the lines cut off the
			// corners below instead, which is the other case's pairing.
			edges = cellEdges[15-c]
		}
	}
	cx := [4]float32{x0, x1, x1, x0}
	cy := [4]float32{y0, y0, y1, y1}
	point := func(e int) (float32, float32) {
		a, b := e, (e+1)%4
		t := float32((lev - float64(v[a])) / (float64(v[b]) - float64(v[a])))
		return cx[a] + t*(cx[b]-cx[a]), cy[a] + t*(cy[b]-cy[a])
	}
	for k := 0; k+1 < len(edges); k += 2 {
		ax, ay := point(edges[k])
		bx, by := point(edges[k+1])
		seg = append(seg, ax, ay, bx, by)
	}
	return seg
}
