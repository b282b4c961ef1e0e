// Package preview renders a scenario as a still image for the previews that
// chat apps show of a share link (Open Graph's og:image): the loss surface
// as a heat map over the scenario's view, its contour lines and known minima,
// and every run's whole trajectory with its end point, under a strip naming
// the surface and the runs.
//
// The heat map shows log-scaled loss in the viridis colour map, scaled as
// the page scales it; runs take the page's colour-blind-safe palette in the
// page's order. Rendering a 1200×630 image takes a few tens of milliseconds:
// the surface is evaluated on a grid a quarter of the image's resolution and
// scaled up bilinearly. Cache keeps the encoded images of recent share links
// and renders each at most once at a time.
package preview

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"

	"lrlab/scenario"
	"lrlab/sim"
)

// Image sizes, in pixels.
const (
	DefaultWidth  = 1200 // Open Graph's recommended og:image size
	DefaultHeight = 630
	MinSide       = 16   // smallest width or height Render accepts
	MaxSide       = 4096 // largest width or height Render accepts
)

// Layout and drawing constants (pixels unless said otherwise).
const (
	gridStep      = 4    // image pixels per grid cell of the heat map
	maxGrid       = 512  // most grid points per axis
	contourCount  = 12   // contour levels asked of sim.ContourLevels
	contourWidth  = 1.1  // width of a contour line; every fourth is 1.6 times as wide
	contourAlpha  = 0.45 // opacity of the (white) contour lines; 0.7 times that between every fourth
	stripFraction = 0.09 // height of the title strip as a share of the image's
	stripMinSide  = 200  // no strip on images shorter than this
)

// undefinedColor paints the parts of the map where the loss is not finite.
var undefinedColor = color.RGBA{0x3a, 0x3a, 0x3a, 0xff}

// Render draws scenario sc as a w×h image; w or h of 0 means DefaultWidth
// or DefaultHeight. The heat map covers the scenario's view (the surface's
// default view when sc.View is nil), grown about its centre so that one unit
// is as long on both axes, as the page shows it. Each run is simulated to
// its end with sim.Simulate; a diverged run is drawn up to its last point
// and ends in a cross, pinned to the edge of the map when that point lies
// outside it.
//
// It returns the error of sc.Build (a *sim.FieldError naming the setting)
// for a bad scenario, a *sim.FieldError on "view" for an empty or
// non-finite view, and an error for a size outside MinSide … MaxSide.
//
// sc should come from scenario.Decode or ParseQuery, which bound the runs
// and steps: Render simulates every step of every run (one goroutine per
// run). The cost grows with the length of the lines drawn; eight runs of
// 10,000 steps that each cross the map take about 0.25 s.
func Render(sc scenario.Scenario, w, h int) (*image.RGBA, error) {
	return RenderContext(context.Background(), sc, w, h, "")
}

