// Package web holds the browser side of the lab: the static assets (ES
// modules, CSS, images) and the HTML templates, embedded in the binary so the
// server is one file.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static all:templates
var files embed.FS

// Static is the tree of static assets (web/static), rooted at that
// directory: "main.js", "style.css", …
var Static fs.FS = mustSub("static")

// Templates is the tree of HTML templates (web/templates, dot files
// included so the directory may hold only a .keep), rooted at that
// directory: "index.html", …
var Templates fs.FS = mustSub("templates")

func mustSub(dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic("web: " + err.Error()) // cannot happen: dir is embedded above
	}
	return sub
}
