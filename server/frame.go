package server

import (
	"context"
	"strconv"

	"lrlab/sim"
)

// liveRun is one run of the session's scenario with the points produced
// since the last frame, as interleaved columns: per point x, y, loss,
// grad_norm, lr, sharpness, edge_sharpness, stability_limit and, with a
// test shift, test_loss (stride 8 or 9 values), plus the gradient, velocity
// and limit formula of the last one.
type liveRun struct {
	run       *sim.Run
	sent      int       // points already sent: the next frame's t0
	cols      []float64 // points not yet sent
	grad, vel sim.Point // at the last point not yet sent
	formula   string    // the stability limit's formula at that point
	done      bool      // the done message was sent
	cost      int       // work units of one of its steps (its batch size on a data surface)
}

// Column offsets in liveRun.cols.
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
)

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
		bp := getMsgBuf()
		b := s.appendFrame((*bp)[:0])
		s.share(b)
		if err := s.writeNew(ctx, bp, b); err != nil {
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

// appendFrame appends the frame message of the pending points.
func (s *session) appendFrame(b []byte) []byte {
	b = append(b, `{"type":"frame","runs":[`...)
	first := true
	stride := s.stride()
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
		b = appendColumn(b, "x", cols, stride, colX)
		b = appendColumn(b, "y", cols, stride, colY)
		b = appendColumn(b, "loss", cols, stride, colLoss)
		b = appendColumn(b, "grad_norm", cols, stride, colGradNorm)
		b = appendColumn(b, "lr", cols, stride, colLR)
		b = appendColumn(b, "sharpness", cols, stride, colSharpness)
		b = appendColumn(b, "edge_sharpness", cols, stride, colEdge)
		b = appendColumn(b, "stability_limit", cols, stride, colLimit)
		if lr.formula != "" {
			b = append(b, `,"limit_formula":`...)
			b = appendString(b, lr.formula)
		}
		if s.testLoss {
			b = appendColumn(b, "test_loss", cols, stride, colTestLoss)
		}
		if s.batchLoss {
			b = appendColumn(b, "batch_loss", cols, stride, stride-1)
		}
		b = appendPair(b, "grad", lr.grad.X, lr.grad.Y)
		b = appendPair(b, "velocity", lr.vel.X, lr.vel.Y)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendColumn appends "key":[…] with the value at offset off of every
// point of the interleaved columns.
func appendColumn(b []byte, key string, cols []float64, stride, off int) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":[`...)
	for i := off; i < len(cols); i += stride {
		if i > off {
			b = append(b, ',')
		}
		b = appendFloat(b, cols[i])
	}
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
	if reason := divergeReason(r); reason != "" {
		b = append(b, `,"reason":`...)
		b = appendString(b, reason)
	}
	return append(b, '}')
}
