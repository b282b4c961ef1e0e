package server

// This file holds how a session joins a room: the join message, a
// student's entry, a teacher's take-over and the replay that resumes the
// room's simulation on the new owner.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"lrlab/scenario"
	"lrlab/sim"

	"github.com/coder/websocket"
)

// join makes the session a member of a room (docs/API.md, "Websocket:
// joining"). A refused join is answered with an error and the socket is
// closed with 1008.
func (s *session) join(ctx context.Context, data []byte) error {
	rs := s.rooms
	refuse := func(err error) error {
		if werr := s.writeError(ctx, err); werr != nil {
			return werr
		}
		s.conn.Close(websocket.StatusPolicyViolation, "join refused")
		return errRoomEnded
	}
	if rs == nil {
		return refuse(&sim.FieldError{Field: "type", Msg: "rooms are not available on this server"})
	}
	obj, err := readStrict(data, msgJoin, "room", "role", "token", "member")
	if err != nil {
		return refuse(err)
	}
	if !rs.lookups.allow(s.ip) {
		rs.m.rejected.Inc()
		return refuse(&sim.FieldError{Field: "room", Msg: "too many room lookups from your address; wait a minute"})
	}
	req, err := readJoin(obj)
	if err != nil {
		return refuse(err)
	}
	r, err := rs.find(ctx, req.code)
	if err != nil {
		return refuse(err)
	}
	mb := &member{r: r, s: s, role: req.role, id: req.id, feed: make(chan struct{}, 1)}
	if req.role == roleTeacher {
		sum := sha256.Sum256([]byte(req.token))
		if !req.hasToken || subtle.ConstantTimeCompare(sum[:], r.rec.TokenHash) != 1 {
			return refuse(&sim.FieldError{Field: "token", Msg: "wrong or missing teacher token"})
		}
		return s.takeOver(ctx, mb)
	}
	local, teacher, err := r.addStudent(mb)
	if err != nil {
		return refuse(err)
	}
	rs.m.members.WithLabelValues(roleStudent).Inc()
	s.room, s.feed = mb, mb.feed
	r.wake()
	n, err := rs.be.presence(ctx, req.code)
	if err != nil || n < local {
		n = local
	}
	if err := s.write(ctx, joinedMsg(req.code, req.role, req.id, n, teacher)); err != nil {
		return err
	}
	return mb.drain(ctx)
}

// joinReq is a join message read: the room's code (normalised), the role,
// the teacher's token and the member id (one made up when none came).
type joinReq struct {
	code, role, token, id string
	hasToken              bool
}

// readJoin reads the keys of a join message; errors name the key.
func readJoin(obj map[string]json.RawMessage) (joinReq, error) {
	var req joinReq
	rawCode, _, err := readString(obj, "room")
	if err != nil {
		return req, err
	}
	role, ok, err := readString(obj, "role")
	if err != nil || !ok || (role != roleTeacher && role != roleStudent) {
		return req, &sim.FieldError{Field: "role", Msg: "required: \"student\" or \"teacher\""}
	}
	token, hasToken, err := readString(obj, "token")
	if err != nil {
		return req, err
	}
	if role == roleStudent && hasToken {
		return req, &sim.FieldError{Field: "token", Msg: "a student joins without a token"}
	}
	id, hasID, err := readString(obj, "member")
	if err != nil {
		return req, err
	}
	if hasID && !memberPattern.MatchString(id) {
		return req, &sim.FieldError{Field: "member", Msg: "must be 8 … 64 characters of A-Z a-z 0-9 _ -"}
	}
	if !hasID {
		id = "m-" + randomID(9)
	}
	code := normCode(rawCode)
	if code == "" {
		return req, errNoSuchRoom
	}
	return joinReq{code: code, role: role, token: token, id: id, hasToken: hasToken}, nil
}

// find returns the room with the code for a join: errNoSuchRoom when there
// is none, a FieldError on "room" when the back end cannot be reached.
func (rs *rooms) find(ctx context.Context, code string) (*room, error) {
	r, err := rs.get(ctx, code)
	if err == nil && r.isGone() { // it was being dropped as we came: once more
		r, err = rs.get(ctx, code)
	}
	switch {
	case errors.Is(err, errNoRoom):
		return nil, errNoSuchRoom
	case err != nil:
		rs.m.backendErrors.WithLabelValues("join").Inc()
		return nil, &sim.FieldError{Field: "room", Msg: "rooms cannot be reached right now; try again in a moment"}
	}
	return r, nil
}