// RenderContext is Render on behalf of a request, with title at the head of
// the strip instead of the surface's (English) title: the lesson's title,
// or the surface's, in the reader's language. A title with characters the
// fonts cannot draw (Missing) is replaced by the surface's title. Once ctx
// is done, the surface it evaluates (through sim.Cancellable) answers NaN
// without work, so the grid and the runs end at once, and ctx.Err() is
// returned.
func RenderContext(ctx context.Context, sc scenario.Scenario, w, h int, title string) (*image.RGBA, error) {
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	if w < MinSide || h < MinSide || w > MaxSide || h > MaxSide {
		return nil, fmt.Errorf("preview: size %d×%d outside %d … %d pixels a side", w, h, MinSide, MaxSide)
	}
	surf, _, err := sc.Build()
	if err != nil {
		return nil, err
	}
	surf, stop := sim.Cancellable(ctx, surf)
	defer stop()
	runs, err := sc.RunsOn(surf)
	if err := ctx.Err(); err != nil {
		return nil, err // a start on the stopped surface is not finite: ctx, not the scenario
	}
	if err != nil {
		return nil, err
	}
	info := surf.Info()
	view := info.View
	if sc.View != nil {
		view = *sc.View
	}
	if !validBox(view) {
		return nil, &sim.FieldError{Field: "view", Msg: "must be finite with xmin < xmax and ymin < ymax"}
	}

	// Simulate the runs while the heat map is drawn.
	trajs := make([]sim.Trajectory, len(runs))
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Go(func() { trajs[i] = sim.Simulate(r) })
	}

	img := image.NewRGBA(image.Rect(0, 0, w, h))
	plot := img.Rect
	var strip image.Rectangle
	if h >= stripMinSide {
		sh := int(math.Round(float64(h) * stripFraction))
		strip = image.Rect(0, 0, w, sh)
		plot.Min.Y = sh
	}
	box := fitAspect(view, plot.Dx(), plot.Dy())
	m := mapping{box: box, plot: plot}

	gx := min(maxGrid, max(2, (plot.Dx()+gridStep-1)/gridStep+1))
	gy := min(maxGrid, max(2, (plot.Dy()+gridStep-1)/gridStep+1))
	values := sim.Grid(surf, box, gx, gy)
	scale := newLogScale(values)
	heatmap(img, plot, values, gx, gy, scale)

	// u scales every line and mark with the image: 1 at the default size.
	u := min(3, max(0.5, min(float64(w)/DefaultWidth, float64(h)/DefaultHeight)))
	c := newCanvas(img, plot)
	defer c.release()
	drawContours(c, m, sim.Contours(values, gx, gy, box, sim.ContourLevels(values, contourCount)), u)
	drawMinima(c, m, info.Minima, u)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	drawRuns(c, m, trajs, u)

	if !strip.Empty() {
		items := make([]legendItem, len(runs))
		for i, r := range runs {
			cfg := r.Config()
			items[i] = legendItem{
				text:     runText(cfg.Label, cfg.Optimizer.Name, cfg.Optimizer.LR),
				col:      runColor(i, true),
				diverged: trajs[i].Status == sim.StatusDiverged,
			}
		}
		if title == "" || len(Missing(title)) > 0 {
			title = info.Title
		}
		if err := drawStrip(img, strip, title, items); err != nil {
			return nil, err
		}
	}
	return img, nil
}

func validBox(b sim.Box) bool {
	for _, v := range [4]float64{b.XMin, b.XMax, b.YMin, b.YMax} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return b.XMax > b.XMin && b.YMax > b.YMin
}

// fitAspect grows box about its centre so that its aspect ratio equals
// w/h: one unit is as long on both axes and the whole box stays visible
// (the page's scale.js fitAspect).
func fitAspect(b sim.Box, w, h int) sim.Box {
	bw, bh := b.XMax-b.XMin, b.YMax-b.YMin
	cx, cy := (b.XMin+b.XMax)/2, (b.YMin+b.YMax)/2
	want := float64(w) / float64(h)
	if bw/bh < want {
		bw = bh * want
	} else {
		bh = bw / want
	}
	return sim.Box{XMin: cx - bw/2, XMax: cx + bw/2, YMin: cy - bh/2, YMax: cy + bh/2}
}

// mapping takes data coordinates of box onto the pixels of plot (y up in
// data, down in the image).
type mapping struct {
	box  sim.Box
	plot image.Rectangle
}

func (m mapping) pixel(x, y float64) vec {
	return vec{
		float64(m.plot.Min.X) + (x-m.box.XMin)/(m.box.XMax-m.box.XMin)*float64(m.plot.Dx()),
		float64(m.plot.Min.Y) + (m.box.YMax-y)/(m.box.YMax-m.box.YMin)*float64(m.plot.Dy()),
	}
}

// logScale maps a loss f in [lo, lo+span] to [0, 1] as the page's
// heatmap.js logNormalizer does: log(1 + (f − lo)/s) / log(1 + span/s)
// with s = span·10⁻³, a log scale over about three decades of the height
// above the lowest value, so the valleys where runs go get most colours.
type logScale struct {
	lo, s, inv float64
}

// scaleDecades is the number of decades the colour map spans.
const scaleDecades = 3

