package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var urlRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

// start runs the server with env and returns its URL and the channel run's
// result arrives on.
func start(t *testing.T, ctx context.Context, env map[string]string, args ...string) (string, <-chan error, *syncBuffer) {
	t.Helper()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"server"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := urlRE.FindStringSubmatch(stdout.String()); m != nil {
			url := m[1]
			for {
				resp, err := http.Get(url + "/readyz")
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == 200 {
						http.DefaultClient.CloseIdleConnections()
						return url, done, &stdout
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("not ready: %v", err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run returned %v before listening; stderr: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line in %q", stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunServesAndStopsGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, done, logs := start(t, ctx, map[string]string{"ADDR": "127.0.0.1:0", "MAX_SESSIONS_PER_IP": "3"})

	var conns []*websocket.Conn
	for range 3 {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// MAX_SESSIONS_PER_IP from the environment applies.
	if _, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws", nil); err == nil || resp.StatusCode != 429 {
		t.Fatalf("fourth session: %v", err)
	}
	if err := conns[0].Write(ctx, websocket.MessageText, []byte(`{"type":"start","rate":50,"scenario":{"surface":{"name":"quadratic"},"steps":10000,"runs":[{"optimizer":{"name":"sgd","lr":0.01}}]}}`)); err != nil {
		t.Fatal(err)
	}

	codes := make(chan websocket.StatusCode, len(conns))
	for _, c := range conns {
		go func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					codes <- websocket.CloseStatus(err)
					return
				}
			}
		}()
	}
	began := time.Now()
	cancel()
	for range conns {
		if code := <-codes; code != websocket.StatusGoingAway {
			t.Errorf("socket closed with %v, want 1001", code)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10 s")
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("stop took %v", d)
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-frame-rate", "61"}, {"-nope"}, {"-trusted-proxies", "10.0.0.0/33"}, {"-log-format", "xml"}, {"-redis-url", "ftp://nowhere"}} {
		var stderr syncBuffer
		err := run(context.Background(), append([]string{"server", "-addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, &syncBuffer{}, &stderr)
		if err == nil || stderr.String() == "" {
			t.Errorf("%v: err %v, stderr %q", args, err, stderr.String())
		}
	}
	err := run(context.Background(), []string{"server"}, func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0", "MAX_RUNS": "x"}[k] }, &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "MAX_RUNS") {
		t.Errorf("bad env: %v", err)
	}
}

// TestRunRoomsInMemory: with no Redis, go run ./cmd/server serves rooms.
func TestRunRoomsInMemory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	url, done, _ := start(t, ctx, map[string]string{"ADDR": "127.0.0.1:0"})
	resp, err := http.Post(url+"/api/v1/rooms", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("POST /api/v1/rooms: %s", resp.Status)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestHealthcheck(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	url, done, _ := start(t, ctx, map[string]string{"ADDR": "127.0.0.1:0"})
	addr := strings.TrimPrefix(url, "http://")
	if err := run(ctx, []string{"server", "-healthcheck"}, func(k string) string { return map[string]string{"ADDR": addr}[k] }, &syncBuffer{}, &syncBuffer{}); err != nil {
		t.Errorf("healthcheck: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"server", "-healthcheck", "-addr", addr}, func(string) string { return "" }, &syncBuffer{}, &syncBuffer{}); err == nil {
		t.Error("healthcheck of a stopped server succeeded")
	}
}
