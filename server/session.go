package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"lrlab/scenario"
	"lrlab/sim"
)

// session is one websocket client. Three goroutines serve it:
//
//   - the owner (serve, on the handler's goroutine) holds all the
//     simulation state, without a mutex, and is the only one that writes
//     messages; it selects on the frame ticker, the inbound messages, the
//     ping failures, the idle timer and the shutdown signal;
//   - the reader decodes client messages, applies the message rate limit
//     and forwards them to the owner on a channel;
//   - the pinger pings every PingInterval.
//
// The owner writes a frame only after the previous write returned, with a
// deadline, so a slow client slows its own simulation and never makes the
// server buffer without bound; points are never dropped.
type session struct {
	logger *slog.Logger
	cfg    Config
	m      *metrics
	conn   *websocket.Conn

	away     chan struct{} // closed by goAway: the server is stopping
	awayOnce sync.Once

	// Owned by the owner goroutine.
	sc       scenario.Scenario
	runs     []*liveRun
	testLoss bool
	rate     float64   // steps per second per run; 0 = as fast as allowed
	paused   bool      // the rate does not advance the runs
	pending  int       // steps asked for by step messages, still to take
	budget   float64   // steps owed by the rate, fractional
	last     time.Time // when the budget was last brought up to date
	ticking  bool
	ticker   *time.Ticker
	buf      []byte
	sweep    sweeper // the LR sweep running beside the scenario (sweepws.go)
}

// liveRun is one run of the session's scenario with the points produced
// since the last frame.
type liveRun struct {
	run  *sim.Run
	sent int            // points already sent: the next frame's t0
	pts  []sim.Location // points not yet sent
	done bool           // the done message was sent
}

// inbound is what the reader forwards: a decoded message or the error that
// decoding it gave.
type inbound struct {
	msg clientMessage
	err error
}

func newSession(logger *slog.Logger, cfg Config, m *metrics, conn *websocket.Conn) *session {
	return &session{logger: logger, cfg: cfg, m: m, conn: conn, away: make(chan struct{}), rate: defaultRate}
}

// goAway tells the session to close with 1001; it does not wait.
func (s *session) goAway() { s.awayOnce.Do(func() { close(s.away) }) }

// frameInterval is the time between frames.
func (s *session) frameInterval() time.Duration {
	return time.Duration(float64(time.Second) / s.cfg.FrameRate)
}

// serve runs the session until it ends and returns why (a
// lrlab_ws_sessions_ended_total reason). It closes the connection and waits
// for the reader and the pinger before returning. Close codes: 1001 on
// shutdown, 1008 for a write or ping timeout or a message flood, 1009 for a
// message over the read limit (sent by the websocket library), 1000 after
// the idle timeout.
func (s *session) serve(parent context.Context) (reason string) {
	ctx, cancel := context.WithCancel(parent)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		s.stopSweep()
		s.conn.CloseNow()
		wg.Wait()
	}()

	in := make(chan inbound, 16)
	readErr := make(chan error, 1)
	pingErr := make(chan error, 1)
	wg.Add(2)
	go func() { defer wg.Done(); s.read(ctx, in, readErr) }()
	go func() { defer wg.Done(); s.ping(ctx, pingErr) }()

	s.ticker = time.NewTicker(s.frameInterval())
	s.ticker.Stop()
	defer s.ticker.Stop()
	idle := time.NewTimer(s.cfg.IdleTimeout)
	defer idle.Stop()

	for {
		var err error
		select {
		case <-s.away:
			s.conn.Close(websocket.StatusGoingAway, "server shutting down")
			return endShutdown
		case err := <-readErr:
			if errors.Is(err, errFlood) {
				s.drain(ctx, in) // the flood's error message goes out before 1008
			}
			return s.readFailed(err)
		case <-pingErr:
			s.conn.Close(websocket.StatusPolicyViolation, "no pong")
			return endPingTimeout
		case <-idle.C:
			s.conn.Close(websocket.StatusNormalClosure, "idle")
			return endIdle
		case m := <-in:
			idle.Reset(s.cfg.IdleTimeout)
			err = s.handle(ctx, m)
		case now := <-s.ticker.C:
			idle.Reset(s.cfg.IdleTimeout)
			err = s.tick(ctx, now)
		case ev := <-s.sweepEvents():
			err = s.sweepEvent(ctx, ev)
		}
		if err != nil {
			return s.writeFailed(err)
		}
	}
}

