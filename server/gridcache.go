package server

import (
	"container/list"
	"sync"
)

// gridCache keeps the most recently served grids by ETag, up to a total
// size, so a classroom opening the same surface computes it once.
type gridCache struct {
	mu    sync.Mutex
	max   int // bytes
	size  int
	order *list.List // of *gridEntry, most recent first
	byTag map[string]*list.Element
}

type gridEntry struct {
	etag string
	body []byte
}

func newGridCache(maxBytes int) *gridCache {
	return &gridCache{max: maxBytes, order: list.New(), byTag: map[string]*list.Element{}}
}

// get returns the cached body of etag, or nil.
func (c *gridCache) get(etag string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byTag[etag]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*gridEntry).body
	}
	return nil
}

// put stores body under etag, dropping the least recently used grids to
// stay within the size. A body larger than a quarter of the cache is not
// kept.
func (c *gridCache) put(etag string, body []byte) {
	if len(body) > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byTag[etag]; ok {
		return
	}
	c.byTag[etag] = c.order.PushFront(&gridEntry{etag: etag, body: body})
	c.size += len(body)
	for c.size > c.max {
		e := c.order.Back()
		g := e.Value.(*gridEntry)
		c.order.Remove(e)
		delete(c.byTag, g.etag)
		c.size -= len(g.body)
	}
}
