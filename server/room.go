package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// rooms is this replica's side of the classrooms: the rooms that have
// members here (or, with the memory back end, that exist at all), the back
// end every replica shares, and the lookup rate limit.
//
// A room is owned by the replica holding its teacher's socket: the
// teacher's session runs the simulation exactly as a solo session does and
// every message it sends that members must see (started, frame, done,
// set_ok, and the room's own state, question, reveal, ended) is published
// once: applied to the room's mirror (the state a late joiner catches up
// from), appended to the room's ring of recent messages, from which each
// local member's session goroutine writes the same bytes, and queued for
// the back end's log, from which the other replicas' rooms do the same. A
// message is encoded once per room, never per member.
type rooms struct {
	logger  *slog.Logger
	cfg     Config
	m       *roomMetrics
	be      roomBackend
	replica string
	lookups *ipLimiter

	mu         sync.Mutex
	local      map[string]*room
	closing    bool
	pokeCancel context.CancelFunc
	pokeDone   chan struct{}
}

func newRooms(logger *slog.Logger, cfg Config, m *roomMetrics, be roomBackend) *rooms {
	return &rooms{
		logger: logger, cfg: cfg, m: m, be: be, replica: randomID(9),
		lookups: newIPLimiter(cfg.RoomLookupsPerMinute),
		local:   map[string]*room{},
	}
}

// newEpoch names a new owner of a room; later owners' epochs sort after
// earlier ones (the clock in hex, fixed width, then random).
func newEpoch() string {
	return strconv.FormatInt(time.Now().UnixNano(), 16) + "-" + randomID(3)
}

// randomID returns n random bytes as base64url.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the local room of code, creating it (and, with a durable back
// end, replaying its log) when the back end has the room. errNoRoom when it
// does not.
func (rs *rooms) get(ctx context.Context, code string) (*room, error) {
	rs.mu.Lock()
	if rs.closing {
		rs.mu.Unlock()
		return nil, errShuttingDown
	}
	if r := rs.local[code]; r != nil && !r.isGone() {
		rs.mu.Unlock()
		return r, nil
	}
	rs.mu.Unlock()
	rec, err := rs.be.record(ctx, code)
	if err != nil {
		return nil, err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closing {
		return nil, errShuttingDown
	}
	if r := rs.local[code]; r != nil && !r.isGone() {
		return r, nil
	}
	r := newRoom(rs, code, rec)
	if rs.be.durable() {
		// Replay the log before anyone joins, so a first member gets the
		// room's state; then follow it.
		if err := r.syncLog(ctx); err != nil {
			rs.m.backendErrors.WithLabelValues("follow").Inc()
			return nil, err
		}
		r.startFollowing()
	}
	rs.local[code] = r
	rs.m.rooms.Set(float64(len(rs.local)))
	if rs.pokeCancel == nil {
		pctx, cancel := context.WithCancel(context.Background())
		rs.pokeCancel, rs.pokeDone = cancel, make(chan struct{})
		go func(done chan struct{}) {
			defer close(done)
			rs.be.pokes(pctx, rs.onPoke)
		}(rs.pokeDone)
	}
	r.start()
	return r, nil
}

// drop removes r from the registry (its loop has ended).
func (rs *rooms) drop(r *room) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.local[r.code] == r {
		delete(rs.local, r.code)
	}
	rs.m.rooms.Set(float64(len(rs.local)))
	if len(rs.local) == 0 && rs.pokeCancel != nil {
		rs.pokeCancel()
		rs.pokeCancel = nil
	}
}

// onPoke passes a poke of the back end to the local room.
func (rs *rooms) onPoke(code, what string) {
	rs.mu.Lock()
	r := rs.local[code]
	rs.mu.Unlock()
	if r != nil {
		r.poked(what)
	}
}

// shutdown ends every local room's loop (members' sockets are closed by the
// session hub) and closes the back end.
func (rs *rooms) shutdown(ctx context.Context) {
	rs.mu.Lock()
	rs.closing = true
	live := make([]*room, 0, len(rs.local))
	for _, r := range rs.local {
		live = append(live, r)
	}
	pokeDone := rs.pokeDone
	if rs.pokeCancel != nil {
		rs.pokeCancel()
		rs.pokeCancel = nil
	}
	rs.mu.Unlock()
	for _, r := range live {
		r.stop(ctx)
	}
	if pokeDone != nil {
		select {
		case <-pokeDone:
		case <-ctx.Done():
		}
	}
	rs.be.close()
}

// maxRingBytes bounds the bytes a room's ring holds.
const maxRingBytes = 8 << 20

