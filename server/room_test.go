package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lrlab/api"
)

// roomMsg is a room message as api.RoomMsg decodes it, with its raw text.
type roomMsg struct {
	api.RoomMsg
	Raw string
}

// roomClient is a test client of a room: every message goes to msgs.
type roomClient struct {
	t      *testing.T
	name   string
	c      *websocket.Conn
	msgs   chan roomMsg
	closed chan error
	// streams: every run's points as received (a started resets them)
	streams []stream
	// cols: every key of every run's frames as received, raw (a started
	// resets them): a column's values concatenated, any other key
	// (limit_formula, grad, velocity) the latest frame's
	cols []map[string][]json.RawMessage
	last map[string]roomMsg
}

func dialRoom(t *testing.T, ts *httptest.Server, name string) *roomClient {
	t.Helper()
	return dialRoomHeld(t, ts, name, nil)
}

// dialRoomHeld is dialRoom whose client reads nothing until hold is closed
// (nil: at once).
func dialRoomHeld(t *testing.T, ts *httptest.Server, name string, hold <-chan struct{}) *roomClient {
	t.Helper()
	return dialRoomPath(t, ts, "/ws", name, hold)
}

// dialRoomPath is dialRoomHeld on the websocket at path ("/ws?frames=binary").
func dialRoomPath(t *testing.T, ts *httptest.Server, path, name string, hold <-chan struct{}) *roomClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+path, &websocket.DialOptions{HTTPClient: ts.Client()})
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	c.SetReadLimit(-1)
	rc := &roomClient{t: t, name: name, c: c, msgs: make(chan roomMsg, 4096), closed: make(chan error, 1), last: map[string]roomMsg{}}
	go func() {
		if hold != nil {
			<-hold
		}
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				close(rc.msgs)
				rc.closed <- err
				return
			}
			var m roomMsg
			if err := json.Unmarshal(b, &m); err != nil {
				m.Type = "bad json: " + err.Error()
			}
			if err := json.Unmarshal(b, &m.ServerMsg); err != nil {
				m.Type = "bad json: " + err.Error()
			}
			m.Raw = string(b)
			rc.msgs <- m
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return rc
}

func (c *roomClient) send(msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatalf("%s: send %s: %v", c.name, msg, err)
	}
}

// next returns the next message (keeping the streams up to date), failing
// after 10 s.
func (c *roomClient) next() roomMsg {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("%s: connection closed: %v", c.name, <-c.closed)
		}
		c.track(m)
		return m
	case <-time.After(10 * time.Second):
		c.t.Fatalf("%s: no message within 10 s", c.name)
	}
	return roomMsg{}
}

func (c *roomClient) track(m roomMsg) {
	c.last[m.Type] = m
	switch m.Type {
	case "started":
		var sc struct {
			Runs []json.RawMessage `json:"runs"`
		}
		json.Unmarshal(m.Scenario, &sc)
		c.streams = make([]stream, len(sc.Runs))
		c.cols = make([]map[string][]json.RawMessage, len(sc.Runs))
	case "frame":
		c.trackCols(m.Raw)
		for _, f := range m.Runs {
			if f.Run >= len(c.streams) {
				c.t.Fatalf("%s: frame of run %d before started", c.name, f.Run)
			}
			c.streams[f.Run].add(c.t, f)
		}
	case "done":
		m := m
		c.streams[m.Run].done = &m.ServerMsg
	}
}

// columnKeys are the keys of a frame's run whose values are one per point.
var columnKeys = []string{"x", "y", "loss", "grad_norm", "lr", "sharpness", "edge_sharpness", "stability_limit", "test_loss", "batch_loss"}

