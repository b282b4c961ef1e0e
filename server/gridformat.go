package server

import (
	"encoding/binary"
	"math"
	"slices"

	"lrlab/sim"
)

// The grid formats. LRG1 carries every value and contour coordinate as a
// float32; LRG2, which the page asks for (format=lrg2), carries what the
// map draws at the precision it draws it: a quarter of the bytes before
// compression and about a tenth after (docs/LOADTEST.md).
const (
	gridMagicV1 = "LRG1"
	gridMagicV2 = "LRG2"
)

// gridQuantum is the largest code of a quantised LRG2 value; the code
// gridNotFinite marks a value that is NaN or infinite.
const (
	gridQuantum   = 65534
	gridNotFinite = 65535
	coordQuantum  = 65535
)

// gridLogScale is the scale s of LRG2's value transform as a share of the
// range: a value v is stored as the code of log1p((v − vmin)/s) over
// log1p((vmax − vmin)/s). With s a billionth of the range the steps are
// logarithmic above a billionth of the range and linear below it, so every
// value keeps a relative precision of about 1.6·10⁻⁴ of its height above
// vmin: finer than the page's 256 colours under any of its colour scales,
// and than the three digits of its read-out.
const gridLogScale = 1e-9

// encodeGridV2 writes the LRG2 format (little-endian; "varint" is an
// unsigned LEB128 varint of a zigzag-coded signed number, as in protocol
// buffers):
//
//	"LRG2", uint32 nx, ny, float64 xmin, xmax, ymin, ymax, vmin, vmax, s,
//	varint residual[ny][nx], uint32 nlevels,
//	per level: float64 level, varint npolylines,
//	  per polyline: varint npoints (≥ 2), varint dx, dy per point
//
// A value's code c (≤ 65534) stands for vmin + s·expm1(c/65534 · log1p((vmax
// − vmin)/s)); 65535 stands for a value that is not finite. The codes are
// sent as residuals of the plane predictor: code − (left + up − up-left)
// modulo 2¹⁶ as a signed 16-bit number, with the missing neighbours of the
// first row and column taken as 0. A contour point is a pair of codes c
// standing for xmin + c/65535·(xmax − xmin) (y likewise); the contour
// segments of a level are joined into polylines at shared end points, and
// each point is sent as its difference from the one before (the first
// from (0, 0), across polylines and levels). A polyline of k points is k − 1
// segments. vmin and vmax are the finite range of values (0, 0 when none
// is finite); s is 1 when the range is 0.
func encodeGridV2(nx, ny int, box sim.Box, values []float32, levels []float64, segs [][]float32) []byte {
	vmin, vmax := finiteRange(values)
	s := (vmax - vmin) * gridLogScale
	if !(s > 0) {
		s = 1
	}
	top := math.Log1p((vmax - vmin) / s)
	b := make([]byte, 0, 4+8+7*8+len(values)+len(values)/2)
	b = append(b, gridMagicV2...)
	b = binary.LittleEndian.AppendUint32(b, uint32(nx))
	b = binary.LittleEndian.AppendUint32(b, uint32(ny))
	for _, v := range []float64{box.XMin, box.XMax, box.YMin, box.YMax, vmin, vmax, s} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	codes := make([]uint16, len(values))
	for i, v := range values {
		codes[i] = quantiseValue(float64(v), vmin, s, top)
	}
	at := func(i, j int) uint16 {
		if i < 0 || j < 0 {
			return 0
		}
		return codes[j*nx+i]
	}
	for j := range ny {
		for i := range nx {
			pred := at(i-1, j) + at(i, j-1) - at(i-1, j-1)
			b = binary.AppendVarint(b, int64(int16(at(i, j)-pred)))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(levels)))
	var last [2]uint16
	for k, l := range levels {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(l))
		var seg []float32
		if k < len(segs) {
			seg = segs[k]
		}
		lines := polylines(quantiseSegments(seg, box))
		b = binary.AppendUvarint(b, uint64(len(lines)))
		for _, line := range lines {
			b = binary.AppendUvarint(b, uint64(len(line)))
			for _, p := range line {
				b = binary.AppendVarint(b, int64(int16(p[0]-last[0])))
				b = binary.AppendVarint(b, int64(int16(p[1]-last[1])))
				last = p
			}
		}
	}
	return b
}

// quantiseSegments returns the segments x0, y0, x1, y1 … as pairs of
// coordinate codes in box.
func quantiseSegments(seg []float32, box sim.Box) [][2][2]uint16 {
	out := make([][2][2]uint16, 0, len(seg)/4)
	for i := 0; i+3 < len(seg); i += 4 {
		out = append(out, [2][2]uint16{
			{quantiseCoord(float64(seg[i]), box.XMin, box.XMax), quantiseCoord(float64(seg[i+1]), box.YMin, box.YMax)},
			{quantiseCoord(float64(seg[i+2]), box.XMin, box.XMax), quantiseCoord(float64(seg[i+3]), box.YMin, box.YMax)},
		})
	}
	return out
}

// polylines joins segments that share end points into polylines, each
// segment used once and in order of first appearance: a polyline of k
// points stands for k − 1 of the segments.
func polylines(segs [][2][2]uint16) [][][2]uint16 {
	key := func(p [2]uint16) uint32 { return uint32(p[0])<<16 | uint32(p[1]) }
	ends := make(map[uint32][]int, 2*len(segs)) // point → segments ending there
	for i, s := range segs {
		ends[key(s[0])] = append(ends[key(s[0])], i)
		ends[key(s[1])] = append(ends[key(s[1])], i)
	}
	used := make([]bool, len(segs))
	// next returns an unused segment at p and its other end.
	next := func(p [2]uint16) ([2]uint16, bool) {
		for _, i := range ends[key(p)] {
			if used[i] {
				continue
			}
			used[i] = true
			if segs[i][0] == p {
				return segs[i][1], true
			}
			return segs[i][0], true
		}
		return p, false
	}
	var out [][][2]uint16
	for i, s := range segs {
		if used[i] {
			continue
		}
		used[i] = true
		line := [][2]uint16{s[0], s[1]}
		for p, ok := next(s[1]); ok; p, ok = next(p) {
			line = append(line, p)
		}
		var back [][2]uint16
		for p, ok := next(s[0]); ok; p, ok = next(p) {
			back = append(back, p)
		}
		if len(back) > 0 {
			slices.Reverse(back)
			line = append(back, line...)
		}
		out = append(out, line)
	}
	return out
}

// finiteRange returns the least and greatest finite value, or 0, 0.
func finiteRange(values []float32) (vmin, vmax float64) {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range values {
		if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		return 0, 0
	}
	return float64(lo), float64(hi)
}

// quantiseValue returns the LRG2 code of v.
func quantiseValue(v, vmin, s, top float64) uint16 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return gridNotFinite
	}
	if !(top > 0) {
		return 0
	}
	t := math.Log1p(max(0, v-vmin)/s) / top
	return uint16(math.Round(min(1, t) * gridQuantum))
}

// dequantiseValue is quantiseValue's inverse (up to the code's step); the
// page's decoder (web/static/grid.js) computes the same.
func dequantiseValue(c uint16, vmin, s, top float64) float64 {
	if c == gridNotFinite {
		return math.NaN()
	}
	return vmin + s*math.Expm1(float64(c)/gridQuantum*top)
}

// quantiseCoord returns the LRG2 code of coordinate v in [lo, hi].
func quantiseCoord(v, lo, hi float64) uint16 {
	if !(hi > lo) {
		return 0
	}
	t := (v - lo) / (hi - lo)
	return uint16(math.Round(min(1, max(0, t)) * coordQuantum))
}
