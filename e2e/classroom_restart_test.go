package e2e

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lrlab/server"
)

// redisForTest starts Debian's redis-server on a free loopback port with no
// persistence, stopped when the test ends, and returns its URL. Without
// redis-server the test skips, except under CI=true (which installs it),
// where it fails.
func redisForTest(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (apt-get install redis-server); CI requires it")
		}
		t.Skip("redis-server is not installed (apt-get install redis-server): the server-restart browser test needs it")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			c.Write([]byte("PING\r\n"))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return "redis://127.0.0.1:" + port + "/0"
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %s does not answer", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// labServer is a lab server of a test's own on a listener.
type labServer struct {
	srv  *server.Server
	http *http.Server
}

func serveLab(t *testing.T, l net.Listener, redisURL string) *labServer {
	t.Helper()
	s := &labServer{srv: server.NewServer(slog.New(slog.DiscardHandler), server.Config{RedisURL: redisURL})}
	s.http = &http.Server{Handler: s.srv}
	go s.http.Serve(l)
	t.Cleanup(func() { s.stop() })
	return s
}

// stop stops the server as SIGTERM does (cmd/server): Shutdown closes the
// websockets with 1001, then the listener closes.
func (s *labServer) stop() {
	if s.http == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	s.http.Close()
	s.http = nil
}

// TestClassroomServerRestart: the server of a class (rooms in Redis) stops
// mid-run as on SIGTERM and a new one starts on the same address; the
// teacher's page reconnects, rejoins with its token and resumes the room,
// the student's page catches up, and both end with the same points, those
// of /api/v1/simulate for the scenario.
func TestClassroomServerRestart(t *testing.T) {
	requireBrowser(t)
	rurl := redisForTest(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	base := "http://" + addr
	first := serveLab(t, l, rurl)
	goTo := func(tb *tab, path string) {
		tb.t.Helper()
		tb.do("navigate "+path, chromedp.Navigate(base+path))
		waitReady(tb)
	}

	teacher := newTab(t, desktop)
	teacher.allow = []string{"ERR_CONNECTION_REFUSED", "WebSocket connection", "Failed to load resource"}
	goTo(teacher, "/?surface=quadratic&steps=150&rate=40&run=sgd,lr=0.05&run=sgd,lr=0.19")
	teacher.waitFor("Start a class", `document.getElementById('class-start')`, 10*time.Second, "")
	teacher.click("#class-start")
	teacher.waitFor("the room's page", `location.pathname.startsWith('/r/') && document.getElementById('room-code')`, 10*time.Second, `location.href`)
	waitReady(teacher)
	teacher.waitFor("the room has the scenario", `__lab.started && __lab.state.runs.length === 2`, 10*time.Second, "")
	code := eval[string](teacher, `__lab.room.room.code`)
	s := newStudentTab(t, phone390)
	s.allow = teacher.allow
	goTo(s, "/r/"+code)
	s.waitFor("the class's scenario", `__lab.state.runs.length === 2 && __lab.room.room.joined`, 10*time.Second, "")

	teacher.play()
	teacher.waitFor("some steps", `__lab.runs[0].n > 25`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
	first.stop()
	nStop := eval[int](teacher, `__lab.runs[0].n`)
	teacher.waitFor("the page knows", `document.getElementById('conn').dataset.state !== 'open'`, 10*time.Second, "")
	var l2 net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; {
		if l2, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listening again on %s: %v", addr, err)
	}
	serveLab(t, l2, rurl)
	teacher.waitFor("the teacher's page rejoins and the class goes on", `__lab.room.room.joined && __lab.runs[0].n > `+strconv.Itoa(nStop+5), 20*time.Second,
		`({conn: document.getElementById('conn').dataset.state, room: __lab.room.room, n: __lab.runs.map((d) => d.n)})`)
	teacher.waitAllDone(30 * time.Second)
	s.waitAllDone(20 * time.Second)
	trail := `JSON.stringify(__lab.runs.map((d) => [d.n, d.status, d.x, d.y]))`
	want := eval[string](teacher, trail)
	if got := eval[string](s, trail); got != want {
		t.Errorf("after the restart the student's trails differ from the teacher's:\n got %s\nwant %s", short(got), short(want))
	}
	simulated := eval[string](teacher, `fetch('/api/v1/simulate', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({surface: {name: 'quadratic'}, steps: 150,
		runs: [{optimizer: {name: 'sgd', lr: 0.05}}, {optimizer: {name: 'sgd', lr: 0.19}}]})}).then((r) => r.json()).then((b) => JSON.stringify(b.runs.map((r) => [r.x, r.y])))`)
	page := eval[string](teacher, `JSON.stringify(__lab.runs.map((d) => [d.x, d.y]))`)
	if page != simulated {
		t.Errorf("the class's points differ from /api/v1/simulate:\n page %s\n  sim %s", short(page), short(simulated))
	}
	t.Logf("stopped at point %d of %d; the class resumed and finished: %s", nStop, 151, eval[string](teacher, `__lab.runs.map((d) => d.n + ' ' + d.status).join(', ')`))
}
