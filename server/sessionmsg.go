package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"lrlab/scenario"
	"lrlab/sim"
)

// handle applies one client message. A bad message is answered with an
// error message and the session goes on; only a failed write is returned.
func (s *session) handle(ctx context.Context, in inbound) error {
	if in.err != nil {
		return s.writeError(ctx, in.err)
	}
	if s.room != nil || (!s.begun && peekType(in.data) == msgJoin) {
		s.begun = true
		return s.roomMessage(ctx, in.data)
	}
	s.begun = true
	m, err := decodeClientMessage(in.data, s.cfg.MaxSteps)
	if err != nil {
		return s.writeError(ctx, err)
	}
	return s.apply(ctx, m)
}

// apply carries out one decoded client message.
func (s *session) apply(ctx context.Context, m clientMessage) error {
	switch m.Type {
	case msgStart:
		return s.start(ctx, m)
	case msgPause:
		s.paused = true
	case msgResume:
		if s.paused {
			s.paused = false
			s.last = time.Now()
			s.budget = 0
		}
	case msgRate:
		s.catchUp(time.Now())
		s.rate = m.Rate
	case msgStop:
		s.runs, s.pending, s.budget = nil, 0, 0
	case msgStep:
		if s.runs == nil {
			return s.writeError(ctx, &sim.FieldError{Field: "type", Msg: "no scenario is running; send start first"})
		}
		s.pending = min(s.pending+m.N, s.steps)
	case msgSet:
		if err := s.set(ctx, m); err != nil {
			return err
		}
	case msgSweep:
		return s.startSweep(ctx, m)
	case msgCancelSweep:
		s.stopSweep()
	}
	s.updateTicker()
	return nil
}

// start replaces the scenario: it answers started with the normalised
// scenario and sends the first frame (every run's start point) at once.
func (s *session) start(ctx context.Context, m clientMessage) error {
	sc, err := scenario.Decode(m.Scenario, s.cfg.limits())
	if err == nil {
		err = scenario.CheckWork(sc) // a data surface's rows (data.go)
	}
	if err != nil {
		return s.writeError(ctx, err)
	}
	surf, runs, err := sc.Build()
	if err != nil {
		return s.writeError(ctx, err)
	}
	norm, err := json.Marshal(sc)
	if err != nil {
		return s.writeError(ctx, err)
	}
	s.steps, s.testLoss, s.surf = sc.Steps, sc.TestShift != nil, surf
	s.batchLoss = sim.IsDataSurface(sc.Surface.Name)
	s.rate, s.paused, s.pending, s.budget, s.last = m.Rate, m.Paused, 0, 0, time.Now()
	s.runs = make([]*liveRun, len(runs))
	for i, r := range runs {
		s.runs[i] = &liveRun{run: r}
	}
	s.setCosts()
	for _, lr := range s.runs {
		cur := lr.run.Current()
		lr.push(&cur, s.testLoss, s.batchLoss, s.colsHint())
	}
	bp := getMsgBuf()
	b := append((*bp)[:0], `{"type":"started","scenario":`...)
	b = append(b, norm...)
	b = append(b, '}')
	s.share(b)
	if err := s.writeNew(ctx, bp, b); err != nil {
		return err
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	s.updateTicker()
	return nil
}

// set merges new settings into a live run, from its next step on, and
// answers set_ok with that step.
func (s *session) set(ctx context.Context, m clientMessage) error {
	if s.runs == nil {
		return s.writeError(ctx, &sim.FieldError{Field: "type", Msg: "no scenario is running; send start first"})
	}
	if m.Run >= len(s.runs) {
		return s.writeError(ctx, &sim.FieldError{Field: "run", Msg: fmt.Sprintf("no run %d; the scenario has runs 0 … %d", m.Run, len(s.runs)-1)})
	}
	lr := s.runs[m.Run]
	prefix := "runs[" + strconv.Itoa(m.Run) + "]"
	if st := lr.run.Status(); st != sim.StatusRunning {
		return s.writeError(ctx, &sim.FieldError{Field: "run", Msg: fmt.Sprintf("run %d has finished (%s); start again to change it", m.Run, st)})
	}
	if err := setRun(lr.run, m, prefix); err != nil {
		return s.writeError(ctx, err)
	}
	s.setCosts() // a batch size the set gave changes the run's cost per step
	bp := getMsgBuf()
	b := append((*bp)[:0], `{"type":"set_ok","run":`...)
	b = strconv.AppendInt(b, int64(m.Run), 10)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, int64(lr.run.Current().Step), 10)
	b = append(b, '}')
	s.shareSet(b, m)
	return s.writeNew(ctx, bp, b)
}

// setRun merges the settings of set message m into run r (prefix names the
// run in errors).
func setRun(r *sim.Run, m clientMessage, prefix string) error {
	cur := r.Config()
	var ch sim.RunChange
	if m.Optimizer != nil {
		o, err := scenario.MergeOptimizer(cur.Optimizer, m.Optimizer)
		if err != nil {
			return sim.Prefix(prefix+".optimizer", err)
		}
		ch.Optimizer = &o
	}
	if m.OptimizerY != nil {
		base := cur.Optimizer
		if cur.OptimizerY != nil {
			base = *cur.OptimizerY
		}
		o, err := scenario.MergeOptimizer(base, m.OptimizerY)
		if err != nil {
			return sim.Prefix(prefix+".optimizer_y", err)
		}
		ch.OptimizerY = &o
	}
	if m.Scheduler != nil {
		c, err := scenario.MergeScheduler(cur.Scheduler, m.Scheduler, r.Steps())
		if err != nil {
			return sim.Prefix(prefix+".scheduler", err)
		}
		ch.Scheduler = &c
	}
	if m.Live.HasValues() {
		ch.Settings = m.Live.Apply // the live run rows it gives, checked by Set with the run
	}
	if err := r.Set(ch); err != nil {
		return sim.Prefix(prefix, err)
	}
	return nil
}
