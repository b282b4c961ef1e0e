package preview

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"io"
	"sync"

	"lrlab/scenario"
)

// encoder writes PNGs at the best speed: previews are made on request and
// a chat app fetches each once; the heat map's smooth gradients compress
// well enough at this level.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: new(bufferPool)}

// bufferPool lets concurrent encodings reuse the encoder's buffers.
type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *bufferPool) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// Encode writes img to w as a PNG compressed at png.BestSpeed (an opaque
// image, such as Render's, is written as 8-bit RGB).
func Encode(w io.Writer, img image.Image) error {
	return encoder.Encode(w, img)
}

// DefaultCacheSize is the number of images a Cache made with size 0 holds.
const DefaultCacheSize = 256

// Cache holds the encoded images of at most a fixed number of keys (the
// normalised share query of a scenario, say, with the size when that
// varies: the key must determine the image) and makes each at most once at
// a time: concurrent Get calls with the same key while it is being made
// wait for that one result. When full, it drops the key stored longest ago
// (first in, first out: no bookkeeping on reads). Errors are not stored.
//
// A 1200×630 preview is about 0.4–0.5 MB as a PNG at best speed, so a full
// cache of DefaultCacheSize holds about 120 MB.
//
// A Cache is safe for concurrent use. The zero value is not usable: call
// NewCache.
type Cache struct {
	mu      sync.Mutex
	size    int
	stored  map[string][]byte
	order   []string // keys of stored, a ring: the oldest at next once full
	next    int
	pending map[string]*call
}

// call is an image being made.
type call struct {
	done chan struct{} // closed when data and err are set
	data []byte
	err  error
}

// NewCache returns an empty cache holding at most size images;
// size ≤ 0 means DefaultCacheSize.
func NewCache(size int) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &Cache{size: size, stored: make(map[string][]byte), pending: make(map[string]*call)}
}

// errFillPanicked is what the waiting callers get when fill panics.
var errFillPanicked = errors.New("preview: making the image panicked")

// Get returns the bytes stored under key, or calls fill to produce them,
// stores them and returns them. While one call of fill for key runs, other
// Get calls for key wait for its result instead of calling fill; an error
// is returned to all of them and not stored. The returned slice is shared:
// callers must not modify it.
func (c *Cache) Get(key string, fill func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if data, ok := c.stored[key]; ok {
		c.mu.Unlock()
		return data, nil
	}
	if cl, ok := c.pending[key]; ok {
		c.mu.Unlock()
		<-cl.done
		return cl.data, cl.err
	}
	cl := &call{done: make(chan struct{})}
	c.pending[key] = cl
	c.mu.Unlock()

	cl.err = errFillPanicked
	defer func() {
		c.mu.Lock()
		delete(c.pending, key)
		if cl.err == nil {
			c.store(key, cl.data)
		}
		c.mu.Unlock()
		close(cl.done)
	}()
	cl.data, cl.err = fill()
	return cl.data, cl.err
}

// store adds data under key, dropping the oldest keys beyond the size.
// c.mu must be held.
func (c *Cache) store(key string, data []byte) {
	if _, ok := c.stored[key]; ok {
		c.stored[key] = data
		return
	}
	if len(c.order) < c.size {
		c.order = append(c.order, key)
	} else {
		delete(c.stored, c.order[c.next])
		c.order[c.next] = key
		c.next = (c.next + 1) % c.size
	}
	c.stored[key] = data
}

// Stored returns the bytes stored under key, without making them.
func (c *Cache) Stored(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.stored[key]
	return data, ok
}

// Len returns the number of images stored.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stored)
}

// PNG returns the PNG of scenario sc at w×h (see Render) from the cache
// under key, rendering and encoding it on a miss.
func (c *Cache) PNG(key string, sc scenario.Scenario, w, h int) ([]byte, error) {
	return c.Get(key, func() ([]byte, error) {
		img, err := Render(sc, w, h)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := Encode(&buf, img); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
}
