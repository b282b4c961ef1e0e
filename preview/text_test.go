package preview

import (
	"image"
	"testing"
)

// stripOnly draws a strip with title and no runs and returns its pixels.
func stripOnly(t *testing.T, title string) []uint8 {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1200, 57))
	if err := drawStrip(img, img.Rect, title, nil); err != nil {
		t.Fatal(err)
	}
	return img.Pix
}

// Japanese is drawn with real glyphs: two titles of as many characters
// differ on the image (the empty boxes of a font without them would be the
// same), and the fonts miss none of their characters.
func TestJapaneseDrawn(t *testing.T) {
	for _, pair := range [][2]string{{"小さすぎ", "大きすぎ"}, {"学習率ラボ", "細長いお椀"}} {
		for _, s := range pair {
			if m := Missing(s); len(m) > 0 {
				t.Errorf("no glyph for %q in %q", string(m), s)
			}
		}
		a, b := stripOnly(t, pair[0]), stripOnly(t, pair[1])
		diff := 0
		for i := range a {
			if a[i] != b[i] {
				diff++
			}
		}
		if diff < 200 {
			t.Errorf("%q and %q draw nearly the same pixels (%d bytes differ): boxes, not glyphs?", pair[0], pair[1], diff)
		}
	}
	// A character beyond the subset is reported, and a label with one is
	// replaced by the optimizer and LR rather than drawn as boxes.
	if m := Missing("鬱"); len(m) != 1 {
		t.Errorf("Missing(鬱) = %q", string(m))
	}
	if got := runText("鬱", "sgd", 0.19); got != "sgd 0.19" {
		t.Errorf("runText of an undrawable label = %q", got)
	}
	if got := runText("小さすぎ", "sgd", 0.19); got != "小さすぎ" {
		t.Errorf("runText = %q", got)
	}
}
