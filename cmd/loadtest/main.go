// Command loadtest opens many websocket sessions against a running lab
// server, each running a realistic scenario (by default 2 runs at 60 steps/s),
// and reports the share of points delivered on schedule, frame lateness, the
// first-frame latency after start, errors, and the server's memory and
// goroutines read from /metrics.
//
//	go run ./cmd/loadtest -url http://127.0.0.1:8080 -sessions 2000 -duration 30s
//	go run ./cmd/loadtest -url http://127.0.0.1:8080 -cycles 10000   # connect/disconnect leak check
//
// With -debug-url (the server's -debug-addr, e.g. http://127.0.0.1:6060) the
// tool asks the server to collect garbage (POST /debug/gc) before each
// sample of /metrics, so the memory figures are live memory rather than
// garbage waiting for the next cycle.
//
// A frame's lateness is its arrival time minus the time its last point was
// due: the first frame's arrival plus t/rate for point t. Only loopback and
// the project's own test hosts are valid targets.
//
// The tool is meant to cost far less than the server it measures: it never
// decodes a frame as JSON but scans the three things it needs (the message
// type, each run's t0 and the number of values in its x column), reads every
// message into one reused buffer per session, and uses no timer per read
// (one watchdog goroutine ends sessions that receive nothing for 15 s).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
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
	debugURL    string
	sessions    int
	duration    time.Duration
	connectRate float64
	rate        float64
	runs        int
	cycles      int
	concurrency int
	cpuProfile  string
	binary      bool // -frames binary: the sessions open /ws?frames=binary

	// classroom mode (room.go)
	room             bool
	rooms            int
	studentURLs      string
	studentDebugURLs string
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	var c config
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the server")
	fs.StringVar(&c.debugURL, "debug-url", "", "base URL of the server's -debug-addr listener; when set, the server collects garbage before each /metrics sample")
	fs.IntVar(&c.sessions, "sessions", 100, "concurrent websocket sessions")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "how long each session streams once all are connected")
	fs.Float64Var(&c.connectRate, "connect-rate", 500, "new sessions per second while connecting")
	fs.Float64Var(&c.rate, "rate", 60, "steps per second per run")
	fs.IntVar(&c.runs, "runs", 2, "runs per scenario")
	fs.IntVar(&c.cycles, "cycles", 0, "instead of streaming: connect, start, read one frame, disconnect, this many times, and compare goroutines and heap before and after")
	fs.IntVar(&c.concurrency, "cycle-concurrency", 50, "cycles in flight at once (with -cycles)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the load tool's own CPU profile to this file")
	frames := fs.String("frames", "json", `how the sessions ask for their frames: "json" (text messages) or "binary" (docs/API.md, Binary frames)`)
	fs.BoolVar(&c.room, "room", false, "classroom mode: per room 1 teacher (on -url) and -sessions students; reports the students' lag behind the teacher")
	fs.IntVar(&c.rooms, "rooms", 1, "rooms (with -room)")
	fs.StringVar(&c.studentURLs, "student-urls", "", "comma-separated base URLs the students connect to, round-robin (with -room; default -url): another replica on the same Redis")
	fs.StringVar(&c.studentDebugURLs, "student-debug-urls", "", "the -debug-addr URLs of -student-urls, one each, for GCs before the memory samples")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if c.sessions < 1 || c.runs < 1 || c.runs > 8 || c.rate <= 0 || c.connectRate <= 0 || c.concurrency < 1 {
		return errors.New("need -sessions ≥ 1, 1 ≤ -runs ≤ 8, -rate > 0, -connect-rate > 0, -cycle-concurrency ≥ 1")
	}
	if *frames != "json" && *frames != "binary" {
		return fmt.Errorf(`-frames must be "json" or "binary", got %q`, *frames)
	}
	c.binary = *frames == "binary"
	c.url = strings.TrimRight(c.url, "/")
	c.debugURL = strings.TrimRight(c.debugURL, "/")
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if c.cycles > 0 {
		return runCycles(ctx, c, stdout)
	}
	if c.room {
		if c.rooms < 1 {
			return errors.New("need -rooms ≥ 1")
		}
		return runRooms(ctx, c, stdout)
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

// watchdog closes the connections of sessions that have received nothing
// for a while, so no read needs a timer of its own (a cancellable context
// would cost the websocket library a context.AfterFunc per message).
type watchdog struct {
	mu    sync.Mutex
	live  map[*watched]struct{}
	limit time.Duration
}

type watched struct {
	last  atomic.Int64 // unix nanoseconds of the last message
	conn  *websocket.Conn
	fired atomic.Bool
}

func newWatchdog(ctx context.Context, limit time.Duration) *watchdog {
	w := &watchdog{live: map[*watched]struct{}{}, limit: limit}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				w.mu.Lock()
				for s := range w.live {
					if now.UnixNano()-s.last.Load() > int64(w.limit) {
						s.fired.Store(true)
						s.conn.CloseNow()
					}
				}
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *watchdog) add(conn *websocket.Conn) *watched {
	s := &watched{conn: conn}
	s.last.Store(time.Now().UnixNano())
	w.mu.Lock()
	w.live[s] = struct{}{}
	w.mu.Unlock()
	return s
}

func (w *watchdog) remove(s *watched) {
	w.mu.Lock()
	delete(w.live, s)
	w.mu.Unlock()
}

// ---- streaming ----

type sessionStats struct {
	firstFrame time.Duration // from sending start to the first frame
	lateness   []time.Duration
	frames     int
	frameBytes int // payload bytes of those frames
	points     int // points received after the first frame's
	due        int // points due on schedule between the first frame and the end
	streamed   time.Duration
	gaps       int // frames whose t0 did not follow the previous frame's points
	err        error
}

func runLoad(ctx context.Context, c config, stdout io.Writer) error {
	load0 := loadAvg()
	fmt.Fprintf(stdout, "loadtest: %d sessions × %d runs at %g steps/s for %s against %s (connecting at %g/s); load average %s\n",
		c.sessions, c.runs, c.rate, c.duration, c.url, c.connectRate, load0)
	before, _ := sample(ctx, c)
	cpu0, self0 := readCPU(), selfCPU()
	start := startMessage(c)
	stats := make([]sessionStats, c.sessions)
	var wg sync.WaitGroup
	allIn := make(chan struct{})
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	wd := newWatchdog(wctx, 15*time.Second)
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
			stats[i] = session(ctx, c, start, wd, allIn)
		}()
	}
	connectTime := time.Since(t0)
	close(allIn)
	// Sample the server while every session streams; its CPU per frame
	// between two samples then (the first a second after the last session
	// connected, when its start has been handled) is that of streaming
	// alone, without the handshakes and starts the whole run's figure
	// spreads over its frames.
	mid := min(c.duration/2, 10*time.Second)
	var steady0, steady1 map[string]float64
	var steadyFrom, steadyTo time.Time
	if mid > 2*time.Second {
		time.Sleep(time.Second)
		steady0, _ = scrape(ctx, c.url)
		steadyFrom = time.Now()
		time.Sleep(mid - time.Second)
		steady1, _ = scrape(ctx, c.url)
		steadyTo = time.Now()
	} else {
		time.Sleep(mid)
	}
	during, _ := sample(ctx, c)
	wg.Wait()
	cpu1, self1 := readCPU(), selfCPU()
	after, _ := sample(ctx, c)
	report(stdout, c, stats, connectTime, before, during, after)
	if before != nil && after != nil {
		wall := cpu1.total - cpu0.total // CPU-seconds of the machine (all CPUs)
		srv := after["process_cpu_seconds_total"] - before["process_cpu_seconds_total"]
		frames := after["lrlab_ws_frames_sent_total"] - before["lrlab_ws_frames_sent_total"]
		tool := (self1 - self0).Seconds()
		if wall > 0 {
			fmt.Fprintf(stdout, "cpu over the run: machine busy %.0f%% of %d CPUs; server %.1f CPU-s (%.0f µs per frame sent), load tool %.1f CPU-s, others %.1f CPU-s\n",
				100*(wall-(cpu1.idle-cpu0.idle))/wall, cpu1.n, srv, 1e6*srv/max(frames, 1), tool, max(0, wall-(cpu1.idle-cpu0.idle)-srv-tool))
		}
	}
	if steady0 != nil && steady1 != nil {
		srv := steady1["process_cpu_seconds_total"] - steady0["process_cpu_seconds_total"]
		frames := steady1["lrlab_ws_frames_sent_total"] - steady0["lrlab_ws_frames_sent_total"]
		span := steadyTo.Sub(steadyFrom)
		fmt.Fprintf(stdout, "cpu while streaming (%s, all connected): server %.1f µs CPU per frame sent, %.2f cores, %.0f frames/s\n",
			span.Round(time.Millisecond), 1e6*srv/max(frames, 1), srv/span.Seconds(), frames/span.Seconds())
	}
	fmt.Fprintf(stdout, "load average: start %s  end %s\n", load0, loadAvg())
	return nil
}

