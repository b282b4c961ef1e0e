package sim

// GridSerial is Grid on the calling goroutine alone, for comparing Grid's
// split across goroutines with one pass and for the benchmarks. Test code
// only: the binary has no caller of it.
func GridSerial(s Surface, box Box, nx, ny int) []float32 {
	checkGrid(nx, ny)
	out := make([]float32, nx*ny)
	fillRows(out, s, box, nx, ny, 0, ny)
	return out
}
