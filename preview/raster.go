package preview

import (
	"image"
	"image/color"
	"math"
	"sync"
)

// vec is a point in pixel coordinates (x right, y down; pixel (i, j) covers
// [i, i+1)×[j, j+1), so its centre is at (i+0.5, j+0.5)).
type vec struct{ x, y float64 }

// canvas draws anti-aliased shapes onto an opaque RGBA image in layers: the
// shapes of a layer add coverage to a mask (the most of their coverages at
// each pixel, so joints and overlaps are not darker), and fill blends the
// layer in one colour and clears the mask. Coverage is computed from the
// distance of each pixel's centre to the shape, with a one-pixel ramp.
//
// A line and its outline are drawn in one pass (stroke with an inner
// width): the outline's coverage goes to mask, the line's to inner, and
// fillPair blends the outline, then the line.
type canvas struct {
	img   *image.RGBA
	clip  image.Rectangle // shapes are drawn only inside it
	mask  []float32       // coverage 0…1, one per pixel of img.Rect
	inner []float32       // the inner line's coverage; allocated on first use
	// dirty bounds the pixels of the masks that may be non-zero.
	dirty image.Rectangle
}

// masks holds the zeroed masks of released canvases for reuse.
var masks sync.Pool

func getMask(n int) []float32 {
	m, _ := masks.Get().(*[]float32)
	if m == nil || cap(*m) < n {
		return make([]float32, n)
	}
	return (*m)[:n]
}

func putMask(m []float32) {
	if m != nil {
		m = m[:cap(m)]
		masks.Put(&m)
	}
}

func newCanvas(img *image.RGBA, clip image.Rectangle) *canvas {
	return &canvas{img: img, clip: clip.Intersect(img.Rect), mask: getMask(img.Rect.Dx() * img.Rect.Dy())}
}

// release clears what is left on the masks and keeps them for the next
// canvas. The canvas must not be used afterwards.
func (c *canvas) release() {
	if !c.dirty.Empty() {
		clear(c.mask)
		clear(c.inner)
	}
	putMask(c.mask)
	putMask(c.inner)
	c.mask, c.inner = nil, nil
}

// area returns the pixels of the clip within pad of the box [x0, x1]×[y0, y1].
func (c *canvas) area(x0, y0, x1, y1, pad float64) image.Rectangle {
	r := image.Rect(
		int(math.Floor(max(x0-pad, -1))), int(math.Floor(max(y0-pad, -1))),
		int(math.Ceil(min(x1+pad, 1<<24)))+1, int(math.Ceil(min(y1+pad, 1<<24)))+1,
	).Intersect(c.clip)
	c.dirty = c.dirty.Union(r)
	return r
}

// cover raises the coverage at index k of mask m to a.
func cover(m []float32, k int, a float64) {
	if v := float32(min(a, 1)); v > m[k] {
		m[k] = v
	}
}

// segment adds a line from a to b of the given width in pixels, with round
// caps.
func (c *canvas) segment(a, b vec, width float64) { c.stroke(a, b, width, 0) }

// stroke adds a line from a to b of the given width in pixels, with round
// caps, and when innerWidth > 0 a line of that width along the same path
// to the inner mask. It is clipped to the canvas first, so far-away end
// points (a run that left the map) cost nothing.
func (c *canvas) stroke(a, b vec, width, innerWidth float64) {
	half := width / 2
	pad := half + 1
	r := c.clip
	a, b, ok := clipSegment(a, b, float64(r.Min.X)-pad, float64(r.Min.Y)-pad, float64(r.Max.X)+pad, float64(r.Max.Y)+pad)
	if !ok {
		return
	}
	if innerWidth > 0 && c.inner == nil {
		c.inner = getMask(len(c.mask))
	}
	area := c.area(min(a.x, b.x), min(a.y, b.y), max(a.x, b.x), max(a.y, b.y), pad)
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	// Pixels at distance ≥ half+0.5 are not covered; those ≤ half−0.5 fully.
	outer2 := (half + 0.5) * (half + 0.5)
	full2 := max(0, half-0.5) * max(0, half-0.5)
	ihalf := innerWidth / 2
	iouter2 := (ihalf + 0.5) * (ihalf + 0.5)
	// xSpan is how far from the line's crossing of a row a covered pixel
	// centre can lie; +Inf for a (nearly) horizontal line.
	xSpan := math.Inf(1)
	if math.Abs(dy) > 1e-9 {
		xSpan = (half + 0.5) * math.Sqrt(l2) / math.Abs(dy)
	}
	stride := c.img.Rect.Dx()
	for j := area.Min.Y; j < area.Max.Y; j++ {
		py := float64(j) + 0.5
		lo, hi := min(a.x, b.x)-half-0.5, max(a.x, b.x)+half+0.5
		if !math.IsInf(xSpan, 1) {
			xc := a.x + (py-a.y)*dx/dy
			lo, hi = max(lo, xc-xSpan), min(hi, xc+xSpan)
		}
		i0 := max(area.Min.X, int(math.Floor(lo-0.5)))
		i1 := min(area.Max.X, int(math.Ceil(hi-0.5))+1)
		row := (j-c.img.Rect.Min.Y)*stride - c.img.Rect.Min.X
		for i := i0; i < i1; i++ {
			px := float64(i) + 0.5
			t := 0.0
			if l2 > 0 {
				t = min(1, max(0, ((px-a.x)*dx+(py-a.y)*dy)/l2))
			}
			ex, ey := px-(a.x+t*dx), py-(a.y+t*dy)
			d2 := ex*ex + ey*ey
			if d2 >= outer2 {
				continue
			}
			if d2 <= full2 {
				cover(c.mask, row+i, 1)
			} else {
				cover(c.mask, row+i, half+0.5-math.Sqrt(d2))
			}
			if innerWidth > 0 && d2 < iouter2 {
				cover(c.inner, row+i, ihalf+0.5-math.Sqrt(d2))
			}
		}
	}
}

