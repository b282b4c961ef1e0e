package server

// Measurements of issue 13, printed (not asserted) when LRLAB_MEASURE=1:
//
//	LRLAB_MEASURE=1 go test ./server -run TestMeasure -v

import (
	"fmt"
	"os"
	"runtime"
	"testing"
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
