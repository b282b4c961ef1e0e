package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"lrlab/scenario"
	"lrlab/sim"
)

// Room message types of /ws (docs/API.md, "Classrooms").
const (
	msgJoin   = "join"
	msgAsk    = "ask"
	msgReveal = "reveal"
	msgEnd    = "end"
	msgVote   = "vote"
	msgLeave  = "leave"

	roleTeacher = "teacher"
	roleStudent = "student"
)

// member is one websocket session in a room. Its session goroutine writes
// everything it receives: for a student, the room's ring from its cursor
// (or the catch-up when it is new or fell out of the ring); for the
// teacher, whose own session produces the room's messages, only what is
// meant for it alone (presence, tally). The fields but feed are guarded by
// the room's mutex.
type member struct {
	r      *room
	s      *session
	role   string
	id     string
	next   uint64
	synced bool
	feed   chan struct{}

	private   [][]byte // teacher: presence and tally to write
	endReason string   // set when this member must end: "replaced", "expired"
}

func (mb *member) signal() {
	select {
	case mb.feed <- struct{}{}:
	default:
	}
}

// end makes the member's session write ended with reason and close.
func (mb *member) end(reason string) {
	mb.r.mu.Lock()
	mb.endReason = reason
	mb.r.mu.Unlock()
	mb.signal()
}

// drain writes what is waiting for the member. It returns errRoomEnded
// after it wrote the room's end and closed the socket.
func (mb *member) drain(ctx context.Context) error {
	r, s := mb.r, mb.s
	for {
		var msgs [][]byte
		var ats []int64
		var pre [][]byte
		var reveal []byte
		var q *question
		catchUp := false
		r.mu.Lock()
		if mb.role == roleTeacher {
			msgs, mb.private = mb.private, nil
		} else if !mb.synced || mb.next < r.oldest {
			pre, reveal = r.catchUpLocked()
			if r.mir.question != nil {
				q = r.mir.question
			}
			mb.next, mb.synced, catchUp = r.head, true, true
			r.rs.m.catchUps.Inc()
		} else {
			for mb.next < r.head && len(msgs) < 64 {
				e := r.ring[mb.next%uint64(len(r.ring))]
				msgs, ats = append(msgs, e.b), append(ats, e.at)
				mb.next++
			}
		}
		endReason := mb.endReason
		ended := mb.role == roleStudent && r.mir.ended != "" && mb.next == r.head
		r.mu.Unlock()

		for _, b := range pre {
			if err := s.write(ctx, b); err != nil {
				return err
			}
		}
		if catchUp && q != nil {
			if c, ok, err := r.rs.be.myVote(ctx, r.code, q.ID, mb.id); err == nil && ok {
				if err := s.write(ctx, votedMsg(q.ID, c)); err != nil {
					return err
				}
			}
		}
		if reveal != nil {
			if err := s.write(ctx, reveal); err != nil {
				return err
			}
		}
		for i, b := range msgs {
			if err := s.write(ctx, b); err != nil {
				return err
			}
			if ats != nil {
				r.rs.m.lag.Observe(float64(time.Now().UnixNano()-ats[i]) / 1e9)
			}
		}
		if endReason != "" {
			s.write(ctx, []byte(`{"type":"ended","reason":`+strconv.Quote(endReason)+`}`))
			s.conn.Close(websocket.StatusNormalClosure, "room ended")
			return errRoomEnded
		}
		if ended {
			s.conn.Close(websocket.StatusNormalClosure, "room ended")
			return errRoomEnded
		}
		if len(msgs) == 0 && !catchUp {
			return nil
		}
	}
}

func votedMsg(qid string, choice int) []byte {
	b := append([]byte(`{"type":"voted","question":`), appendString(nil, qid)...)
	b = append(b, `,"choice":`...)
	b = strconv.AppendInt(b, int64(choice), 10)
	return append(b, '}')
}

// leave takes the member out of its room when its session ends.
func (mb *member) leave() {
	r := mb.r
	if mb.role == roleTeacher {
		r.rs.m.members.WithLabelValues(roleTeacher).Dec()
		r.publish(mb, []byte(`{"type":"teacher","present":false}`))
		r.mu.Lock()
		if r.teacher == mb {
			r.teacher = nil
			r.teacherOff = time.Now()
			if r.rs.be.durable() && !r.gone {
				r.fEpoch, r.fSeq, r.fSynced, r.fLastID = r.epoch, r.seq, true, ""
				r.mu.Unlock()
				r.startFollowingIfNone()
				r.wake()
				return
			}
		}
		r.mu.Unlock()
		r.wake()
		return
	}
	r.mu.Lock()
	delete(r.students, mb)
	r.localDirty = true
	r.rs.m.members.WithLabelValues(roleStudent).Dec()
	r.mu.Unlock()
	r.wake()
}