// thin returns pts without the points that lie within minStep pixels of
// the last point kept (the last point is always kept): a run that has
// settled repeats the same pixel thousands of times.
func thin(pts []vec, minStep float64) []vec {
	if len(pts) < 3 {
		return pts
	}
	out := []vec{pts[0]}
	for _, p := range pts[1 : len(pts)-1] {
		q := out[len(out)-1]
		if dx, dy := p.x-q.x, p.y-q.y; dx*dx+dy*dy >= minStep*minStep {
			out = append(out, p)
		}
	}
	return append(out, pts[len(pts)-1])
}

// polyline adds the segments joining pts (a dot for a single point), and
// when innerWidth > 0 the same path of that width to the inner mask.
func (c *canvas) polyline(pts []vec, width, innerWidth float64) {
	if len(pts) == 1 {
		c.stroke(pts[0], pts[0], width, innerWidth)
	}
	for k := 1; k < len(pts); k++ {
		c.stroke(pts[k-1], pts[k], width, innerWidth)
	}
}

// disc adds a filled circle of radius r about p.
func (c *canvas) disc(p vec, r float64) {
	c.ring(p, r/2, r)
}

// ring adds a circle of radius r about p drawn with a line of the given
// width (a disc when width ≥ 2r).
func (c *canvas) ring(p vec, r, width float64) {
	half := width / 2
	area := c.area(p.x, p.y, p.x, p.y, r+half+1)
	for j := area.Min.Y; j < area.Max.Y; j++ {
		dy := float64(j) + 0.5 - p.y
		for i := area.Min.X; i < area.Max.X; i++ {
			dx := float64(i) + 0.5 - p.x
			if a := half + 0.5 - math.Abs(math.Sqrt(dx*dx+dy*dy)-r); a > 0 {
				cover(c.mask, (j-c.img.Rect.Min.Y)*c.img.Rect.Dx()+i-c.img.Rect.Min.X, a)
			}
		}
	}
}

// cross adds an × of half-size s about p.
func (c *canvas) cross(p vec, s, width float64) {
	c.segment(vec{p.x - s, p.y - s}, vec{p.x + s, p.y + s}, width)
	c.segment(vec{p.x - s, p.y + s}, vec{p.x + s, p.y - s}, width)
}

// diamond adds the outline of a square standing on a corner, of half-diagonal s.
func (c *canvas) diamond(p vec, s, width float64) {
	c.polyline([]vec{{p.x, p.y - s}, {p.x + s, p.y}, {p.x, p.y + s}, {p.x - s, p.y}, {p.x, p.y - s}}, width, 0)
}

// fill blends the layer drawn since the last fill in colour col at opacity
// alpha (0…1) and clears the mask.
func (c *canvas) fill(col color.RGBA, alpha float64) {
	c.fillPair(col, alpha, color.RGBA{}, 0)
}

// fillPair blends the layer drawn since the last fill in colour col at
// opacity alpha, then the inner layer in colour innerCol at opacity
// innerAlpha, and clears both masks.
func (c *canvas) fillPair(col color.RGBA, alpha float64, innerCol color.RGBA, innerAlpha float64) {
	r := c.dirty.Intersect(c.clip)
	c.dirty = image.Rectangle{}
	if r.Empty() {
		return
	}
	stride := c.img.Rect.Dx()
	for j := r.Min.Y; j < r.Max.Y; j++ {
		off := (j-c.img.Rect.Min.Y)*stride - c.img.Rect.Min.X
		pix := c.img.Pix[c.img.PixOffset(c.img.Rect.Min.X, j):]
		blendRow(pix, c.mask[off+r.Min.X:off+r.Max.X], r.Min.X-c.img.Rect.Min.X, col, float32(alpha))
		if c.inner != nil {
			blendRow(pix, c.inner[off+r.Min.X:off+r.Max.X], r.Min.X-c.img.Rect.Min.X, innerCol, float32(innerAlpha))
		}
	}
}

// blendRow blends colour col at opacity alpha times the coverage m[k] into
// pixel k0+k of the row pix, and clears m.
func blendRow(pix []uint8, m []float32, k0 int, col color.RGBA, alpha float32) {
	cr, cg, cb := float32(col.R), float32(col.G), float32(col.B)
	for k, v := range m {
		if v == 0 {
			continue
		}
		m[k] = 0
		a := v * alpha
		o := 4 * (k0 + k)
		p := pix[o : o+3 : o+3]
		p[0] = uint8(float32(p[0]) + (cr-float32(p[0]))*a + 0.5)
		p[1] = uint8(float32(p[1]) + (cg-float32(p[1]))*a + 0.5)
		p[2] = uint8(float32(p[2]) + (cb-float32(p[2]))*a + 0.5)
	}
}

// clipSegment clips the segment ab to the box [x0, x1]×[y0, y1]
// (Liang–Barsky) and reports whether any of it is inside.
func clipSegment(a, b vec, x0, y0, x1, y1 float64) (vec, vec, bool) {
	dx, dy := b.x-a.x, b.y-a.y
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{{-dx, a.x - x0}, {dx, x1 - a.x}, {-dy, a.y - y0}, {dy, y1 - a.y}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return a, b, false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
		if t0 > t1 {
			return a, b, false
		}
	}
	if !(t0 <= t1) { // NaN coordinates
		return a, b, false
	}
	return vec{a.x + t0*dx, a.y + t0*dy}, vec{a.x + t1*dx, a.y + t1*dy}, true
}
