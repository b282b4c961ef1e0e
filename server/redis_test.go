package server

import (
	"context"
	"fmt"
	"github.com/coder/websocket"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedis is a redis-server of a test's own, on a free loopback port,
// with no persistence.
type testRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

// needTool returns the path of the program name, which .ci/run installs.
// Without it the test is skipped (what names what is not checked), except
// under CI=true, where it fails.
func needTool(t *testing.T, name, what string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run installs it, and CI requires it", name)
		}
		t.Skipf("%s is not installed: skipping %s", name, what)
	}
	return p
}

// startRedis starts Debian's redis-server for the test and stops it at the
// end. Without redis-server the test is skipped, except under CI=true,
// where it fails.
func startRedis(t *testing.T) *testRedis {
	t.Helper()
	needTool(t, "redis-server", "the Redis tests")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := &testRedis{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *testRedis) url() string { return "redis://127.0.0.1:" + strconv.Itoa(r.port) + "/0" }

// start runs redis-server and waits until it answers PING.
func (r *testRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(r.port)})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d: %v", r.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills redis-server and waits for it.
func (r *testRedis) stop() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// newRedisServers starts n lab servers on one Redis.
func newRedisServers(t *testing.T, rd *testRedis, n int, cfg Config) ([]*httptest.Server, []*Server) {
	t.Helper()
	cfg.RedisURL = rd.url()
	var tss []*httptest.Server
	var srvs []*Server
	for range n {
		ts, srv := newTestServer(t, cfg)
		t.Cleanup(func() { shutdownServer(t, srv) })
		tss, srvs = append(tss, ts), append(srvs, srv)
	}
	return tss, srvs
}

var _ = fmt.Sprint

func TestRoomClassRedis(t *testing.T) {
	rd := startRedis(t)
	tss, _ := newRedisServers(t, rd, 2, Config{})
	runClass(t, tss)
}

func TestRoomCatchUpRedis(t *testing.T) {
	rd := startRedis(t)
	tss, _ := newRedisServers(t, rd, 2, Config{})
	t.Run("data", func(t *testing.T) {
		runCatchUp(t, tss, dataClassScenario, "batch_loss", "edge_sharpness", "stability_limit", "limit_formula")
	})
	t.Run("quadratic", func(t *testing.T) {
		runCatchUp(t, tss, classScenario, "edge_sharpness", "stability_limit", "limit_formula")
	})
}

// slowScenario runs long enough to stop things in the middle.
const slowScenario = `{"surface":{"name":"quadratic","a":1,"b":10},"steps":400,"runs":[
	{"label":"a","start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.05}},
	{"label":"b","start":[-2.5,1.5],"optimizer":{"name":"adam","lr":0.05},"noise":0.2,"seed":3}]}`

// points returns the points of run 0 a client has.
func (c *roomClient) points() int {
	if len(c.streams) == 0 {
		return 0
	}
	return len(c.streams[0].X)
}

func TestRoomRedisStopsAndComesBack(t *testing.T) {
	rd := startRedis(t)
	tss, _ := newRedisServers(t, rd, 2, Config{})
	cr := createRoom(t, tss[0])
	teacher := joinTeacher(t, tss[0], cr)
	near := joinStudent(t, tss[0], cr.Room, "near-student")
	far := joinStudent(t, tss[1], cr.Room, "far-student")
	teacher.send(`{"type":"start","scenario":` + slowScenario + `,"rate":80}`)
	for far.points() < 40 {
		far.next()
	}
	rd.stop()
	far.until("room_status", func(m roomMsg) bool { return strings.Contains(m.Raw, `"degraded"`) })
	// The owner's members go on.
	at := near.points()
	for near.points() < at+40 {
		near.next()
	}
	rd.start()
	far.until("room_status", func(m roomMsg) bool { return strings.Contains(m.Raw, `"ok"`) })
	teacher.untilDone()
	near.untilDone()
	far.untilDone()
	if d := sameStreams(near.streams, teacher.streams); d != "" {
		t.Errorf("the owner's student: %s", d)
	}
	if d := sameStreams(far.streams, teacher.streams); d != "" {
		t.Errorf("the other replica's student after Redis came back: %s", d)
	}
	sim := simulate(t, tss[0], slowScenario)
	for i := range sim {
		if !slices.Equal(teacher.streams[i].X, sim[i].X) {
			t.Errorf("run %d differs from simulate", i)
		}
	}
	// Votes work again.
	teacher.send(`{"type":"ask","question":{"id":"after","text":"Back?","choices":["yes","no"]}}`)
	far.until("question", nil)
	far.send(`{"type":"vote","question":"after","choice":0}`)
	far.until("voted", nil)
	teacher.until("tally", func(m roomMsg) bool { return m.Voters == 1 })
}

