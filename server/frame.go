package server

import (
	"context"
	"math"
	"strconv"

	"lrlab/api"
	"lrlab/sim"
)

// liveRun is one run of the session's scenario with the points produced
// since the last frame, as interleaved columns: per point x, y, loss,
// grad_norm, lr, sharpness, edge_sharpness, stability_limit and, with a
// test shift, test_loss and, on a data surface, batch_loss (stride 8 to
// 10 values), plus the gradient, velocity and limit formula of the last one.
type liveRun struct {
	run       *sim.Run
	sent      int       // points already sent: the next frame's t0
	cols      []float64 // points not yet sent
	grad, vel sim.Point // at the last point not yet sent
	formula   string    // the stability limit's formula at that point
	done      bool      // the done message was sent
	cost      int       // work units of one of its steps (its batch size on a data surface)
}

// The point columns of a trajectory, in the order every writer sends them:
// a session's frames (appendFrame), a room's catch-up frame
// (mirror.appendRunFrame) and /api/v1/simulate (appendTrajectory).
// test_loss and batch_loss are present only with a test shift and on a
// data surface. Up to test_loss the constants are also the offsets in
// liveRun.cols; batch_loss is a point's last value there (frameColumns).
const (
	colX = iota
	colY
	colLoss
	colGradNorm
	colLR
	colSharpness
	colEdge  // Gauge.Sharpness
	colLimit // Gauge.Limit
	colTestLoss
	colBatchLoss
	numCols
)

// colKeys are the JSON keys of the point columns, in the order of the
// constants above: the order binary frames write them in too (api.FrameColumns,
// which must have numCols keys: the conversion fails to compile otherwise).
var colKeys = [numCols]string(api.FrameColumns[:])

// columns is where a writer keeps its point columns: vals[c] holds column
// c, nil when the column is absent; with stride 1 each is a slice of its
// own, with a larger stride they share interleaved points and column c
// starts at off[c].
type columns struct {
	vals   [numCols][]float64
	stride int
	off    [numCols]int
	memo   *floatMemo // a session's frame: values already written in the run are copied (nil: none)
}

// sliceColumns returns columns held one slice each (nil: absent).
// The columns up to stability_limit are always present: a nil one is
// written as [].
func sliceColumns(vals [numCols][]float64) columns {
	for k := colX; k < colTestLoss; k++ {
		vals[k] = nonNil(vals[k])
	}
	return columns{vals: vals, stride: 1}
}

// append appends ,"key":[…] for each present column c in [from, to).
func (c *columns) append(b []byte, from, to int) []byte {
	for k := from; k < to; k++ {
		if c.vals[k] == nil {
			continue
		}
		b = appendColumnMemo(b, colKeys[k], c.vals[k], c.stride, c.off[k], c.memo)
	}
	return b
}

// appendPoints appends every present point column, with the limit formula
// (a frame's, empty for none) after stability_limit.
func (c *columns) appendPoints(b []byte, formula string) []byte {
	b = c.append(b, colX, colTestLoss)
	if formula != "" {
		b = append(b, `,"limit_formula":`...)
		b = appendString(b, formula)
	}
	return c.append(b, colTestLoss, numCols)
}

// stride is the number of values per pending point.
func (s *session) stride() int {
	n := colTestLoss
	if s.testLoss {
		n++
	}
	if s.batchLoss {
		n++
	}
	return n
}

// push appends point l to the pending columns.
func (lr *liveRun) push(l *sim.Location, testLoss, batchLoss bool, capHint int) {
	if lr.cols == nil {
		lr.cols = make([]float64, 0, capHint)
	}
	lr.cols = append(lr.cols, l.P.X, l.P.Y, l.Loss, l.GradNorm, l.LR, l.Sharpness, l.Gauge.Sharpness, l.Gauge.Limit)
	if testLoss {
		lr.cols = append(lr.cols, l.TestLoss)
	}
	if batchLoss {
		lr.cols = append(lr.cols, l.BatchLoss)
	}
	lr.grad, lr.vel = l.Grad, l.Velocity
}

