package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"lrlab/scenario"
	"lrlab/sim"
)

// session is one websocket client. Two goroutines serve it:
//
//   - the owner (serve, on a goroutine of its own) holds all the
//     simulation state, without a mutex, has the client's messages decoded
//     and is the only one that writes messages; it selects on four
//     channels: the frame ticker, the inbound messages, one housekeeping
//     timer (the idle timeout and the next ping) and the rare events
//     (shutdown, the reader's end, a ping's outcome);
//   - the reader reads raw messages, applies the message rate limit and
//     forwards them to the owner on a channel. It does no other work, so
//     its stack stays small; coder/websocket needs it to answer pings and
//     to receive pongs and close frames.
//
// A ping runs every PingInterval on a short-lived goroutine (conn.Ping
// blocks until the pong, which the reader receives), started by the owner,
// so a quiet session has no third goroutine between pings.
//
// The owner writes a frame only after the previous write returned, with a
// deadline, so a slow client slows its own simulation and never makes the
// server buffer without bound; points are never dropped. The deadline is set
// on the connection itself (deadlineConn, ws.go), not through a context per
// write, so writing a frame allocates nothing and starts no timer.
//
// Memory per session is kept small: pending points are compact columns of
// what a frame sends (not sim.Location values), frames are encoded into a
// pooled buffer that is given back after the write, and the point columns
// shrink back after a burst (a step message, a client that fell behind).
type session struct {
	logger *slog.Logger
	cfg    Config
	m      *metrics
	conn   *websocket.Conn

	// ctl carries the rare events, so the owner's select stays short: the
	// server stopping (goAway), the reader's last error, a ping's outcome,
	// a flood of the client's pings. Each is sent at most once at a time, so
	// its capacity never blocks.
	ctl      chan ctlEvent
	awayOnce sync.Once

	// Owned by the owner goroutine.
	steps      int // steps per run of the running scenario
	runs       []*liveRun
	testLoss   bool
	batchLoss  bool      // a data surface: frames carry batch_loss (the last column)
	rate       float64   // steps per second per run; 0 = as fast as allowed
	paused     bool      // the rate does not advance the runs
	pending    int       // steps asked for by step messages, still to take
	budget     float64   // steps owed by the rate, fractional
	last       time.Time // when the budget was last brought up to date
	ticking    bool
	ticker     *time.Ticker
	lastActive time.Time // the last message or frame tick, for the idle timeout
	buf        []byte    // sweep messages (sweepws.go); dropped when large
	sweep      sweeper   // the LR sweep running beside the scenario (sweepws.go)

	// Rooms (roomws.go): the server's rooms, and once joined the session's
	// membership and the channel that says the room has messages for it
	// (nil for a solo session, so the select never takes it).
	rooms *rooms
	begun bool // a first message was handled: join is no longer allowed
	room  *member
	feed  chan struct{}

	msgs msgBudget // owned by the reader goroutine

	work     *workLimiter // the client IP's work budget (sweeps), or nil
	ip       string       // the client's IP: the key of its work budget and of the room lookup rate limit
	stepCost int          // work units of the dearest run's step on the scenario's surface (cost.go)
	surf     sim.Surface  // the running scenario's surface (for the runs' step costs)
}

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