func session(ctx context.Context, c config, start []byte, wd *watchdog, allIn <-chan struct{}) (st sessionStats) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	u := wsURL(c.url)
	if c.binary {
		u += "?frames=binary"
	}
	conn, _, err := websocket.Dial(dctx, u, &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": []string{c.url}},
	})
	cancel()
	if err != nil {
		st.err = fmt.Errorf("dial: %w", err)
		return st
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 22)
	// Interrupting the tool (ctx) or the watchdog closes the connection.
	stop := context.AfterFunc(ctx, func() { conn.CloseNow() })
	defer stop()
	sctx := context.Background()
	w := wd.add(conn)
	defer wd.remove(w)
	st.lateness = make([]time.Duration, 0, int(c.duration.Seconds()*32)+64)
	sent := time.Now()
	if err := conn.Write(sctx, websocket.MessageText, start); err != nil {
		st.err = fmt.Errorf("start: %w", err)
		return st
	}
	var first, deadline time.Time
	var endAfterAll <-chan struct{} = allIn
	buf := make([]byte, 0, 4096)
	var runs []runPoints
	next := make([]int, c.runs) // each run's expected next t0
	for {
		buf, err = readMessage(sctx, conn, buf)
		now := time.Now()
		if err != nil {
			if w.fired.Load() {
				err = errors.New("nothing received for 15 s")
			}
			st.err = fmt.Errorf("read: %w", err)
			return st
		}
		w.last.Store(now.UnixNano())
		switch typ := string(msgType(buf)); {
		case isBinaryFrame(buf):
		case typ == "error":
			st.err = fmt.Errorf("server error: %s", stringField(buf, "error"))
			return st
		case typ == "frame":
		case typ == "done":
			st.err = errors.New("a run ended before the test did (diverged, or too few steps)")
			return st
		default:
			continue
		}
		runs, err = scanFrame(buf, runs[:0])
		if err != nil {
			st.err = err
			return st
		}
		last := 0
		for _, r := range runs {
			if r.Run < len(next) {
				if r.T0 != next[r.Run] {
					st.gaps++
				}
				next[r.Run] = r.T0 + r.N
			}
			last = max(last, r.T0+r.N-1)
		}
		if first.IsZero() {
			first = now
			st.firstFrame = now.Sub(sent)
		} else {
			for _, r := range runs {
				st.points += r.N
			}
			st.frames++
			st.frameBytes += len(buf)
			due := first.Add(time.Duration(float64(last) / c.rate * float64(time.Second)))
			st.lateness = append(st.lateness, now.Sub(due))
		}
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
			// Points due after the start point, from the first frame to now.
			st.due = c.runs * int(st.streamed.Seconds()*c.rate)
			conn.Close(websocket.StatusNormalClosure, "done")
			return st
		}
	}
}

