package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"lrlab/scenario"
	"lrlab/sim"
)

// A websocket session can run one LR sweep at a time, beside its scenario:
//
//	→ {"type":"sweep","id":"s1", …the fields of POST /api/v1/sweep…}
//	← {"type":"sweep_progress","id":"s1","done":0,"total":120}      (at once, then at most 10 a second)
//	← {"type":"sweep_result","id":"s1", …the members of the POST /api/v1/sweep answer…}
//	→ {"type":"cancel_sweep"}                                         (nothing more is sent for it)
//
// The sweep runs on its own goroutine (sim.Sweep, on all cores), which
// touches none of the session's simulation state: it hands its progress and
// its result to the owner goroutine, which alone writes messages. A new
// sweep, cancel_sweep, and the end of the session cancel the running one
// and wait for its goroutine. A bad sweep is answered with the usual error
// message, with the sweep's id. A session may start ComputePerMinute sweeps
// a minute (bursts of up to 10), as many as one client IP may make compute
// requests over HTTP; more are refused with an error on field "type".

// sweepMsgKeys are the keys of a sweep message besides "type".
var sweepMsgKeys = append([]string{"id"}, sweepKeys...)

// sweepProgressInterval is the least time between two sweep_progress
// messages.
const sweepProgressInterval = 100 * time.Millisecond

// sweeper is the session's sweep state, owned by the owner goroutine.
type sweeper struct {
	job    *sweepJob // the running sweep, or nil
	tokens float64   // sweeps that may start now
	last   time.Time // when tokens was brought up to date; zero: never
}

// allow takes a token for a new sweep, refilling ratePerMinute a minute up
// to burst; it reports false when there is none.
func (w *sweeper) allow(now time.Time, ratePerMinute, burst int) bool {
	if w.last.IsZero() {
		w.tokens = float64(burst)
	} else {
		w.tokens = min(float64(burst), w.tokens+float64(ratePerMinute)*now.Sub(w.last).Minutes())
	}
	w.last = now
	if w.tokens < 1 {
		return false
	}
	w.tokens--
	return true
}

// sweepJob is a sweep running on its own goroutine.
type sweepJob struct {
	id     string
	req    sweepRequest // what the result message describes
	cancel context.CancelFunc
	done   chan struct{}   // closed when the goroutine has returned
	events chan sweepEvent // progress (dropped while the owner is busy), then the outcome
}

// sweepEvent is what a sweep goroutine tells the owner: progress, or (final)
// the result or the error.
type sweepEvent struct {
	done, total int
	final       bool
	res         sim.SweepResult
	err         error
}

// startSweep cancels the running sweep, if any, decodes the message and
// starts the new sweep on its own goroutine, answering sweep_progress with
// done 0 and the total number of runs.
func (s *session) startSweep(ctx context.Context, m clientMessage) error {
	s.stopSweep()
	f, err := scenario.ReadObject(m.Body, "a sweep message", append([]string{"type"}, sweepMsgKeys...)...)
	if err != nil {
		var probe struct { // the id, if it can be read, for the error message
			ID string `json:"id"`
		}
		json.Unmarshal(m.Body, &probe)
		if utf8.RuneCountInString(probe.ID) > maxSweepID {
			probe.ID = ""
		}
		return s.writeSweepError(ctx, probe.ID, err)
	}
	id := ""
	if raw := f.Raw("id"); raw != nil {
		if json.Unmarshal(raw, &id) != nil || utf8.RuneCountInString(id) > maxSweepID {
			return s.writeSweepError(ctx, "", &sim.FieldError{Field: "id", Msg: fmt.Sprintf("must be a string of at most %d characters", maxSweepID)})
		}
	}
	req, err := decodeSweep(f, s.cfg)
	if err != nil {
		return s.writeSweepError(ctx, id, err)
	}
	if !s.sweep.allow(time.Now(), s.cfg.ComputePerMinute, min(10, s.cfg.ComputePerMinute)) {
		s.m.rejected.WithLabelValues(rejectRateLimit).Inc()
		return s.writeSweepError(ctx, id, &sim.FieldError{Field: "type", Msg: fmt.Sprintf(
			"too many sweeps: at most %d a minute; try again in a moment", s.cfg.ComputePerMinute)})
	}
	if s.work != nil {
		if ok, retry := s.work.charge(s.ip, req.work, time.Now()); !ok {
			s.m.rejected.WithLabelValues(rejectWorkBudget).Inc()
			return s.writeSweepError(ctx, id, &sim.FieldError{Field: "type", Msg: fmt.Sprintf(
				"too much computation from your address: at most %.0f work units a minute, and this sweep needs %d; try again in %.0f s",
				s.work.perMinute, req.work, max(retry.Seconds(), 1))})
		}
	}
	jctx, cancel := context.WithCancel(ctx)
	job := &sweepJob{id: id, req: req, cancel: cancel, done: make(chan struct{}), events: make(chan sweepEvent, 1)}
	s.sweep.job = job
	go job.run(jctx, req)
	return s.writeSweepProgress(ctx, id, 0, len(req.cfg.Optimizers)*req.cfg.Num*req.cfg.SeedsRun())
}

