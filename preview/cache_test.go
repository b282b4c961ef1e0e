package preview

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCacheSameBytes(t *testing.T) {
	c := NewCache(0)
	sc := decode(t, samples["saddle"])
	a, err := c.PNG("saddle", sc, 300, 158)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.PNG("saddle", sc, 300, 158)
	if err != nil {
		t.Fatal(err)
	}
	if &a[0] != &b[0] {
		t.Error("the second Get did not return the stored bytes")
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(a))
	if err != nil || cfg.Width != 300 || cfg.Height != 158 {
		t.Errorf("stored PNG: %v %d×%d, want 300×158", err, cfg.Width, cfg.Height)
	}
}

func TestCacheEvictsOldest(t *testing.T) {
	const n = 3
	c := NewCache(n)
	calls := 0
	get := func(key string) {
		t.Helper()
		data, err := c.Get(key, func() ([]byte, error) { calls++; return []byte(key), nil })
		if err != nil || string(data) != key {
			t.Fatalf("Get(%q) = %q, %v", key, data, err)
		}
	}
	for k := range 2 * n {
		get(fmt.Sprint(k))
		if want := min(k+1, n); c.Len() != want {
			t.Fatalf("after %d keys Len = %d, want %d", k+1, c.Len(), want)
		}
	}
	calls = 0
	for k := n; k < 2*n; k++ { // the last n are kept
		get(fmt.Sprint(k))
	}
	if calls != 0 {
		t.Errorf("%d of the last %d keys were made again", calls, n)
	}
	get("0") // the first was dropped
	if calls != 1 {
		t.Errorf("the oldest key was not dropped")
	}
	if c.Len() != n {
		t.Errorf("Len = %d, want %d", c.Len(), n)
	}
}

func TestCacheOneFillAtATime(t *testing.T) {
	c := NewCache(4)
	var fills atomic.Int32
	release := make(chan struct{})
	const callers = 16
	var wg sync.WaitGroup
	results := make([][]byte, callers)
	for i := range callers {
		wg.Go(func() {
			data, err := c.Get("k", func() ([]byte, error) {
				fills.Add(1)
				<-release
				return []byte("png"), nil
			})
			if err != nil {
				t.Error(err)
			}
			results[i] = data
		})
	}
	time.Sleep(20 * time.Millisecond) // let the callers queue up behind the first
	close(release)
	wg.Wait()
	if n := fills.Load(); n != 1 {
		t.Errorf("fill ran %d times, want once", n)
	}
	for i, r := range results {
		if string(r) != "png" {
			t.Errorf("caller %d got %q", i, r)
		}
	}
}

func TestCacheErrorsNotStored(t *testing.T) {
	c := NewCache(4)
	boom := errors.New("boom")
	if _, err := c.Get("k", func() ([]byte, error) { return nil, boom }); err != boom {
		t.Fatalf("err = %v, want boom", err)
	}
	data, err := c.Get("k", func() ([]byte, error) { return []byte("ok"), nil })
	if err != nil || string(data) != "ok" || c.Len() != 1 {
		t.Errorf("after an error: %q, %v, Len %d", data, err, c.Len())
	}

	// A fill that panics must not leave the key pending for ever.
	func() {
		defer func() { _ = recover() }()
		c.Get("p", func() ([]byte, error) { panic("bug") })
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if data, err := c.Get("p", func() ([]byte, error) { return []byte("p"), nil }); err != nil || string(data) != "p" {
			t.Errorf("after a panic: %q, %v", data, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Get blocked after a fill panicked")
	}
}