// drain handles the messages the reader forwarded before it stopped.
func (s *session) drain(ctx context.Context, in <-chan inbound) {
	for {
		select {
		case m := <-in:
			if s.handle(ctx, m) != nil {
				return
			}
		default:
			return
		}
	}
}

// readFailed maps the reader's error to an end reason, closing the
// connection where the library has not.
func (s *session) readFailed(err error) string {
	switch {
	case errors.Is(err, errFlood):
		s.conn.Close(websocket.StatusPolicyViolation, "too many messages")
		return endFlood
	case errors.Is(err, websocket.ErrMessageTooBig):
		return endTooBig // the library has sent 1009
	}
	return endClient
}

// writeFailed maps a failed write to an end reason. A write past its
// deadline has already cut the connection (a client that reads nothing
// cannot receive a close frame); 1008 is attempted anyway.
func (s *session) writeFailed(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		s.conn.Close(websocket.StatusPolicyViolation, "write timeout")
		return endWriteTimeout
	}
	return endClient
}

// read is the reader goroutine: it reads messages until the connection
// fails, drops those over the message rate (the first of a series is
// answered by an error message; MessageBurst in a row end the session with
// errFlood) and forwards the rest, decoded, to the owner.
func (s *session) read(ctx context.Context, out chan<- inbound, errc chan<- error) {
	burst := float64(s.cfg.MessageBurst)
	tokens, last := burst, time.Now()
	dropped := 0
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			errc <- err
			return
		}
		now := time.Now()
		tokens = min(burst, tokens+s.cfg.MessageRate*now.Sub(last).Seconds())
		last = now
		var item inbound
		switch {
		case tokens < 1:
			dropped++
			s.m.rejected.WithLabelValues(rejectMessageRate).Inc()
			if dropped >= s.cfg.MessageBurst {
				errc <- errFlood
				return
			}
			if dropped > 1 {
				continue
			}
			item.err = &sim.FieldError{Field: "type", Msg: fmt.Sprintf(
				"too many messages: at most %g per second; messages are dropped until you slow down", s.cfg.MessageRate)}
		case typ != websocket.MessageText:
			tokens--
			dropped = 0
			item.err = &sim.FieldError{Msg: "messages must be JSON text, not binary"}
		default:
			tokens--
			dropped = 0
			item.msg, item.err = decodeClientMessage(data, s.cfg.MaxSteps)
		}
		select {
		case out <- item:
		case <-ctx.Done():
			return
		}
	}
}

// ping is the pinger goroutine: a ping every PingInterval, whose pong must
// come within WriteTimeout, else it reports on errc and returns.
func (s *session) ping(ctx context.Context, errc chan<- error) {
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
		err := s.conn.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				errc <- err
			}
			return
		}
	}
}

// write sends one text message with the write deadline.
func (s *session) write(ctx context.Context, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	if err := s.conn.Write(wctx, websocket.MessageText, b); err != nil {
		if wctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		return err
	}
	s.m.bytesSent.Add(float64(len(b)))
	return nil
}

// writeError sends {"type":"error","error":…,"field":…} for err, a
// *sim.FieldError (any other error is reported without a field).
func (s *session) writeError(ctx context.Context, err error) error {
	field, msg := "", err.Error()
	var fe *sim.FieldError
	if errors.As(err, &fe) {
		field, msg = fe.Field, fe.Msg
	}
	b := append(s.buf[:0], `{"type":"error","error":`...)
	b = appendString(b, msg)
	b = append(b, `,"field":`...)
	b = appendString(b, field)
	b = append(b, '}')
	s.buf = b
	return s.write(ctx, b)
}

