package server

import (
	"bytes"
	"testing"
)

func TestGridCache(t *testing.T) {
	c := newGridCache(100)
	c.put("a", make([]byte, 20))
	c.put("b", make([]byte, 20))
	c.put("big", make([]byte, 26)) // over a quarter: not kept
	if c.get("big") != nil {
		t.Error("kept a body over a quarter of the cache")
	}
	c.get("a") // a is now the most recent
	for _, k := range []string{"c", "d", "e"} {
		c.put(k, make([]byte, 20))
	}
	// 5 × 20 = 100 fits; one more evicts the least recent, b.
	c.put("f", make([]byte, 20))
	if c.get("b") != nil || c.get("a") == nil || c.get("f") == nil || c.size != 100 {
		t.Errorf("after eviction: b %v, a %v, size %d", c.get("b") != nil, c.get("a") != nil, c.size)
	}
}

func TestGridCachedSame(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	_, first := do(t, ts, "GET", "/api/v1/surfaces/himmelblau/grid?n=64", "", nil)
	resp, second := do(t, ts, "GET", "/api/v1/surfaces/himmelblau/grid?n=64", "", nil)
	if resp.StatusCode != 200 || !bytes.Equal(first, second) || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("cached grid differs: %s, %d vs %d bytes", resp.Status, len(first), len(second))
	}
	decodeGridBody(t, second)
}