// trackCols adds a frame's keys to c.cols, raw.
func (c *roomClient) trackCols(raw string) {
	var f struct {
		Runs []map[string]json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		c.t.Fatalf("%s: frame %s: %v", c.name, raw, err)
	}
	for _, fr := range f.Runs {
		var i int
		json.Unmarshal(fr["run"], &i)
		if i < 0 || i >= len(c.cols) {
			c.t.Fatalf("%s: frame of run %d before started", c.name, i)
		}
		if c.cols[i] == nil {
			c.cols[i] = map[string][]json.RawMessage{}
		}
		delete(c.cols[i], "limit_formula") // a frame without it has none at its last point
		for k, v := range fr {
			if k == "run" || k == "t0" {
				continue
			}
			if !slices.Contains(columnKeys, k) {
				c.cols[i][k] = []json.RawMessage{v}
				continue
			}
			var vs []json.RawMessage
			if err := json.Unmarshal(v, &vs); err != nil {
				c.t.Fatalf("%s: frame key %s: %v", c.name, k, err)
			}
			c.cols[i][k] = append(c.cols[i][k], vs...)
		}
	}
}

// sameColumns reports how a's frames' keys differ from b's, field by field
// and byte for byte ("" when equal).
func sameColumns(a, b *roomClient) string {
	if len(a.cols) != len(b.cols) {
		return fmt.Sprintf("%d runs vs %d", len(a.cols), len(b.cols))
	}
	for i := range a.cols {
		keys := map[string]bool{}
		for k := range a.cols[i] {
			keys[k] = true
		}
		for k := range b.cols[i] {
			keys[k] = true
		}
		for k := range keys {
			x, okx := a.cols[i][k]
			y, oky := b.cols[i][k]
			if !okx || !oky {
				return fmt.Sprintf("run %d: key %s in %s's frames: %v, in %s's: %v", i, k, a.name, okx, b.name, oky)
			}
			if !slices.EqualFunc(x, y, func(p, q json.RawMessage) bool { return string(p) == string(q) }) {
				return fmt.Sprintf("run %d %s: %d vs %d values, differ", i, k, len(x), len(y))
			}
		}
	}
	return ""
}

// until reads messages until one of type typ for which ok holds (nil: any).
func (c *roomClient) until(typ string, ok func(roomMsg) bool) roomMsg {
	c.t.Helper()
	for {
		m := c.next()
		if m.Type == typ && (ok == nil || ok(m)) {
			return m
		}
		if m.Type == "error" && typ != "error" {
			c.t.Fatalf("%s: unexpected error %s while waiting for %s", c.name, m.Raw, typ)
		}
	}
}

// untilDone reads until every run of the latest started is done.
func (c *roomClient) untilDone() {
	c.t.Helper()
	for {
		all := len(c.streams) > 0
		for _, s := range c.streams {
			if s.done == nil {
				all = false
			}
		}
		if all {
			return
		}
		c.next()
	}
}

// closeCode waits for the close and returns its code.
func (c *roomClient) closeCode() websocket.StatusCode {
	c.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				return websocket.CloseStatus(<-c.closed)
			}
			c.track(m)
		case <-timeout:
			c.t.Fatalf("%s: not closed", c.name)
		}
	}
}

type createdRoom struct {
	Room         string `json:"room"`
	TeacherToken string `json:"teacher_token"`
	JoinURL      string `json:"join_url"`
	JoinURLAbs   string `json:"join_url_abs"`
	QRURL        string `json:"qr_url"`
}

func createRoom(t *testing.T, ts *httptest.Server) createdRoom {
	t.Helper()
	resp, body := do(t, ts, "POST", "/api/v1/rooms", "", nil)
	if resp.StatusCode != 201 {
		t.Fatalf("create room: %s %s", resp.Status, body)
	}
	var cr createdRoom
	if err := json.Unmarshal(body, &cr); err != nil {
		t.Fatal(err)
	}
	return cr
}

func joinTeacher(t *testing.T, ts *httptest.Server, cr createdRoom) *roomClient {
	t.Helper()
	c := dialRoom(t, ts, "teacher")
	c.send(fmt.Sprintf(`{"type":"join","room":%q,"role":"teacher","token":%q}`, cr.Room, cr.TeacherToken))
	c.until("joined", nil)
	return c
}

func joinStudent(t *testing.T, ts *httptest.Server, code, member string) *roomClient {
	t.Helper()
	c := dialRoom(t, ts, member)
	c.send(fmt.Sprintf(`{"type":"join","room":%q,"role":"student","member":%q}`, code, member))
	j := c.until("joined", nil)
	if j.Member != member || j.Role != "student" {
		t.Fatalf("%s: joined %s", member, j.Raw)
	}
	c.until("state", nil)
	return c
}