// flush sends the points produced since the last frame as one frame (when
// there are any), then a done message for each run that has ended. The
// frame is encoded into a pooled buffer, given back after the write; a
// run's columns keep their capacity for the next frame unless a burst (a
// step message, a client that fell behind) made them much larger than a
// frame at the session's rate needs.
func (s *session) flush(ctx context.Context) error {
	any := false
	for _, lr := range s.runs {
		if len(lr.cols) > 0 {
			any = true
			break
		}
	}
	if any {
		if err := s.writeFrame(ctx); err != nil {
			return err
		}
		s.m.frames.Inc()
		stride, keep := s.stride(), 2*s.colsHint()
		for _, lr := range s.runs {
			lr.sent += len(lr.cols) / stride
			lr.cols = lr.cols[:0]
			if cap(lr.cols) > keep {
				lr.cols = nil
			}
		}
	}
	for i, lr := range s.runs {
		if lr.done || lr.run.Status() == sim.StatusRunning {
			continue
		}
		lr.done = true
		lr.cols = nil // a finished run keeps no buffer
		bp := getMsgBuf()
		b := appendDone((*bp)[:0], i, lr.run)
		s.share(b)
		if err := s.writeNew(ctx, bp, b); err != nil {
			return err
		}
	}
	return nil
}

// writeFrame writes the frame of the pending points: JSON, or binary when
// the socket asked for it (/ws?frames=binary). A teacher's room always gets
// the JSON frame (its members and its mirror read JSON; share copies it), so
// a teacher's binary frame costs an encoding more.
func (s *session) writeFrame(ctx context.Context) error {
	if !s.binary || s.room != nil {
		bp := getMsgBuf()
		b := s.appendFrame((*bp)[:0])
		s.share(b)
		if !s.binary {
			return s.writeNew(ctx, bp, b)
		}
		putMsgBuf(keep(bp, b))
	}
	bp := getMsgBuf()
	b := s.appendBinaryFrame((*bp)[:0])
	err := s.writeBinary(b)
	putMsgBuf(keep(bp, b))
	return err
}

// appendFrame appends the frame message of the pending points.
func (s *session) appendFrame(b []byte) []byte {
	b = append(b, `{"type":"frame","runs":[`...)
	first := true
	for i, lr := range s.runs {
		cols := lr.cols
		if len(cols) == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"run":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"t0":`...)
		b = strconv.AppendInt(b, int64(lr.sent), 10)
		c := s.frameColumns(cols)
		s.memo.reset() // per run: two runs at the same point still cost the same to encode
		b = c.appendPoints(b, lr.formula)
		b = s.memo.appendPair(b, "grad", lr.grad.X, lr.grad.Y)
		b = s.memo.appendPair(b, "velocity", lr.vel.X, lr.vel.Y)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// frameColumns returns a run's pending interleaved columns cols.
func (s *session) frameColumns(cols []float64) columns {
	c := columns{stride: s.stride(), memo: &s.memo}
	for k := colX; k < colTestLoss; k++ {
		c.vals[k], c.off[k] = cols, k
	}
	off := colTestLoss
	if s.testLoss {
		c.vals[colTestLoss], c.off[colTestLoss] = cols, off
		off++
	}
	if s.batchLoss {
		c.vals[colBatchLoss], c.off[colBatchLoss] = cols, off
	}
	return c
}

// appendColumn appends "key":[…] with the value at offset off of every
// point of the interleaved columns. A value equal to the one before it (a
// constant LR, a limit that does not change; equal bits, so -0 is not 0)
// is copied from the bytes
// already written rather than formatted again: the same digits, for a
// comparison instead of a shortest-float conversion.
func appendColumn(b []byte, key string, cols []float64, stride, off int) []byte {
	return appendColumnMemo(b, key, cols, stride, off, nil)
}

// appendColumnMemo is appendColumn, with the other values not repeated
// from the one before looked up in memo when it is not nil.
func appendColumnMemo(b []byte, key string, cols []float64, stride, off int, memo *floatMemo) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":[`...)
	prevStart, prevEnd := 0, 0
	for i := off; i < len(cols); i += stride {
		if i > off {
			b = append(b, ',')
			if math.Float64bits(cols[i]) == math.Float64bits(cols[i-stride]) { // bits: 0 and -0 differ
				b = append(b, b[prevStart:prevEnd]...)
				continue
			}
		}
		prevStart = len(b)
		if memo != nil {
			b = memo.appendFloat(b, cols[i])
		} else {
			b = appendFloat(b, cols[i])
		}
		prevEnd = len(b)
	}
	return append(b, ']')
}

