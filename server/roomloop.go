package server

// This file holds a room's lifecycle after it is created: its loop (the
// housekeeping rounds: the back end's log, presence, the record's expiry,
// the teacher's presence and tally updates) and how it ends.

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// start starts the room's loop.
func (r *room) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.loopStop, r.loopDone = cancel, make(chan struct{})
	go r.loop(ctx)
}

// stop ends the loop (and the follower) and waits for them.
func (r *room) stop(ctx context.Context) {
	r.stopFollowing()
	r.loopStop()
	select {
	case <-r.loopDone:
	case <-ctx.Done():
	}
}

// loop does the room's housekeeping on one goroutine: it writes the owner's
// queued messages to the back end (a reset after a failure), tells the back
// end how many students are here, gives the teacher the presence and the
// tally, keeps the record alive while the teacher is connected, ends the
// room when the record expired, and drops the local room when nobody here
// needs it.
func (r *room) loop(ctx context.Context) {
	defer close(r.loopDone)
	defer r.rs.drop(r)
	// whatever ends the loop, what the owner published last goes out
	defer r.flushLog(context.Background(), true)
	house := time.NewTicker(r.rs.cfg.roomHouseInterval())
	defer house.Stop()
	// soon wakes the loop for updates held back to coalesce them.
	soon := time.NewTimer(time.Hour)
	defer soon.Stop()
	k := &housekeeper{r: r, soon: soon, presencePushed: -1}
	for {
		housekeeping := false
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		case <-soon.C:
		case <-house.C:
			housekeeping = true
		}
		if k.round(ctx, time.Now(), housekeeping) {
			return
		}
	}
}

// housekeeper is the state of a room's loop between its rounds.
type housekeeper struct {
	r    *room
	soon *time.Timer // wakes the loop for updates held back to coalesce them

	lastTouch, lastPresence, lastCheck, lastUpdate, emptySince time.Time

	presencePushed int       // the student count the back end has; −1 unknown
	retry          time.Time // no write to the back end before this
	failed         bool      // the last write to the back end failed
	missing        int       // housekeeping checks in a row that found no record
}

// roomState is what a round of the loop reads from the room under its lock.
type roomState struct {
	owner          bool // the teacher is connected here
	students       int
	local          bool // a local member came or went
	dirtyP, dirtyV bool // presence, tally updates for the teacher due now
	ended, empty   bool
}

// round does one round of housekeeping at now; true when the loop ends
// (the room ended, expired or is gone).
func (k *housekeeper) round(ctx context.Context, now time.Time, housekeeping bool) bool {
	r := k.r
	st := k.read(now)
	k.flush(ctx, now)
	if st.owner {
		k.touch(ctx, now)
	}
	k.pushPresence(ctx, now, st)
	if st.owner && (st.dirtyP || st.dirtyV) {
		k.lastUpdate = now
		r.teacherUpdates(ctx, st.dirtyV)
	}
	if st.ended {
		r.finish()
		return true
	}
	if !st.owner && (housekeeping || now.Sub(k.lastCheck) >= r.rs.cfg.roomHouseInterval()) && k.expired(ctx, now) {
		r.expire()
		return true
	}
	return k.leaveIfEmpty(now, st.empty)
}

// read takes the room's state for a round, holding back the teacher's
// presence and tally updates to at most 10 a second.
func (k *housekeeper) read(now time.Time) roomState {
	r := k.r
	r.mu.Lock()
	defer r.mu.Unlock()
	st := roomState{owner: r.teacher != nil, students: len(r.students), local: r.localDirty}
	r.localDirty = false
	st.dirtyP, st.dirtyV = r.dirtyPresence, r.dirtyVotes
	if (st.dirtyP || st.dirtyV) && now.Sub(k.lastUpdate) < teacherUpdateEvery {
		// at most 10 presence and tally updates a second
		k.soon.Reset(teacherUpdateEvery - now.Sub(k.lastUpdate))
		st.dirtyP, st.dirtyV = false, false
	} else {
		r.dirtyPresence, r.dirtyVotes = false, false
	}
	st.ended = r.mir.ended != ""
	st.empty = st.students == 0 && !st.owner
	return st
}