// addStudent adds student mb to the room unless it ended or is full, and
// returns the number of students here and whether a teacher is connected.
func (r *room) addStudent(mb *member) (local int, teacher bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gone || r.mir.ended != "" {
		return 0, false, errNoSuchRoom
	}
	if limit := r.rs.cfg.RoomMaxMembers; len(r.students) >= limit {
		return 0, false, &sim.FieldError{Field: "room", Msg: fmt.Sprintf("the room is full (%d students)", limit)}
	}
	r.students[mb] = struct{}{}
	r.localDirty = true
	return len(r.students), r.teacher != nil || r.mir.teacherOn, nil
}

func joinedMsg(code, role, id string, members int, teacher bool) []byte {
	b := append([]byte(`{"type":"joined","room":`), appendString(nil, code)...)
	b = append(b, `,"role":`...)
	b = appendString(b, role)
	b = append(b, `,"member":`...)
	b = appendString(b, id)
	b = append(b, `,"members":`...)
	b = strconv.AppendInt(b, int64(members), 10)
	b = append(b, `,"teacher":`...)
	b = strconv.AppendBool(b, teacher)
	return append(b, '}')
}

// takeOver makes the session the room's teacher and this replica its
// owner: the simulation is rebuilt from the room's trajectory (replaying
// the scenario and the teacher's set messages, which gives the same points:
// the runs are deterministic) and resumes paused where the room was.
func (s *session) takeOver(ctx context.Context, mb *member) error {
	r := mb.r
	be := r.rs.be
	if be.durable() {
		r.stopFollowing()
		if err := r.syncLog(ctx); err != nil {
			r.startFollowingIfNone()
			r.rs.m.backendErrors.WithLabelValues("join").Inc()
			return s.writeError(ctx, &sim.FieldError{Field: "room", Msg: "rooms cannot be reached right now; try again in a moment"})
		}
	}
	r.mu.Lock()
	if r.gone || r.mir.ended != "" {
		r.mu.Unlock()
		s.writeError(ctx, errNoSuchRoom)
		s.conn.Close(websocket.StatusPolicyViolation, "join refused")
		return errRoomEnded
	}
	// Taking the room over replays its runs: charged to the joining
	// teacher's address as the streaming of those steps was, so that joins
	// cannot recompute a dear scenario over and over for free.
	if work := replayWork(&r.mir, s.cfg.limits()); s.work != nil && work > 0 {
		if ok, retry := s.work.charge(s.ip, work, time.Now()); !ok {
			r.mu.Unlock()
			s.m.rejected.WithLabelValues(rejectWorkBudget).Inc()
			s.writeError(ctx, &sim.FieldError{Field: "room", Msg: fmt.Sprintf(
				"too much computation from your address: taking the room over replays its steps (%d work units), and at most %.0f work units a minute are allowed; try again in %.0f s",
				work, s.work.perMinute, max(retry.Seconds(), 1))})
			s.conn.Close(websocket.StatusPolicyViolation, "join refused")
			return errRoomEnded
		}
	}
	old := r.teacher
	r.teacher = mb
	r.epoch = newEpoch()
	r.seq, r.queue, r.needReset, r.sinceReset = 0, nil, true, 0
	r.tally, r.presenceN = nil, -1
	r.localDirty, r.dirtyVotes = true, true
	resumeErr := s.resume(&r.mir)
	pre, reveal := r.catchUpLocked()
	epoch := r.epoch
	n := len(r.students)
	r.mu.Unlock()
	if old != nil {
		old.end("replaced")
	}
	r.rs.m.members.WithLabelValues(roleTeacher).Inc()
	if resumeErr != nil {
		r.rs.logger.Error("room take-over: the replay differs from the room's trajectory", "room", r.code, "err", resumeErr)
	}
	s.room, s.feed = mb, mb.feed
	r.wake()
	if err := be.poke(ctx, r.code, pokeTakeover+":"+epoch); err != nil {
		r.rs.m.backendErrors.WithLabelValues("poke").Inc()
	}
	if err := s.write(ctx, joinedMsg(r.code, roleTeacher, mb.id, n, true)); err != nil {
		return err
	}
	for _, b := range pre {
		if err := s.write(ctx, b); err != nil {
			return err
		}
	}
	if reveal != nil {
		if err := s.write(ctx, reveal); err != nil {
			return err
		}
	}
	r.publish(mb, []byte(`{"type":"teacher","present":true}`))
	if s.runs != nil {
		if err := s.publishState(ctx); err != nil {
			return err
		}
	}
	s.updateTicker()
	return nil
}

