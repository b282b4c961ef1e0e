package server

// Tests of issue 13 ("Hardening, second round"): each fails on the code
// before its fix.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lrlab/api"
	"lrlab/sim"
)

// TestMetricsLabelsClosedSet: methods and paths a client makes up do not
// become label values of the latency histogram (each distinct value was a
// time series that stayed for good).
func TestMetricsLabelsClosedSet(t *testing.T) {
	ts, _ := newTestServer(t, Config{RequestsPerMinute: 1_000_000})
	for i := range 40 {
		do(t, ts, fmt.Sprintf("X%dMETHOD", i), "/api/v1/surfaces", "", nil)
		do(t, ts, "GET", fmt.Sprintf("/no/such/path/%d", i), "", nil)
	}
	_, body := do(t, ts, "GET", "/metrics", "", nil)
	series := 0
	for line := range strings.Lines(string(body)) {
		if !strings.HasPrefix(line, "lrlab_http_request_duration_seconds_count{") {
			continue
		}
		series++
		if strings.Contains(line, "METHOD") || strings.Contains(line, "/no/such") {
			t.Errorf("a client's string became a label: %s", line)
		}
	}
	if series > 4 {
		t.Errorf("%d latency series after 80 made-up requests; want a handful:\n%s", series, body)
	}
	if !strings.Contains(string(body), `method="other"`) {
		t.Errorf("unknown methods are not counted as other")
	}
}

// TestRateLimitEveryRoute: unknown paths, probes, metrics and static assets
// are under the request rate limit too.
func TestRateLimitEveryRoute(t *testing.T) {
	for _, path := range []string{"/no/such/path", "/healthz", "/metrics", "/readyz", "/static/x/y.js", "/api/v1/nope"} {
		ts, _ := newTestServer(t, Config{RequestsPerMinute: 3})
		limit := 3
		if strings.HasPrefix(path, "/static/") {
			limit *= assetRequestsFactor
		}
		codes := []int{}
		for i := range limit + 2 {
			resp, _ := do(t, ts, "GET", fmt.Sprintf("%s?i=%d", path, i), "", nil)
			codes = append(codes, resp.StatusCode)
		}
		if codes[limit-1] == http.StatusTooManyRequests || codes[limit] != http.StatusTooManyRequests || codes[limit+1] != http.StatusTooManyRequests {
			t.Errorf("%s: statuses %v; want 429 after the %dth", path, codes, limit)
		}
	}
}

// TestRequestIDTrust: an X-Request-Id is taken only from a trusted proxy
// and only in a short safe form; otherwise a new one is made.
func TestRequestIDTrust(t *testing.T) {
	long := strings.Repeat("a", 65)
	cases := []struct {
		trusted []string
		sent    string
		kept    bool
	}{
		{nil, "abc-123", false},                  // any client: never trusted
		{nil, strings.Repeat("x", 1<<20), false}, // 1 MB: not echoed
		{[]string{"127.0.0.1/32", "::1/128"}, "abc-1.2_3", true},
		{[]string{"127.0.0.1/32", "::1/128"}, long, false},
		{[]string{"127.0.0.1/32", "::1/128"}, "a b", false},
		{[]string{"127.0.0.1/32", "::1/128"}, "a\u00e9", false},
		{[]string{"10.0.0.0/8"}, "abc", false}, // the peer is not that proxy
	}
	for _, c := range cases {
		ts, _ := newTestServer(t, Config{TrustedProxies: c.trusted})
		resp, _ := do(t, ts, "GET", "/healthz", "", map[string]string{"X-Request-Id": c.sent})
		got := resp.Header.Get("X-Request-Id")
		if got == "" || len(got) > maxRequestID || !safeRequestID(got) {
			t.Errorf("trusted %v, sent %.20q: id %.80q is not short and safe", c.trusted, c.sent, got)
		}
		if (got == c.sent) != c.kept {
			t.Errorf("trusted %v, sent %.20q: got %.20q; kept = %v, want %v", c.trusted, c.sent, got, got == c.sent, c.kept)
		}
	}
}

