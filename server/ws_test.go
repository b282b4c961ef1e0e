package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lrlab/api"
)

// wsClient is a test client: a goroutine reads every message into msgs and
// ends with the read error in closed.
type wsClient struct {
	t      *testing.T
	c      *websocket.Conn
	msgs   chan api.ServerMsg
	closed chan error
}

func dialWS(t *testing.T, ts *httptest.Server, hdr http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws",
		&websocket.DialOptions{HTTPClient: ts.Client(), HTTPHeader: hdr})
	if err != nil {
		return nil, resp, err
	}
	c.SetReadLimit(-1)
	wc := &wsClient{t: t, c: c, msgs: make(chan api.ServerMsg, 1024), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				close(wc.msgs)
				wc.closed <- err
				return
			}
			var m api.ServerMsg
			if err := json.Unmarshal(b, &m); err != nil {
				m = api.ServerMsg{Type: "bad json: " + err.Error() + ": " + string(b)}
			}
			wc.msgs <- m
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return wc, resp, nil
}

func mustDial(t *testing.T, ts *httptest.Server) *wsClient {
	t.Helper()
	c, _, err := dialWS(t, ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *wsClient) send(msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatalf("send %s: %v", msg, err)
	}
}

// next returns the next message, failing after 5 s.
func (c *wsClient) next() api.ServerMsg {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection closed: %v", <-c.closed)
		}
		return m
	case <-time.After(5 * time.Second):
		c.t.Fatal("no message within 5 s")
	}
	return api.ServerMsg{}
}

// expect returns the next message, which must be of type typ.
func (c *wsClient) expect(typ string) api.ServerMsg {
	c.t.Helper()
	m := c.next()
	if m.Type != typ {
		c.t.Fatalf("got %+v, want a %s message", m, typ)
	}
	return m
}

// quiet asserts that no message arrives for d.
func (c *wsClient) quiet(d time.Duration) {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		c.t.Fatalf("unexpected message %+v", m)
	case <-time.After(d):
	}
}

// closeCode waits for the server to close the connection and returns the
// close code.
func (c *wsClient) closeCode() websocket.StatusCode {
	c.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return websocket.CloseStatus(<-c.closed)
			}
		case <-timeout:
			c.t.Fatal("the server did not close the connection")
		}
	}
}

// stream is the concatenation of a run's frames.
type stream struct {
	api.FrameRun
	started bool
	done    *api.ServerMsg
}

func (s *stream) add(t *testing.T, f api.FrameRun) {
	t.Helper()
	if !s.started {
		s.started, s.T0 = true, f.T0
	}
	if f.T0 != s.T0+len(s.X) {
		t.Fatalf("run %d: frame t0 %d after %d points", f.Run, f.T0, len(s.X))
	}
	n := len(f.X)
	for _, col := range [][]float64{f.Y, f.Loss, f.GradNorm, f.LR, f.Sharpness} {
		if len(col) != n {
			t.Fatalf("run %d: ragged frame", f.Run)
		}
	}
	if len(f.Grad) != 2 || len(f.Velocity) != 2 {
		t.Fatalf("run %d: grad %v velocity %v", f.Run, f.Grad, f.Velocity)
	}
	s.X = append(s.X, f.X...)
	s.Y = append(s.Y, f.Y...)
	s.Loss = append(s.Loss, f.Loss...)
	s.GradNorm = append(s.GradNorm, f.GradNorm...)
	s.LR = append(s.LR, f.LR...)
	s.Sharpness = append(s.Sharpness, f.Sharpness...)
	s.TestLoss = append(s.TestLoss, f.TestLoss...)
	s.BatchLoss = append(s.BatchLoss, f.BatchLoss...)
}

// collect reads frames and done messages until every one of n runs is
// done, and returns each run's stream and the first frame.
func (c *wsClient) collect(n int) ([]stream, api.ServerMsg) {
	c.t.Helper()
	out := make([]stream, n)
	var first api.ServerMsg
	left := n
	for left > 0 {
		m := c.next()
		switch m.Type {
		case "frame":
			if first.Type == "" {
				first = m
			}
			for _, f := range m.Runs {
				if out[f.Run].done != nil {
					c.t.Fatalf("run %d: frame after done", f.Run)
				}
				out[f.Run].add(c.t, f)
			}
		case "done":
			m := m
			out[m.Run].done = &m
			left--
		default:
			c.t.Fatalf("unexpected %+v", m)
		}
	}
	return out, first
}