// teacherUpdateEvery spaces the teacher's presence and tally updates.
const teacherUpdateEvery = 100 * time.Millisecond

var (
	errShuttingDown = errors.New("the server is shutting down")
	errRoomEnded    = errors.New("the room ended")
)

// ringEntry is one message of a room's ring: the bytes every member gets
// and when the owner published it (Unix nanoseconds).
type ringEntry struct {
	b  []byte
	at int64
}

// room is one room on this replica. Its mutex guards everything but the
// channels.
type room struct {
	rs   *rooms
	code string
	rec  roomRecord

	mu     sync.Mutex
	ring   []ringEntry // ring[seq % len]: the messages oldest … head-1
	head   uint64      // sequence number of the next message
	oldest uint64      // the oldest message still in the ring
	bytes  int         // of the messages oldest … head-1
	mir    mirror
	cache  struct {
		pre    [][]byte
		reveal []byte
		at     uint64
		ok     bool
	}
	students map[*member]struct{}
	teacher  *member
	gone     bool

	// owner side (teacher != nil)
	epoch      string
	seq        uint64
	queue      []logEntry
	needReset  bool
	sinceReset int
	tally      []byte // the last tally sent to the teacher
	presenceN  int    // the last presence sent to the teacher
	teacherOff time.Time

	// follower side (durable back end, no local teacher)
	fEpoch     string
	fSeq       uint64
	fSynced    bool
	fLastID    string
	degraded   bool
	followStop context.CancelFunc
	followDone chan struct{}

	// the loop
	kick          chan struct{}
	dirtyVotes    bool
	dirtyPresence bool
	localDirty    bool
	loopStop      context.CancelFunc
	loopDone      chan struct{}
}

func newRoom(rs *rooms, code string, rec roomRecord) *room {
	return &room{
		rs: rs, code: code, rec: rec,
		ring:       make([]ringEntry, rs.cfg.RoomBacklog),
		students:   map[*member]struct{}{},
		kick:       make(chan struct{}, 1),
		teacherOff: time.Now(),
	}
}

func (r *room) isGone() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gone
}

// wake wakes the room's loop.
func (r *room) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// appendRingLocked adds a message to the ring and wakes every student.
func (r *room) appendRingLocked(b []byte, at int64) {
	n := uint64(len(r.ring))
	if r.head-r.oldest == n { // full: the oldest goes
		r.bytes -= len(r.ring[r.oldest%n].b)
		r.oldest++
	}
	r.ring[r.head%n] = ringEntry{b: b, at: at}
	r.head++
	r.bytes += len(b)
	// A few giant frames (rate 0, 8 runs) may not hold much memory either:
	// members behind them get the catch-up instead.
	for r.bytes > maxRingBytes && r.head-r.oldest > 1 {
		e := &r.ring[r.oldest%n]
		r.bytes -= len(e.b)
		*e = ringEntry{}
		r.oldest++
	}
	for mb := range r.students {
		mb.signal()
	}
}

// resyncLocked makes every local student take the catch-up again (after
// the mirror was rebuilt from a reset).
func (r *room) resyncLocked() {
	r.head++
	r.oldest = r.head
	clear(r.ring)
	r.bytes = 0
	r.cache.ok = false
	for mb := range r.students {
		mb.signal()
	}
}

// publish is how the owner (the teacher's session, through its member mb)
// sends a message to every member: the mirror, the ring, the back end's
// log. A message from a teacher that is no longer the room's (replaced) is
// dropped. b is copied.
func (r *room) publish(mb *member, b []byte) {
	c := append([]byte(nil), b...)
	now := time.Now().UnixNano()
	r.mu.Lock()
	if r.teacher != mb || r.gone {
		r.mu.Unlock()
		return
	}
	r.mir.apply(c)
	r.cache.ok = false
	r.appendRingLocked(c, now)
	if r.rs.be.durable() {
		r.seq++
		r.sinceReset++
		switch {
		case r.needReset:
		case len(r.queue) >= 4096 || r.sinceReset >= 1024:
			r.queue, r.needReset = nil, true // a reset replaces what is queued
		default:
			r.queue = append(r.queue, logEntry{Epoch: r.epoch, Seq: r.seq, Kind: entryMsg, At: now, Data: c})
		}
	}
	r.mu.Unlock()
	r.wake()
}

// publishLocal sends a message to this replica's members only (the back
// end's state as this replica sees it).
func (r *room) publishLocal(b []byte) {
	r.mu.Lock()
	r.appendRingLocked(b, time.Now().UnixNano())
	r.mu.Unlock()
}

