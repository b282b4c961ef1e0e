package server

// Measurements of issue 13, printed (not asserted) when LRLAB_MEASURE=1:
//
//	LRLAB_MEASURE=1 go test ./server -run TestMeasure -v

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lrlab/sim"
)

func measuring(t *testing.T) {
	t.Helper()
	if os.Getenv("LRLAB_MEASURE") == "" {
		t.Skip("a measurement: set LRLAB_MEASURE=1 to run it")
	}
}

// heapAfterGC is the live heap after two collections.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestMeasureMetricsMethods: /metrics size and the heap it keeps after
// 20,000 requests with distinct methods.
func TestMeasureMetricsMethods(t *testing.T) {
	measuring(t)
	ts, _ := newTestServer(t, Config{RequestsPerMinute: 1 << 30})
	_, before := do(t, ts, "GET", "/metrics", "", nil)
	h0 := heapAfterGC()
	for i := range 20000 {
		do(t, ts, fmt.Sprintf("M%d", i), "/api/v1/surfaces", "", nil)
	}
	h1 := heapAfterGC()
	_, after := do(t, ts, "GET", "/metrics", "", nil)
	t.Logf("20,000 distinct methods: /metrics %d → %d bytes; heap kept %+.2f MiB", len(before), len(after), (float64(h1)-float64(h0))/(1<<20))
}

// TestMeasureStalledSessions: heap and kernel send queue per websocket
// session whose client sent a start (8 runs × 10,000 steps at rate 0) and
// then never reads.
func TestMeasureStalledSessions(t *testing.T) {
	measuring(t)
	const n = 40
	ts, _ := newTestServer(t, Config{MaxSessionsPerIP: 1000, WriteTimeout: time.Minute, RequestsPerMinute: 1 << 30})
	runs := strings.TrimSuffix(strings.Repeat(`{"optimizer":{"name":"adam","lr":0.001}},`, 8), ",")
	start := `{"type":"start","rate":0,"scenario":{"surface":{"name":"rosenbrock"},"steps":10000,"runs":[` + runs + `]}}`
	h0 := heapAfterGC()
	var conns []*websocket.Conn
	for range n {
		c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Write(context.Background(), websocket.MessageText, []byte(start)); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	time.Sleep(3 * time.Second) // every session runs until its writes block
	h1 := heapAfterGC()
	port := ts.Listener.Addr().(*net.TCPAddr).Port
	txq := tcpSendQueues(t, port)
	var total int64
	for _, q := range txq {
		total += q
	}
	t.Logf("%d never-reading sessions: heap %+.1f KiB per session; server kernel send queue %.1f KiB per socket (%d sockets)",
		n, (float64(h1)-float64(h0))/n/1024, float64(total)/float64(max(len(txq), 1))/1024, len(txq))
	for _, c := range conns {
		c.CloseNow()
	}
}

// tcpSendQueues reads the send queue (bytes) of every TCP socket whose
// local port is port from /proc/net/tcp and /proc/net/tcp6.
func tcpSendQueues(t *testing.T, port int) []int64 {
	var out []int64
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			fields := strings.Fields(line)
			if len(fields) < 5 || !strings.Contains(fields[1], ":") {
				continue
			}
			local := fields[1][strings.LastIndexByte(fields[1], ':')+1:]
			p, err := strconv.ParseInt(local, 16, 32)
			if err != nil || int(p) != port || fields[3] != "01" { // established
				continue
			}
			q := fields[4][:strings.IndexByte(fields[4], ':')]
			v, _ := strconv.ParseInt(q, 16, 64)
			out = append(out, v)
		}
	}
	return out
}