// replayWork is the work of replaying the mirror's runs (resume), in work
// units, or 0 when its steps cost no more than a built-in surface's: each
// run's points so far times its dearest step (its batch sizes, the
// scenario's and those of the recorded sets).
func replayWork(mir *mirror, lim scenario.Limits) int64 {
	if mir.scenario == nil {
		return 0
	}
	sc, err := scenario.Decode(mir.scenario, lim)
	if err != nil {
		return 0
	}
	surf, err := sim.NewSurface(sc.Surface)
	if err != nil {
		return 0
	}
	var sets []setRecord // the sets that change a batch size
	for _, sr := range setRecords(mir) {
		if b, ok := sr.m.Live.Value("batch_size").(*int); ok && *b > 0 {
			sets = append(sets, sr)
		}
	}
	var work int64
	dear := false
	for i, rc := range sc.Runs {
		if i >= len(mir.runs) {
			break
		}
		cost := stepCostBatch(surf, rc.BatchSize)
		for _, sr := range sets {
			if sr.m.Run == i {
				cost = max(cost, stepCostBatch(surf, *sr.m.Live.Value("batch_size").(*int)))
			}
		}
		dear = dear || cost > 1
		work += int64(max(len(mir.runs[i].x)-1, 0)) * int64(cost)
	}
	if !dear {
		return 0
	}
	return work
}

// resume rebuilds the session's runs from the mirror: the scenario, then
// each run stepped to the room's point count with the teacher's set
// messages applied at the steps they took effect. The room resumes paused.
func (s *session) resume(mir *mirror) error {
	s.runs, s.pending, s.budget = nil, 0, 0
	s.rate, s.paused = mir.rate, true
	if mir.scenario == nil {
		return nil
	}
	sc, err := scenario.Decode(mir.scenario, s.cfg.limits())
	if err != nil {
		return err
	}
	surf, runs, err := sc.Build()
	if err != nil {
		return err
	}
	sets := setRecords(mir)
	// what session.start sets from the scenario, so the frames, the frame
	// limit and the work budget are a solo session's
	s.steps, s.testLoss, s.surf = sc.Steps, sc.TestShift != nil, surf
	s.batchLoss = sim.IsDataSurface(sc.Surface.Name)
	var mismatch error
	for i, run := range runs {
		lr := &liveRun{run: run, sent: 1}
		s.runs = append(s.runs, lr)
		if i >= len(mir.runs) {
			continue
		}
		mr := &mir.runs[i]
		next := 0
		apply := func() {
			for ; next < len(sets); next++ {
				sr := sets[next]
				if sr.m.Run != i {
					continue
				}
				if sr.step != run.Current().Step {
					return
				}
				if err := setRun(run, sr.m, "runs["+strconv.Itoa(i)+"]"); err != nil && mismatch == nil {
					mismatch = err
				}
			}
		}
		for lr.sent < len(mr.x) && run.Status() == sim.StatusRunning {
			apply()
			if run.Step() { // its new point is shown: one the room has too
				lr.sent++
			}
		}
		apply()
		lr.done = mr.done != nil
		if cur := run.Current(); mismatch == nil && len(mr.x) > 0 && run.Status() != sim.StatusDiverged &&
			(lr.sent != len(mr.x) || cur.P.X != mr.x[len(mr.x)-1] || cur.P.Y != mr.y[len(mr.y)-1]) {
			mismatch = fmt.Errorf("run %d: replayed %d points ending at (%v, %v), the room has %d", i, lr.sent, cur.P.X, cur.P.Y, len(mr.x))
		}
	}
	s.setCosts() // the batch sizes the sets left
	s.last = time.Now()
	return mismatch
}

// setRecord is a set the room's mirror keeps: the teacher's set_ok, with
// the change it made ("set", shareSet) read back as the set message.
type setRecord struct {
	step int           // the step it took effect at
	m    clientMessage // the set, Run its run
}

// setRecords reads the mirror's sets in order; one that does not read is
// left out.
func setRecords(mir *mirror) []setRecord {
	var out []setRecord
	for _, raw := range mir.sets {
		var sr struct {
			Run  int             `json:"run"`
			Step int             `json:"step"`
			Set  json.RawMessage `json:"set"`
		}
		if json.Unmarshal(raw, &sr) != nil {
			continue
		}
		o, err := scenario.ReadAnyObject(sr.Set, "a set's change")
		if err != nil {
			continue
		}
		ls, err := scenario.ReadLiveSet(o)
		if err != nil {
			continue
		}
		m := clientMessage{Type: msgSet, Run: sr.Run}
		m.setLive(ls)
		out = append(out, setRecord{step: sr.Step, m: m})
	}
	return out
}