// TestCSPBaseAndForm: base-uri and form-action do not fall back to
// default-src, so they are set.
func TestCSPBaseAndForm(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, path := range []string{"/", "/?embed=1", "/healthz"} {
		resp, _ := do(t, ts, "GET", path, "", nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "base-uri 'none'") || !strings.Contains(csp, "form-action 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}

// heavyFormula is the dearest formula of the kind the attack used: 122
// powers with variable exponents (about 20 µs a run step, 7 µs a grid
// value), finite around (0.5, 0.5).
var heavyFormula = strings.Repeat("x^y^", 61) + "x"

// cpuTime is the CPU time (user + system) of this process so far.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heavyRuns is a scenario body of n runs × steps of heavyFormula.
func heavyRuns(n, steps int) string {
	runs := make([]string, n)
	for i := range runs {
		runs[i] = `{"optimizer":{"name":"sgd","lr":1e-9},"start":[0.5,0.5]}`
	}
	return `{"surface":{"name":"custom","formula":"` + heavyFormula + `"},"steps":` + strconv.Itoa(steps) + `,"runs":[` + strings.Join(runs, ",") + `]}`
}

// heavyLink is the share query of n runs × steps of heavyFormula.
func heavyLink(n, steps int) string {
	q := "surface=custom&formula=" + url.QueryEscape(heavyFormula) + "&steps=" + strconv.Itoa(steps)
	for range n {
		q += "&run=sgd,lr=1e-9,x=0.5,y=0.5"
	}
	return q
}

// TestComputeStopsAtDeadline: simulate, grid and preview requests stop
// computing when their deadline passes. With every budget lifted, each of
// these costs 0.2–2 CPU-seconds computed to its end; the request must answer
// 503 having used a small part of that (CPU time, not wall time).
func TestComputeStopsAtDeadline(t *testing.T) {
	ts, _ := newTestServer(t, Config{RequestTimeout: 30 * time.Millisecond, SweepBudget: 1 << 50, WorkPerMinute: 1 << 50})
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/simulate", heavyRuns(1, 10000)},
		{"POST", "/api/v1/simulate", heavyRuns(8, 10000)},
		{"GET", "/api/v1/surfaces/custom/grid?n=512&formula=" + url.QueryEscape(heavyFormula), ""},
		{"GET", "/og.png?" + heavyLink(8, 10000), ""},
	} {
		// garbage of earlier tests is collected first, so that the
		// collector's work is not counted as this request's
		runtime.GC()
		before := cpuTime(t)
		resp, body := do(t, ts, c.method, c.path, c.body, nil)
		used := cpuTime(t) - before
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s %.40s: %s %.200s; want 503 past the deadline", c.method, c.path, resp.Status, body)
		}
		t.Logf("%s %.40s: %s after %v of CPU", c.method, c.path, resp.Status, used)
		if used > 150*time.Millisecond {
			t.Errorf("%s %.40s: %v of CPU for a request with a 30 ms deadline; the computation went on after it", c.method, c.path, used)
		}
	}
}

// TestCancellableStopsEvaluating counts the evaluations a grid and a run
// make after their context ends: none but those already under way.
func TestCancellableStopsEvaluating(t *testing.T) {
	quad, err := sim.NewSurface(sim.SurfaceConfig{Name: "quadratic"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	formula, err := sim.NewSurface(sim.SurfaceConfig{Name: "custom", Formula: "x^2+y^2+x^y"}) // dear enough to be stopped
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingSurface{Surface: formula, cancelAt: 1000, cancel: cancel}
	g := &gridQuery{surf: cs, box: quad.Info().View, n: 512}
	if _, err := computeGrid(ctx, g); !errors.Is(err, context.Canceled) {
		t.Errorf("grid: err %v, want context.Canceled", err)
	}
	if after := cs.afterCancel(); after > int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("grid: %d evaluations after the cancellation (of 262144)", after)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	cs2 := &countingSurface{Surface: quad, cancelAt: 300, cancel: cancel2}
	surf, stop := sim.Cancellable(ctx2, cs2)
	defer stop()
	run, err := sim.NewRun(surf, sim.RunConfig{Optimizer: sim.DefaultOptimizer(sim.OptSGD, 1e-6), Start: sim.Point{X: 1, Y: 1}}, 10000)
	if err != nil {
		t.Fatal(err)
	}
	tr := sim.Simulate(run)
	if after := cs2.afterCancel(); after > 0 || len(tr.LR) > 200 {
		t.Errorf("run: %d evaluations after the cancellation, %d steps taken", after, len(tr.LR))
	}
}

// countingSurface counts evaluations and cancels after cancelAt of them.
type countingSurface struct {
	sim.Surface
	calls    atomic.Int64
	atCancel atomic.Int64 // calls when cancel returned
	cancelAt int64
	cancel   func()
}

func (s *countingSurface) Unwrap() sim.Surface { return s.Surface }

func (s *countingSurface) count() {
	if s.calls.Add(1) == s.cancelAt {
		s.cancel()
		s.atCancel.Store(s.calls.Load()) // others may have counted while cancel ran
	}
}

// afterCancel is the number of evaluations counted after cancel returned.
func (s *countingSurface) afterCancel() int64         { return s.calls.Load() - s.atCancel.Load() }
func (s *countingSurface) Value(p sim.Point) float64  { s.count(); return s.Surface.Value(p) }
func (s *countingSurface) Grad(p sim.Point) sim.Point { s.count(); return s.Surface.Grad(p) }
func (s *countingSurface) Hessian(p sim.Point) sim.Sym2 {
	s.count()
	return s.Surface.Hessian(p)
}

// TestWorkBudgetPerRequest: work is estimated before anything runs, and a
// request over the budget of one request is a 400 naming what to lower.
func TestWorkBudgetPerRequest(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/api/v1/simulate", heavyRuns(8, 10000), "surface.formula"},
		{"POST", "/api/v1/simulate", heavyRuns(1, 10000), "surface.formula"},
		{"GET", "/api/v1/surfaces/custom/grid?n=512&formula=" + url.QueryEscape(heavyFormula), "", "n"},
		{"GET", "/og.png?" + heavyLink(8, 10000), "", "surface.formula"},
		{"GET", "/og.png?" + heavyLink(1, 1), "", "formula"},
	} {
		before := cpuTime(t)
		resp, body := do(t, ts, c.method, c.path, c.body, nil)
		var e api.Error
		json.Unmarshal(body, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Field != c.field || !strings.Contains(e.Error, "too much work") {
			t.Errorf("%s %.50s: %s %.300s; want 400 on %s", c.method, c.path, resp.Status, body, c.field)
		}
		if used := cpuTime(t) - before; used > 200*time.Millisecond {
			t.Errorf("%s %.50s: refused after %v of CPU", c.method, c.path, used)
		}
	}
	// The default limits of built-in surfaces fit.
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/simulate", `{"surface":{"name":"rosenbrock"},"steps":10000,"runs":[` + strings.TrimSuffix(strings.Repeat(`{"optimizer":{"name":"adam","lr":0.01}},`, 8), ",") + `]}`},
		{"GET", "/api/v1/surfaces/rosenbrock/grid?n=512", ""},
		{"GET", "/api/v1/surfaces/custom/grid?n=512&formula=" + url.QueryEscape("0.1*(x^2 + y^2) - 2*exp(-((x-1)^2 + y^2)/0.05)"), ""},
	} {
		if resp, body := do(t, ts, c.method, c.path, c.body, nil); resp.StatusCode != 200 {
			t.Errorf("%s %.50s: %s %.300s", c.method, c.path, resp.Status, body)
		}
	}
}

// TestWorkBudgetPerIP: the per-minute budget of a client is charged in work
// units, not requests: cheap requests pass where dear ones are refused.
func TestWorkBudgetPerIP(t *testing.T) {
	ts, _ := newTestServer(t, Config{WorkPerMinute: 150_000})
	// 10,000 steps, each with its point written, = 30,000 units: the sixth is over.
	one := `{"surface":{"name":"quadratic"},"steps":10000,"runs":[{"optimizer":{"name":"sgd","lr":0.01}}]}`
	var codes []int
	var last *http.Response
	for range 6 {
		last, _ = do(t, ts, "POST", "/api/v1/simulate", one, nil)
		codes = append(codes, last.StatusCode)
	}
	if codes[4] != 200 || codes[5] != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("statuses %v, Retry-After %q; want 200 ×5 then 429 with Retry-After", codes, last.Header.Get("Retry-After"))
	}
	// Cached grids cost nothing.
	ts2, _ := newTestServer(t, Config{WorkPerMinute: 10_000})
	for i := range 20 {
		if resp, body := do(t, ts2, "GET", "/api/v1/surfaces/quadratic/grid?n=256", "", nil); resp.StatusCode != 200 {
			t.Fatalf("cached grid %d: %s %s", i, resp.Status, body)
		}
	}
}

// TestGridSingleFlight: identical cold grids asked for at once are computed
// once.
func TestGridSingleFlight(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	path := "/api/v1/surfaces/custom/grid?n=256&formula=" + url.QueryEscape(strings.Repeat("x^y^", 10)+"x")
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			<-start
			if resp, body := do(t, ts, "GET", path, "", nil); resp.StatusCode != 200 {
				t.Errorf("%s %s", resp.Status, body)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := metricValue(t, ts, "lrlab_grids_computed_total"); n != 1 {
		t.Errorf("8 identical grids at once computed %v times, want 1", n)
	}
}

// TestRenderSlotsPerIP: one client IP holds at most its share of the
// preview render slots, so another client still gets one.
func TestRenderSlotsPerIP(t *testing.T) {
	s := newRenderSlots(ogRenders, ogRendersPerIP)
	relA, err := s.acquire(context.Background(), "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.acquire(ctx, "10.0.0.1"); err == nil {
		t.Errorf("a second slot for the same IP")
	}
	relB, err := s.acquire(context.Background(), "10.0.0.2")
	if err != nil {
		t.Fatalf("another IP: %v", err)
	}
	relA()
	relB()
	if len(s.perIP) != 0 {
		t.Errorf("per-IP entries left: %v", s.perIP)
	}
}

// metricValue reads a metric without labels from /metrics.
func metricValue(t *testing.T, ts *httptest.Server, name string) float64 {
	t.Helper()
	_, body := do(t, ts, "GET", "/metrics", "", nil)
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestHostsAndPublicURL: a Host that is not one of the server's own is
// refused (a DNS-rebinding page names its own), IP addresses pass, and
// absolute links come from -public-url, never from the client's Host.
func TestHostsAndPublicURL(t *testing.T) {
	ts, _ := newTestServer(t, Config{PublicURL: "https://lab.example.org"})
	q := "/?surface=quadratic&run=sgd,lr=0.19"
	for _, c := range []struct {
		host string
		ok   bool
	}{
		{"attacker.example", false}, {"attacker.example:80", false}, {"lab.example.org.evil", false},
		{"lab.example.org", true}, {"LAB.example.org:443", true}, {"localhost:8080", true}, {"127.0.0.1", true}, {"[::1]:80", true},
	} {
		req, _ := http.NewRequest("GET", ts.URL+q, nil)
		req.Host = c.host
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if (resp.StatusCode == 200) != c.ok {
			t.Errorf("Host %q: %s %.100s", c.host, resp.Status, body)
		}
		if c.ok {
			if img := metaTags(string(body))["og:image"]; !strings.HasPrefix(img, "https://lab.example.org/og.png?") {
				t.Errorf("Host %q: og:image %q, want it under the public URL", c.host, img)
			}
		} else if !strings.Contains(string(body), `"field":"Host"`) {
			t.Errorf("Host %q: %s", c.host, body)
		}
	}
	// The websocket too.
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"
	_, resp, err := websocket.Dial(context.Background(), wsURL, &websocket.DialOptions{Host: "attacker.example"})
	if err == nil || resp == nil || resp.StatusCode != 400 {
		t.Errorf("ws with Host attacker.example: %v %v", resp, err)
	}
}

// TestFrameHeapBounded: what a session holds while a frame is written (the
// pending points as columns and as JSON) stays under 256 KiB even at rate 0
// with 8 runs, so a client that stops reading cannot make its session run
// ahead by megabytes. (LRLAB_MEASURE=1 go test ./server -run
// TestMeasureStalledSessions -v measures it end to end.)
func TestFrameHeapBounded(t *testing.T) {
	for _, runs := range []int{1, 2, 8} {
		s := frameSession(t, runs)
		s.rate = 0
		s.pending = 10000
		if err := s.tick(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		// The next frame, encoded but not yet written.
		s.advance(s.frameLimit())
		held := len(s.appendFrame(nil))
		for _, lr := range s.runs {
			held += 8 * cap(lr.cols)
		}
		if held > 256<<10 {
			t.Errorf("%d runs at rate 0: a frame holds %d KiB while written, want ≤ 256 KiB", runs, held>>10)
		}
	}
}

// badWSMessages is the catalogue of bad websocket messages: each must be
// answered with an error naming the field, without a Go type name.
var badWSMessages = []struct{ msg, field, says string }{
	{`[]`, "", "must be an object"},
	{`"pause"`, "", "must be an object"},
	{`null`, "", "must be an object"},
	{`{"type":"pause","type":"start"}`, "type", "duplicate key"},
	{`{"type":"set","run":null,"optimizer":{"lr":0.1}}`, "run", "required"},
	{`{"type":"rate","rate":null}`, "rate", "required"},
	{`{"type":"start","scenario":null}`, "scenario", "required"},
	{`{"type":null}`, "type", "required"},
	{`{"type":7}`, "type", "must be a string"},
	{`{"type":"pause\ud800"}`, "type", "lone UTF-16 surrogate"},
	{`{"type":"start","scenario":{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"label":"a\udc00"}]}}`, "runs[0].label", "lone UTF-16 surrogate"},
	{`{"type":"set","run":0,"run":1}`, "run", "duplicate key"},
	{`{"type":"step","n":1.5}`, "n", "whole number"},
	{`{"type":"pause"} {}`, "", "trailing data"},
	{`{"type":"pause",}`, "", "malformed JSON"},
}

// badRoomMessages is the catalogue of bad room messages, of the teacher
// (ask, reveal, end) and of a student (vote), while question q1 is open:
// each must be answered with an error naming the field, without a Go type
// name, and change nothing.
var badRoomMessages = []struct {
	student          bool
	msg, field, says string
}{
	{false, `[]`, "", "must be an object"},
	{false, `{"type":"ask","type":"end"}`, "type", "duplicate key"},
	{false, `{"type":"ask\ud800"}`, "type", "lone UTF-16 surrogate"},
	{false, `{"type":"ask","question":null}`, "question", "required"},
	{false, `{"type":"ask","question":{"id":"q2"},"asked":1}`, "asked", "unknown key"},
	{false, `{"type":"ask","question":{"id":"q2","id":"q3","kind":"outcome","run":0}}`, "question.id", "duplicate key"},
	{false, `{"type":"ask","question":{"id":7,"kind":"outcome","run":0}}`, "question.id", "must be a string"},
	{false, `{"type":"ask","question":{"id":"q2","kind":"outcome","run":"0"}}`, "question.run", "finite number"},
	{false, `{"type":"ask","question":{"id":"q2","kind":"outcome","runs":0}}`, "question.runs", "unknown key"},
	{false, `{"type":"ask","question":{"id":"q2","text":"Which?\ud800","choices":["a","b"]}}`, "question.text", "lone UTF-16 surrogate"},
	{false, `{"type":"ask","question":{"id":"q2","text":"Which?","choices":["a","\udfff"]}}`, "question.choices[1]", "lone UTF-16 surrogate"}, // invalid UTF-8 closes with 1007 (TestWSInvalidUTF8)
	{false, `{"type":"ask","question":{"id":"q2","text":"Which?","choices":["a",null]}}`, "question.choices[1]", "must be a string"},
	{false, `{"type":"ask","question":{"id":"q2","text":"Which?","choices":"a,b"}}`, "question.choices", "must be an array"},
	{false, `{"type":"ask","question":[]}`, "question", "required"},
	{false, `{"type":"reveal","question":"q1\udc00"}`, "question", "lone UTF-16 surrogate"},
	{false, `{"type":"reveal","question":"q1","question":"q1"}`, "question", "duplicate key"},
	{false, `{"type":"end","now":true}`, "now", "unknown key"},
	{false, `{"type":"end"} {}`, "", "trailing data"},
	{true, `{"type":"vote","type":"leave"}`, "type", "duplicate key"},
	{true, `{"type":"vote","question":"q1","choice":null}`, "choice", "required"},
	{true, `{"type":"vote","question":"q1","choice":1,"choice":2}`, "choice", "duplicate key"},
	{true, `{"type":"vote","question":"q1\ud800","choice":0}`, "question", "lone UTF-16 surrogate"},
	{true, `{"type":"vote","question":"q1","choice":"0"}`, "choice", "whole number"},
	{true, `{"type":"vote","question":"q1","choice":0,"member":"x"}`, "member", "unknown key"},
	{true, `{"type":"vote","question":"q1","choice":0,}`, "", "malformed JSON"},
}

// TestRoomBadMessagesCatalogue sends every bad room message of the
// catalogue in a class with an open question, then checks the room goes on.
func TestRoomBadMessagesCatalogue(t *testing.T) {
	ts, srv := newTestServer(t, Config{MessageBurst: 1000, MessageRate: 1000})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	teacher := joinTeacher(t, ts, cr)
	student := joinStudent(t, ts, cr.Room, "catalogue-student")
	teacher.send(`{"type":"start","scenario":` + classScenario + `,"paused":true}`)
	teacher.send(`{"type":"ask","question":{"id":"q1","kind":"outcome","run":0}}`)
	teacher.until("question", nil)
	student.until("question", nil)
	answered := 0
	for _, b := range badRoomMessages {
		c := teacher
		if b.student {
			c = student
		}
		c.send(b.msg)
		m := c.until("error", nil)
		if m.Field != b.field || !strings.Contains(m.Error, b.says) || strings.Contains(m.Error, "map[") || strings.Contains(m.Error, "json") || strings.Contains(m.Error, "Go ") {
			t.Errorf("%s: error %q on %q; want %q on %q", b.msg, m.Error, m.Field, b.says, b.field)
			continue
		}
		answered++
	}
	t.Logf("bad room messages: %d tried, %d answered clearly", len(badRoomMessages), answered)
	// Nothing changed: q1 is still the open question and takes a vote.
	student.send(`{"type":"vote","question":"q1","choice":2}`)
	student.until("voted", nil)
	teacher.send(`{"type":"reveal","question":"q1"}`)
	if e := teacher.until("error", nil); !strings.Contains(e.Error, "not decided yet") {
		t.Errorf("reveal of q1: %s", e.Raw)
	}
}

// TestWSBadMessagesCatalogue sends every bad message of the catalogue over a
// live session and checks the answer.
func TestWSBadMessagesCatalogue(t *testing.T) {
	ts, _ := newTestServer(t, Config{MessageBurst: 1000, MessageRate: 1000})
	c := mustDial(t, ts)
	c.send(`{"type":"start","paused":true,"scenario":{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}}`)
	c.expect("started")
	c.expect("frame")
	answered := 0
	for _, b := range badWSMessages {
		c.send(b.msg)
		m := c.expect("error")
		if m.Field != b.field || !strings.Contains(m.Error, b.says) || strings.Contains(m.Error, "map[") || strings.Contains(m.Error, "json.") || strings.Contains(m.Error, "Go value") {
			t.Errorf("%s: error %q on %q; want %q on %q", b.msg, m.Error, m.Field, b.says, b.field)
			continue
		}
		answered++
	}
	t.Logf("bad websocket messages: %d tried, %d answered clearly", len(badWSMessages), answered)
}

// TestWSInvalidUTF8: a text message that is not UTF-8 closes the session
// with 1007, as RFC 6455 asks, instead of being read with U+FFFD.
func TestWSInvalidUTF8(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c := mustDial(t, ts)
	c.send("{\"type\":\"pause\xff\"}")
	select {
	case m, ok := <-c.msgs:
		if ok {
			t.Fatalf("got %+v, want the connection closed", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not closed")
	}
	if err := <-c.closed; websocket.CloseStatus(err) != websocket.StatusInvalidFramePayloadData {
		t.Errorf("closed with %v, want 1007", err)
	}
}

// TestWSPingsCounted: pings count against the session's message budget:
// past it they go unanswered, and a flood of them closes the session with
// 1008 as a flood of messages does.
func TestWSPingsCounted(t *testing.T) {
	ts, _ := newTestServer(t, Config{MessageRate: 0.001, MessageBurst: 5})
	c := mustDial(t, ts)
	answered := 0
	for range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		if c.c.Ping(ctx) == nil {
			answered++
		}
		cancel()
	}
	if answered != 5 {
		t.Errorf("%d of 20 pings answered, want the burst of 5", answered)
	}
	select {
	case err := <-c.closed:
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
			t.Errorf("closed with %v, want 1008", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a ping flood did not end the session")
	}
}

// badHTTPInputs is the catalogue of bad HTTP inputs of this round: each
// must get its 4xx with an error naming the field (in the body's "errors"
// for GET /api/v1/scenario, which opens a link whatever it holds).
var badHTTPInputs = []struct {
	name, method, path, body string
	status                   int
	field, says              string
}{
	{"grid n with a plus sign", "GET", "/api/v1/surfaces/quadratic/grid?n=%2B256", "", 400, "n", "whole number"},
	{"grid hex float", "GET", "/api/v1/surfaces/quadratic/grid?xmin=0x1p3", "", 400, "xmin", "finite number"},
	{"grid inf", "GET", "/api/v1/surfaces/quadratic/grid?xmax=Inf", "", 400, "xmax", "finite number"},
	{"grid pair joined by ';'", "GET", "/api/v1/surfaces/quadratic/grid?n=256;b=1", "", 400, "query", "';'"},
	{"grid bad escape", "GET", "/api/v1/surfaces/quadratic/grid?n=%zz", "", 400, "query", "cannot be read"},
	{"grid unknown format", "GET", "/api/v1/surfaces/quadratic/grid?format=png", "", 400, "format", "lrg1 or lrg2"},
	{"grid format in a body not a string", "POST", "/api/v1/surfaces/linreg/grid", `{"dataset": "line", "format": 2}`, 400, "format", "lrg1"},
	{"pytorch index twice", "GET", "/api/v1/pytorch?run=sgd,lr=0.1&run=sgd,lr=0.2&index=0&index=1", "", 400, "index", "once"},
	{"pytorch index with a plus sign", "GET", "/api/v1/pytorch?run=sgd,lr=0.1&run=sgd,lr=0.2&index=%2B1", "", 400, "index", "run of the link"},
	{"pytorch past 10,000 parameters", "GET", "/api/v1/pytorch?run=sgd,lr=-5" + strings.Repeat("&a", 10000), "", 400, "query", "at most 10000"},
	{"og.png past 10,000 parameters", "GET", "/og.png?run=sgd,lr=-5" + strings.Repeat("&a", 10000), "", 400, "query", "at most 10000"},
	{"scenario past 10,000 parameters", "GET", "/api/v1/scenario?run=sgd,lr=-5" + strings.Repeat("&a", 10000), "", 400, "query", "at most 10000"},
	{"formula past 10,000 parameters", "GET", "/api/v1/formula?formula=x" + strings.Repeat("&a", 10000), "", 400, "query", "at most 10000"},
	{"scenario embed=2", "GET", "/api/v1/scenario?run=sgd,lr=0.1&embed=2", "", 200, "embed", "must be 1"},
	{"scenario empty run settings", "GET", "/api/v1/scenario?run=sgd,,,,", "", 200, "runs[0]", "empty setting"},
	{"scenario number with a space", "GET", "/api/v1/scenario?run=sgd,lr=%200.1", "", 200, "runs[0].optimizer.lr", "number"},
	{"simulate label with a lone surrogate", "POST", "/api/v1/simulate", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"label":"\ud800x"}]}`, 400, "runs[0].label", "lone UTF-16 surrogate"},
	{"simulate label with invalid UTF-8", "POST", "/api/v1/simulate", "{\"surface\":{\"name\":\"quadratic\"},\"runs\":[{\"optimizer\":{\"name\":\"sgd\",\"lr\":0.1},\"label\":\"\xff\"}]}", 400, "runs[0].label", "UTF-8"},
	{"scenario encode with a lone low surrogate", "POST", "/api/v1/scenario", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"label":"\udc00"}]}`, 400, "runs[0].label", "lone UTF-16 surrogate"},
	{"rooms duplicate key", "POST", "/api/v1/rooms", `{"preset":"too-large","preset":"sharp-flat"}`, 400, "preset", "duplicate key"},
	{"rooms unknown key", "POST", "/api/v1/rooms", `{"presets":"too-large"}`, 400, "presets", "unknown key"},
	{"rooms preset not a string", "POST", "/api/v1/rooms", `{"preset":5}`, 400, "preset", "must be a string"},
	{"rooms preset with a lone surrogate", "POST", "/api/v1/rooms", `{"preset":"too-large\ud800"}`, 400, "preset", "lone UTF-16 surrogate"},
	{"rooms preset with invalid UTF-8", "POST", "/api/v1/rooms", "{\"preset\":\"too-large\xff\"}", 400, "preset", "UTF-8"},
	{"rooms trailing data", "POST", "/api/v1/rooms", `{} {}`, 400, "", "trailing data"},
	{"rooms not an object", "POST", "/api/v1/rooms", `[]`, 400, "", "must be an object"},
	{"rooms scenario and preset", "POST", "/api/v1/rooms", `{"preset":"too-large","scenario":{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}}`, 400, "preset", "not both"},
	{"surface info duplicate key", "POST", "/api/v1/surfaces/linreg", `{"dataset":"line","dataset":"hundreds"}`, 400, "dataset", "duplicate key"},
	{"surface info dataset with a lone surrogate", "POST", "/api/v1/surfaces/linreg", `{"dataset":"line\udc00"}`, 400, "dataset", "lone UTF-16 surrogate"},
	{"surface info not an object", "POST", "/api/v1/surfaces/linreg", `[[0,1]]`, 400, "", "must be an object"},
	{"surface info malformed", "POST", "/api/v1/surfaces/linreg", `{"data":[[0,1]],}`, 400, "", "malformed JSON"},
	{"grid body duplicate key", "POST", "/api/v1/surfaces/linreg/grid", `{"dataset":"line","n":64,"n":128}`, 400, "n", "duplicate key"},
	{"grid body n as a string", "POST", "/api/v1/surfaces/linreg/grid", `{"dataset":"line","n":"64"}`, 400, "n", "finite number"},
	{"grid body trailing data", "POST", "/api/v1/surfaces/linreg/grid", `{"dataset":"line"}]`, 400, "", "trailing data"},
	{"sweep formula too dear", "POST", "/api/v1/sweep", `{"surface":{"name":"custom","formula":"` + heavyFormula + `"},"start":[0.5,0.5],"num":40}`, 400, "surface.formula", "too much work"},
}

// TestHTTPBadInputsCatalogue sends every bad input of the catalogue.
func TestHTTPBadInputsCatalogue(t *testing.T) {
	ts, _ := newTestServer(t, Config{RequestsPerMinute: 1 << 20})
	answered := 0
	for _, c := range badHTTPInputs {
		resp, body := do(t, ts, c.method, c.path, c.body, nil)
		var e api.Error
		ok := resp.StatusCode == c.status
		if c.status == 200 { // GET /api/v1/scenario: the errors list
			var r struct{ Errors []api.Error }
			json.Unmarshal(body, &r)
			ok = ok && slices.ContainsFunc(r.Errors, func(e api.Error) bool { return e.Field == c.field && strings.Contains(e.Error, c.says) })
		} else {
			json.Unmarshal(body, &e)
			ok = ok && e.Field == c.field && strings.Contains(e.Error, c.says)
		}
		if !ok || strings.Contains(string(body), "map[") || strings.Contains(string(body), "internal error") {
			t.Errorf("%s: %s %.300s; want %d on %q saying %q", c.name, resp.Status, body, c.status, c.field, c.says)
			continue
		}
		answered++
	}
	t.Logf("bad HTTP inputs: %d tried, %d answered clearly", len(badHTTPInputs), answered)
}

// TestScenarioErrorsCapped: a link with thousands of bad settings gets the
// first 20 errors and a count of the rest, not an answer 20 times its size.
func TestScenarioErrorsCapped(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	q := "/api/v1/scenario?run=sgd,lr=0.1"
	for i := range 3000 {
		q += fmt.Sprintf("&k%d=1", i)
	}
	resp, body := do(t, ts, "GET", q, "", nil)
	var r struct{ Errors []api.Error }
	if err := json.Unmarshal(body, &r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s %v %.200s", resp.Status, err, body)
	}
	if len(r.Errors) != 21 || !strings.Contains(r.Errors[20].Error, "2980 more errors") || len(body) > 20<<10 {
		t.Errorf("%d errors in %d bytes; last %+v", len(r.Errors), len(body), r.Errors[len(r.Errors)-1])
	}
}

// TestMalformedBodies: a malformed chunked encoding or a body cut short is
// the client's fault: 400 on body, never 500.
func TestMalformedBodies(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, raw := range []string{
		"POST /api/v1/simulate HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\n{\"sur\r\nzz\r\n",
		"POST /api/v1/sweep HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"surface\":",
	} {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write([]byte(raw))
		conn.(*net.TCPConn).CloseWrite()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%.40q: %v", raw, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"field":"body"`) {
			t.Errorf("%.40q: %s %s", raw, resp.Status, body)
		}
	}
}

// TestWSSweepChargedToIP: websocket sweeps take from the same per-IP work
// budget as HTTP compute requests, across sessions.
func TestWSSweepChargedToIP(t *testing.T) {
	ts, _ := newTestServer(t, Config{WorkPerMinute: 40_000})
	sweep := `{"type":"sweep","id":"s","surface":{"name":"quadratic"},"steps":200,"num":40}` // 24,000 units
	a := dialRaw(t, ts)
	a.send(sweep)
	if res, _ := a.untilResult("s"); len(res.Results) != 120 {
		t.Fatalf("first sweep: %d results", len(res.Results))
	}
	b := dialRaw(t, ts) // another session of the same IP
	b.send(sweep)
	if m, raw, _ := b.next(5 * time.Second); m.Type != "error" || !strings.Contains(m.Error, "too much computation") {
		t.Errorf("second sweep: %s", raw)
	}
}

// TestFrameWorkBounded: on a dear formula a frame takes fewer steps, so a
// session at rate 0 does not take a core.
func TestFrameWorkBounded(t *testing.T) {
	s := frameSession(t, 8)
	cheap := s.frameLimit()
	m, err := decodeClientMessage([]byte(`{"type":"start","rate":0,"scenario":`+heavyRuns(8, 10000)+`}`), 10000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.start(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if work := s.frameLimit() * len(s.runs) * s.stepCost; work > maxFrameWork || s.frameLimit() >= cheap {
		t.Errorf("a frame of 8 runs of the dear formula: %d points a run, %d work units (cheap surface: %d points)", s.frameLimit(), work, cheap)
	}
}

// TestLogFloodBounded: a flood of requests with huge request IDs writes
// little log: the ID is not the client's, and lines of requests refused by
// the rate limit are sampled (one a second).
func TestLogFloodBounded(t *testing.T) {
	var logged countingWriter
	h := NewServer(slog.New(slog.NewJSONHandler(&logged, nil)), Config{RequestsPerMinute: 10})
	ts := httptest.NewServer(h)
	defer ts.Close()
	id := strings.Repeat("x", 100<<10)
	for range 200 {
		do(t, ts, "GET", "/healthz", "", map[string]string{"X-Request-Id": id})
	}
	if n := logged.n.Load(); n > 20<<10 {
		t.Errorf("200 requests with a 100 KB request ID wrote %d bytes of log", n)
	}
}

type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n.Add(int64(len(p))); return len(p), nil }

// TestStreamChargedToIP: a session streaming a custom formula takes its
// steps from the client IP's work budget, and slows down when it is spent
// (step messages wait for it); a built-in surface's stream is not charged.
func TestStreamChargedToIP(t *testing.T) {
	s := frameSession(t, 8)
	m, err := decodeClientMessage([]byte(`{"type":"start","paused":true,"scenario":`+heavyRuns(8, 10000)+`}`), 10000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.start(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	perStep := int64(8 * s.stepCost)
	s.work, s.ip = newWorkLimiter(2*perStep, s.m), "10.0.0.1" // 2 steps of every run (a frame could take 5)
	now := time.Now()
	s.pending = 500
	if err := s.tick(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	if err := s.tick(context.Background(), now); err != nil { // no time has passed: nothing left
		t.Fatal(err)
	}
	for i, lr := range s.runs {
		if taken := lr.run.Current().Step; taken != 2 {
			t.Errorf("run %d took %d steps on a budget of 2", i, taken)
		}
	}
	if s.pending != 500-2 {
		t.Errorf("%d of 500 stepped steps still pending; the rest were dropped", s.pending)
	}
}

// TestStreamChargedMiniBatches: a run drawing mini-batches of a data
// surface streams steps as dear as its batch (linreg: 1 + B/3 units, where
// the whole data costs 1), so its stream is charged to the client IP's
// work budget and its frames are bounded in work, as a custom formula's.
func TestStreamChargedMiniBatches(t *testing.T) {
	s := frameSession(t, 1)
	rows, _ := json.Marshal(randomRows(2000, false))
	m, err := decodeClientMessage([]byte(`{"type":"start","paused":true,"scenario":{"surface":{"name":"linreg","data":`+string(rows)+
		`},"steps":1000,"runs":[{"optimizer":{"name":"sgd","lr":0.01},"batch_size":1500},{"optimizer":{"name":"sgd","lr":0.01}}]}}`), 10000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.start(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if s.stepCost != 501 {
		t.Errorf("step cost %d, want 501 (1 + 1500/3)", s.stepCost)
	}
	if work := s.frameLimit() * len(s.runs) * s.stepCost; work > maxFrameWork {
		t.Errorf("a frame: %d points a run, %d work units", s.frameLimit(), work)
	}
	perStep := int64(501 + 1)
	s.work, s.ip = newWorkLimiter(2*perStep, s.m), "10.0.0.1"
	now := time.Now()
	s.pending = 500
	if err := s.tick(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	for i, lr := range s.runs {
		if taken := lr.run.Current().Step; taken != 2 {
			t.Errorf("run %d took %d steps on a budget of 2", i, taken)
		}
	}
	// set batch_size to N: full-batch steps cost 1 again, and stream free.
	full, err := decodeClientMessage([]byte(`{"type":"set","run":0,"batch_size":2000}`), 10000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.set(context.Background(), full); err != nil {
		t.Fatal(err)
	}
	if s.stepCost != 1 {
		t.Errorf("after set batch_size 2000: step cost %d, want 1", s.stepCost)
	}
}

// TestRoomTakeOverChargedToIP: a teacher taking a room over replays its
// runs; on a dear formula that is charged to the joining address's work
// budget, so a second take-over right after is refused instead of
// recomputing the room for free.
func TestRoomTakeOverChargedToIP(t *testing.T) {
	ts, srv := newTestServer(t, Config{WorkPerMinute: 100_000})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	teacher := joinTeacher(t, ts, cr)
	teacher.send(`{"type":"start","paused":true,"scenario":` + heavyRuns(1, 10000) + `}`)
	teacher.send(`{"type":"step","n":100}`) // 100 × 443 units, charged by the stream
	for len(teacher.streams) == 0 || len(teacher.streams[0].X) < 101 {
		teacher.next()
	}
	again := joinTeacher(t, ts, cr) // replays 100 × 443 units: fits
	again.until("state", func(m roomMsg) bool { return m.Running && m.Paused })
	if len(again.streams) == 0 || len(again.streams[0].X) != 101 {
		t.Fatalf("the first take-over's catch-up: %d runs", len(again.streams))
	}
	third := dialRoom(t, ts, "third")
	third.send(fmt.Sprintf(`{"type":"join","room":%q,"role":"teacher","token":%q}`, cr.Room, cr.TeacherToken))
	if e := third.until("error", nil); e.Field != "room" || !strings.Contains(e.Error, "too much computation") {
		t.Errorf("second take-over: %s", e.Raw)
	}
	if code := third.closeCode(); code != websocket.StatusPolicyViolation {
		t.Errorf("refused take-over closed with %v", code)
	}
	// The room's teacher is still the first take-over's.
	again.send(`{"type":"step","n":1}`)
	again.until("frame", nil)
}

// TestRoomTeacherStartCharged: a classroom's teacher is a solo session in
// the work budget: its start of a scenario too dear for one (logreg on
// 2,000 rows) is refused as a solo start is, and its stream of a dear
// formula takes its steps from its address's budget, so the room's members
// get no more points than that budget pays for.
func TestRoomTeacherStartCharged(t *testing.T) {
	ts, srv := newTestServer(t, Config{WorkPerMinute: 50_000})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	teacher := joinTeacher(t, ts, cr)
	student := joinStudent(t, ts, cr.Room, "budget-student")
	rows, _ := json.Marshal(randomRows(2000, true))
	teacher.send(`{"type":"start","scenario":{"surface":{"name":"logreg","data":` + string(rows) + `},"steps":10000,"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}}`)
	if e := teacher.until("error", nil); e.Field != "steps" || !strings.Contains(e.Error, "too much work for one scenario") {
		t.Errorf("logreg on 2,000 rows × 10,000 steps: %s", e.Raw)
	}
	teacher.send(`{"type":"start","rate":0,"scenario":` + heavyRuns(1, 10000) + `}`) // 443 units a step
	time.Sleep(time.Second)
	for {
		select {
		case m := <-student.msgs:
			student.track(m)
			continue
		case <-time.After(200 * time.Millisecond):
		}
		break
	}
	// 50,000 units pay for 112 steps, and about 2 more a second refill.
	if n := student.points(); n < 100 || n > 130 {
		t.Errorf("the room streamed %d points of the dear formula on a budget of about 115", n)
	}
}