// equalStream checks that a streamed run is the simulated one point for
// point: x, y, loss, grad_norm, sharpness, test_loss alike; lr[0] of the
// stream is the LR step 0 will use, lr[k] the LR of the step that produced
// point k, i.e. the simulated lr[k−1].
func equalStream(t *testing.T, i int, got stream, want api.SimRun) {
	t.Helper()
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"x", got.X, want.X}, {"y", got.Y, want.Y}, {"loss", got.Loss, want.Loss}, {"grad_norm", got.GradNorm, want.GradNorm},
		{"sharpness", got.Sharpness, want.Sharpness}, {"test_loss", got.TestLoss, want.TestLoss}} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("run %d %s: streamed %d values, simulated %d; differ", i, c.name, len(c.got), len(c.want))
		}
	}
	if len(got.LR) != len(got.X) || len(want.LR) > 0 && got.LR[0] != want.LR[0] {
		t.Errorf("run %d lr[0] %v vs %v", i, got.LR[:1], want.LR[:1])
	}
	for k := 1; k < len(got.LR); k++ {
		if got.LR[k] != want.LR[k-1] {
			t.Errorf("run %d: lr of point %d is %v, simulate's lr[%d] is %v", i, k, got.LR[k], k-1, want.LR[k-1])
			break
		}
	}
	d := got.done
	if d == nil || d.Status != want.Status || (d.DivergedAt == nil) != (want.DivergedAt == nil) ||
		d.DivergedAt != nil && *d.DivergedAt != *want.DivergedAt {
		t.Errorf("run %d done %+v, simulate %s at %v", i, d, want.Status, want.DivergedAt)
	}
	if d != nil && len(want.LR) > 0 && d.LR != want.LR[len(want.LR)-1] {
		t.Errorf("run %d done lr %v, want the last step's %v", i, d.LR, want.LR[len(want.LR)-1])
	}
	if d != nil && d.Sharpness != got.Sharpness[len(got.Sharpness)-1] {
		t.Errorf("run %d done sharpness %v, last point's %v", i, d.Sharpness, got.Sharpness[len(got.Sharpness)-1])
	}
}

const streamScenario = `{"surface":{"name":"quadratic","a":1,"b":10},"steps":300,"test_shift":[0.2,-0.1],"runs":[
	{"label":"ok","start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.19}},
	{"label":"diverges","start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.21}},
	{"label":"adam","start":[-2.5,1.5],"optimizer":{"name":"adam","lr":0.05},"scheduler":{"name":"cosine"},"noise":0.3,"seed":7}]}`

func TestWSStreamEqualsSimulate(t *testing.T) {
	ts, _ := newTestServer(t, Config{MaxPointsPerFrame: 64})
	want := simulate(t, ts, streamScenario)
	c := mustDial(t, ts)
	for _, rate := range []string{"0", "5000"} {
		c.send(`{"type":"start","rate":` + rate + `,"scenario":` + streamScenario + `}`)
		st := c.expect("started")
		var norm struct{ Runs []json.RawMessage }
		if err := json.Unmarshal(st.Scenario, &norm); err != nil || len(norm.Runs) != 3 {
			t.Fatalf("started scenario %s: %v", st.Scenario, err)
		}
		got, first := c.collect(3)
		if len(first.Runs) != 3 || first.Runs[0].T0 != 0 || len(first.Runs[0].X) != 1 {
			t.Fatalf("first frame %+v", first)
		}
		for i := range want {
			equalStream(t, i, got[i], want[i])
		}
	}
}

const pausedScenario = `{"surface":{"name":"quadratic","a":1,"b":10},"steps":50,"runs":[
	{"start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.05}},
	{"start":[2,1],"optimizer":{"name":"sgd","lr":0.02}}]}`