// cpuNow is the process's CPU time (user + system).
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestMeasureCostliestAccepted: CPU-seconds of the dearest simulate, grid
// and preview requests the default limits accept, for formulas of each
// kind of instruction (the largest size each budget lets through) and a
// built-in surface at the default limits.
func TestMeasureCostliestAccepted(t *testing.T) {
	measuring(t)
	cfg := DefaultConfig()
	ts, _ := newTestServer(t, Config{WorkPerMinute: 1 << 50, RequestsPerMinute: 1 << 30, ComputePerMinute: 1 << 30})
	terms := func(tmpl string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(tmpl, 0.001*float64(i+1))
		}
		return strings.Join(parts, "+")
	}
	formulas := map[string]string{
		"122 variable powers": strings.Repeat("x^y^", 61) + "x",
		"linear, 400 nodes":   strings.TrimSuffix(strings.Repeat("x*y+", 100), "+"),
		"sines":               terms("sin(x+%g)", 30),
		"constant powers":     terms("(x+%g)^3.5", 30),
		"exp":                 terms("exp(x*%g)", 30),
	}
	measure := func(name, method, path, body string) {
		var best time.Duration
		for i := range 3 { // the least of 3: the machine is shared
			p := path
			if strings.Contains(path, "/grid?") { // grids and previews are cached: vary the key
				p += "&ymin=-" + strconv.Itoa(3+i)
			} else if strings.Contains(path, "og.png") {
				p += "&view=-3,3,-3," + strconv.Itoa(3+i) // a new key, a new render
			}
			c0 := cpuNow()
			resp, b := do(t, ts, method, p, body, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %s %.200s", name, resp.Status, b)
			}
			if d := cpuNow() - c0; best == 0 || d < best {
				best = d
			}
		}
		t.Logf("%-48s %6.3f CPU-s", name, best.Seconds())
	}
	runs8 := strings.TrimSuffix(strings.Repeat(`{"optimizer":{"name":"adam","lr":0.01}},`, 8), ",")
	measure("simulate rosenbrock 8 runs × 10,000 steps", "POST", "/api/v1/simulate", `{"surface":{"name":"rosenbrock"},"steps":10000,"runs":[`+runs8+`]}`)
	measure("grid rosenbrock n=512", "GET", "/api/v1/surfaces/rosenbrock/grid?n=512", "")
	for name, f := range formulas {
		surf, err := sim.NewSurface(sim.SurfaceConfig{Name: "custom", Formula: f})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		steps := min(cfg.SweepBudget/(stepCost(surf)+simulatePointCost), cfg.MaxSteps)
		body := fmt.Sprintf(`{"surface":{"name":"custom","formula":%q},"steps":%d,"runs":[{"optimizer":{"name":"sgd","lr":1e-9},"start":[0.5,0.5]}]}`, f, steps)
		measure(fmt.Sprintf("simulate %s: 1 run × %d steps", name, steps), "POST", "/api/v1/simulate", body)
		n := gridMinN
		for k := gridMinN; k <= gridMaxN; k++ {
			if gridWork(surf, k, k) <= int64(cfg.SweepBudget) {
				n = k
			}
		}
		measure(fmt.Sprintf("grid %s: n=%d", name, n), "GET", "/api/v1/surfaces/custom/grid?n="+strconv.Itoa(n)+"&formula="+url.QueryEscape(f), "")
		grid := gridWork(surf, ogWidth/4+1, ogHeight/4+1)
		if grid <= int64(cfg.SweepBudget) {
			psteps := max(1, min(int((int64(cfg.SweepBudget)-grid)/int64(stepCost(surf)+1)), cfg.MaxSteps))
			measure(fmt.Sprintf("preview %s: 1 run × %d steps", name, psteps), "GET",
				"/og.png?surface=custom&formula="+url.QueryEscape(f)+"&steps="+strconv.Itoa(psteps)+"&run=sgd,lr=1e-9,x=0.5,y=0.5", "")
		} else {
			t.Logf("%-48s refused (its heat map alone is %d units)", "preview "+name, grid)
		}
	}
	measure("preview rosenbrock 8 runs × 10,000 steps", "GET", "/og.png?surface=rosenbrock&steps=10000"+strings.Repeat("&run=adam,lr=0.01", 8), "")
}

// TestMeasureGridSingleFlight: CPU of 8 identical cold grid requests at
// once against one.
func TestMeasureGridSingleFlight(t *testing.T) {
	measuring(t)
	ts, _ := newTestServer(t, Config{WorkPerMinute: 1 << 50, RequestsPerMinute: 1 << 30, ComputePerMinute: 1 << 30})
	f := url.QueryEscape(strings.Repeat("x^y^", 10) + "x")
	path := func(i int) string {
		return fmt.Sprintf("/api/v1/surfaces/custom/grid?n=256&xmin=-%d&formula=%s", 3+i, f)
	}
	c0 := cpuNow()
	do(t, ts, "GET", path(0), "", nil)
	one := cpuNow() - c0
	var wg sync.WaitGroup
	c1 := cpuNow()
	for range 8 {
		wg.Go(func() { do(t, ts, "GET", path(1), "", nil) })
	}
	wg.Wait()
	eight := cpuNow() - c1
	t.Logf("one cold grid %.3f CPU-s; 8 identical cold grids at once %.3f CPU-s (%.1f×)", one.Seconds(), eight.Seconds(), eight.Seconds()/one.Seconds())
}