// sameStreams reports how a's streams differ from b's ("" when equal).
func sameStreams(a, b []stream) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d runs vs %d", len(a), len(b))
	}
	for i := range a {
		for _, col := range []struct {
			name string
			x, y []float64
		}{{"x", a[i].X, b[i].X}, {"y", a[i].Y, b[i].Y}, {"loss", a[i].Loss, b[i].Loss}, {"grad_norm", a[i].GradNorm, b[i].GradNorm},
			{"lr", a[i].LR, b[i].LR}, {"sharpness", a[i].Sharpness, b[i].Sharpness}, {"test_loss", a[i].TestLoss, b[i].TestLoss}} {
			if !slices.Equal(col.x, col.y) {
				return fmt.Sprintf("run %d %s: %d vs %d values, differ", i, col.name, len(col.x), len(col.y))
			}
		}
		if (a[i].done == nil) != (b[i].done == nil) || a[i].done != nil && (a[i].done.Status != b[i].done.Status) {
			return fmt.Sprintf("run %d done differs", i)
		}
	}
	return ""
}

// classScenario: run 0 converges (then gets a larger LR at step 40), run 1
// oscillates (0.19 on λmax 10: every step reverses along y).
const classScenario = `{"surface":{"name":"quadratic","a":1,"b":10},"steps":150,"runs":[
	{"label":"small","start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.05}},
	{"label":"large","start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.19}}]}`