// run is the sweep's goroutine.
func (j *sweepJob) run(ctx context.Context, req sweepRequest) {
	defer close(j.done)
	last := time.Now() // the owner has sent the first progress
	res, err := sim.Sweep(ctx, req.cfg, func(done, total int) {
		if now := time.Now(); done < total && now.Sub(last) >= sweepProgressInterval {
			last = now
			select {
			case j.events <- sweepEvent{done: done, total: total}:
			default: // the owner has not taken the last one yet
			}
		}
	})
	if ctx.Err() != nil {
		return // cancelled: nothing more is said about it
	}
	select {
	case j.events <- sweepEvent{final: true, res: res, err: err}:
	case <-ctx.Done():
	}
}

// sweepEvents is the channel of the running sweep, or nil (which blocks)
// when there is none.
func (s *session) sweepEvents() <-chan sweepEvent {
	if s.sweep.job == nil {
		return nil
	}
	return s.sweep.job.events
}

// sweepEvent writes what the running sweep reported.
func (s *session) sweepEvent(ctx context.Context, ev sweepEvent) error {
	j := s.sweep.job
	if !ev.final {
		return s.writeSweepProgress(ctx, j.id, ev.done, ev.total)
	}
	s.sweep.job = nil
	j.cancel()
	if ev.err != nil {
		return s.writeSweepError(ctx, j.id, ev.err)
	}
	b := append(s.buf[:0], `{"type":"sweep_result","id":`...)
	b = appendString(b, j.id)
	b = append(b, ',')
	b = appendSweep(b, &j.req, &ev.res)
	b = append(b, '}')
	s.buf = b
	return s.write(ctx, b)
}

// stopSweep cancels the running sweep, if any, and waits for its goroutine.
func (s *session) stopSweep() {
	if j := s.sweep.job; j != nil {
		j.cancel()
		<-j.done
		s.sweep.job = nil
	}
}

// writeSweepProgress sends {"type":"sweep_progress","id","done","total"}.
func (s *session) writeSweepProgress(ctx context.Context, id string, done, total int) error {
	b := append(s.buf[:0], `{"type":"sweep_progress","id":`...)
	b = appendString(b, id)
	b = appendIntField(b, "done", done)
	b = appendIntField(b, "total", total)
	b = append(b, '}')
	s.buf = b
	return s.write(ctx, b)
}

// writeSweepError sends the error message of a sweep, with its id.
func (s *session) writeSweepError(ctx context.Context, id string, err error) error {
	field, msg := "", err.Error()
	var fe *sim.FieldError
	if errors.As(err, &fe) {
		field, msg = fe.Field, fe.Msg
	}
	b := append(s.buf[:0], `{"type":"error","id":`...)
	b = appendString(b, id)
	b = append(b, `,"error":`...)
	b = appendString(b, msg)
	b = append(b, `,"field":`...)
	b = appendString(b, field)
	b = append(b, '}')
	s.buf = b
	return s.write(ctx, b)
}
