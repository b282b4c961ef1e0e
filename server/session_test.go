package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// discardConn is a connection that takes every write and blocks reads
// until it is closed.
type discardConn struct {
	once   sync.Once
	closed chan struct{}
}

func newDiscardConn() *discardConn { return &discardConn{closed: make(chan struct{})} }

func (c *discardConn) Read(p []byte) (int, error)         { <-c.closed; return 0, io.EOF }
func (c *discardConn) Write(p []byte) (int, error)        { return len(p), nil }
func (c *discardConn) Close() error                       { c.once.Do(func() { close(c.closed) }); return nil }
func (c *discardConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *discardConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *discardConn) SetDeadline(t time.Time) error      { return nil }
func (c *discardConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *discardConn) SetWriteDeadline(t time.Time) error { return nil }

// hijackRecorder is a ResponseWriter whose Hijack returns conn.
type hijackRecorder struct {
	*httptest.ResponseRecorder
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}

// frameSession returns a session on a websocket whose writes are discarded,
// accepted through hijackWriter as handleWS does, after start (rate 60, the
// given runs on Rosenbrock as the load tool runs them).
func frameSession(tb testing.TB, runs int) *session {
	tb.Helper()
	dc := newDiscardConn()
	tb.Cleanup(func() { dc.Close() })
	r := httptest.NewRequest(http.MethodGet, "/ws", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	cfg := DefaultConfig()
	w := &hijackWriter{ResponseWriter: &hijackRecorder{ResponseRecorder: httptest.NewRecorder(), conn: dc}, timeout: cfg.WriteTimeout}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.CloseNow() })
	s := newSession(slog.New(slog.DiscardHandler), cfg, newMetrics(), conn)
	rs := strings.TrimSuffix(strings.Repeat(`{"start":[-1.2,1],"optimizer":{"name":"sgd","lr":0.0001,"momentum":0.5}},`, runs), ",")
	m, err := decodeClientMessage([]byte(`{"type":"start","rate":60,"scenario":{"surface":{"name":"rosenbrock"},"steps":10000,"runs":[`+rs+`]}}`), cfg.MaxSteps)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.start(context.Background(), m); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { // serve's end: off the frame clock, whose goroutine then returns
		if s.ticking {
			s.clock.stop(&s.beat)
		}
	})
	return s
}