// runClass plays a whole class: a teacher on servers[0], one student on
// each server; checks points, the refused student control, votes, tally,
// the computed reveal, a late joiner, and the end.
func runClass(t *testing.T, servers []*httptest.Server) {
	cr := createRoom(t, servers[0])
	if len(cr.Room) != 8 || cr.JoinURL != "/r/"+cr.Room || len(cr.TeacherToken) < 22 {
		t.Fatalf("created %+v", cr)
	}
	teacher := joinTeacher(t, servers[0], cr)
	teacher.until("state", nil)
	var students []*roomClient
	for i, ts := range servers {
		students = append(students, joinStudent(t, ts, cr.Room, fmt.Sprintf("student-%d-aaaa", i)))
	}
	teacher.until("presence", func(m roomMsg) bool { return m.Members == len(servers) })

	teacher.send(`{"type":"start","scenario":` + classScenario + `,"rate":600,"paused":true}`)
	teacher.until("state", func(m roomMsg) bool { return m.Running && m.Paused })
	for _, s := range students {
		s.until("state", func(m roomMsg) bool { return m.Running && m.Paused })
	}

	// A student's control messages are refused and change nothing.
	s0 := students[0]
	for _, msg := range []string{`{"type":"set","run":0,"optimizer":{"lr":5}}`, `{"type":"resume"}`, `{"type":"start","scenario":` + classScenario + `}`, `{"type":"ask","question":{"id":"x","text":"?","choices":["a","b"]}}`} {
		s0.send(msg)
		if e := s0.until("error", nil); e.Field != "type" {
			t.Fatalf("student %s: %s", msg, e.Raw)
		}
	}

	// Predict: a question the simulation answers.
	teacher.send(`{"type":"ask","question":{"id":"q1","kind":"outcome","run":1}}`)
	q := teacher.until("question", nil)
	if !strings.Contains(string(q.Question), `"choices":["converge","oscillate","diverge"]`) {
		t.Fatalf("question %s", q.Raw)
	}
	teacher.until("tally", func(m roomMsg) bool { return m.Voters == 0 })
	for _, s := range students {
		m := s.until("question", nil)
		if strings.Contains(m.Raw, "answer") || strings.Contains(m.Raw, "counts") {
			t.Fatalf("a student's question holds the answer or the tally: %s", m.Raw)
		}
	}
	for i, s := range students {
		s.send(fmt.Sprintf(`{"type":"vote","question":"q1","choice":%d}`, i%3))
		s.until("voted", nil)
	}
	students[0].send(`{"type":"vote","question":"q1","choice":1}`) // changed: still one vote
	students[0].until("voted", func(m roomMsg) bool { return m.Choice == 1 })
	students[0].send(`{"type":"vote","question":"q1","choice":3}`)
	if e := students[0].until("error", nil); e.Field != "choice" {
		t.Fatalf("vote 3: %s", e.Raw)
	}
	want := make([]int, 3)
	for i := range students {
		want[i%3]++
	}
	want[0]--
	want[1]++
	tally := teacher.until("tally", func(m roomMsg) bool { return slices.Equal(m.Counts, want) })
	if tally.Voters != len(students) {
		t.Fatalf("tally %s, want %d voters", tally.Raw, len(students))
	}
	teacher.send(`{"type":"reveal","question":"q1"}`)
	if e := teacher.until("error", nil); e.Field != "question" || !strings.Contains(e.Error, "not decided yet") {
		t.Fatalf("early reveal: %s", e.Raw)
	}

	// 40 steps, a set, then the rest.
	teacher.send(`{"type":"step","n":40}`)
	for len(teacher.streams) == 0 || len(teacher.streams[0].X) < 41 {
		teacher.next()
	}
	teacher.send(`{"type":"set","run":0,"optimizer":{"lr":0.1}}`)
	if ok := teacher.until("set_ok", nil); ok.Step != 40 {
		t.Fatalf("set_ok %s", ok.Raw)
	}
	teacher.send(`{"type":"resume"}`)
	teacher.untilDone()
	for _, s := range students {
		s.untilDone()
		if d := sameStreams(s.streams, teacher.streams); d != "" {
			t.Errorf("%s's points differ from the teacher's: %s", s.name, d)
		}
		if ok := s.last["set_ok"]; !strings.Contains(ok.Raw, `"set":{"optimizer":{"lr":0.1}}`) || ok.Step != 40 {
			t.Errorf("%s: set_ok %s", s.name, ok.Raw)
		}
	}
	// The teacher's points: simulate until the set, a fresh run from the
	// switch point after it.
	sim := simulate(t, servers[0], classScenario)
	got := teacher.streams
	if !slices.Equal(got[1].X, sim[1].X) || !slices.Equal(got[1].Loss, sim[1].Loss) {
		t.Errorf("run 1 differs from simulate")
	}
	if !slices.Equal(got[0].X[:41], sim[0].X[:41]) || slices.Equal(got[0].X, sim[0].X) {
		t.Errorf("run 0 before the set differs from simulate (or the set changed nothing)")
	}
	fresh := simulate(t, servers[0], fmt.Sprintf(`{"surface":{"name":"quadratic","a":1,"b":10},"steps":110,"runs":[
		{"start":[%v,%v],"optimizer":{"name":"sgd","lr":0.1}}]}`, got[0].X[40], got[0].Y[40]))
	if !slices.Equal(got[0].X[40:], fresh[0].X) || !slices.Equal(got[0].Y[40:], fresh[0].Y) {
		t.Errorf("run 0 after the set differs from a fresh run from the switch point")
	}

	// A late joiner catches up to the same points, with its vote.
	late := joinStudent(t, servers[len(servers)-1], cr.Room, "student-0-aaaa")
	late.until("question", nil)
	if v := late.until("voted", nil); v.Choice != 1 {
		t.Errorf("late joiner's vote %s", v.Raw)
	}
	if d := sameStreams(late.streams, teacher.streams); d != "" {
		t.Errorf("late joiner's catch-up differs: %s", d)
	}
	if d := sameColumns(late, teacher); d != "" {
		t.Errorf("late joiner's catch-up differs from the live frames: %s", d)
	}
	for _, k := range []string{"edge_sharpness", "stability_limit", "limit_formula"} {
		if _, ok := teacher.cols[0][k]; !ok {
			t.Errorf("the live frames have no %s (the test did not test it)", k)
		}
	}

	// Reveal: the simulation's answer.
	teacher.send(`{"type":"reveal","question":"q1"}`)
	rv := teacher.until("reveal", nil)
	if rv.Answer != 1 || !slices.Equal(rv.Counts, want) {
		t.Errorf("reveal %s: want oscillate (1) with counts %v", rv.Raw, want)
	}
	for _, s := range append(students, late) {
		if m := s.until("reveal", nil); m.Raw != rv.Raw {
			t.Errorf("%s: reveal %s, teacher's %s", s.name, m.Raw, rv.Raw)
		}
	}
	students[1%len(students)].send(`{"type":"vote","question":"q1","choice":0}`)
	if e := students[1%len(students)].until("error", nil); e.Field != "question" {
		t.Errorf("vote after the reveal: %s", e.Raw)
	}

	teacher.send(`{"type":"end"}`)
	teacher.until("ended", nil)
	for _, s := range append(students, late) {
		if m := s.until("ended", nil); m.Reason != "teacher" {
			t.Errorf("%s: %s", s.name, m.Raw)
		}
		if code := s.closeCode(); code != websocket.StatusNormalClosure {
			t.Errorf("%s closed with %v", s.name, code)
		}
	}
	if resp, _ := do(t, servers[0], "GET", "/r/"+cr.Room, "", nil); resp.StatusCode != 404 {
		t.Errorf("ended room's page: %s", resp.Status)
	}
}