func TestWSPauseResumeStep(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c := mustDial(t, ts)
	c.send(`{"type":"start","rate":1000,"paused":true,"scenario":` + pausedScenario + `}`)
	c.expect("started")
	if f := c.expect("frame"); len(f.Runs) != 2 || f.Runs[1].T0 != 0 || len(f.Runs[1].X) != 1 {
		t.Fatalf("first frame %+v", f)
	}
	c.quiet(150 * time.Millisecond) // paused: nothing moves
	c.send(`{"type":"step","n":3}`)
	f := c.expect("frame")
	if len(f.Runs) != 2 || f.Runs[0].T0 != 1 || len(f.Runs[0].X) != 3 || len(f.Runs[1].X) != 3 {
		t.Fatalf("step 3: %+v", f)
	}
	c.quiet(100 * time.Millisecond)
	c.send(`{"type":"resume"}`)
	got, _ := c.collect(2)
	if len(got[0].X) != 47 || got[0].T0 != 4 {
		t.Errorf("after resume: %d points from t0 %d, want 47 from 4", len(got[0].X), got[0].T0)
	}
	if got[0].done.Status == "running" {
		t.Errorf("done %+v", got[0].done)
	}
	// Pause stops a running stream within a frame.
	c.send(`{"type":"start","rate":200,"scenario":` + pausedScenario + `}`)
	c.expect("started")
	c.expect("frame")
	c.expect("frame")
	c.send(`{"type":"pause"}`)
	time.Sleep(50 * time.Millisecond)
drain:
	for {
		select {
		case m := <-c.msgs:
			if m.Type != "frame" {
				t.Fatalf("unexpected %+v", m)
			}
		default:
			break drain
		}
	}
	c.quiet(150 * time.Millisecond)
	c.send(`{"type":"stop"}`)
	c.send(`{"type":"resume"}`)
	c.quiet(100 * time.Millisecond) // stopped: nothing to resume
}

func TestWSSetLR(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c := mustDial(t, ts)
	c.send(`{"type":"start","paused":true,"scenario":` + pausedScenario + `}`)
	c.expect("started")
	first := c.expect("frame")
	c.send(`{"type":"step","n":10}`)
	f := c.expect("frame")
	if f.Runs[0].T0 != 1 || len(f.Runs[0].X) != 10 {
		t.Fatalf("frame %+v", f.Runs[0])
	}
	x10, y10 := f.Runs[0].X[9], f.Runs[0].Y[9]
	c.send(`{"type":"set","run":0,"optimizer":{"lr":0.08}}`)
	ok := c.expect("set_ok")
	if ok.Run != 0 || ok.Step != 10 {
		t.Fatalf("set_ok %+v", ok)
	}
	c.send(`{"type":"resume"}`)
	got, _ := c.collect(2)
	_ = first
	// A fresh run of plain SGD from point 10 with the new LR takes the
	// same steps.
	want := simulate(t, ts, fmt.Sprintf(`{"surface":{"name":"quadratic","a":1,"b":10},"steps":40,"runs":[
		{"start":[%v,%v],"optimizer":{"name":"sgd","lr":0.08}}]}`, x10, y10))[0]
	if !slices.Equal(got[0].X, want.X[1:]) || !slices.Equal(got[0].Y, want.Y[1:]) || !slices.Equal(got[0].Loss, want.Loss[1:]) {
		t.Errorf("after set: streamed x %v…, fresh run %v…", got[0].X[:3], want.X[1:4])
	}
	for k, lr := range got[0].LR {
		if lr != 0.08 {
			t.Fatalf("point %d after set has lr %v", 11+k, lr)
		}
	}
	// Run 1 is untouched: it matches its own simulation.
	all := simulate(t, ts, pausedScenario)
	if !slices.Equal(got[1].X, all[1].X[11:]) {
		t.Errorf("run 1 changed by a set on run 0")
	}
	// A set on a finished run, or with a bad value, is an error naming the
	// field, and the session goes on.
	c.send(`{"type":"set","run":0,"optimizer":{"lr":0.1}}`)
	if e := c.expect("error"); e.Field != "run" {
		t.Errorf("set on a finished run: %+v", e)
	}
	c.send(`{"type":"start","paused":true,"scenario":` + pausedScenario + `}`)
	c.expect("started")
	c.expect("frame")
	for _, tt := range []struct{ msg, field string }{
		{`{"type":"set","run":1,"optimizer":{"lr":-1}}`, "runs[1].optimizer.lr"},
		{`{"type":"set","run":0,"optimizer":{"momentom":0.9}}`, "runs[0].optimizer.momentom"},
		{`{"type":"set","run":0,"scheduler":{"name":"cosinus"}}`, "runs[0].scheduler.name"},
		{`{"type":"set","run":2,"noise":0.1}`, "run"},
		{`{"type":"set","run":0,"noise":-0.1}`, "noise"},
	} {
		c.send(tt.msg)
		if e := c.expect("error"); e.Field != tt.field || e.Error == "" {
			t.Errorf("%s: %+v, want field %q", tt.msg, e, tt.field)
		}
	}
	c.send(`{"type":"set","run":1,"scheduler":{"name":"step","step_size":5},"noise":0.1}`)
	if ok := c.expect("set_ok"); ok.Run != 1 || ok.Step != 0 {
		t.Errorf("set_ok %+v", ok)
	}
}