// frame is one frame interval at 60 steps/s and 30 frames/s: two steps per
// run, encoded and written.
func frame(tb testing.TB, s *session, steps int) {
	s.advance(steps)
	if err := s.flush(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSessionFrame measures one frame of a session with 2 runs at 60
// steps/s (2 points per run): the steps, the encoding and the websocket
// write (to a connection that discards it). It allocates nothing.
func BenchmarkSessionFrame(b *testing.B) {
	for _, binary := range []bool{false, true} {
		b.Run(map[bool]string{false: "json", true: "binary"}[binary], func(b *testing.B) {
			s := frameSession(b, 2)
			s.binary = binary
			s.advance(2)
			b.SetBytes(int64(len(s.appendFrame(nil))))
			if binary {
				b.SetBytes(int64(len(s.appendBinaryFrame(nil))))
			}
			frame(b, s, 0)
			b.ReportAllocs()
			for b.Loop() {
				frame(b, s, 2)
				if s.runs[0].sent > 9000 {
					b.StopTimer()
					s = frameSession(b, 2)
					s.binary = binary
					b.StartTimer()
				}
			}
		})
	}
}

// TestSessionFrameAllocs checks that a frame in steady state allocates
// nothing, and that a session keeps small buffers: a burst of points (a step
// message, a client that fell behind) does not leave its columns large.
func TestSessionFrameAllocs(t *testing.T) {
	s := frameSession(t, 2)
	frame(t, s, 2)
	if n := testing.AllocsPerRun(500, func() { frame(t, s, 2) }); n != 0 {
		t.Errorf("%v allocations per frame, want 0", n)
	}
	s.binary = true
	frame(t, s, 2)
	if n := testing.AllocsPerRun(500, func() { frame(t, s, 2) }); n != 0 {
		t.Errorf("%v allocations per binary frame, want 0", n)
	}
	s.binary = false
	s.advance(2)
	if n := len(s.appendFrame(nil)); n > wsWriteBuf {
		t.Errorf("a frame of 2 runs at 60 steps/s is %d bytes, more than the %d-byte write buffer", n, wsWriteBuf)
	}
	frame(t, s, 0)
	keep := 2 * s.colsHint()
	frame(t, s, 1500) // a burst
	for i, lr := range s.runs {
		if cap(lr.cols) > keep {
			t.Errorf("run %d keeps %d values after a burst, want ≤ %d", i, cap(lr.cols), keep)
		}
	}
	for range 100 {
		frame(t, s, 2)
	}
	for i, lr := range s.runs {
		if cap(lr.cols) > keep {
			t.Errorf("run %d keeps %d values, want ≤ %d", i, cap(lr.cols), keep)
		}
	}
	if s.buf != nil {
		t.Errorf("session keeps a %d-byte buffer", cap(s.buf))
	}
}

// TestWSEarlyData checks that a message the client sends right behind its
// upgrade request, before the answer (so net/http has buffered it before the
// hijack), reaches the session.
func TestWSEarlyData(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET /ws HTTP/1.1\r\nHost: " + strings.TrimPrefix(ts.URL, "http://") + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	msg := []byte(`{"type":"start","rate":0,"scenario":` + pausedScenario + `}`)
	// One masked text frame (client frames are masked; a zero mask keeps the payload as is).
	fr := []byte{0x81, 0x80 | 126, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(fr[2:], uint16(len(msg)))
	if _, err := c.Write(append(append([]byte(req), fr...), msg...)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	// The first server frame: an unmasked text frame with "started".
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatal(err)
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	var m struct{ Type string }
	if err := json.Unmarshal(body, &m); err != nil || m.Type != "started" {
		t.Fatalf("first message %s (%v), want started", body, err)
	}
}

// TestWSRequestLoggedAtEnd checks that a websocket session is logged as one
// request when it ends, although its handler returns at the upgrade.
func TestWSRequestLoggedAtEnd(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil))
	ts := httptest.NewServer(NewServer(logger, Config{}))
	defer ts.Close()
	read := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
	c := mustDial(t, ts)
	c.send(`{"type":"start","rate":0,"scenario":` + pausedScenario + `}`)
	c.expect("started")
	if strings.Contains(read(), `"path":"/ws"`) {
		t.Fatalf("session logged before it ended:\n%s", read())
	}
	c.c.Close(websocket.StatusNormalClosure, "")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(read(), `"path":"/ws"`); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no request line for the session:\n%s", read())
		}
	}
	if !strings.Contains(read(), `"status":101`) {
		t.Errorf("request line without status 101:\n%s", read())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// TestAppendColumnRepeats checks that a column whose values repeat (copied
// from the digits already written) reads as formatting each value afresh,
// -0 after 0 and NaN (null) included, at every stride and offset.
func TestAppendColumnRepeats(t *testing.T) {
	vals := []float64{0.001, 0.001, 0.001, 0, math.Copysign(0, -1), 0, math.NaN(), math.NaN(), 1e300, 1e300, 2.5, 0.001}
	for _, stride := range []int{1, 2, 3} {
		for off := range stride {
			cols := make([]float64, 0, len(vals)*stride)
			for _, v := range vals {
				for k := range stride {
					if k == off {
						cols = append(cols, v)
					} else {
						cols = append(cols, -7)
					}
				}
			}
			want := appendFloats(nil, "c", vals)
			if got := appendColumn(nil, "c", cols, stride, off); string(got) != string(want) {
				t.Errorf("stride %d, offset %d: %s, want %s", stride, off, got, want)
			}
		}
	}
}

// TestFloatMemo checks that values copied through a frame's memo read as
// formatting each afresh: repeats near and far, -0 after 0, NaN, values
// whose entries collide, across resets and a buffer that grows.
func TestFloatMemo(t *testing.T) {
	pool := []float64{0.001, 0, math.Copysign(0, -1), math.NaN(), math.Inf(1), 1e300, 2.5, -1.1493157557140965, 1443.6140450036696, 1e-7, 123456789}
	for i := range 40 {
		pool = append(pool, float64(i)*0.1+1/float64(i+1))
	}
	var m floatMemo
	seed := uint64(1)
	for round := range 200 {
		m.reset()
		var b, want []byte
		if round%2 == 1 {
			b = make([]byte, 0, 4) // grows while values are copied
		}
		for range 60 {
			seed = seed*6364136223846793005 + 1442695040888963407
			v := pool[int(seed>>33)%len(pool)]
			b = append(m.appendFloat(b, v), ',')
			want = append(appendFloat(want, v), ',')
		}
		if string(b) != string(want) {
			t.Fatalf("round %d: %s, want %s", round, b, want)
		}
	}
}
