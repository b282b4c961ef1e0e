package preview

import (
	"image/color"
	"math"
)

// viridisAnchors are eleven evenly spaced samples (t = 0, 0.1, … 1) of the
// viridis map, the same table as the page's colormap.js; colours between
// them are interpolated linearly, which stays within a few units of the
// full map.
var viridisAnchors = [11][3]uint8{
	{0x44, 0x01, 0x54}, {0x48, 0x24, 0x75}, {0x41, 0x44, 0x87}, {0x35, 0x5f, 0x8d},
	{0x2a, 0x78, 0x8e}, {0x21, 0x91, 0x8c}, {0x22, 0xa8, 0x84}, {0x44, 0xbf, 0x70},
	{0x7a, 0xd1, 0x51}, {0xbd, 0xdf, 0x26}, {0xfd, 0xe7, 0x25},
}

// lutSize is the number of entries of the colour look-up table.
const lutSize = 1024

// colorAt returns the map's colour at t in [0, 1] (clamped; NaN gives the
// low end), as colormap.js's colorAt does.
func colorAt(t float64) color.RGBA {
	if !(t > 0) {
		t = 0
	}
	t = min(t, 1)
	f := t * float64(len(viridisAnchors)-1)
	i := min(len(viridisAnchors)-2, int(f))
	u := f - float64(i)
	a, b := viridisAnchors[i], viridisAnchors[i+1]
	mix := func(k int) uint8 {
		return uint8(math.Round(float64(a[k]) + (float64(b[k])-float64(a[k]))*u))
	}
	return color.RGBA{mix(0), mix(1), mix(2), 0xff}
}

// colorLUT returns lutSize colours of the map: entry k is colorAt(k/(lutSize−1)).
func colorLUT() *[lutSize]color.RGBA {
	var lut [lutSize]color.RGBA
	for k := range lut {
		lut[k] = colorAt(float64(k) / (lutSize - 1))
	}
	return &lut
}

// Palette is the Okabe–Ito set of eight colours that stay distinct under the
// common forms of colour blindness, in the order the page gives them to runs
// (web/static/colormap.js's PALETTE): run i is drawn in Palette[i mod 8].
var Palette = [8]color.RGBA{
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0xF0, 0xE4, 0x42, 0xff}, // yellow
	{0x00, 0x00, 0x00, 0xff}, // black
}

// runColor returns run i's colour; onDark selects the variant for a dark
// background (black becomes white), as the page's runColor does.
func runColor(i int, onDark bool) color.RGBA {
	c := Palette[i%len(Palette)]
	if onDark && c == (color.RGBA{0, 0, 0, 0xff}) {
		return color.RGBA{0xff, 0xff, 0xff, 0xff}
	}
	return c
}

// haloColor returns the colour of the outline drawn under a mark of colour
// c so that it stands out on the map: dark under light colours, light under
// dark ones.
func haloColor(c color.RGBA) color.RGBA {
	lum := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
	if lum < 60 {
		return color.RGBA{0xff, 0xff, 0xff, 0xff}
	}
	return color.RGBA{0x10, 0x10, 0x14, 0xff}
}