// startFollowingIfNone starts the follower unless one runs.
func (r *room) startFollowingIfNone() {
	r.mu.Lock()
	running := r.followStop != nil
	r.mu.Unlock()
	if !running {
		r.startFollowing()
	}
}

var memberPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// normCode returns a room code as the server writes it: upper case, without
// '-' or spaces; "" when it cannot be a code.
func normCode(s string) string {
	if len(s) > 32 {
		return ""
	}
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	if len(s) != codeLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(codeAlphabet, s[i]) < 0 {
			return ""
		}
	}
	return s
}

// errNoSuchRoom is the one answer to every wrong code.
var errNoSuchRoom = &sim.FieldError{Field: "room", Msg: "no such room: check the code"}

// peekType returns the "type" of a JSON message ("" when there is none).
func peekType(data []byte) string {
	var h struct {
		Type string `json:"type"`
	}
	json.Unmarshal(data, &h)
	return h.Type
}

// readStrict reads a room message (or a room request's body) as strictly
// as every other message (scenario.ReadAnyObject: malformed JSON, trailing
// data, duplicate keys), allowing only keys besides "type", and returns its
// members without the null ones: a null value is an absent one, a default
// where there is one, an error where the key is required.
func readStrict(data []byte, typ string, keys ...string) (map[string]json.RawMessage, error) {
	return readStrictAs(data, roomMsgWhat, typ, keys...)
}

// roomMsgWhat describes a room message in errors.
const roomMsgWhat = "a message, a JSON object such as {\"type\":\"vote\",\"question\":\"q1\",\"choice\":0}"

