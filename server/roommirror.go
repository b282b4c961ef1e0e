package server

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"lrlab/sim"
)

// mirror is a room's state as its messages tell it: every replica that has
// members of the room builds the same one from the same messages (the
// owner's as it publishes them, the others' from the back end's log), and a
// member's catch-up is encoded from it. It holds every point of the
// scenario in progress, so it costs up to runs × steps × 7 float64.
type mirror struct {
	started   []byte          // the started message, nil before the first start
	scenario  json.RawMessage // its normalised scenario (for a take-over)
	runs      []mirrorRun
	testLoss  bool
	batchLoss bool              // a data surface: frames carry batch_loss
	sets      []json.RawMessage // the members' set_ok of the running scenario, in order (with "set")

	paused, running bool
	rate            float64

	asked     []string  // ids of every question asked in the room
	question  *question // the latest question, nil before the first
	qMsg      []byte    // its question message
	revealMsg []byte    // its reveal message, nil until revealed
	ended     string    // the reason once the room ended
	teacherOn bool      // the teacher's socket is connected
	bad       int       // messages that did not fit (a bug or a gap)
}

// mirrorRun is one run's points so far: the columns of session.appendFrame,
// in its order, so that a catch-up frame has every key a live one has.
type mirrorRun struct {
	x, y, loss, gradNorm, lr, sharpness []float64
	edge, limit                         []float64 // edge_sharpness, stability_limit (NaN where null)
	testLoss, batchLoss                 []float64
	formula                             string // limit_formula of the latest frame ("" when it had none)
	grad, vel                           [2]float64
	done                                []byte // its done message once ended
	status                              string
}

// wireFloats is a column of a frame: null (a stability limit where there is
// none, a value that is not finite) is NaN, which appendFloat writes as null
// again. encoding/json would leave 0 in its place.
type wireFloats []float64

func (w *wireFloats) UnmarshalJSON(b []byte) error {
	var vs []*float64
	if err := json.Unmarshal(b, &vs); err != nil {
		return err
	}
	*w = make(wireFloats, len(vs))
	for i, v := range vs {
		(*w)[i] = math.NaN()
		if v != nil {
			(*w)[i] = *v
		}
	}
	return nil
}

// wireFrame is a frame message as decoded by the mirror.
type wireFrame struct {
	Runs []struct {
		Run           int        `json:"run"`
		T0            int        `json:"t0"`
		X             wireFloats `json:"x"`
		Y             wireFloats `json:"y"`
		Loss          wireFloats `json:"loss"`
		GradNorm      wireFloats `json:"grad_norm"`
		LR            wireFloats `json:"lr"`
		Sharpness     wireFloats `json:"sharpness"`
		EdgeSharpness wireFloats `json:"edge_sharpness"`
		Limit         wireFloats `json:"stability_limit"`
		LimitFormula  string     `json:"limit_formula"`
		TestLoss      wireFloats `json:"test_loss"`
		BatchLoss     wireFloats `json:"batch_loss"`
		Grad          wireFloats `json:"grad"`
		Velocity      wireFloats `json:"velocity"`
	} `json:"runs"`
}

// wireHead is the part of every message the mirror reads first.
type wireHead struct {
	Type     string          `json:"type"`
	Scenario json.RawMessage `json:"scenario"`
	Run      int             `json:"run"`
	Status   string          `json:"status"`
	Paused   bool            `json:"paused"`
	Running  bool            `json:"running"`
	Rate     float64         `json:"rate"`
	Present  bool            `json:"present"`
	Reason   string          `json:"reason"`
	Question json.RawMessage `json:"question"`
	Asked    []string        `json:"asked"`
}

// apply updates the mirror with one message of the room.
func (m *mirror) apply(b []byte) {
	var h wireHead
	if err := json.Unmarshal(b, &h); err != nil {
		m.bad++
		return
	}
	switch h.Type {
	case "started":
		var sc struct {
			Surface struct {
				Name string `json:"name"`
			} `json:"surface"`
			Runs      []json.RawMessage `json:"runs"`
			TestShift json.RawMessage   `json:"test_shift"`
		}
		json.Unmarshal(h.Scenario, &sc)
		m.started, m.scenario = b, h.Scenario
		m.runs = make([]mirrorRun, len(sc.Runs))
		m.testLoss = len(sc.TestShift) > 0 && string(sc.TestShift) != "null"
		m.batchLoss = sim.IsDataSurface(sc.Surface.Name) // as session.start decides it
		m.sets = nil
		m.running = true
	case "frame":
		var f wireFrame
		if err := json.Unmarshal(b, &f); err != nil {
			m.bad++
			return
		}
		for _, fr := range f.Runs {
			if fr.Run < 0 || fr.Run >= len(m.runs) {
				m.bad++
				continue
			}
			r := &m.runs[fr.Run]
			if fr.T0 != len(r.x) {
				m.bad++
				continue
			}
			r.x = append(r.x, fr.X...)
			r.y = append(r.y, fr.Y...)
			r.loss = append(r.loss, fr.Loss...)
			r.gradNorm = append(r.gradNorm, fr.GradNorm...)
			r.lr = append(r.lr, fr.LR...)
			r.sharpness = append(r.sharpness, fr.Sharpness...)
			r.edge = append(r.edge, fr.EdgeSharpness...)
			r.limit = append(r.limit, fr.Limit...)
			r.testLoss = append(r.testLoss, fr.TestLoss...)
			r.batchLoss = append(r.batchLoss, fr.BatchLoss...)
			r.formula = fr.LimitFormula
			if len(fr.Grad) == 2 && len(fr.Velocity) == 2 {
				r.grad, r.vel = [2]float64(fr.Grad), [2]float64(fr.Velocity)
			}
		}
	case "done":
		if h.Run >= 0 && h.Run < len(m.runs) {
			m.runs[h.Run].done, m.runs[h.Run].status = b, h.Status
		}
	case "set_ok":
		m.sets = append(m.sets, b)
	case "state":
		m.paused, m.running, m.rate = h.Paused, h.Running, h.Rate
		if !h.Running {
			m.started, m.scenario, m.runs, m.sets = nil, nil, nil, nil
		}
	case "question":
		q, err := parseWireQuestion(h.Question)
		if err != nil {
			m.bad++
			return
		}
		m.question, m.qMsg, m.revealMsg = q, b, nil
	case "reveal":
		m.revealMsg = b
		if m.question != nil {
			m.question.revealed = true
		}
	case "teacher":
		m.teacherOn = h.Present
	case "ended":
		m.ended = h.Reason
	case "_room": // a reset's record of what no member message carries
		m.asked = h.Asked
	}
	if h.Type == "question" && m.question != nil {
		m.asked = append(m.asked, m.question.ID)
	}
}

