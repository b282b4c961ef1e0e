package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/singleflight"

	"lrlab/scenario"
	"lrlab/sim"
)

// handleSurfaces serves GET /api/v1/surfaces: the catalog as a JSON array of
// surfaces (name, title, description, formula, kind, params with default,
// min and max, view, start, minima), with an ETag and an hour of caching.
// It cannot fail (a catalog that does not encode is a bug: 500).
func handleSurfaces(logger *slog.Logger) http.Handler {
	return handleFixedJSON(logger, sim.Catalog())
}

// handleFixedJSON serves v, which never changes while the server runs, as
// JSON encoded once, with a strong ETag (304 for a matching If-None-Match)
// and an hour of caching. A v that does not encode is a bug: 500.
func handleFixedJSON(logger *slog.Logger, v any) http.Handler {
	body, err := json.Marshal(v)
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		w.Write(body)
		return nil
	})
}

// Grid limits and defaults.
const (
	gridMinN     = 8
	gridMaxN     = 512
	gridDefaultN = 256
	gridLevels   = 24 // contour levels per grid
	maxFormula   = 500
)

// gridQuery is a parsed and checked grid request.
type gridQuery struct {
	surf  sim.Surface
	box   sim.Box
	n     int
	magic string // the format: gridMagicV1 (the default) or gridMagicV2
}

// parseGridQuery reads the surface name and the query of a grid request:
// the surface's parameters by name, formula (custom only), xmin, xmax, ymin,
// ymax (default: the surface's view), n (8…512, default 256) and format
// (lrg1, the default, or lrg2: gridformat.go). Errors are
// *Error with status 400 (404 for an unknown surface) naming the query key.
func parseGridQuery(name string, q url.Values) (*gridQuery, error) {
	cfg := sim.SurfaceConfig{Name: name, Params: map[string]float64{}}
	g := &gridQuery{n: gridDefaultN, magic: gridMagicV1}
	var box [4]*float64
	boxKeys := [4]string{"xmin", "xmax", "ymin", "ymax"}
	for key, vals := range q {
		if len(vals) != 1 {
			return nil, errorf(http.StatusBadRequest, key, "give %s once", key)
		}
		v := vals[0]
		switch key {
		case "formula":
			if len(v) > maxFormula {
				return nil, errorf(http.StatusBadRequest, key, "must be at most %d characters, got %d", maxFormula, len(v))
			}
			cfg.Formula = v
			continue
		case "dataset", "data": // data surfaces (data.go)
			if err := gridDataKey(key, v, &cfg); err != nil {
				return nil, err
			}
			continue
		case "format":
			switch v {
			case "lrg1":
				g.magic = gridMagicV1
			case "lrg2":
				g.magic = gridMagicV2
			default:
				return nil, errorf(http.StatusBadRequest, key, "must be lrg1 or lrg2, got %q", v)
			}
			continue
		case "n":
			n, err := scenario.ParseInt(v, key, gridMinN, gridMaxN)
			if err != nil {
				return nil, errorf(http.StatusBadRequest, key, "must be a whole number from %d to %d, got %q", gridMinN, gridMaxN, v)
			}
			g.n = n
			continue
		}
		f, err := scenario.ParseNumber(v, key) // JSON's syntax, as in a link
		if err != nil {
			return nil, errorf(http.StatusBadRequest, key, "must be a finite number such as 0.5 or -1e-3, got %q", v)
		}
		if i := slices.Index(boxKeys[:], key); i >= 0 {
			box[i] = &f
			continue
		}
		cfg.Params[key] = f
	}
	surf, err := sim.NewSurface(cfg)
	if err != nil {
		var fe *sim.FieldError
		if errors.As(err, &fe) {
			status := http.StatusBadRequest
			if errors.Is(err, sim.ErrUnknownSurface) {
				status = http.StatusNotFound
			}
			return nil, &Error{Status: status, Field: fe.Field, Msg: fe.Msg}
		}
		return nil, err
	}
	g.surf = surf
	g.n = sim.GridSize(surf, g.n) // logreg: fewer points for many rows (sim/data.go)
	view := surf.Info().View
	def := [4]float64{view.XMin, view.XMax, view.YMin, view.YMax}
	var b [4]float64
	for i := range b {
		b[i] = def[i]
		if box[i] != nil {
			b[i] = *box[i]
		}
		if math.Abs(b[i]) > sim.MaxCoord {
			return nil, errorf(http.StatusBadRequest, boxKeys[i], "must be within ±%g, got %g", sim.MaxCoord, b[i])
		}
	}
	if !(b[1] > b[0]) {
		return nil, errorf(http.StatusBadRequest, "xmax", "must be greater than xmin (%g), got %g", b[0], b[1])
	}
	if !(b[3] > b[2]) {
		return nil, errorf(http.StatusBadRequest, "ymax", "must be greater than ymin (%g), got %g", b[2], b[3])
	}
	// float32 must still tell the columns apart.
	if (b[1]-b[0])/float64(g.n) < 1e-6*max(math.Abs(b[0]), math.Abs(b[1]), 1) ||
		(b[3]-b[2])/float64(g.n) < 1e-6*max(math.Abs(b[2]), math.Abs(b[3]), 1) {
		return nil, errorf(http.StatusBadRequest, "xmax", "the view is too small to draw at %d points per axis", g.n)
	}
	g.box = sim.Box{XMin: b[0], XMax: b[1], YMin: b[2], YMax: b[3]}
	return g, nil
}