// setCosts sets each run's step cost on the session's surface, its batch
// size included (a mini-batch of B rows of linreg costs 1 + B/3, where the
// whole data's costs 1), and the session's stepCost, the dearest of them.
func (s *session) setCosts() {
	s.stepCost = 1
	for _, lr := range s.runs {
		lr.cost = stepCostBatch(s.surf, lr.run.Config().BatchSize)
		s.stepCost = max(s.stepCost, lr.cost)
	}
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

// ctlEvent is one of the rare events of a session.
type ctlEvent struct {
	kind int // ctlAway, ctlReadErr, ctlPing
	err  error
}

const (
	ctlAway    = iota // the server is stopping
	ctlReadErr        // the reader stopped with err
	ctlPing           // a ping returned err (nil: its pong came)
)

// inbound is what the reader forwards: a raw message for the owner to
// decode, or the error the reader found (over the message rate, binary).
type inbound struct {
	data []byte
	err  error
}

func newSession(logger *slog.Logger, cfg Config, m *metrics, conn *websocket.Conn) *session {
	return &session{logger: logger, cfg: cfg, m: m, conn: conn, ctl: make(chan ctlEvent, 4), rate: defaultRate}
}

// goAway tells the session to close with 1001; it does not wait.
func (s *session) goAway() { s.awayOnce.Do(func() { s.ctl <- ctlEvent{kind: ctlAway} }) }

// frameInterval is the time between frames, rounded up to whole
// nanoseconds: the ticker sends the time each tick was scheduled for, and
// a tick a fraction of a nanosecond before the point it should carry (1/30 s
// is 33,333,333.3 ns) would leave that point, due a whole step after the
// one before, to the next frame: 16.7 ms late at 60 steps/s.
func (s *session) frameInterval() time.Duration {
	return time.Duration(math.Ceil(float64(time.Second) / s.cfg.FrameRate))
}

// serve runs the session until it ends and returns why (a
// lrlab_ws_sessions_ended_total reason). It closes the connection and waits
// for the reader and a ping in flight before returning. Close codes: 1001
// on shutdown, 1008 for a write or ping timeout or a message flood, 1009
// for a message over the read limit (sent by the websocket library), 1000
// after the idle timeout.
func (s *session) serve(parent context.Context) (reason string) {
	ctx, cancel := context.WithCancel(parent)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		if s.room != nil {
			s.room.leave()
		}
		s.stopSweep()
		s.conn.CloseNow()
		wg.Wait()
	}()

	in := make(chan inbound, 16)
	wg.Add(1)
	go func() { defer wg.Done(); s.read(ctx, in) }()

	s.ticker = time.NewTicker(s.frameInterval())
	s.ticker.Stop()
	defer s.ticker.Stop()
	now := time.Now()
	s.lastActive = now
	nextPing, pinging := now.Add(s.cfg.PingInterval), false
	// house fires at the earlier of the idle deadline and the next ping;
	// activity only moves lastActive, and the timer is re-armed when it
	// fires, so frames and messages cost no timer operation.
	house := time.NewTimer(s.houseDelay(now, nextPing))
	defer house.Stop()

	for {
		var err error
		select {
		case ev := <-s.ctl:
			switch ev.kind {
			case ctlAway:
				s.conn.Close(websocket.StatusGoingAway, "server shutting down")
				return endShutdown
			case ctlReadErr:
				if errors.Is(ev.err, errFlood) {
					s.drain(ctx, in) // the flood's error message goes out before 1008
				}
				return s.readFailed(ev.err)
			case ctlPing:
				pinging = false
				if ev.err != nil && ctx.Err() == nil {
					s.conn.Close(websocket.StatusPolicyViolation, "no pong")
					return endPingTimeout
				}
			}
		case now := <-house.C:
			if s.room == nil && now.Sub(s.lastActive) >= s.cfg.IdleTimeout { // a room's members wait for their teacher
				s.conn.Close(websocket.StatusNormalClosure, "idle")
				return endIdle
			}
			if !now.Before(nextPing) {
				nextPing = now.Add(s.cfg.PingInterval)
				if !pinging {
					pinging = true
					wg.Add(1)
					go func() { defer wg.Done(); s.ctl <- ctlEvent{kind: ctlPing, err: s.ping(ctx)} }()
				}
			}
			house.Reset(s.houseDelay(now, nextPing))
		case m := <-in:
			s.lastActive = time.Now()
			err = onHelper(func() error { return s.handle(ctx, m) })
			s.trimBuf()
		case now := <-s.ticker.C:
			s.lastActive = now
			err = s.tick(ctx, now)
		case <-s.feed:
			err = s.room.drain(ctx)
		case ev := <-s.sweepEvents():
			err = onHelper(func() error { return s.sweepEvent(ctx, ev) })
			s.trimBuf()
		}
		if err != nil {
			return s.writeFailed(err)
		}
	}
}