// handle applies one client message. A bad message is answered with an
// error message and the session goes on; only a failed write is returned.
func (s *session) handle(ctx context.Context, in inbound) error {
	if in.err != nil {
		return s.writeError(ctx, in.err)
	}
	m := in.msg
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
		if cap(s.buf) > maxIdleBuf {
			s.buf = nil
		}
	case msgStep:
		if s.runs == nil {
			return s.writeError(ctx, &sim.FieldError{Field: "type", Msg: "no scenario is running; send start first"})
		}
		s.pending = min(s.pending+m.N, s.sc.Steps)
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
	if err != nil {
		return s.writeError(ctx, err)
	}
	_, runs, err := sc.Build()
	if err != nil {
		return s.writeError(ctx, err)
	}
	norm, err := json.Marshal(sc)
	if err != nil {
		return s.writeError(ctx, err)
	}
	s.sc, s.testLoss = sc, sc.TestShift != nil
	s.runs = make([]*liveRun, len(runs))
	for i, r := range runs {
		s.runs[i] = &liveRun{run: r, pts: []sim.Location{r.Current()}}
	}
	s.rate, s.paused, s.pending, s.budget, s.last = m.Rate, m.Paused, 0, 0, time.Now()
	b := append(s.buf[:0], `{"type":"started","scenario":`...)
	b = append(b, norm...)
	b = append(b, '}')
	s.buf = b
	if err := s.write(ctx, b); err != nil {
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
	cur := lr.run.Config()
	var opt, optY *sim.OptimizerConfig
	var sched *sim.SchedulerConfig
	if m.Optimizer != nil {
		o, err := scenario.MergeOptimizer(cur.Optimizer, m.Optimizer)
		if err != nil {
			return s.writeError(ctx, sim.Prefix(prefix+".optimizer", err))
		}
		opt = &o
	}
	if m.OptimizerY != nil {
		base := cur.Optimizer
		if cur.OptimizerY != nil {
			base = *cur.OptimizerY
		}
		o, err := scenario.MergeOptimizer(base, m.OptimizerY)
		if err != nil {
			return s.writeError(ctx, sim.Prefix(prefix+".optimizer_y", err))
		}
		optY = &o
	}
	if m.Scheduler != nil {
		c, err := scenario.MergeScheduler(cur.Scheduler, m.Scheduler, lr.run.Steps())
		if err != nil {
			return s.writeError(ctx, sim.Prefix(prefix+".scheduler", err))
		}
		sched = &c
	}
	if err := lr.run.Set(opt, optY, sched, m.Noise); err != nil {
		return s.writeError(ctx, sim.Prefix(prefix, err))
	}
	b := append(s.buf[:0], `{"type":"set_ok","run":`...)
	b = strconv.AppendInt(b, int64(m.Run), 10)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, int64(lr.run.Current().Step), 10)
	b = append(b, '}')
	s.buf = b
	return s.write(ctx, b)
}

// running reports whether any run has steps left.
func (s *session) running() bool {
	for _, r := range s.runs {
		if r.run.Status() == sim.StatusRunning {
			return true
		}
	}
	return false
}

// updateTicker runs the frame ticker only while there is something to step,
// so idle sessions cost nothing.
func (s *session) updateTicker() {
	active := s.running() && (!s.paused || s.pending > 0)
	switch {
	case active && !s.ticking:
		s.ticker.Reset(s.frameInterval())
		s.last = time.Now()
		s.budget = 0
	case !active && s.ticking:
		s.ticker.Stop()
	}
	s.ticking = active
}

// catchUp adds to the budget the steps the rate owes since the last update.
func (s *session) catchUp(now time.Time) {
	if !s.paused && s.rate > 0 && s.running() {
		s.budget += s.rate * now.Sub(s.last).Seconds()
	}
	s.last = now
}