// flush writes the owner's queued messages, at most once a second after a
// failure.
func (k *housekeeper) flush(ctx context.Context, now time.Time) {
	if !now.After(k.retry) {
		return
	}
	if err := k.r.flushLog(ctx, false); err != nil {
		k.retry = now.Add(time.Second)
		k.failed = true
	} else if k.failed {
		// the back end is back, perhaps without our keys (Redis
		// restarted): the record goes again at once
		k.failed, k.lastTouch = false, time.Time{}
	}
}

// touch keeps the owner's record alive, once an interval.
func (k *housekeeper) touch(ctx context.Context, now time.Time) {
	r := k.r
	if now.Sub(k.lastTouch) < r.rs.cfg.roomHouseInterval() {
		return
	}
	if err := r.rs.be.touch(ctx, r.code, r.rec, r.rs.cfg.RoomExpiry); err != nil {
		r.rs.m.backendErrors.WithLabelValues("touch").Inc()
		return
	}
	k.lastTouch = now
	// after Redis lost its data, the presence goes again too
	k.presencePushed = -1
}

// pushPresence tells the back end how many students are here when that
// changed, and before the count goes stale.
func (k *housekeeper) pushPresence(ctx context.Context, now time.Time, st roomState) {
	r := k.r
	if !st.local && st.students == k.presencePushed && (st.students == 0 || now.Sub(k.lastPresence) < presenceStale/3) {
		return
	}
	k.lastPresence = now
	if err := r.rs.be.setPresence(ctx, r.code, r.rs.replica, st.students); err != nil {
		r.rs.m.backendErrors.WithLabelValues("presence").Inc()
		return
	}
	k.presencePushed = st.students
	if err := r.rs.be.poke(ctx, r.code, pokePresence); err != nil {
		r.rs.m.backendErrors.WithLabelValues("poke").Inc()
	}
}

// expired checks that the room's record still exists (for a room whose
// teacher is elsewhere): true when it has gone. Two checks in a row, an
// interval apart, so an owner that is restoring the record after a Redis
// restart is not taken for an expired room.
func (k *housekeeper) expired(ctx context.Context, now time.Time) bool {
	k.lastCheck = now
	be := k.r.rs.be
	if _, err := be.record(ctx, k.r.code); errors.Is(err, errNoRoom) {
		k.missing++
		return k.missing >= 2 || !be.durable()
	} else if err == nil {
		k.missing = 0
	}
	return false
}

// leaveIfEmpty drops a room nobody here needs after an interval empty (not
// at once: its first member may be on the way in); true when it is gone.
func (k *housekeeper) leaveIfEmpty(now time.Time, empty bool) bool {
	r := k.r
	if !empty {
		k.emptySince = time.Time{}
		return false
	}
	if k.emptySince.IsZero() {
		k.emptySince = now
	}
	if !r.rs.be.durable() || now.Sub(k.emptySince) < r.rs.cfg.roomHouseInterval() {
		return false
	}
	r.mu.Lock()
	if len(r.students) == 0 && r.teacher == nil {
		r.gone = true
	}
	gone := r.gone
	r.mu.Unlock()
	if gone {
		r.stopFollowing()
		r.rs.be.setPresence(context.Background(), r.code, r.rs.replica, 0)
	}
	return gone
}