// onHelper runs f on a goroutine of its own and waits for it, passing on
// a panic. Handling a message (JSON, a scenario and its surfaces, a sweep
// result) needs a deep stack for a moment; a goroutine's stack shrinks back
// only at garbage collections, by half each time, so on the owner that
// depth would stay with each of thousands of mostly idle sessions. A
// short-lived helper gives it back at once. The owner waits, so the
// session state still has one user at a time.
func onHelper(f func() error) error {
	type result struct {
		err      error
		panicked any
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{panicked: v}
			}
		}()
		done <- result{err: f()}
	}()
	r := <-done
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// houseDelay is the time from now to the earlier of the idle deadline and
// the next ping.
func (s *session) houseDelay(now, nextPing time.Time) time.Duration {
	at := s.lastActive.Add(s.cfg.IdleTimeout)
	if nextPing.Before(at) {
		at = nextPing
	}
	return max(at.Sub(now), 0)
}

// trimBuf drops the sweep message buffer when it is large, so a session
// keeps no big buffer after a sweep result.
func (s *session) trimBuf() {
	if cap(s.buf) > 1<<10 {
		s.buf = nil
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
	case errors.Is(err, errBadUTF8):
		s.conn.Close(websocket.StatusInvalidFramePayloadData, "text message is not valid UTF-8")
		return endBadUTF8
	}
	return endClient
}

// writeFailed maps a failed write to an end reason. A write past its
// deadline has already cut the connection (a client that reads nothing
// cannot receive a close frame); 1008 is attempted anyway.
func (s *session) writeFailed(err error) string {
	if errors.Is(err, errRoomEnded) {
		return endRoom
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		s.conn.Close(websocket.StatusPolicyViolation, "write timeout")
		return endWriteTimeout
	}
	return endClient
}

// read is the reader goroutine: it reads messages until the connection
// fails, drops those over the message rate (the first of a series is
// answered by an error message; MessageBurst in a row end the session with
// errFlood) and forwards the rest, raw, to the owner, which decodes them
// (so this goroutine's stack stays shallow).
func (s *session) read(ctx context.Context, out chan<- inbound) {
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			s.ctl <- ctlEvent{kind: ctlReadErr, err: err}
			return
		}
		var item inbound
		switch {
		case !s.takeMessage(time.Now()):
			s.m.rejected.WithLabelValues(rejectMessageRate).Inc()
			if s.msgs.dropped >= s.cfg.MessageBurst {
				s.ctl <- ctlEvent{kind: ctlReadErr, err: errFlood}
				return
			}
			if s.msgs.dropped > 1 {
				continue
			}
			item.err = &sim.FieldError{Field: "type", Msg: fmt.Sprintf(
				"too many messages: at most %g per second; messages are dropped until you slow down", s.cfg.MessageRate)}
		case typ != websocket.MessageText:
			item.err = &sim.FieldError{Msg: "messages must be JSON text, not binary"}
		case !utf8.Valid(data):
			s.ctl <- ctlEvent{kind: ctlReadErr, err: errBadUTF8}
			return
		default:
			item.data = data
		}
		select {
		case out <- item:
		case <-ctx.Done():
			return
		}
	}
}

// msgBudget is the session's message rate limit, used by the reader
// goroutine only (pings are read there too): a token bucket of
// MessageBurst tokens refilled at MessageRate a second, and the messages
// dropped in a row.
type msgBudget struct {
	started bool
	tokens  float64
	last    time.Time
	dropped int
	flooded bool // a ping flood has been reported
}

// takeMessage takes a token for a message or ping received at now, or
// counts it as dropped.
func (s *session) takeMessage(now time.Time) bool {
	b := &s.msgs
	burst := float64(s.cfg.MessageBurst)
	if !b.started {
		b.started, b.tokens, b.last = true, burst, now
	}
	b.tokens = min(burst, b.tokens+s.cfg.MessageRate*now.Sub(b.last).Seconds())
	b.last = now
	if b.tokens < 1 {
		b.dropped++
		return false
	}
	b.tokens--
	b.dropped = 0
	return true
}

