package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"lrlab/sim"
)

// session is one websocket client. Two goroutines serve it:
//
//   - the owner (serve, on a goroutine of its own) holds all the
//     simulation state, without a mutex, has the client's messages decoded
//     and is the only one that writes messages; it selects on three
//     channels: the frame clock, the inbound messages and the rare events
//     (shutdown, the reader's end, a ping's outcome, the housekeeping
//     timer's: the idle timeout and the next ping);
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
	// a flood of the client's pings, the housekeeping timer. Each is sent at
	// most once at a time, so its capacity never blocks.
	ctl      chan ctlEvent
	awayOnce sync.Once

	// Owned by the owner goroutine.
	steps      int // steps per run of the running scenario
	runs       []*liveRun
	testLoss   bool
	batchLoss  bool        // a data surface: frames carry batch_loss (the last column)
	binary     bool        // the socket asked for binary frames (/ws?frames=binary: binframe.go)
	rate       float64     // steps per second per run; 0 = as fast as allowed
	paused     bool        // the rate does not advance the runs
	pending    int         // steps asked for by step messages, still to take
	budget     float64     // steps owed by the rate, fractional
	last       time.Time   // when the budget was last brought up to date
	ticking    bool        // on the frame clock
	clock      *frameClock // the server's frame clock (frameclock.go), shared by its sessions
	beat       clockTick   // the session's place on it: beat.C gives each frame's due time
	lastActive time.Time   // the last message or frame tick, for the idle timeout
	memo       floatMemo   // the frame encoder's copies of repeated values (frame.go)
	buf        []byte      // sweep messages (sweepws.go); dropped when large
	sweep      sweeper     // the LR sweep running beside the scenario (sweepws.go)

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

// ctlEvent is one of the rare events of a session.
type ctlEvent struct {
	kind int // ctlAway, ctlReadErr, ctlPing, ctlHouse
	err  error
}

const (
	ctlAway    = iota // the server is stopping
	ctlReadErr        // the reader stopped with err
	ctlPing           // a ping returned err (nil: its pong came)
	ctlHouse          // the housekeeping timer fired: the idle timeout, the next ping
)

// inbound is what the reader forwards: a raw message for the owner to
// decode, or the error the reader found (over the message rate, binary).
type inbound struct {
	data []byte
	err  error
}

func newSession(logger *slog.Logger, cfg Config, m *metrics, conn *websocket.Conn) *session {
	return &session{logger: logger, cfg: cfg, m: m, conn: conn, ctl: make(chan ctlEvent, 5), rate: defaultRate,
		beat: newClockTick()}
}

// goAway tells the session to close with 1001; it does not wait.
func (s *session) goAway() { s.awayOnce.Do(func() { s.ctl <- ctlEvent{kind: ctlAway} }) }

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
		if s.ticking {
			s.clock.stop(&s.beat)
		}
		s.conn.CloseNow()
		wg.Wait()
	}()

	in := make(chan inbound, 16)
	wg.Add(1)
	go func() { defer wg.Done(); s.read(ctx, in) }()

	now := time.Now()
	s.lastActive = now
	nextPing, pinging := now.Add(s.cfg.PingInterval), false
	// house fires at the earlier of the idle deadline and the next ping;
	// activity only moves lastActive, and the timer is re-armed when its
	// event is handled, so frames and messages cost no timer operation. It
	// sends on ctl rather than on a channel of its own: every channel in the
	// select is locked and queued on each time the owner waits and wakes,
	// once per frame.
	house := time.AfterFunc(s.houseDelay(now, nextPing), func() { s.ctl <- ctlEvent{kind: ctlHouse} })
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
			case ctlHouse:
				now := time.Now()
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
			}
		case m := <-in:
			s.lastActive = time.Now()
			err = onHelper(func() error { return s.handle(ctx, m) })
			s.trimBuf()
		case now := <-s.beat.C:
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

// write sends one text message (writeBinary: a binary one). The
// connection's write deadline (deadlineConn, refreshed before each write to
// at least WriteTimeout ahead) bounds it; a write past it fails with os.ErrDeadlineExceeded.
// The context is not used for the deadline: a cancellable one would make
// the websocket library start a timer for every message.
func (s *session) write(_ context.Context, b []byte) error {
	return s.writeMsg(websocket.MessageText, b)
}

func (s *session) writeBinary(b []byte) error {
	return s.writeMsg(websocket.MessageBinary, b)
}

func (s *session) writeMsg(typ websocket.MessageType, b []byte) error {
	if err := s.conn.Write(context.Background(), typ, b); err != nil {
		return err
	}
	s.m.bytesSent.Add(float64(len(b)))
	return nil
}

// writeNew writes b, built in the pooled buffer bp, and gives bp back.
func (s *session) writeNew(ctx context.Context, bp *[]byte, b []byte) error {
	err := s.write(ctx, b)
	putMsgBuf(keep(bp, b))
	return err
}

// keep makes the pooled buffer bp the buffer b was built in (append may
// have grown it), for putMsgBuf.
func keep(bp *[]byte, b []byte) *[]byte {
	*bp = b
	return bp
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