// readStrictAs is readStrict of an object that what describes.
func readStrictAs(data []byte, what, typ string, keys ...string) (map[string]json.RawMessage, error) {
	o, err := scenario.ReadAnyObject(data, what)
	if err != nil {
		return nil, err
	}
	names := o.Keys()
	slices.Sort(names) // report unknown keys in a stable order
	obj := map[string]json.RawMessage{}
	for _, k := range names {
		if k != "type" && !contains(keys, k) {
			allowed := "none besides type"
			if len(keys) > 0 {
				allowed = strings.Join(keys, ", ")
			}
			return nil, &sim.FieldError{Field: k, Msg: fmt.Sprintf("unknown key %q in a %s message; allowed: %s", k, typ, allowed)}
		}
		if raw := o.Raw(k); raw != nil {
			obj[k] = raw
		}
	}
	return obj, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// maxRoomString bounds the strings of room messages (a code, a token, a
// member or question id) before their own checks.
const maxRoomString = 256

// readString reads key of obj as a string (strictly: no invalid UTF-8, no
// lone surrogate); ok says it is present.
func readString(obj map[string]json.RawMessage, key string) (string, bool, error) {
	raw, ok := obj[key]
	if !ok {
		return "", false, nil
	}
	s, err := scenario.ReadString(raw, key, maxRoomString)
	return s, true, err
}

// roomMessage handles a message of a room member, or the join that makes
// the session one. Only a failed write (or the room's end) is returned.
func (s *session) roomMessage(ctx context.Context, data []byte) error {
	mb := s.room
	if mb == nil {
		return s.join(ctx, data)
	}
	// the envelope as strictly as every message (duplicate keys, a type
	// that is not a string); each handler then reads its own keys
	o, err := scenario.ReadAnyObject(data, roomMsgWhat)
	if err != nil {
		return s.writeError(ctx, err)
	}
	typ, err := o.String("type", "", 32)
	if err != nil {
		return s.writeError(ctx, err)
	}
	if typ == msgJoin {
		return s.writeError(ctx, &sim.FieldError{Field: "type", Msg: "this socket is in a room already; open a new one to join another"})
	}
	if mb.role == roleStudent {
		switch typ {
		case msgVote:
			return s.vote(ctx, data)
		case msgLeave:
			s.conn.Close(websocket.StatusNormalClosure, "left the room")
			return errRoomEnded
		}
		return s.writeError(ctx, &sim.FieldError{Field: "type", Msg: "a student may only send vote or leave; the teacher controls the room"})
	}
	switch typ {
	case msgAsk:
		return s.ask(ctx, data)
	case msgReveal:
		return s.reveal(ctx, data)
	case msgEnd:
		return s.endRoom(ctx, data)
	case msgVote:
		return s.writeError(ctx, &sim.FieldError{Field: "type", Msg: "the teacher does not vote"})
	case msgLeave:
		s.conn.Close(websocket.StatusNormalClosure, "left the room")
		return errRoomEnded
	}
	m, err := decodeClientMessage(data, s.cfg.MaxSteps)
	if err != nil {
		return s.writeError(ctx, err)
	}
	if err := s.apply(ctx, m); err != nil {
		return err
	}
	switch m.Type {
	case msgStart, msgPause, msgResume, msgRate, msgStep, msgStop:
		return s.publishState(ctx)
	}
	return nil
}

// publishState sends the room's clock to every member and the teacher.
func (s *session) publishState(ctx context.Context) error {
	b := appendStateMsg(nil, s.paused, s.runs != nil, s.rate)
	s.room.r.publish(s.room, b)
	return s.write(ctx, b)
}

// share publishes a message the teacher's session wrote to the members.
func (s *session) share(b []byte) {
	if s.room != nil && s.room.role == roleTeacher {
		s.room.r.publish(s.room, b)
	}
}

// shareSet publishes the members' set_ok: the teacher's, with the keys the
// teacher sent as "set" (so a replica taking the room over can replay it,
// and a student's page can show the change).
func (s *session) shareSet(b []byte, m clientMessage) {
	if s.room == nil || s.room.role != roleTeacher {
		return
	}
	c := append([]byte(nil), b[:len(b)-1]...)
	c = append(c, `,"set":`...)
	c = m.Live.AppendJSON(c)
	c = append(c, '}')
	s.room.r.publish(s.room, c)
}

// vote records a student's vote.
func (s *session) vote(ctx context.Context, data []byte) error {
	mb := s.room
	r := mb.r
	obj, err := readStrict(data, msgVote, "question", "choice")
	if err != nil {
		return s.writeError(ctx, err)
	}
	qid, _, err := readString(obj, "question")
	if err != nil {
		return s.writeError(ctx, err)
	}
	r.mu.Lock()
	q := r.mir.question
	open := q != nil && !q.revealed && q.ID == qid
	nChoices := 0
	if q != nil {
		nChoices = len(q.Choices)
	}
	r.mu.Unlock()
	if !open {
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: "no open question with this id: votes go to the question being asked, until its reveal"})
	}
	raw, ok := obj["choice"]
	if !ok {
		return s.writeError(ctx, &sim.FieldError{Field: "choice", Msg: fmt.Sprintf("required: the index of a choice, 0 … %d", nChoices-1)})
	}
	choice, err := readInt(raw, "choice", 0, nChoices-1)
	if err != nil {
		return s.writeError(ctx, err)
	}
	be := r.rs.be
	switch err := be.vote(ctx, r.code, qid, mb.id, choice, r.rs.cfg.RoomMaxMembers+1000); {
	case errors.Is(err, errTooManyVoters):
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: "this question has all the votes it can take"})
	case err != nil:
		r.rs.m.backendErrors.WithLabelValues("vote").Inc()
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: "your vote could not be recorded right now; try again in a moment"})
	}
	r.rs.m.votes.Inc()
	if err := be.poke(ctx, r.code, pokeVotes); err != nil {
		r.rs.m.backendErrors.WithLabelValues("poke").Inc()
	}
	return s.write(ctx, votedMsg(qid, choice))
}

// roomSurface builds the scenario and surface the room runs (nil when none).
func (r *room) scenarioLocked() (*scenario.Scenario, sim.Surface) {
	if r.mir.scenario == nil {
		return nil, nil
	}
	sc, err := scenario.Decode(r.mir.scenario, r.rs.cfg.limits())
	if err != nil {
		return nil, nil
	}
	surf, err := sim.NewSurface(sc.Surface)
	if err != nil {
		return nil, nil
	}
	return &sc, surf
}