// flushLog writes the owner's queued messages (or a reset) to the back end.
func (r *room) flushLog(ctx context.Context, final bool) error {
	if !r.rs.be.durable() {
		return nil
	}
	r.mu.Lock()
	if r.epoch == "" {
		r.mu.Unlock()
		return nil
	}
	entries := r.queue
	r.queue = nil
	if r.needReset {
		entries = []logEntry{{Epoch: r.epoch, Seq: r.seq, Kind: entryReset, At: time.Now().UnixNano(), Data: r.mir.resetData()}}
		r.needReset, r.sinceReset = false, 0
	}
	r.mu.Unlock()
	if len(entries) == 0 {
		return nil
	}
	if final {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Second)
		defer cancel()
	}
	if err := r.rs.be.appendLog(ctx, r.code, entries); err != nil {
		r.rs.m.backendErrors.WithLabelValues("append").Inc()
		r.mu.Lock()
		r.queue, r.needReset = nil, true
		r.mu.Unlock()
		return err
	}
	return nil
}

// teacherUpdates sends the teacher the presence and the tally when they
// changed.
func (r *room) teacherUpdates(ctx context.Context, votes bool) {
	be := r.rs.be
	n, err := be.presence(ctx, r.code)
	if err != nil {
		r.rs.m.backendErrors.WithLabelValues("presence").Inc()
	}
	r.mu.Lock()
	t := r.teacher
	if err == nil && t != nil && n != r.presenceN {
		r.presenceN = n
		t.private = append(t.private, strconv.AppendInt([]byte(`{"type":"presence","members":`), int64(n), 10))
		t.private[len(t.private)-1] = append(t.private[len(t.private)-1], '}')
		t.signal()
	}
	q := r.mir.question
	r.mu.Unlock()
	if t == nil || q == nil || !votes {
		return
	}
	b, err := r.tallyMsg(ctx, q)
	if err != nil {
		r.rs.m.backendErrors.WithLabelValues("votes").Inc()
		return
	}
	r.mu.Lock()
	if r.teacher == t && string(b) != string(r.tally) {
		r.tally = b
		t.private = append(t.private, b)
		t.signal()
	}
	r.mu.Unlock()
}

// counts returns the votes of q per choice and the number of voters.
func (r *room) counts(ctx context.Context, q *question) ([]int, int, error) {
	votes, err := r.rs.be.votes(ctx, r.code, q.ID)
	if err != nil {
		return nil, 0, err
	}
	counts := make([]int, len(q.Choices))
	n := 0
	for _, c := range votes {
		if c >= 0 && c < len(counts) {
			counts[c]++
			n++
		}
	}
	return counts, n, nil
}

// tallyMsg builds the tally message of q.
func (r *room) tallyMsg(ctx context.Context, q *question) ([]byte, error) {
	counts, n, err := r.counts(ctx, q)
	if err != nil {
		return nil, err
	}
	b := append([]byte(`{"type":"tally","question":`), appendString(nil, q.ID)...)
	b = appendCounts(b, counts, n)
	return append(b, '}'), nil
}

// appendCounts appends ,"counts":[…],"voters":n.
func appendCounts(b []byte, counts []int, n int) []byte {
	b = append(b, `,"counts":[`...)
	for i, c := range counts {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(c), 10)
	}
	b = append(b, `],"voters":`...)
	return strconv.AppendInt(b, int64(n), 10)
}

// finish closes the local room after it ended (the members' sessions write
// the ended message and close themselves).
func (r *room) finish() {
	r.stopFollowingAsync()
	r.mu.Lock()
	r.gone = true
	r.mu.Unlock()
}

// stopFollowingAsync stops the follower without waiting (the loop may be
// called from it).
func (r *room) stopFollowingAsync() {
	r.mu.Lock()
	if r.followStop != nil {
		r.followStop()
	}
	r.mu.Unlock()
}

// expire ends the room for the local members: its record is gone (it
// expired, or another replica's teacher ended it and this replica missed
// the message).
func (r *room) expire() {
	r.mu.Lock()
	if r.mir.ended == "" {
		r.mir.ended = "expired"
		b := []byte(`{"type":"ended","reason":"expired"}`)
		r.appendRingLocked(b, time.Now().UnixNano())
	}
	t := r.teacher
	r.mu.Unlock()
	if t != nil {
		t.end("expired")
	}
	r.finish()
	r.rs.m.expired.Inc()
}
