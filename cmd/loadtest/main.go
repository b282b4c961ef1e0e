// Command loadtest opens many websocket sessions against a running lab
// server, each running a realistic scenario (by default 2 runs at 60 steps/s),
// and reports frames per second, frame lateness against the schedule, the
// first-frame latency after start, errors, and the server's memory and
// goroutines read from /metrics.
//
//	go run ./cmd/loadtest -url http://127.0.0.1:8080 -sessions 2000 -duration 30s
//	go run ./cmd/loadtest -url http://127.0.0.1:8080 -cycles 10000   # connect/disconnect leak check
//
// A frame's lateness is its arrival time minus the time its last point was
// due: the first frame's arrival plus t/rate for point t. Only loopback and
// the project's own test hosts are valid targets.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type config struct {
	url         string
	sessions    int
	duration    time.Duration
	connectRate float64
	rate        float64
	runs        int
	cycles      int
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	var c config
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the server")
	fs.IntVar(&c.sessions, "sessions", 100, "concurrent websocket sessions")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "how long each session streams once all are connected")
	fs.Float64Var(&c.connectRate, "connect-rate", 500, "new sessions per second while connecting")
	fs.Float64Var(&c.rate, "rate", 60, "steps per second per run")
	fs.IntVar(&c.runs, "runs", 2, "runs per scenario")
	fs.IntVar(&c.cycles, "cycles", 0, "instead of streaming: connect, start, read one frame, disconnect, this many times, and compare goroutines and heap before and after")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if c.sessions < 1 || c.runs < 1 || c.runs > 8 || c.rate <= 0 || c.connectRate <= 0 {
		return errors.New("need -sessions ≥ 1, 1 ≤ -runs ≤ 8, -rate > 0, -connect-rate > 0")
	}
	c.url = strings.TrimRight(c.url, "/")
	if c.cycles > 0 {
		return runCycles(ctx, c, stdout)
	}
	return runLoad(ctx, c, stdout)
}

func wsURL(base string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/ws"
}

func startMessage(c config) []byte {
	steps := int(c.rate*(c.duration.Seconds()+60)) + 10
	steps = min(steps, 10000)
	// Runs that neither diverge nor stop early: Rosenbrock's long valley
	// from its usual start, with small LRs (momentum for one of them), so
	// every session streams for the whole test as a class would.
	var runs []string
	for i := range c.runs {
		lr := 1e-4 * float64(i+1)
		runs = append(runs, fmt.Sprintf(`{"label":"r%d","start":[-1.2,1],"optimizer":{"name":"sgd","lr":%g,"momentum":%g}}`, i, lr, 0.5*float64(i%2)))
	}
	return fmt.Appendf(nil, `{"type":"start","rate":%g,"scenario":{"surface":{"name":"rosenbrock"},"steps":%d,"runs":[%s]}}`,
		c.rate, steps, strings.Join(runs, ","))
}

// frameHead is the part of a server message the load tool reads.
type frameHead struct {
	Type  string `json:"type"`
	Error string `json:"error"`
	Runs  []struct {
		Run int       `json:"run"`
		T0  int       `json:"t0"`
		X   []float64 `json:"x"`
	} `json:"runs"`
}

type sessionStats struct {
	firstFrame time.Duration // from sending start to the first frame
	lateness   []time.Duration
	frames     int
	points     int
	streamed   time.Duration // from the first frame to the end
	err        error
}

func runLoad(ctx context.Context, c config, stdout io.Writer) error {
	fmt.Fprintf(stdout, "loadtest: %d sessions × %d runs at %g steps/s for %s against %s (connecting at %g/s)\n",
		c.sessions, c.runs, c.rate, c.duration, c.url, c.connectRate)
	before, _ := scrape(ctx, c.url)
	start := startMessage(c)
	stats := make([]sessionStats, c.sessions)
	var wg sync.WaitGroup
	var connected atomic.Int64
	allIn := make(chan struct{})
	tick := time.NewTicker(time.Duration(float64(time.Second) / c.connectRate))
	defer tick.Stop()
	t0 := time.Now()
	for i := range c.sessions {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stats[i] = session(ctx, c, start, &connected, allIn)
		}()
	}
	connectTime := time.Since(t0)
	close(allIn)
	// Sample the server while every session streams.
	time.Sleep(min(c.duration/2, 10*time.Second))
	during, _ := scrape(ctx, c.url)
	wg.Wait()
	after, _ := scrape(ctx, c.url)
	report(stdout, c, stats, connectTime, before, during, after)
	return nil
}