// dataClassScenario: a data surface with mini-batches (frames carry
// batch_loss) beside full-batch descent.
const dataClassScenario = `{"surface":{"name":"linreg","dataset":"noisy_line"},"steps":120,"runs":[
	{"label":"batch 8","optimizer":{"name":"sgd","lr":0.1},"batch_size":8,"seed":4},
	{"label":"full","optimizer":{"name":"sgd","lr":0.3}}]}`

// runCatchUp: a teacher on servers[0] and a student on every server follow
// sc (with a set of batch_size halfway); a late joiner on the last server
// mid-run and another after the end each get, in their catch-up, every key
// of every frame the others got live, byte for byte.
func runCatchUp(t *testing.T, servers []*httptest.Server, sc string, want ...string) *roomClient {
	return runCatchUpTakeOver(t, servers, sc, false, want...)
}

// runCatchUpTakeOver is runCatchUp where, with takeOver, a second teacher
// socket on the last server takes the room over after the set (the room's
// runs replayed from its mirror: the scenario and the set). It returns the
// teacher that ended the class.
func runCatchUpTakeOver(t *testing.T, servers []*httptest.Server, sc string, takeOver bool, want ...string) *roomClient {
	cr := createRoom(t, servers[0])
	teacher := joinTeacher(t, servers[0], cr)
	teacher.until("state", nil)
	var students []*roomClient
	for i, ts := range servers {
		students = append(students, joinStudent(t, ts, cr.Room, fmt.Sprintf("live-%d-aaaa", i)))
	}
	teacher.until("presence", func(m roomMsg) bool { return m.Members == len(servers) })
	teacher.send(`{"type":"start","scenario":` + sc + `,"rate":600,"paused":true}`)
	teacher.send(`{"type":"step","n":50}`)
	for len(teacher.streams) == 0 || len(teacher.streams[0].X) < 51 {
		teacher.next()
	}
	if strings.Contains(sc, "batch_size") {
		teacher.send(`{"type":"set","run":0,"batch_size":16}`)
		teacher.until("set_ok", nil)
	}
	for _, s := range students {
		for len(s.streams) == 0 || len(s.streams[0].X) < 51 {
			s.next()
		}
	}
	mid := joinStudent(t, servers[len(servers)-1], cr.Room, "late-mid-aaaa")
	if takeOver {
		again := joinTeacher(t, servers[len(servers)-1], cr)
		if m := teacher.until("ended", nil); m.Reason != "replaced" {
			t.Fatalf("first teacher: %s", m.Raw)
		}
		again.until("state", func(m roomMsg) bool { return m.Running && m.Paused })
		teacher = again
	}
	teacher.send(`{"type":"resume"}`)
	teacher.untilDone()
	for _, s := range append(students, mid) {
		s.untilDone()
	}
	late := joinStudent(t, servers[len(servers)-1], cr.Room, "late-end-aaaa")
	if len(late.streams) == 0 {
		t.Fatal("the late joiner got no started")
	}
	for _, k := range want {
		if _, ok := teacher.cols[0][k]; !ok {
			t.Errorf("the live frames have no %s (the test did not test it)", k)
		}
	}
	for _, s := range append(students, mid, late) {
		if d := sameColumns(s, teacher); d != "" {
			t.Errorf("%s: %s", s.name, d)
		}
	}
	for _, s := range students { // a take-over replays the set from it
		if ok := s.last["set_ok"]; strings.Contains(sc, "batch_size") && !strings.Contains(ok.Raw, `"set":{"batch_size":16}`) {
			t.Errorf("%s: set_ok %s", s.name, ok.Raw)
		}
	}
	return teacher
}