// tick advances every run by the steps due (lock-step), then sends them as
// one frame and the done messages of runs that ended.
func (s *session) tick(ctx context.Context, now time.Time) error {
	limit := s.cfg.MaxPointsPerFrame
	n := 0
	if !s.paused {
		if s.rate == 0 {
			n = limit
		} else {
			s.catchUp(now)
			s.budget = min(s.budget, float64(limit))
			n = int(s.budget)
			s.budget -= float64(n)
		}
	}
	s.last = now
	if extra := min(s.pending, limit-n); extra > 0 {
		n += extra
		s.pending -= extra
	}
	if n > 0 {
		s.advance(n)
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	s.updateTicker()
	return nil
}

// advance takes n steps in every run that is still running.
func (s *session) advance(n int) {
	steps := 0
	for _, lr := range s.runs {
		r := lr.run
		for i := 0; i < n && r.Status() == sim.StatusRunning; i++ {
			r.Step()
			steps++
			if r.Status() != sim.StatusDiverged || r.LastShown() {
				lr.pts = append(lr.pts, r.Current())
			}
		}
	}
	s.m.simSteps.Add(float64(steps))
}

// flush sends the points produced since the last frame as one frame (when
// there are any), then a done message for each run that has ended.
func (s *session) flush(ctx context.Context) error {
	any := false
	for _, lr := range s.runs {
		if len(lr.pts) > 0 {
			any = true
			break
		}
	}
	if any {
		s.buf = s.appendFrame(s.buf[:0])
		if err := s.write(ctx, s.buf); err != nil {
			return err
		}
		s.m.frames.Inc()
		for _, lr := range s.runs {
			lr.sent += len(lr.pts)
			lr.pts = lr.pts[:0]
		}
	}
	for i, lr := range s.runs {
		if lr.done || lr.run.Status() == sim.StatusRunning {
			continue
		}
		lr.done = true
		lr.pts = nil // a finished run keeps no buffer
		s.buf = appendDone(s.buf[:0], i, lr.run)
		if err := s.write(ctx, s.buf); err != nil {
			return err
		}
	}
	if cap(s.buf) > maxIdleBuf && !s.running() {
		s.buf = nil // an idle session keeps no big buffer
	}
	return nil
}

// maxIdleBuf is the largest message buffer a session keeps while nothing
// runs; a fast session's frames (up to MaxPointsPerFrame points per run)
// need far more only while it streams.
const maxIdleBuf = 64 << 10

// appendFrame appends the frame message of the pending points.
func (s *session) appendFrame(b []byte) []byte {
	b = append(b, `{"type":"frame","runs":[`...)
	first := true
	for i, lr := range s.runs {
		pts := lr.pts
		if len(pts) == 0 {
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
		b = appendColumn(b, "x", pts, func(l *sim.Location) float64 { return l.P.X })
		b = appendColumn(b, "y", pts, func(l *sim.Location) float64 { return l.P.Y })
		b = appendColumn(b, "loss", pts, func(l *sim.Location) float64 { return l.Loss })
		b = appendColumn(b, "grad_norm", pts, func(l *sim.Location) float64 { return l.GradNorm })
		b = appendColumn(b, "lr", pts, func(l *sim.Location) float64 { return l.LR })
		b = appendColumn(b, "sharpness", pts, func(l *sim.Location) float64 { return l.Sharpness })
		if s.testLoss {
			b = appendColumn(b, "test_loss", pts, func(l *sim.Location) float64 { return l.TestLoss })
		}
		end := &pts[len(pts)-1]
		b = appendPair(b, "grad", end.Grad.X, end.Grad.Y)
		b = appendPair(b, "velocity", end.Velocity.X, end.Velocity.Y)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendColumn appends "key":[…] with one value per point.
func appendColumn(b []byte, key string, pts []sim.Location, f func(*sim.Location) float64) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":[`...)
	for i := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, f(&pts[i]))
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
	if reason := divergeReason(r); reason != "" {
		b = append(b, `,"reason":`...)
		b = appendString(b, reason)
	}
	return append(b, '}')
}
