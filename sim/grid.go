package sim

import (
	"math"
	"runtime"
	"sync"
)

// Grid evaluates s at nx×ny points spanning box and returns the values in
// row-major order: values[j·nx+i] = f(x_i, y_j) with
// x_i = XMin + i·(XMax−XMin)/(nx−1) and y_j = YMin + j·(YMax−YMin)/(ny−1),
// so row 0 is the bottom edge (y = YMin). A value that is not finite as a
// float32 (NaN, ±Inf, or beyond float32's range) is NaN.
//
// The rows are shared out among runtime.GOMAXPROCS(0) goroutines; the result
// is identical to one goroutine's (GridSerial, in the tests). nx and ny
// must be at least 2 (it panics otherwise: callers check the user's
// resolution first).
func Grid(s Surface, box Box, nx, ny int) []float32 {
	checkGrid(nx, ny)
	out := make([]float32, nx*ny)
	workers := min(runtime.GOMAXPROCS(0), ny)
	if workers <= 1 {
		fillRows(out, s, box, nx, ny, 0, ny)
		return out
	}
	var wg sync.WaitGroup
	for w := range workers {
		j0, j1 := w*ny/workers, (w+1)*ny/workers
		wg.Go(func() { fillRows(out, s, box, nx, ny, j0, j1) })
	}
	wg.Wait()
	return out
}

func checkGrid(nx, ny int) {
	if nx < 2 || ny < 2 {
		panic("sim: grid needs at least 2×2 points")
	}
}

// gridCoord returns the i-th of n evenly spaced coordinates from lo to hi,
// hitting hi exactly at i = n−1.
func gridCoord(lo, hi float64, i, n int) float64 {
	if i == n-1 {
		return hi
	}
	return lo + (hi-lo)*float64(i)/float64(n-1)
}

// fillRows evaluates rows j0 … j1−1 into out.
func fillRows(out []float32, s Surface, box Box, nx, ny, j0, j1 int) {
	nan := float32(math.NaN())
	for j := j0; j < j1; j++ {
		y := gridCoord(box.YMin, box.YMax, j, ny)
		row := out[j*nx : (j+1)*nx]
		for i := range row {
			v := float32(s.Value(Point{gridCoord(box.XMin, box.XMax, i, nx), y}))
			if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
				v = nan
			}
			row[i] = v
		}
	}
}
