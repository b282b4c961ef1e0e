package preview

import (
	_ "embed"
	"image"
	"image/color"
	"image/draw"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Colours of the title strip.
var (
	stripBackground = color.RGBA{0x16, 0x17, 0x1d, 0xff}
	stripTitle      = color.RGBA{0xff, 0xff, 0xff, 0xff}
	stripText       = color.RGBA{0xd8, 0xd9, 0xde, 0xff}
)

// The strip's fonts: subsets of Noto Sans CJK JP Regular and Bold (SIL
// Open Font License 1.1, fonts/OFL.txt) holding every character the preview
// can draw in English and Japanese, built by scripts/subset-font.sh.
var (
	//go:embed fonts/NotoSansCJKjp-Regular-subset.otf
	regularOTF []byte
	//go:embed fonts/NotoSansCJKjp-Bold-subset.otf
	boldOTF []byte
)

// stripFonts holds the fonts, parsed once on first use.
var stripFonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	regular, err := opentype.Parse(regularOTF)
	if err != nil {
		return [2]*opentype.Font{}, err
	}
	bold, err := opentype.Parse(boldOTF)
	return [2]*opentype.Font{regular, bold}, err
})

// Missing returns the characters of s that the preview's fonts have no
// glyph for (spaces and other characters that draw nothing count as
// present), in order, each once.
func Missing(s string) []rune {
	fonts, err := stripFonts()
	if err != nil {
		return []rune(s)
	}
	var buf sfnt.Buffer
	var out []rune
	for _, r := range s {
		for _, f := range fonts {
			if i, err := f.GlyphIndex(&buf, r); (err != nil || i == 0) && !containsRune(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// legendItem is one run in the title strip.
type legendItem struct {
	text     string // "sgd 0.19" or the run's label
	col      color.RGBA
	diverged bool
}

// runText returns the strip's text for a run: its label when it has one
// that the fonts can draw (a label with characters beyond them would show
// empty boxes), else the optimizer's name and learning rate.
func runText(label, optimizer string, lr float64) string {
	if label != "" && len(Missing(label)) == 0 {
		return label
	}
	return optimizer + " " + strconv.FormatFloat(lr, 'g', 3, 64)
}

// drawStrip fills strip with a dark band holding the surface's title and
// one coloured mark and text per run, left to right; runs that do not fit
// are counted as "+N". Faces are made per call because a font.Face is not
// safe for concurrent use.
func drawStrip(img *image.RGBA, strip image.Rectangle, title string, items []legendItem) error {
	draw.Draw(img, strip, image.NewUniform(stripBackground), image.Point{}, draw.Src)
	fonts, err := stripFonts()
	if err != nil {
		return err
	}
	// The largest of these text sizes (as a share of the strip's height)
	// at which every run fits; the smallest when none does.
	var regular, bold font.Face
	var size float64
	for _, share := range []float64{0.5, 0.44, 0.38} {
		if regular != nil {
			regular.Close()
			bold.Close()
		}
		size = float64(strip.Dy()) * share
		opts := &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull}
		if regular, err = opentype.NewFace(fonts[0], opts); err != nil {
			return err
		}
		if bold, err = opentype.NewFace(fonts[1], opts); err != nil {
			regular.Close()
			return err
		}
		if stripWidth(regular, bold, size, title, items) <= float64(strip.Dx()) {
			break
		}
	}
	defer regular.Close()
	defer bold.Close()

	pad := size * 0.8
	baseline := float64(strip.Min.Y) + float64(strip.Dy())*0.5 + size*0.36
	right := float64(strip.Max.X) - pad
	x := float64(strip.Min.X) + pad
	d := font.Drawer{Dst: img, Src: image.NewUniform(stripTitle), Face: bold}
	d.Dot = fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(baseline * 64)}
	d.DrawString(title)
	x = float64(d.Dot.X)/64 + size*1.2

	c := newCanvas(img, strip)
	defer c.release()
	mark := size * 0.32
	centre := float64(strip.Min.Y) + float64(strip.Dy())*0.5
	d.Face, d.Src = regular, image.NewUniform(stripText)
	for k, it := range items {
		need := mark*2 + size*0.35 + float64(font.MeasureString(regular, it.text))/64
		if k < len(items)-1 {
			// keep room for the "+N" of the runs after this one
			need += size * 0.9
			need += float64(font.MeasureString(regular, "+"+strconv.Itoa(len(items)-k-1)))/64 + size*0.9
		}
		if x+need > right {
			d.Dot = fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(baseline * 64)}
			d.DrawString("+" + strconv.Itoa(len(items)-k))
			break
		}
		p := vec{x + mark, centre}
		if it.diverged {
			c.cross(p, mark*0.8, max(2, size*0.12))
		} else {
			c.disc(p, mark)
		}
		c.fill(it.col, 1)
		x += mark*2 + size*0.35
		d.Dot = fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(baseline * 64)}
		d.DrawString(it.text)
		x = float64(d.Dot.X)/64 + size*0.9
	}
	return nil
}

// stripWidth returns the width drawStrip needs for every run at text size
// size, with its margins.
func stripWidth(regular, bold font.Face, size float64, title string, items []legendItem) float64 {
	w := 2*size*0.8 + float64(font.MeasureString(bold, title))/64
	for _, it := range items {
		w += size*1.2 + size*0.64 + size*0.35 + float64(font.MeasureString(regular, it.text))/64
	}
	return w
}