func TestRoomTeacherMovesToAnotherReplica(t *testing.T) {
	rd := startRedis(t)
	tss, srvs := newRedisServers(t, rd, 2, Config{})
	cr := createRoom(t, tss[0])
	teacher := joinTeacher(t, tss[0], cr)
	student := joinStudent(t, tss[1], cr.Room, "far-student")
	teacher.send(`{"type":"start","scenario":` + slowScenario + `,"rate":100}`)
	teacher.send(`{"type":"ask","question":{"id":"q1","kind":"basin","run":0}}`)
	for student.points() < 60 {
		student.next()
	}
	// SIGTERM on the teacher's replica: its sockets close with 1001.
	go shutdownServer(t, srvs[0])
	if code := teacher.closeCode(); code != websocket.StatusGoingAway {
		t.Fatalf("teacher closed with %v, want 1001", code)
	}
	student.until("teacher", func(m roomMsg) bool { return !m.Present })
	// The page reconnects, to the other replica, and resumes.
	again := joinTeacher(t, tss[1], cr)
	again.until("question", nil)
	st := again.until("state", func(m roomMsg) bool { return m.Running && m.Paused })
	_ = st
	if again.points() < 60 {
		t.Fatalf("the teacher's catch-up has %d points", again.points())
	}
	student.until("state", func(m roomMsg) bool { return m.Paused })
	again.send(`{"type":"resume"}`)
	again.untilDone()
	student.untilDone()
	sim := simulate(t, tss[1], slowScenario)
	for i := range sim {
		if !slices.Equal(again.streams[i].X, sim[i].X) || !slices.Equal(again.streams[i].Loss, sim[i].Loss) {
			t.Errorf("run %d: the resumed teacher's points differ from simulate", i)
		}
	}
	if d := sameStreams(student.streams, again.streams); d != "" {
		t.Errorf("student: %s", d)
	}
	again.send(`{"type":"reveal","question":"q1"}`)
	rv := again.until("reveal", nil)
	if !strings.Contains(rv.Raw, `"label":"global"`) {
		t.Errorf("basin reveal %s", rv.Raw)
	}
	student.until("reveal", nil)
}

// TestRoomTeacherTakesOverFromLiveReplica: a second teacher socket on the
// other replica takes the room while the first still streams; the first is
// replaced, and every student ends with the points of simulate.
func TestRoomTeacherTakesOverFromLiveReplica(t *testing.T) {
	rd := startRedis(t)
	tss, _ := newRedisServers(t, rd, 2, Config{})
	cr := createRoom(t, tss[0])
	first := joinTeacher(t, tss[0], cr)
	near := joinStudent(t, tss[0], cr.Room, "near-student")
	far := joinStudent(t, tss[1], cr.Room, "far-student")
	first.send(`{"type":"start","scenario":` + slowScenario + `,"rate":150}`)
	for far.points() < 60 {
		far.next()
	}
	second := joinTeacher(t, tss[1], cr)
	if m := first.until("ended", nil); m.Reason != "replaced" {
		t.Fatalf("first teacher: %s", m.Raw)
	}
	second.until("state", func(m roomMsg) bool { return m.Running && m.Paused })
	time.Sleep(300 * time.Millisecond) // the first replica's last writes, if any, come now
	second.send(`{"type":"resume"}`)
	second.untilDone()
	near.untilDone()
	far.untilDone()
	sim := simulate(t, tss[1], slowScenario)
	for i := range sim {
		if !slices.Equal(second.streams[i].X, sim[i].X) {
			t.Errorf("run %d: the new teacher's points differ from simulate", i)
		}
	}
	for _, s := range []*roomClient{near, far} {
		if d := sameStreams(s.streams, second.streams); d != "" {
			t.Errorf("%s: %s", s.name, d)
		}
	}
}
