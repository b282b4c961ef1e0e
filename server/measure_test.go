package server

// Measurements of issue 13, printed (not asserted) when LRLAB_MEASURE=1:
//
//	LRLAB_MEASURE=1 go test ./server -run TestMeasure -v

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
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