func newLogScale(values []float32) logScale {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if f := float64(v); !math.IsNaN(f) && !math.IsInf(f, 0) {
			lo, hi = min(lo, f), max(hi, f)
		}
	}
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return logScale{}
	}
	s := span * math.Pow(10, -scaleDecades)
	return logScale{lo: lo, s: s, inv: 1 / math.Log1p(span/s)}
}

// t returns f's place in [0, 1] on the colour map; 0.5 for a flat grid.
func (s logScale) t(f float64) float64 {
	if s.inv == 0 {
		return 0.5
	}
	return min(1, math.Log1p(max(0, f-s.lo)/s.s)*s.inv)
}

// heatmap paints plot with the grid's values (gx×gy, row 0 at the bottom)
// through scale and the colour map, interpolating bilinearly between grid
// points in colour-map space. A pixel next to a non-finite value takes its
// nearest grid point's colour, or undefinedColor.
func heatmap(img *image.RGBA, plot image.Rectangle, values []float32, gx, gy int, scale logScale) {
	lut := colorLUT()
	// ts holds each grid point's index into lut as a float, NaN where the
	// loss is not finite.
	ts := make([]float32, len(values))
	for k, v := range values {
		if v != v {
			ts[k] = float32(math.NaN())
			continue
		}
		ts[k] = float32(scale.t(float64(v)) * (lutSize - 1))
	}
	pw, ph := plot.Dx(), plot.Dy()
	// Column i of the plot lies between grid columns ci[i] and ci[i]+1, at
	// fraction cf[i] of the way.
	ci, cf := make([]int, pw), make([]float32, pw)
	for i := range pw {
		u := (float64(i) + 0.5) / float64(pw) * float64(gx-1)
		ci[i] = min(gx-2, int(u))
		cf[i] = float32(u - float64(ci[i]))
	}
	for j := range ph {
		v := (float64(ph-j) - 0.5) / float64(ph) * float64(gy-1)
		r := min(gy-2, int(v))
		fy := float32(v - float64(r))
		lower, upper := ts[r*gx:(r+1)*gx], ts[(r+1)*gx:(r+2)*gx]
		pix := img.Pix[img.PixOffset(plot.Min.X, plot.Min.Y+j):]
		for i := range pw {
			c, fx := ci[i], cf[i]
			a, b, d, e := lower[c], lower[c+1], upper[c], upper[c+1]
			t := (a+(b-a)*fx)*(1-fy) + (d+(e-d)*fx)*fy
			var col color.RGBA
			switch {
			case t == t:
				col = lut[int(t+0.5)]
			default:
				n := a
				switch {
				case fx >= 0.5 && fy < 0.5:
					n = b
				case fx < 0.5 && fy >= 0.5:
					n = d
				case fx >= 0.5 && fy >= 0.5:
					n = e
				}
				col = undefinedColor
				if n == n {
					col = lut[int(n+0.5)]
				}
			}
			p := pix[4*i : 4*i+4 : 4*i+4]
			p[0], p[1], p[2], p[3] = col.R, col.G, col.B, 0xff
		}
	}
}

// drawContours draws the contour lines in white, every fourth level (from
// the lowest) a little stronger so the eye can count them, as the page's
// contours.js does.
func drawContours(c *canvas, m mapping, levels [][]float32, u float64) {
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for _, strong := range []bool{false, true} {
		width, alpha := contourWidth*u, contourAlpha*0.7
		if strong {
			width, alpha = 1.6*contourWidth*u, contourAlpha
		}
		for lev, segs := range levels {
			if (lev%4 == 0) != strong {
				continue
			}
			for k := 0; k+3 < len(segs); k += 4 {
				a := m.pixel(float64(segs[k]), float64(segs[k+1]))
				b := m.pixel(float64(segs[k+2]), float64(segs[k+3]))
				c.segment(a, b, max(1, width))
			}
		}
		c.fill(white, alpha)
	}
}