// catchUpLocked returns the catch-up messages (cached per ring position).
func (r *room) catchUpLocked() ([][]byte, []byte) {
	if !r.cache.ok || r.cache.at != r.head {
		r.cache.pre, r.cache.reveal = r.mir.catchUp()
		r.cache.at, r.cache.ok = r.head, true
	}
	return r.cache.pre, r.cache.reveal
}

// applyEntry applies one entry of the back end's log (a follower).
func (r *room) applyEntry(e logEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fLastID = e.ID
	if r.teacher != nil || r.gone {
		return
	}
	switch {
	case e.Epoch < r.fEpoch:
		// a replaced owner's last words: the room has a newer owner
	case e.Kind == entryReset:
		if r.fSynced && e.Epoch == r.fEpoch && e.Seq <= r.fSeq {
			return // nothing was missed
		}
		r.mir.loadReset(e.Data)
		r.fEpoch, r.fSeq, r.fSynced = e.Epoch, e.Seq, true
		r.resyncLocked()
	case !r.fSynced || e.Epoch != r.fEpoch:
		r.fSynced = false // wait for the owner's next reset
	case e.Seq <= r.fSeq:
		// already applied
	case e.Seq != r.fSeq+1:
		r.fSynced = false
		r.rs.m.gaps.Inc()
	default:
		r.fSeq = e.Seq
		r.mir.apply(e.Data)
		r.cache.ok = false
		r.appendRingLocked(e.Data, e.At)
	}
}

// syncLog reads the back end's log to its end.
func (r *room) syncLog(ctx context.Context) error {
	for {
		r.mu.Lock()
		after := r.fLastID
		r.mu.Unlock()
		id, err := r.rs.be.follow(ctx, r.code, after, 0, r.applyEntry)
		if err != nil {
			return err
		}
		if id == after {
			return nil
		}
	}
}

// startFollowing starts the goroutine that follows the back end's log.
func (r *room) startFollowing() {
	ctx, cancel := context.WithCancel(context.Background())
	r.followStop, r.followDone = cancel, make(chan struct{})
	go r.follow(ctx, r.followDone)
}

// stopFollowing stops the follower and waits for it.
func (r *room) stopFollowing() {
	r.mu.Lock()
	stop, done := r.followStop, r.followDone
	r.followStop, r.followDone = nil, nil
	r.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// follow reads the log as it grows until ctx ends. When the back end fails
// the local members are told (room_status degraded) and it retries; when it
// answers again they are told it is back, and the owner's next reset heals
// what was missed.
func (r *room) follow(ctx context.Context, done chan struct{}) {
	defer close(done)
	backoff := 200 * time.Millisecond
	for ctx.Err() == nil {
		r.mu.Lock()
		after := r.fLastID
		r.mu.Unlock()
		_, err := r.rs.be.follow(ctx, r.code, after, 2*time.Second, r.applyEntry)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.rs.m.backendErrors.WithLabelValues("follow").Inc()
			r.setDegraded(err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 200 * time.Millisecond
		r.setDegraded(nil)
		r.mu.Lock()
		ended := r.mir.ended != ""
		r.mu.Unlock()
		if ended {
			return
		}
	}
}

// setDegraded tells local members when the back end goes away or comes back.
func (r *room) setDegraded(err error) {
	r.mu.Lock()
	was := r.degraded
	r.degraded = err != nil
	r.mu.Unlock()
	switch {
	case err != nil && !was:
		r.rs.logger.Warn("room back end unreachable", "room", r.code, "err", err)
		b := append([]byte(`{"type":"room_status","status":"degraded","error":`), appendString(nil, "the class server cannot reach the shared room store; the teacher's room goes on, and this page catches up when it is back")...)
		r.publishLocal(append(b, '}'))
	case err == nil && was:
		r.rs.logger.Info("room back end reachable again", "room", r.code)
		r.publishLocal([]byte(`{"type":"room_status","status":"ok"}`))
	}
}

// poked marks what a poke says changed and wakes the loop.
func (r *room) poked(what string) {
	r.mu.Lock()
	switch {
	case what == pokeVotes:
		r.dirtyVotes = true
	case what == pokePresence:
		r.dirtyPresence = true
	case len(what) > 2 && what[:2] == pokeTakeover+":":
		if t := r.teacher; t != nil && what[2:] > r.epoch {
			// another replica's teacher took the room over: stop writing
			// to the log at once (the new owner's reset has the room)
			r.epoch, r.queue, r.needReset = "", nil, false
			r.mu.Unlock()
			t.end("replaced")
			return
		}
	}
	r.mu.Unlock()
	r.wake()
}