func report(w io.Writer, c config, stats []sessionStats, connectTime time.Duration, before, during, after map[string]float64) {
	var late, first []time.Duration
	var frames, frameBytes, points, due, gaps, errs int
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
		frameBytes += s.frameBytes
		points += s.points
		due += s.due
		gaps += s.gaps
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
	fmt.Fprintf(w, "frames: %d (%.0f/s overall, %.1f/s per session, %.0f bytes of payload each on average); t0 gaps: %d\n",
		frames, float64(frames)/(secs/float64(ok)), float64(frames)/secs, float64(frameBytes)/float64(max(frames, 1)), gaps)
	fmt.Fprintf(w, "points delivered: %d of %d due on schedule (%.2f%%)\n", points, due, 100*float64(points)/float64(max(due, 1)))
	fmt.Fprintf(w, "frame lateness: p50 %s  p99 %s  p99.9 %s  max %s\n", pct(late, 0.5), pct(late, 0.99), pct(late, 0.999), pct(late, 1))
	fmt.Fprintf(w, "first frame after start: p50 %s  p99 %s  max %s\n", pct(first, 0.5), pct(first, 0.99), pct(first, 1))
	show := func(label string, m map[string]float64) {
		if m == nil {
			return
		}
		fmt.Fprintf(w, "server %-6s heap_inuse %6.1f MiB  stack_inuse %6.1f MiB  rss %6.1f MiB  goroutines %5.0f  live sessions %5.0f\n", label,
			m["go_memstats_heap_inuse_bytes"]/(1<<20), m["go_memstats_stack_inuse_bytes"]/(1<<20),
			m["process_resident_memory_bytes"]/(1<<20), m["go_goroutines"], liveSessions(m))
	}
	show("before", before)
	show("during", during)
	show("after", after)
	if before != nil && during != nil {
		gc := "without a GC first (garbage included; pass -debug-url)"
		if c.debugURL != "" {
			gc = "after a GC"
		}
		live := liveSessions(during) - max(liveSessions(before), 0)
		if live <= 0 {
			live = float64(ok)
		}
		mem := func(m map[string]float64) float64 {
			return m["go_memstats_heap_inuse_bytes"] + m["go_memstats_stack_inuse_bytes"]
		}
		fmt.Fprintf(w, "server memory per session (%s, %0.f live sessions): heap+stack %.1f KB (heap %.1f, stack %.1f), rss %.1f KB\n", gc, live,
			(mem(during)-mem(before))/live/1000,
			(during["go_memstats_heap_inuse_bytes"]-before["go_memstats_heap_inuse_bytes"])/live/1000,
			(during["go_memstats_stack_inuse_bytes"]-before["go_memstats_stack_inuse_bytes"])/live/1000,
			(during["process_resident_memory_bytes"]-before["process_resident_memory_bytes"])/live/1000)
		fmt.Fprintf(w, "server goroutines per session: %.2f\n", (during["go_goroutines"]-before["go_goroutines"])/live)
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

func runCycles(ctx context.Context, c config, stdout io.Writer) error {
	load0 := loadAvg()
	before, err := sample(ctx, c)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	start := startMessage(c)
	var errs atomic.Int64
	var firstErr atomic.Pointer[string]
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.concurrency)
	t0 := time.Now()
	for range c.cycles {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := cycle(ctx, c.url, start); err != nil {
				errs.Add(1)
				s := err.Error()
				firstErr.CompareAndSwap(nil, &s)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	// Let the server finish closing: wait until it reports no live session.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if m, err := scrape(ctx, c.url); err == nil && liveSessions(m) <= max(liveSessions(before), 0) {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	after, err := sample(ctx, c)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	fmt.Fprintf(stdout, "%d connect/start/frame/close cycles (%d at once) in %s, %d errors\n", c.cycles, c.concurrency, elapsed.Round(time.Millisecond), errs.Load())
	if p := firstErr.Load(); p != nil {
		fmt.Fprintf(stdout, "  first error: %s\n", *p)
	}
	gc := ""
	if c.debugURL != "" {
		gc = " (after a GC)"
	}
	fmt.Fprintf(stdout, "goroutines: before %.0f  after %.0f\n", before["go_goroutines"], after["go_goroutines"])
	fmt.Fprintf(stdout, "heap_inuse%s: before %.2f MiB  after %.2f MiB\n", gc,
		before["go_memstats_heap_inuse_bytes"]/(1<<20), after["go_memstats_heap_inuse_bytes"]/(1<<20))
	fmt.Fprintf(stdout, "stack_inuse: before %.2f MiB  after %.2f MiB\n",
		before["go_memstats_stack_inuse_bytes"]/(1<<20), after["go_memstats_stack_inuse_bytes"]/(1<<20))
	fmt.Fprintf(stdout, "rss: before %.1f MiB  after %.1f MiB\n",
		before["process_resident_memory_bytes"]/(1<<20), after["process_resident_memory_bytes"]/(1<<20))
	fmt.Fprintf(stdout, "live sessions: before %.0f  after %.0f\n", liveSessions(before), liveSessions(after))
	fmt.Fprintf(stdout, "load average: start %s  end %s\n", load0, loadAvg())
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
	var buf []byte
	for {
		buf, err = readMessage(ctx, conn, buf[:0])
		if err != nil {
			return err
		}
		switch string(msgType(buf)) {
		case "frame":
			return conn.Close(websocket.StatusNormalClosure, "bye")
		case "error":
			return fmt.Errorf("server error: %s", stringField(buf, "error"))
		}
	}
}