// etag returns the strong ETag of the grid: a hash of the normalised query
// (surface, every parameter in use, formula, box, n), the format and the
// build, so a new deployment never serves a stale grid.
func (g *gridQuery) etag(build string) string {
	info := g.surf.Info()
	var b []byte
	b = append(b, g.magic...)
	b = append(b, 0)
	b = append(b, build...)
	b = append(b, 0)
	b = append(b, info.Name...)
	for _, p := range info.Params {
		b = append(b, 0)
		b = append(b, p.Name...)
		b = append(b, '=')
		b = strconv.AppendFloat(b, p.Value, 'g', -1, 64)
	}
	b = append(b, 0)
	b = append(b, info.Formula...)
	for _, v := range []float64{g.box.XMin, g.box.XMax, g.box.YMin, g.box.YMax} {
		b = append(b, 0)
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(g.n), 10)
	b = appendDataHash(b, g.surf) // data.go
	sum := sha256.Sum256(b)
	return `"g` + hex.EncodeToString(sum[:12]) + `"`
}

// handleGrid serves GET /api/v1/surfaces/{name}/grid: the surface's values
// on an n×n grid and its contour lines, in the binary format of
// docs/ARCHITECTURE.md, with Cache-Control public, max-age=86400 and a strong
// ETag; a matching If-None-Match gets 304 without computing anything.
// Failures: an unknown surface 404, a bad query value or a grid over the
// work budget of one request 400 naming the key, the client's work budget
// spent 429, a request past its deadline 503.
//
// Recently served grids are kept in a cache of 32 MiB shared by all clients,
// and identical grids asked for at once are computed once (single flight).
// A computed grid is charged to the client's work budget (gridWork); a
// cached one is free. The computation runs on a sim.Cancellable surface,
// so it stops when the deadline passes or the client leaves.
func handleGrid(logger *slog.Logger, cfg Config, m *metrics, work *workLimiter) http.Handler {
	cache := newGridCache(32 << 20)
	var flight singleflight.Group
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		q, err := gridQueryOf(r) // the URL's, or a POST's JSON body (data.go)
		if err != nil {
			return err
		}
		g, err := parseGridQuery(chi.URLParam(r, "name"), q)
		if err != nil {
			return err
		}
		etag := g.etag(cfg.BuildID)
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Vary", "Accept-Encoding")
		gz := acceptsGzip(r)
		key := etag
		if gz {
			key += gzipKey
		}
		body := cache.get(key)
		if body == nil {
			units := gridWork(g.surf, g.n, g.n)
			if units > int64(cfg.SweepBudget) {
				return errorf(http.StatusBadRequest, "n", "too much work for one request: a %d×%d grid of this surface costs %d work units (one unit is an optimizer step on a built-in surface), and the server's work budget is %d; lower n or simplify the formula",
					g.n, g.n, units, cfg.SweepBudget)
			}
			if err := work.chargeRequest(w, r, units); err != nil {
				return err
			}
			bodies, err := computeGridOnce(r.Context(), &flight, cache, etag, g, m)
			if err != nil {
				return err
			}
			body = bodies.raw
			if gz {
				body = bodies.gz
			}
		}
		if gz {
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
		return nil
	})
}