// floatMemo remembers where values were written in the message being
// encoded, by their bits, so that a value written before in the same run of
// a frame is copied from its digits instead of formatted again: under SGD
// a point's edge-of-stability sharpness is its λmax, a constant LR repeats,
// a run that has stopped moving repeats its point. The bytes are the same,
// since equal bits format to the same digits; -0 and 0 differ. It is a small
// direct-mapped table: a value whose entry another took is formatted again.
// reset forgets every entry (a generation count, so it costs nothing).
type floatMemo struct {
	gen uint32
	ent [16]memoEntry
}

type memoEntry struct {
	bits       uint64
	gen        uint32
	start, end uint32 // the value's digits in the message: b[start:end]
}

func (m *floatMemo) reset() {
	if m.gen++; m.gen == 0 { // wrapped: old entries could look current
		*m = floatMemo{gen: 1}
	}
}

// appendFloat appends v as appendFloat does, copying the digits of an
// earlier value with the same bits written into b since the last reset.
func (m *floatMemo) appendFloat(b []byte, v float64) []byte {
	bits := math.Float64bits(v)
	e := &m.ent[(bits*0x9e3779b97f4a7c15)>>(64-4)]
	if e.gen == m.gen && e.bits == bits && int(e.end) <= len(b) {
		return append(b, b[e.start:e.end]...)
	}
	start := len(b)
	b = appendFloat(b, v)
	*e = memoEntry{bits: bits, gen: m.gen, start: uint32(start), end: uint32(len(b))}
	return b
}

// appendPair is appendPair through the memo.
func (m *floatMemo) appendPair(b []byte, key string, x, y float64) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":[`...)
	b = m.appendFloat(b, x)
	b = append(b, ',')
	b = m.appendFloat(b, y)
	return append(b, ']')
}

// appendDone appends the done message of run i: its status, the index of
// the diverging point (or null), the LR of its last step and λmax at the
// last point shown.
func appendDone(b []byte, i int, r *sim.Run) []byte {
	taken := r.Current().Step
	if r.Status() == sim.StatusDiverged {
		taken = r.DivergedAt()
	}
	b = append(b, `{"type":"done","run":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"status":`...)
	b = appendString(b, r.Status().String())
	b = append(b, `,"diverged_at":`...)
	b = appendDivergedAt(b, r.Status(), r.DivergedAt())
	b = append(b, `,"lr":`...)
	b = appendFloat(b, r.ScheduledLR(max(taken-1, 0)))
	b = append(b, `,"sharpness":`...)
	b = appendFloat(b, r.Current().Sharpness)
	if r.Status() == sim.StatusDiverged {
		b = appendOvershoot(b, r)
	}
	if reason := sim.DivergeReason(r).Text(); reason != "" {
		b = append(b, `,"reason":`...)
		b = appendString(b, reason)
	}
	return append(b, '}')
}

// nonNil returns vs, or an empty slice for nil, so a column that is present
// but has no values is written as [].
func nonNil(vs []float64) []float64 {
	if vs == nil {
		return []float64{}
	}
	return vs
}