func TestWSBadMessages(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c := mustDial(t, ts)
	for _, tt := range []struct{ msg, field, part string }{
		{`{"type":`, "", "malformed"},
		{`[1,2]`, "", "object"},
		{`{"kind":"start"}`, "type", "required"},
		{`{"type":"launch"}`, "type", "unknown message type"},
		{`{"type":"pause","now":true}`, "now", "unknown key"},
		{`{"type":"rate","rate":-5}`, "rate", "10000"},
		{`{"type":"rate","rate":20000}`, "rate", "10000"},
		{`{"type":"step","n":0}`, "n", "whole number"},
		{`{"type":"step","n":1}`, "type", "start first"},
		{`{"type":"start","scenario":{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0}}]}}`, "runs[0].optimizer.lr", "> 0"},
		{`{"type":"start","scenario":{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgdd","lr":1}}]}}`, "runs[0].optimizer.name", "adam"},
		{`{"type":"start"}`, "scenario", "required"},
	} {
		c.send(tt.msg)
		e := c.expect("error")
		if e.Field != tt.field || !strings.Contains(e.Error, tt.part) {
			t.Errorf("%s: %+v, want field %q and %q", tt.msg, e, tt.field, tt.part)
		}
	}
	if err := c.c.Write(context.Background(), websocket.MessageBinary, []byte(`{"type":"pause"}`)); err != nil {
		t.Fatal(err)
	}
	c.expect("error")
	// The session still works.
	c.send(`{"type":"start","rate":0,"scenario":` + pausedScenario + `}`)
	c.expect("started")
	c.collect(2)
}

func TestWSMessageTooBig(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c := mustDial(t, ts)
	big := `{"type":"start","scenario":{"surface":{"name":"quadratic"},"runs":[{"label":"` + strings.Repeat("x", 65<<10) + `"}]}}`
	c.c.Write(context.Background(), websocket.MessageText, []byte(big))
	if code := c.closeCode(); code != websocket.StatusMessageTooBig {
		t.Errorf("close %v, want 1009", code)
	}
}

func TestWSOrigin(t *testing.T) {
	ts, _ := newTestServer(t, Config{AllowedOrigins: []string{"lab.example"}})
	_, resp, err := dialWS(t, ts, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign origin: %v %v", resp, err)
	}
	for _, o := range []string{"https://lab.example", ts.URL} {
		c, _, err := dialWS(t, ts, http.Header{"Origin": {o}})
		if err != nil {
			t.Fatalf("origin %s: %v", o, err)
		}
		c.c.Close(websocket.StatusNormalClosure, "")
	}
}

func TestWSSessionLimits(t *testing.T) {
	ts, _ := newTestServer(t, Config{MaxSessionsPerIP: 2})
	a, b := mustDial(t, ts), mustDial(t, ts)
	_, resp, err := dialWS(t, ts, nil)
	if err == nil || resp == nil || resp.StatusCode != 429 {
		t.Fatalf("third session from one IP: %v %v", resp, err)
	}
	a.c.Close(websocket.StatusNormalClosure, "")
	// The slot comes back once the session has ended.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, _, err := dialWS(t, ts, nil)
		if err == nil {
			c.c.Close(websocket.StatusNormalClosure, "")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not released: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.c.Close(websocket.StatusNormalClosure, "")

	ts2, _ := newTestServer(t, Config{MaxSessions: 1})
	mustDial(t, ts2)
	if _, resp, err := dialWS(t, ts2, nil); err == nil || resp.StatusCode != 429 {
		t.Fatalf("over max sessions: %v %v", resp, err)
	}
}

func TestWSFlood(t *testing.T) {
	ts, _ := newTestServer(t, Config{MessageRate: 20, MessageBurst: 40})
	other := mustDial(t, ts)
	other.send(`{"type":"start","rate":300,"scenario":` + pausedScenario + `}`)
	other.expect("started")

	c := mustDial(t, ts)
	ctx := context.Background()
	for range 200 {
		if err := c.c.Write(ctx, websocket.MessageText, []byte(`{"type":"pause"}`)); err != nil {
			break // closed by the server
		}
	}
	if e := c.expect("error"); !strings.Contains(e.Error, "too many messages") {
		t.Errorf("flood error %+v", e)
	}
	if code := c.closeCode(); code != websocket.StatusPolicyViolation {
		t.Errorf("flood closed with %v, want 1008", code)
	}
	// The other session carries on to the end.
	got, _ := other.collect(2)
	if len(got[0].X) != 51 {
		t.Errorf("other session got %d points", len(got[0].X))
	}
}

func TestWSShutdown(t *testing.T) {
	ts, srv := newTestServer(t, Config{})
	clients := []*wsClient{mustDial(t, ts), mustDial(t, ts), mustDial(t, ts)}
	clients[0].send(`{"type":"start","rate":100,"scenario":` + streamScenario + `}`)
	clients[0].expect("started")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.Shutdown(ctx) }()
	for i, c := range clients {
		if code := c.closeCode(); code != websocket.StatusGoingAway {
			t.Errorf("client %d: close %v, want 1001", i, code)
		}
	}
	if err := <-errc; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, resp, err := dialWS(t, ts, nil); err == nil || resp.StatusCode != 503 {
		t.Errorf("new session while shutting down: %v %v", resp, err)
	}
}

