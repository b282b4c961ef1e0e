package server

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"lrlab/preview"
	"lrlab/sim"
)

var writeFontChars = flag.String("write-font-chars", "", "write the characters of the preview's strings to this file (scripts/subset-font.sh) instead of checking the fonts")

// TestPreviewFontCoversText: every character the preview image can draw
// (each preset's title and run labels in English and Japanese, each
// surface's title in both, the strip's fallbacks) has a glyph in the
// preview's embedded fonts, and is listed in preview/fonts/chars.txt, from
// which scripts/subset-font.sh builds them. With -write-font-chars it
// writes that list instead.
func TestPreviewFontCoversText(t *testing.T) {
	strs := ogStrings()
	var chars []rune
	for _, s := range strs {
		for _, r := range s {
			if !slices.Contains(chars, r) {
				chars = append(chars, r)
			}
		}
	}
	slices.Sort(chars)
	if *writeFontChars != "" {
		if err := os.WriteFile(*writeFontChars, []byte(string(chars)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d characters written to %s", len(chars), *writeFontChars)
		return
	}
	for _, info := range sim.Catalog() {
		for _, lang := range []string{"en", "ja"} {
			if surfaceTitle(info.Name, lang) == "" {
				t.Errorf("surface %s has no %s title in web/static/i18n-%s.js ('surf.%s')", info.Name, lang, lang, info.Name)
			}
		}
	}
	listed, err := os.ReadFile("../preview/fonts/chars.txt")
	if err != nil {
		t.Fatal(err)
	}
	var notListed []rune
	for _, r := range chars {
		if !strings.ContainsRune(string(listed), r) {
			notListed = append(notListed, r)
		}
	}
	if len(notListed) > 0 {
		t.Errorf("preview/fonts/chars.txt lacks %q: run scripts/subset-font.sh", string(notListed))
	}
	for _, s := range strs {
		if m := preview.Missing(s); len(m) > 0 {
			t.Errorf("the preview's fonts have no glyph for %q in %q: run scripts/subset-font.sh", string(m), s)
		}
	}
	// Japanese typed by a reader: any kana is drawn.
	if m := preview.Missing("あいうえおアイウエオーゃュ、。「」"); len(m) > 0 {
		t.Errorf("no glyph for kana %q", string(m))
	}
	t.Logf("%d strings, %d distinct characters", len(strs), len(chars))
}