// drawMinima marks the surface's known stationary points inside the map: a
// white ring for a minimum, a white diamond for a saddle or an equilibrium,
// each on a dark outline.
func drawMinima(c *canvas, m mapping, minima []sim.Minimum, u float64) {
	dark := color.RGBA{0x10, 0x10, 0x14, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for pass, col := range []color.RGBA{dark, white} {
		w := 2.4 * u
		if pass == 0 {
			w = 5 * u
		}
		for _, mn := range minima {
			p := m.pixel(mn.X, mn.Y)
			switch mn.Label {
			case "saddle", "equilibrium":
				c.diamond(p, 9*u, w)
			default:
				c.ring(p, 8*u, w)
				if pass == 1 {
					c.disc(p, 1.8*u)
				}
			}
		}
		c.fill(col, 0.9)
	}
}

// Sizes of the runs' marks at the default image size: thicker than the
// page's, since chat apps show the image at a third to a half of its size.
const (
	pathWidth = 4.2 // trajectory line
	haloExtra = 2.8 // the outline adds this much to the width of a line
	startR    = 6   // start: ring radius
	startW    = 2.4 // start: ring width
	endR      = 8.5 // end: disc radius, with a white rim
	endRim    = 2   // end: width of the rim
	crossS    = 9   // diverged end: half-size of the cross
	crossW    = 3.6 // diverged end: line width of the cross
	edgeInset = 12  // a mark outside the map is pinned this far inside its edge
)

// drawRuns draws each run's trajectory on its outline, run 0 first, then
// the marks of all runs above every line: a ring at the start, a disc with
// a white rim at the end, or a cross at the last point of a diverged run, as
// the page marks them. u scales every size.
func drawRuns(c *canvas, m mapping, trajs []sim.Trajectory, u float64) {
	paths := make([][]vec, len(trajs))
	for i, tr := range trajs {
		pts := make([]vec, len(tr.X))
		for k := range pts {
			pts[k] = m.pixel(tr.X[k], tr.Y[k])
		}
		paths[i] = pts
		pts = thin(pts, 0.5)
		col := runColor(i, false)
		c.polyline(pts, (pathWidth+haloExtra)*u, pathWidth*u)
		c.fillPair(haloColor(col), 0.55, col, 1)
	}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for i, tr := range trajs {
		pts := paths[i]
		if len(pts) == 0 {
			continue
		}
		col := runColor(i, false)
		start, end := pts[0], m.lastSeen(pts, edgeInset*u)
		c.ring(start, startR*u, (startW+haloExtra)*u)
		c.fill(haloColor(col), 0.8)
		c.ring(start, startR*u, startW*u)
		c.fill(col, 1)
		if tr.Status == sim.StatusDiverged {
			c.cross(end, crossS*u, (crossW+haloExtra)*u)
			c.fill(haloColor(col), 0.8)
			c.cross(end, crossS*u, crossW*u)
			c.fill(col, 1)
			continue
		}
		c.disc(end, (endR+endRim/2)*u)
		c.fill(haloColor(col), 0.5)
		c.disc(end, endR*u)
		c.fill(white, 1)
		c.disc(end, (endR-endRim)*u)
		c.fill(col, 1)
	}
}

// lastSeen returns where the path pts ends on the map: its last point when
// that is inside the plot, else where the path last leaves the plot, moved
// inset pixels inside it (or the last point pinned inside the edge when the
// path never crosses the plot).
func (m mapping) lastSeen(pts []vec, inset float64) vec {
	r := m.plot
	x0, y0, x1, y1 := float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)
	last := pts[len(pts)-1]
	if last.x >= x0 && last.x <= x1 && last.y >= y0 && last.y <= y1 {
		return last
	}
	for k := len(pts) - 1; k > 0; k-- {
		if _, b, ok := clipSegment(pts[k-1], pts[k], x0, y0, x1, y1); ok {
			return m.pin(b, inset)
		}
	}
	return m.pin(last, inset)
}

// pin moves p to inset pixels inside the plot's edges when it is nearer to
// them or outside.
func (m mapping) pin(p vec, inset float64) vec {
	r := m.plot
	if p.x != p.x || p.y != p.y {
		return p
	}
	return vec{
		min(float64(r.Max.X)-inset, max(float64(r.Min.X)+inset, p.x)),
		min(float64(r.Max.Y)-inset, max(float64(r.Min.Y)+inset, p.y)),
	}
}