func TestWSClientCloseEndsSession(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c := mustDial(t, ts)
	c.send(`{"type":"start","rate":100,"scenario":` + streamScenario + `}`)
	c.expect("started")
	c.c.Close(websocket.StatusNormalClosure, "bye")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := do(t, ts, "GET", "/metrics", "", nil)
		if strings.Contains(string(body), "\nlrlab_ws_sessions 0\n") &&
			strings.Contains(string(body), `lrlab_ws_sessions_ended_total{reason="client_closed"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session still live:\n%s", grepLines(string(body), "lrlab_ws"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var _ = errors.New

func TestWSSlowClientIsClosed(t *testing.T) {
	ts, _ := newTestServer(t, Config{WriteTimeout: 200 * time.Millisecond, MaxPointsPerFrame: 10000})
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", &websocket.DialOptions{HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	// 8 runs × 10,000 steps, as fast as allowed, to a client that reads
	// nothing: the socket buffers fill and a write misses its deadline.
	runs := strings.TrimSuffix(strings.Repeat(`{"optimizer":{"name":"sgd","lr":0.01}},`, 8), ",")
	start := `{"type":"start","rate":0,"scenario":{"surface":{"name":"quadratic"},"steps":10000,"runs":[` + runs + `]}}`
	for range 6 {
		if err := c.Write(ctx, websocket.MessageText, []byte(start)); err != nil {
			break
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := do(t, ts, "GET", "/metrics", "", nil)
		if strings.Contains(string(body), `lrlab_ws_sessions_ended_total{reason="write_timeout"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slow client not closed:\n%s", grepLines(string(body), "lrlab_ws"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWSIdleTimeout(t *testing.T) {
	ts, _ := newTestServer(t, Config{IdleTimeout: 150 * time.Millisecond})
	c := mustDial(t, ts)
	c.send(`{"type":"start","rate":0,"scenario":` + pausedScenario + `}`)
	c.expect("started")
	c.collect(2)
	began := time.Now()
	if code := c.closeCode(); code != websocket.StatusNormalClosure {
		t.Errorf("idle session closed with %v, want 1000", code)
	}
	if d := time.Since(began); d < 100*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", d)
	}
}

func TestClientIPTrustedProxies(t *testing.T) {
	xff := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	// Behind a trusted proxy (the test client's loopback address), the
	// X-Forwarded-For client is the one counted.
	ts, _ := newTestServer(t, Config{MaxSessionsPerIP: 1, TrustedProxies: []string{"127.0.0.0/8", "::1/128"}})
	for _, ip := range []string{"203.0.113.9", "198.51.100.7"} {
		if _, _, err := dialWS(t, ts, xff(ip)); err != nil {
			t.Fatalf("first session of %s: %v", ip, err)
		}
	}
	if _, resp, err := dialWS(t, ts, xff("203.0.113.9")); err == nil || resp.StatusCode != 429 {
		t.Errorf("second session of 203.0.113.9: %v", err)
	}
	// Without trusted proxies the header is ignored: the TCP peer counts.
	ts2, _ := newTestServer(t, Config{MaxSessionsPerIP: 1})
	if _, _, err := dialWS(t, ts2, xff("203.0.113.9")); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := dialWS(t, ts2, xff("198.51.100.7")); err == nil || resp.StatusCode != 429 {
		t.Errorf("a forged X-Forwarded-For got a new slot: %v", err)
	}
}

func TestWSPlainRequest(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, body := do(t, ts, "GET", "/ws", "", nil)
	if resp.StatusCode != http.StatusUpgradeRequired || !strings.Contains(string(body), `"error"`) {
		t.Errorf("plain GET /ws: %s %s", resp.Status, body)
	}
}
