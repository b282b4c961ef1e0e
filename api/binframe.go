package api

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Binary frames (docs/API.md, "Binary frames"). A socket opened as
// /ws?frames=binary gets its frame messages as websocket binary messages;
// every other message stays JSON text. A binary frame holds the same values
// as the JSON one, bit for bit (JSON's null is the IEEE value it stands
// for: NaN, or ±Inf), little-endian:
//
//	"LRF1"                 magic and version (4 bytes)
//	u32 R                  runs in the frame
//	R times:
//	  u32 run, u32 t0, u32 n   the run's index, its first point's step, the points
//	  u32 columns              bit k set: FrameColumns[k] is present
//	  u32 L, L bytes           limit_formula, UTF-8 (L = 0: none)
//	  4 × f64                  grad x, grad y, velocity x, velocity y (at the last point)
//	  n × f64 per column       each present column in FrameColumns order
//
// The server writes it (server/binframe.go), the page reads it
// (protocol.js's parseBinaryFrame), the tests and cmd/loadtest read it here.
const BinaryFrameMagic = "LRF1"

// FrameColumns are the point columns of a frame, in the order both
// encodings write them; bit k of a binary frame's column mask stands for
// FrameColumns[k].
var FrameColumns = [...]string{"x", "y", "loss", "grad_norm", "lr", "sharpness", "edge_sharpness", "stability_limit", "test_loss", "batch_loss"}

// BinaryRun is one run of a decoded binary frame.
type BinaryRun struct {
	Run, T0, N     int
	Columns        map[string][]float64 // by JSON key; only the present ones
	Grad, Velocity [2]float64
	LimitFormula   string
}

// RunPoints is what ScanBinaryFrame reads of a run: its index, its first
// point's step and its number of points.
type RunPoints struct{ Run, T0, N int }

// DecodeBinaryFrame decodes a binary frame.
func DecodeBinaryFrame(b []byte) ([]BinaryRun, error) {
	var out []BinaryRun
	err := walkBinaryFrame(b, func(h RunPoints, mask uint32, formula string, body []byte) {
		r := BinaryRun{Run: h.Run, T0: h.T0, N: h.N, LimitFormula: formula, Columns: map[string][]float64{}}
		f := func() float64 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(body))
			body = body[8:]
			return v
		}
		r.Grad = [2]float64{f(), f()}
		r.Velocity = [2]float64{f(), f()}
		for k, key := range FrameColumns {
			if mask&(1<<k) == 0 {
				continue
			}
			col := make([]float64, h.N)
			for i := range col {
				col[i] = f()
			}
			r.Columns[key] = col
		}
		out = append(out, r)
	})
	return out, err
}

// ScanBinaryFrame appends to out each run's index, t0 and number of
// points, without reading the values.
func ScanBinaryFrame(b []byte, out []RunPoints) ([]RunPoints, error) {
	err := walkBinaryFrame(b, func(h RunPoints, _ uint32, _ string, _ []byte) { out = append(out, h) })
	return out, err
}

// walkBinaryFrame checks the layout of frame b and calls fn for each run
// with its header, column mask, formula and the bytes of its values
// (4 + n × columns float64s).
func walkBinaryFrame(b []byte, fn func(h RunPoints, mask uint32, formula string, body []byte)) error {
	if len(b) < 8 || string(b[:4]) != BinaryFrameMagic {
		return errors.New("binary frame: no " + BinaryFrameMagic + " header")
	}
	u32 := func() uint32 {
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return v
	}
	b = b[4:]
	runs := u32()
	for r := range runs {
		if len(b) < 20 {
			return fmt.Errorf("binary frame: run %d of %d: header cut short", r, runs)
		}
		h := RunPoints{Run: int(u32()), T0: int(u32()), N: int(u32())}
		mask := u32()
		if mask>>len(FrameColumns) != 0 {
			return fmt.Errorf("binary frame: run %d: unknown columns in mask %#x", h.Run, mask)
		}
		l := u32()
		if uint64(len(b)) < uint64(l) {
			return fmt.Errorf("binary frame: run %d: limit formula cut short", h.Run)
		}
		formula := string(b[:l])
		b = b[l:]
		size := 8 * (4 + uint64(h.N)*uint64(bits.OnesCount32(mask)))
		if uint64(len(b)) < size {
			return fmt.Errorf("binary frame: run %d: %d values cut short", h.Run, size/8)
		}
		fn(h, mask, formula, b[:size])
		b = b[size:]
	}
	if len(b) != 0 {
		return fmt.Errorf("binary frame: %d bytes after the last run", len(b))
	}
	return nil
}
