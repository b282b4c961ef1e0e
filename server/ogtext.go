package server

// ogtext.go: the texts of the preview image (/og.png) in the reader's
// language, and every string the image can be asked to draw (for the test
// that the embedded font has a glyph for each of their characters).

import (
	"io/fs"
	"regexp"
	"strings"
	"sync"

	"lrlab/scenario"
	"lrlab/sim"
	"lrlab/web"
)

// surfaceTitleEntry matches one surface title of the page's string tables:
// `  'surf.rosenbrock': 'Rosenbrock’s banana valley',`.
var surfaceTitleEntry = regexp.MustCompile(`(?m)^\s*'surf\.([a-z0-9_]+)':\s*'((?:[^'\\]|\\.)*)',?\s*$`)

// pageSurfaceTitles are the surfaces' titles by language, read once from the
// page's own tables (web/static/i18n-en.js, i18n-ja.js), so that the image
// names a surface as the page does.
var pageSurfaceTitles = sync.OnceValue(func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range scenario.Languages {
		m := map[string]string{}
		if b, err := fs.ReadFile(web.Static, "i18n-"+lang+".js"); err == nil {
			for _, e := range surfaceTitleEntry.FindAllSubmatch(b, -1) {
				m[string(e[1])] = strings.ReplaceAll(string(e[2]), `\'`, `'`)
			}
		}
		out[lang] = m
	}
	return out
})

// surfaceTitle is the page's title of surface name in lang, or "" when the
// tables have none (the image then takes the catalog's English title).
func surfaceTitle(name, lang string) string {
	return pageSurfaceTitles()[lang][name]
}

// ogStrings returns every title and run label the preview image can be
// asked to draw besides a reader's own labels: each preset's title and run
// labels in each language, each surface's title in each language (and the
// catalog's), and the strip's fallbacks ("sgd 0.19", "+3").
func ogStrings() []string {
	var out []string
	for _, p := range scenario.Presets() {
		for _, lang := range scenario.Languages {
			out = append(out, p.Title[lang])
			for _, r := range p.Localized(lang).Runs {
				out = append(out, r.Label)
			}
		}
	}
	for _, info := range sim.Catalog() {
		out = append(out, info.Title)
		for _, lang := range scenario.Languages {
			out = append(out, surfaceTitle(info.Name, lang))
		}
	}
	out = append(out, "surface custom", "sgd adam adamw rmsprop adagrad 0123456789.e-+", "+1 +7")
	return out
}
