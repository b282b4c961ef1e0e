package server

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"lrlab/api"
)

// pipeListener is a net.Listener of in-memory connections (net.Pipe), so a
// server runs inside a synctest bubble, where time is fake and advances
// only when every goroutine is blocked.
type pipeListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// bubbleLab runs the lab with cfg in the current synctest bubble and
// returns a dialled websocket; stop ends everything.
func bubbleLab(t *testing.T, cfg Config) (conn *websocket.Conn, stop func()) {
	cfg.AllowedHosts = append(cfg.AllowedHosts, "lab.test")
	srv := NewServer(discardLogger(), cfg)
	ln := newPipeListener()
	hs := &http.Server{Handler: srv}
	served := make(chan struct{})
	go func() { hs.Serve(ln); close(served) }()
	tr := &http.Transport{DialContext: ln.dial}
	c, _, err := websocket.Dial(context.Background(), "ws://lab.test/ws", &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(-1)
	return c, func() {
		c.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
		<-served
		tr.CloseIdleConnections()
	}
}

// readMsg reads one server message.
func readMsg(t *testing.T, c *websocket.Conn) (api.ServerMsg, error) {
	_, b, err := c.Read(context.Background())
	if err != nil {
		return api.ServerMsg{}, err
	}
	var m api.ServerMsg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m, nil
}

// TestWSPacing checks in fake time that a run advances at its rate, in
// frames at the frame rate, that pause holds it, and that step and rate
// act at once.
func TestWSPacing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := bubbleLab(t, Config{FrameRate: 30})
		defer stop()
		write := func(s string) {
			if err := c.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		write(`{"type":"start","rate":60,"scenario":{"surface":{"name":"quadratic"},"steps":1000,"runs":[{"optimizer":{"name":"sgd","lr":0.01}}]}}`)
		if m, _ := readMsg(t, c); m.Type != "started" {
			t.Fatalf("got %+v", m)
		}
		began := time.Now()
		first, _ := readMsg(t, c)
		if first.Type != "frame" || len(first.Runs[0].X) != 1 || time.Since(began) != 0 {
			t.Fatalf("first frame %+v after %v", first, time.Since(began))
		}
		points, frames := 0, 0
		for time.Since(began) < 2*time.Second {
			m, err := readMsg(t, c)
			if err != nil {
				t.Fatal(err)
			}
			n := len(m.Runs[0].X)
			if n < 1 || n > 3 {
				t.Errorf("frame of %d points at 60 steps/s and 30 frames/s", n)
			}
			points += n
			frames++
		}
		if points < 119 || points > 121 || frames < 59 || frames > 61 {
			t.Errorf("2 s at 60 steps/s and 30 frames/s: %d points in %d frames", points, frames)
		}

		// Paused: nothing for a minute (pings keep the socket alive).
		write(`{"type":"pause"}`)
		got := make(chan api.ServerMsg)
		go func() {
			for {
				m, err := readMsg(t, c)
				if err != nil {
					close(got)
					return
				}
				got <- m
			}
		}()
		drained := 0
		for synctest.Wait(); ; synctest.Wait() {
			select {
			case <-got:
				drained++ // a frame already on its way
				continue
			default:
			}
			break
		}
		if drained > 1 {
			t.Errorf("%d frames after pause", drained)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		select {
		case m := <-got:
			t.Fatalf("message while paused: %+v", m)
		default:
		}
		// step 5 sends 5 points in the next frame, within a frame interval.
		at := time.Now()
		write(`{"type":"step","n":5}`)
		m := <-got
		if len(m.Runs[0].X) != 5 || time.Since(at) > 34*time.Millisecond {
			t.Errorf("step 5: %d points after %v", len(m.Runs[0].X), time.Since(at))
		}
		// rate 0 at resume: at most MaxPointsPerFrame per frame, to the end.
		write(`{"type":"rate","rate":0}`)
		write(`{"type":"resume"}`)
		total := first.Runs[0].T0 + 1 + points + drained + 5
		for m := range got {
			if m.Type == "done" {
				break
			}
			if m.Runs[0].T0 != total {
				t.Fatalf("t0 %d, want %d", m.Runs[0].T0, total)
			}
			total += len(m.Runs[0].X)
		}
		if total != 1001 {
			t.Errorf("%d points in all, want 1001", total)
		}
		c.Close(websocket.StatusNormalClosure, "")
		for range got {
		}
	})
}

// TestWSIdleWithPings checks in fake time that pings keep a quiet session
// open until the idle timeout closes it with 1000.
func TestWSIdleWithPings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, stop := bubbleLab(t, Config{IdleTimeout: 10 * time.Minute})
		defer stop()
		began := time.Now()
		_, _, err := c.Read(context.Background()) // answers pings until the close
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusNormalClosure || time.Since(began) != 10*time.Minute {
			t.Errorf("after %v: %v", time.Since(began), err)
		}
	})
}