// ask opens a question.
func (s *session) ask(ctx context.Context, data []byte) error {
	mb := s.room
	r := mb.r
	obj, err := readStrict(data, msgAsk, "question")
	if err != nil {
		return s.writeError(ctx, err)
	}
	raw, ok := obj["question"]
	if !ok || !isObject(raw) {
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: "required: an object such as {\"id\":\"q1\",\"kind\":\"outcome\",\"run\":0}"})
	}
	r.mu.Lock()
	sc, surf := r.scenarioLocked()
	asked := append([]string(nil), r.mir.asked...)
	r.mu.Unlock()
	q, err := newQuestion(raw, sc, surf)
	if err != nil {
		return s.writeError(ctx, err)
	}
	if contains(asked, q.ID) {
		return s.writeError(ctx, &sim.FieldError{Field: "question.id", Msg: fmt.Sprintf("question %q was asked already in this room; give a new id", q.ID)})
	}
	if len(asked) >= r.rs.cfg.RoomMaxQuestions {
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: fmt.Sprintf("this room has asked its %d questions", r.rs.cfg.RoomMaxQuestions)})
	}
	qj, _ := json.Marshal(q)
	b := append([]byte(`{"type":"question","question":`), qj...)
	b = append(b, '}')
	r.publish(mb, b)
	r.mu.Lock()
	r.dirtyVotes = true
	r.mu.Unlock()
	r.wake()
	r.rs.m.questions.Inc()
	return s.write(ctx, b)
}

// reveal closes the open question and gives everyone its answer.
func (s *session) reveal(ctx context.Context, data []byte) error {
	mb := s.room
	r := mb.r
	obj, err := readStrict(data, msgReveal, "question", "answer")
	if err != nil {
		return s.writeError(ctx, err)
	}
	qid, _, err := readString(obj, "question")
	if err != nil {
		return s.writeError(ctx, err)
	}
	r.mu.Lock()
	q := r.mir.question
	if q == nil || q.ID != qid {
		r.mu.Unlock()
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: "not the question being asked; reveal the latest question"})
	}
	if q.revealed {
		r.mu.Unlock()
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: "revealed already"})
	}
	qc := *q
	var answer int
	var detail map[string]any
	var aerr error
	if q.Kind != kindTyped {
		if _, ok := obj["answer"]; ok {
			r.mu.Unlock()
			return s.writeError(ctx, &sim.FieldError{Field: "answer", Msg: "the simulation decides a " + q.Kind + " question; send reveal without answer"})
		}
		_, surf := r.scenarioLocked()
		if surf == nil {
			aerr = &sim.FieldError{Field: "question", Msg: "not decided yet: no scenario is running"}
		} else {
			answer, detail, aerr = r.mir.answer(q, surf)
		}
	}
	r.mu.Unlock()
	if aerr != nil {
		return s.writeError(ctx, aerr)
	}
	if qc.Kind == kindTyped {
		raw, ok := obj["answer"]
		if !ok {
			return s.writeError(ctx, &sim.FieldError{Field: "answer", Msg: fmt.Sprintf("required for a typed question: the index of the right choice, 0 … %d", len(qc.Choices)-1)})
		}
		if answer, err = readInt(raw, "answer", 0, len(qc.Choices)-1); err != nil {
			return s.writeError(ctx, err)
		}
	}
	counts, n, err := r.counts(ctx, &qc)
	if err != nil {
		r.rs.m.backendErrors.WithLabelValues("votes").Inc()
		return s.writeError(ctx, &sim.FieldError{Field: "question", Msg: "the votes cannot be read right now; try again in a moment"})
	}
	b := append([]byte(`{"type":"reveal","question":`), appendString(nil, qc.ID)...)
	b = append(b, `,"answer":`...)
	b = strconv.AppendInt(b, int64(answer), 10)
	b = appendCounts(b, counts, n)
	if detail != nil {
		dj, _ := json.Marshal(detail)
		b = append(b, `,"detail":`...)
		b = append(b, dj...)
	}
	b = append(b, '}')
	r.publish(mb, b)
	return s.write(ctx, b)
}

// endRoom ends the room for everyone.
func (s *session) endRoom(ctx context.Context, data []byte) error {
	if _, err := readStrict(data, msgEnd); err != nil {
		return s.writeError(ctx, err)
	}
	r := s.room.r
	b := []byte(`{"type":"ended","reason":"teacher"}`)
	r.publish(s.room, b)
	r.flushLog(ctx, true)
	if err := r.rs.be.remove(ctx, r.code); err != nil {
		r.rs.m.backendErrors.WithLabelValues("remove").Inc()
	}
	r.rs.m.ended.Inc()
	r.wake()
	s.write(ctx, b)
	s.conn.Close(websocket.StatusNormalClosure, "room ended")
	return errRoomEnded
}