// catchUp returns the messages that bring a new member to the room's state:
// started, one frame per run with t0 = 0 holding every point so far, the
// done of each ended run, the state, and the question and its reveal. The
// member's own vote goes between the question and the reveal (the caller
// adds it), so it is returned apart: pre, then reveal (nil when none).
func (m *mirror) catchUp() (pre [][]byte, reveal []byte) {
	if m.started != nil {
		pre = append(pre, m.started)
		for i := range m.runs {
			if len(m.runs[i].x) > 0 {
				pre = append(pre, m.appendRunFrame(nil, i))
			}
		}
		for i := range m.runs {
			if m.runs[i].done != nil {
				pre = append(pre, m.runs[i].done)
			}
		}
	}
	pre = append(pre, m.stateMsg())
	pre = append(pre, []byte(`{"type":"teacher","present":`+strconv.FormatBool(m.teacherOn)+`}`))
	if m.qMsg != nil {
		pre = append(pre, m.qMsg)
	}
	return pre, m.revealMsg
}

// stateMsg is the state message of the room's clock.
func (m *mirror) stateMsg() []byte {
	return appendStateMsg(nil, m.paused, m.running, m.rate)
}

func appendStateMsg(b []byte, paused, running bool, rate float64) []byte {
	b = append(b, `{"type":"state","paused":`...)
	b = strconv.AppendBool(b, paused)
	b = append(b, `,"rate":`...)
	b = appendFloat(b, rate)
	b = append(b, `,"running":`...)
	b = strconv.AppendBool(b, running)
	return append(b, '}')
}

// appendRunFrame appends a frame of run i holding all its points, t0 = 0.
func (m *mirror) appendRunFrame(b []byte, i int) []byte {
	r := &m.runs[i]
	b = append(b, `{"type":"frame","runs":[{"run":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"t0":0`...)
	vals := [numCols][]float64{r.x, r.y, r.loss, r.gradNorm, r.lr, r.sharpness, r.edge, r.limit}
	if m.testLoss {
		vals[colTestLoss] = nonNil(r.testLoss)
	}
	if m.batchLoss {
		vals[colBatchLoss] = nonNil(r.batchLoss)
	}
	c := sliceColumns(vals)
	b = c.appendPoints(b, r.formula)
	b = appendPair(b, "grad", r.grad[0], r.grad[1])
	b = appendPair(b, "velocity", r.vel[0], r.vel[1])
	return append(b, "}]}"...)
}

// resetData is the whole mirror as messages separated by '\n' (a log reset
// entry): a _room record, the catch-up, the set_ok of the scenario (for a
// take-over to replay) and the teacher's presence.
func (m *mirror) resetData() []byte {
	var b bytes.Buffer
	room, _ := json.Marshal(struct {
		Type  string   `json:"type"`
		Asked []string `json:"asked"`
	}{"_room", m.asked})
	b.Write(room)
	pre, reveal := m.catchUp()
	// the state goes after the set_oks (a started resets them), so the
	// order is: started, frames, done, sets, state, question, reveal.
	var state []byte
	for _, msg := range pre {
		if bytes.HasPrefix(msg, []byte(`{"type":"state"`)) {
			state = msg
			for _, s := range m.sets {
				b.WriteByte('\n')
				b.Write(s)
			}
			b.WriteByte('\n')
			b.Write(state)
			continue
		}
		b.WriteByte('\n')
		b.Write(msg)
	}
	if reveal != nil {
		b.WriteByte('\n')
		b.Write(reveal)
	}
	return b.Bytes()
}

// loadReset replaces the mirror with the state of a reset entry.
func (m *mirror) loadReset(data []byte) {
	*m = mirror{}
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if len(line) > 0 {
			m.apply(line)
		}
	}
	// apply appended the current question's id to asked again
	if m.question != nil && len(m.asked) > 0 && countOf(m.asked, m.question.ID) > 1 {
		m.asked = m.asked[:len(m.asked)-1]
	}
}

func countOf(xs []string, s string) int {
	n := 0
	for _, x := range xs {
		if x == s {
			n++
		}
	}
	return n
}