// pingReceived counts a client's ping against the message budget
// (websocket.AcceptOptions.OnPingReceived, on the reader goroutine): over
// it, the ping goes unanswered, and a flood ends the session as a flood of
// messages does. It reports whether to answer with a pong.
func (s *session) pingReceived() bool {
	if s.takeMessage(time.Now()) {
		return true
	}
	s.m.rejected.WithLabelValues(rejectMessageRate).Inc()
	if s.msgs.dropped >= s.cfg.MessageBurst && !s.msgs.flooded {
		s.msgs.flooded = true
		select {
		case s.ctl <- ctlEvent{kind: ctlReadErr, err: errFlood}:
		default:
		}
	}
	return false
}

// ping sends a ping, on a short-lived goroutine of its own, and waits for
// its pong at most WriteTimeout.
func (s *session) ping(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	return s.conn.Ping(pctx)
}

// write sends one text message. The connection's write deadline
// (deadlineConn, refreshed before each write to at least WriteTimeout
// ahead) bounds it; a write past it fails with os.ErrDeadlineExceeded.
// The context is not used for the deadline: a cancellable one would make
// the websocket library start a timer for every message.
func (s *session) write(_ context.Context, b []byte) error {
	if err := s.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		return err
	}
	s.m.bytesSent.Add(float64(len(b)))
	return nil
}

// writeNew writes b, built in the pooled buffer bp, and gives bp back.
func (s *session) writeNew(ctx context.Context, bp *[]byte, b []byte) error {
	err := s.write(ctx, b)
	*bp = b
	putMsgBuf(bp)
	return err
}

// msgPool holds the buffers messages are encoded into. A buffer is held
// only while its message is written, so there are about as many as writes
// in progress; they start small (a frame of 2 runs at 60 steps/s is about
// 700 bytes) because a client that falls behind keeps its session's buffer
// for as long as its write blocks.
var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 1<<10); return &b }}

func getMsgBuf() *[]byte { return msgPool.Get().(*[]byte) }

func putMsgBuf(b *[]byte) {
	if cap(*b) > 256<<10 { // a rare giant (rate 0 with 8 runs) is not kept
		return
	}
	*b = (*b)[:0]
	msgPool.Put(b)
}

// writeError sends {"type":"error","error":…,"field":…} for err, a
// *sim.FieldError (any other error is reported without a field).
func (s *session) writeError(ctx context.Context, err error) error {
	field, msg := "", err.Error()
	var fe *sim.FieldError
	if errors.As(err, &fe) {
		field, msg = fe.Field, fe.Msg
	}
	bp := getMsgBuf()
	b := append((*bp)[:0], `{"type":"error","error":`...)
	b = appendString(b, msg)
	b = append(b, `,"field":`...)
	b = appendString(b, field)
	b = append(b, '}')
	return s.writeNew(ctx, bp, b)
}

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
	if m.BatchSize != nil {
		s.setCosts()
	}
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
	var opt, optY *sim.OptimizerConfig
	var sched *sim.SchedulerConfig
	if m.Optimizer != nil {
		o, err := scenario.MergeOptimizer(cur.Optimizer, m.Optimizer)
		if err != nil {
			return sim.Prefix(prefix+".optimizer", err)
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
			return sim.Prefix(prefix+".optimizer_y", err)
		}
		optY = &o
	}
	if m.Scheduler != nil {
		c, err := scenario.MergeScheduler(cur.Scheduler, m.Scheduler, r.Steps())
		if err != nil {
			return sim.Prefix(prefix+".scheduler", err)
		}
		sched = &c
	}
	if m.BatchSize != nil { // checked against the rows before anything changes
		if err := r.CheckBatchSize(*m.BatchSize); err != nil {
			return sim.Prefix(prefix, err)
		}
	}
	if err := r.Set(opt, optY, sched, m.Noise); err != nil {
		return sim.Prefix(prefix, err)
	}
	if m.BatchSize != nil {
		r.SetBatchSize(*m.BatchSize) // checked above
	}
	return nil
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
		s.last = time.Now() // before the ticker's start, so no tick comes early
		s.budget = 0
		s.ticker.Reset(s.frameInterval())
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
	limit := s.frameLimit()
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
	extra := max(min(s.pending, limit-n), 0)
	if cut := n + extra - s.affordable(n+extra, now); cut > 0 {
		// Over the IP's work budget: step messages wait, the rate's steps
		// are owed (the budget is capped at a frame's points above).
		back := min(cut, extra)
		extra -= back
		n -= cut - back
		s.budget += float64(cut - back)
	}
	s.pending -= extra
	n += extra
	if n > 0 {
		s.advance(n)
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	s.updateTicker()
	return nil
}