// gzipKey is appended to a grid's ETag for the cache key of its gzip form.
const gzipKey = " gzip"

// gridBodies are an encoded grid and its gzip form, compressed once (at
// the best compression: a grid is computed once and sent often).
type gridBodies struct{ raw, gz []byte }

// computeGridOnce returns the encoded grid g and its gzip form, computing
// them once for all the requests that ask for etag at the same time, and
// stores both in cache. When the request computing it ends first (its
// deadline, its client gone), the others still waiting compute it again,
// one of them for all.
func computeGridOnce(ctx context.Context, flight *singleflight.Group, cache *gridCache, etag string, g *gridQuery, m *metrics) (gridBodies, error) {
	for {
		v, err, _ := flight.Do(etag, func() (any, error) {
			if raw, gz := cache.get(etag), cache.get(etag+gzipKey); raw != nil && gz != nil {
				return gridBodies{raw, gz}, nil
			}
			m.gridsComputed.Inc()
			raw, err := computeGrid(ctx, g)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(raw)
			zw.Close()
			cache.put(etag, raw)
			cache.put(etag+gzipKey, buf.Bytes())
			return gridBodies{raw, buf.Bytes()}, nil
		})
		if err == nil {
			return v.(gridBodies), nil
		}
		if ctx.Err() != nil || (!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)) {
			return gridBodies{}, err
		}
		// Another request's context ended while it computed ours: try again.
	}
}

// computeGrid computes and encodes grid g; when ctx ends, the evaluation
// stops (stoppable) and ctx.Err() is returned.
func computeGrid(ctx context.Context, g *gridQuery) ([]byte, error) {
	surf, stop := stoppable(ctx, g.surf, gridWork(g.surf, g.n, g.n))
	defer stop()
	values := sim.Grid(surf, g.box, g.n, g.n)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	levels := sim.ContourLevels(values, gridLevels)
	segs := sim.Contours(values, g.n, g.n, g.box, levels)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if g.magic == gridMagicV2 {
		return encodeGridV2(g.n, g.n, g.box, values, levels, segs), nil
	}
	return encodeGrid(g.n, g.n, g.box, values, levels, segs), nil
}

// encodeGrid writes the grid format (little-endian):
//
//	"LRG1", uint32 nx, ny, float32 xmin, xmax, ymin, ymax, vmin, vmax,
//	float32 values[ny][nx], uint32 nlevels,
//	per level: float32 level, uint32 nseg, float32 seg[nseg][4]
//
// vmin and vmax are the finite range of values (0, 0 when none is finite).
func encodeGrid[L float32 | float64](nx, ny int, box sim.Box, values []float32, levels []L, segs [][]float32) []byte {
	size := 4 + 8 + 24 + 4*len(values) + 4 + 8*len(levels)
	for _, s := range segs {
		size += 4 * len(s)
	}
	b := make([]byte, 0, size)
	b = append(b, gridMagicV1...)
	b = binary.LittleEndian.AppendUint32(b, uint32(nx))
	b = binary.LittleEndian.AppendUint32(b, uint32(ny))
	lo, hi := finiteRange(values) // float32s, exact as float64s (gridformat.go)
	for _, v := range []float32{float32(box.XMin), float32(box.XMax), float32(box.YMin), float32(box.YMax), float32(lo), float32(hi)} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	for _, v := range values {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(levels)))
	for k, l := range levels {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(l)))
		var s []float32
		if k < len(segs) {
			s = segs[k]
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)/4))
		for _, v := range s[:len(s)/4*4] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}