func TestRoomCatchUpMemory(t *testing.T) {
	ts, srv := newTestServer(t, Config{})
	t.Cleanup(func() { shutdownServer(t, srv) })
	t.Run("data", func(t *testing.T) {
		runCatchUp(t, []*httptest.Server{ts, ts}, dataClassScenario, "batch_loss", "edge_sharpness", "stability_limit", "limit_formula")
	})
	t.Run("quadratic", func(t *testing.T) {
		runCatchUp(t, []*httptest.Server{ts, ts}, classScenario, "edge_sharpness", "stability_limit", "limit_formula")
	})
	// A teacher taking the room over mid-run (a reload) resumes a data
	// surface's runs as they were: batch_loss in its frames, the batch size
	// the set gave, the same points as a class without the take-over.
	t.Run("data take-over", func(t *testing.T) {
		want := runCatchUp(t, []*httptest.Server{ts, ts}, dataClassScenario)
		got := runCatchUpTakeOver(t, []*httptest.Server{ts, ts}, dataClassScenario, true, "batch_loss")
		if d := sameColumns(got, want); d != "" {
			t.Errorf("after a take-over: %s", d)
		}
	})
}

func shutdownServer(t *testing.T, s *Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Shutdown(ctx)
}

func TestRoomClassMemory(t *testing.T) {
	ts, srv := newTestServer(t, Config{})
	t.Cleanup(func() { shutdownServer(t, srv) })
	runClass(t, []*httptest.Server{ts, ts})
}

// TestRoomSlowStudentCatchesUp: a student whose socket takes nothing for a
// while falls out of the room's ring; it is not dropped, it gets the
// catch-up again and ends with every point.
func TestRoomSlowStudentCatchesUp(t *testing.T) {
	ts, srv := newTestServer(t, Config{RoomBacklog: 4})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	teacher := joinTeacher(t, ts, cr)
	hold := make(chan struct{})
	slow := dialRoomHeld(t, ts, "slow", hold)
	slow.send(fmt.Sprintf(`{"type":"join","room":%q,"role":"student","member":"slow-student"}`, cr.Room))
	time.Sleep(200 * time.Millisecond)
	big := `{"surface":{"name":"rosenbrock"},"steps":10000,"runs":[` + strings.Repeat(`{"start":[-1.2,1],"optimizer":{"name":"sgd","lr":0.0001}},`, 7) + `{"start":[-1.2,1],"optimizer":{"name":"sgd","lr":0.0002}}]}`
	teacher.send(`{"type":"start","scenario":` + big + `,"rate":0}`)
	teacher.untilDone()
	close(hold)
	slow.untilDone()
	starts := 0
	for {
		select {
		case m := <-slow.msgs:
			slow.track(m)
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
	if d := sameStreams(slow.streams, teacher.streams); d != "" {
		t.Errorf("slow student: %s", d)
	}
	resp, body := do(t, ts, "GET", "/metrics", "", nil)
	_ = resp
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "lrlab_room_catchups_total ") {
			fmt.Sscan(strings.TrimPrefix(line, "lrlab_room_catchups_total "), &starts)
		}
	}
	if starts < 2 {
		t.Errorf("%d catch-ups: the slow student never fell out of the ring (the test did not test)", starts)
	}
}