func session(ctx context.Context, c config, start []byte, connected *atomic.Int64, allIn <-chan struct{}) (st sessionStats) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	conn, _, err := websocket.Dial(dctx, wsURL(c.url), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": []string{c.url}},
	})
	cancel()
	if err != nil {
		st.err = fmt.Errorf("dial: %w", err)
		return st
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 22)
	connected.Add(1)
	sent := time.Now()
	if err := conn.Write(ctx, websocket.MessageText, start); err != nil {
		st.err = fmt.Errorf("start: %w", err)
		return st
	}
	var first time.Time
	var deadline time.Time
	var endAfterAll <-chan struct{} = allIn
	for {
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_, data, err := conn.Read(rctx)
		cancel()
		now := time.Now()
		if err != nil {
			st.err = fmt.Errorf("read: %w", err)
			return st
		}
		var m frameHead
		if err := json.Unmarshal(data, &m); err != nil {
			st.err = fmt.Errorf("decode: %w", err)
			return st
		}
		switch m.Type {
		case "error":
			st.err = fmt.Errorf("server error: %s", m.Error)
			return st
		case "frame":
		case "done":
			st.err = errors.New("a run ended before the test did (diverged, or too few steps)")
			return st
		default:
			continue
		}
		if first.IsZero() {
			first = now
			st.firstFrame = now.Sub(sent)
		}
		st.frames++
		last := 0
		for _, r := range m.Runs {
			st.points += len(r.X)
			last = max(last, r.T0+len(r.X)-1)
		}
		due := first.Add(time.Duration(float64(last) / c.rate * float64(time.Second)))
		st.lateness = append(st.lateness, now.Sub(due))
		if endAfterAll != nil {
			select {
			case <-endAfterAll:
				deadline = now.Add(c.duration)
				endAfterAll = nil
			default:
			}
		}
		if !deadline.IsZero() && now.After(deadline) {
			st.streamed = now.Sub(first)
			conn.Close(websocket.StatusNormalClosure, "done")
			return st
		}
	}
}

func report(w io.Writer, c config, stats []sessionStats, connectTime time.Duration, before, during, after map[string]float64) {
	var late, first []time.Duration
	var frames, points, errs int
	var streamed time.Duration
	errSamples := map[string]int{}
	for _, s := range stats {
		if s.err != nil {
			errs++
			errSamples[s.err.Error()]++
			continue
		}
		late = append(late, s.lateness...)
		first = append(first, s.firstFrame)
		frames += s.frames
		points += s.points
		streamed += s.streamed
	}
	ok := len(stats) - errs
	fmt.Fprintf(w, "connected %d sessions in %s; %d ok, %d errors\n", len(stats), connectTime.Round(time.Millisecond), ok, errs)
	for e, n := range errSamples {
		fmt.Fprintf(w, "  error ×%d: %s\n", n, e)
	}
	if ok == 0 {
		return
	}
	secs := streamed.Seconds()
	expectedPoints := secs * c.rate * float64(c.runs)
	fmt.Fprintf(w, "frames: %d (%.0f/s overall, %.1f/s per session)\n", frames, float64(frames)/(secs/float64(ok)), float64(frames)/secs)
	fmt.Fprintf(w, "points delivered: %d of %.0f due on schedule (%.2f%%)\n", points, expectedPoints, 100*float64(points)/expectedPoints)
	fmt.Fprintf(w, "frame lateness: p50 %s  p99 %s  max %s\n", pct(late, 0.5), pct(late, 0.99), pct(late, 1))
	fmt.Fprintf(w, "first frame after start: p50 %s  p99 %s  max %s\n", pct(first, 0.5), pct(first, 0.99), pct(first, 1))
	show := func(label string, m map[string]float64) {
		if m == nil {
			return
		}
		fmt.Fprintf(w, "server %-7s heap_inuse %6.1f MiB  rss %6.1f MiB  goroutines %5.0f  live sessions %5.0f\n", label,
			m["go_memstats_heap_inuse_bytes"]/(1<<20), m["process_resident_memory_bytes"]/(1<<20), m["go_goroutines"], liveSessions(m))
	}
	show("before", before)
	show("during", during)
	show("after", after)
	if before != nil && during != nil {
		per := (during["go_memstats_heap_inuse_bytes"] - before["go_memstats_heap_inuse_bytes"]) / float64(ok)
		fmt.Fprintf(w, "server heap per session: %.1f KB\n", per/1000)
	}
}

func liveSessions(m map[string]float64) float64 {
	if v, ok := m["lrlab_ws_sessions"]; ok {
		return v
	}
	return -1
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(q * float64(len(d)-1))
	return d[i].Round(100 * time.Microsecond)
}

// scrape reads /metrics and returns each unlabelled sample (and labelled
// ones under their full name).
func scrape(ctx context.Context, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}

func runCycles(ctx context.Context, c config, stdout io.Writer) error {
	before, err := scrape(ctx, c.url)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	start := startMessage(c)
	var errs atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	t0 := time.Now()
	for range c.cycles {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := cycle(ctx, c.url, start); err != nil {
				errs.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	time.Sleep(2 * time.Second) // let the server finish closing
	after, err := scrape(ctx, c.url)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	fmt.Fprintf(stdout, "%d connect/start/frame/close cycles in %s, %d errors\n", c.cycles, elapsed.Round(time.Millisecond), errs.Load())
	fmt.Fprintf(stdout, "goroutines: before %.0f  after %.0f\n", before["go_goroutines"], after["go_goroutines"])
	fmt.Fprintf(stdout, "heap_inuse: before %.1f MiB  after %.1f MiB\n",
		before["go_memstats_heap_inuse_bytes"]/(1<<20), after["go_memstats_heap_inuse_bytes"]/(1<<20))
	fmt.Fprintf(stdout, "live sessions: before %.0f  after %.0f\n", liveSessions(before), liveSessions(after))
	return nil
}

func cycle(ctx context.Context, base string, start []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(base), &websocket.DialOptions{HTTPHeader: http.Header{"Origin": []string{base}}})
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 22)
	if err := conn.Write(ctx, websocket.MessageText, start); err != nil {
		return err
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		if strings.Contains(string(data[:min(len(data), 40)]), `"frame"`) {
			return conn.Close(websocket.StatusNormalClosure, "bye")
		}
	}
}