// affordable returns how many of n steps per running run the client IP's
// work budget pays for now, and takes them from it. Only steps dearer than a
// built-in surface's are charged (a custom formula, a data surface summing
// over rows or mini-batches): a frame on a built-in surface costs at most
// maxFramePoints units, and its sessions stay free of the shared limiter.
func (s *session) affordable(n int, now time.Time) int {
	if n <= 0 || s.work == nil || s.stepCost <= 1 {
		return n
	}
	per := 0
	for _, r := range s.runs {
		if r.run.Status() == sim.StatusRunning {
			per += r.cost
		}
	}
	if per == 0 {
		return n
	}
	got := s.work.take(s.ip, int64(n*per), now)
	steps := int(got / int64(per))
	if rest := got - int64(steps*per); rest > 0 {
		s.work.refund(s.ip, rest, now)
	}
	return steps
}

// advance takes n steps in every run that is still running.
func (s *session) advance(n int) {
	steps := 0
	hint := s.colsHint()
	for _, lr := range s.runs {
		r := lr.run
		for i := 0; i < n && r.Status() == sim.StatusRunning; i++ {
			r.Step()
			steps++
			if r.Status() != sim.StatusDiverged || r.LastShown() {
				cur := r.Current()
				lr.push(&cur, s.testLoss, s.batchLoss, hint)
				lr.formula = cur.Gauge.Formula // here, not in push: storing it through &cur would move cur to the heap
			}
		}
	}
	s.m.simSteps.Add(float64(steps))
}

// pointsPerFrame is the number of points a run takes per frame at the
// session's rate, rounded up, plus one for the jitter of the frame clock.
func (s *session) pointsPerFrame() int {
	if s.rate == 0 {
		return s.frameLimit()
	}
	return min(int(math.Ceil(s.rate/s.cfg.FrameRate))+1, s.frameLimit())
}

// maxFramePoints bounds the points of one frame of a session, all runs
// together: a frame's points are held twice while it is written (as
// columns, 48 or 56 bytes a point, and as JSON, about 130), so a client that
// stops reading holds at most about 200 KB of heap in its session. At 30
// frames a second that is 30,720 points a second, shared by the runs.
const maxFramePoints = 1024

// maxFrameWork bounds the work of one frame of a session in work units
// (cost.go; about 2 ms): on a dear formula a session streams fewer steps a
// second instead of taking a core.
const maxFrameWork = 20_000

// frameLimit is the points one run may add to a frame: MaxPointsPerFrame,
// and the session's maxFramePoints and maxFrameWork shared among its runs.
func (s *session) frameLimit() int {
	runs := max(len(s.runs), 1)
	return max(1, min(s.cfg.MaxPointsPerFrame, maxFramePoints/runs, maxFrameWork/(runs*max(s.stepCost, 1))))
}

// colsHint is the capacity a run's columns start with: a frame's points
// at the session's rate.
func (s *session) colsHint() int { return s.stride() * s.pointsPerFrame() }

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
