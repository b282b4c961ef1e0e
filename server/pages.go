package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"lrlab/scenario"
	"lrlab/sim"
	"lrlab/web"
)

// asset is one embedded static file, with its gzip form when that is smaller.
type asset struct {
	body        []byte
	gz          []byte // nil when not worth it
	contentType string
	etag        string
}

// assets are the embedded static files under one content hash of the whole
// tree: the page links /static/{hash}/main.js, and relative imports between
// the modules stay inside the same hashed directory.
type assets struct {
	hash    string // first 16 hex digits of the tree's SHA-256
	files   map[string]*asset
	tmpl    *template.Template // web/templates/index.html; nil when missing
	tmplErr error
	modules []string // .js files, sorted
	styles  []string // .css files, sorted
	// upfront are the modules the page needs before its first paint: main.js
	// and its static imports, transitively (the panels it loads with
	// import() are left out); the page's language table (i18n-en.js,
	// i18n-ja.js) is added per request.
	upfront []string
	// script and early are the page's two scripts, gridWorker its grid
	// decoder's worker and lang the module of a language's strings: the
	// bundle's (bundle.go), or the sources' when the bundle could not be
	// built.
	script, early, gridWorker string
	lang                      func(lang string) string
	bundle                    *pageBundle // nil when it could not be built
}

// compressible lists the extensions served gzipped when the client accepts it.
var compressible = []string{".js", ".mjs", ".css", ".svg", ".json", ".html", ".txt", ".map"}

// newAssets reads web.Static (skipping the test directory and dot files) and
// parses web/templates/index.html. A template that does not parse is logged
// and makes GET / answer 500.
func newAssets(logger *slog.Logger) *assets {
	a := &assets{files: map[string]*asset{}}
	tree := sha256.New()
	fs.WalkDir(web.Static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != "." && (strings.HasPrefix(name, ".") || (d.IsDir() && name == "test")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		body, err := fs.ReadFile(web.Static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		tree.Write([]byte(p))
		tree.Write(sum[:])
		ext := path.Ext(p)
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		// Minified once here (minify.go); a file the minifier cannot follow
		// is served as it is.
		switch ext {
		case ".js", ".mjs":
			if m, ok := minifyJS(body); ok {
				body = m
			} else {
				logger.Warn("static asset served unminified", "path", p)
			}
		case ".css":
			if m, ok := minifyCSS(body); ok {
				body = m
			} else {
				logger.Warn("static asset served unminified", "path", p)
			}
		}
		a.add(p, body, ct)
		return nil
	})
	a.script, a.early, a.gridWorker = "main.js", "early.js", "gridworker.js"
	a.lang = func(lang string) string { return "i18n-" + lang + ".js" }
	if b, err := staticBundle(); err != nil {
		logger.Error("the page loads its modules one by one", "err", err)
	} else {
		for _, name := range slices.Sorted(maps.Keys(b.files)) {
			body := b.files[name]
			sum := sha256.Sum256(body)
			tree.Write([]byte(name))
			tree.Write(sum[:])
			a.add(name, body, mime.TypeByExtension(".js"))
		}
		a.bundle = b
		a.script, a.early, a.gridWorker = b.entry["main.js"], b.entry["early.js"], b.entry["gridworker.js"]
		a.lang = func(lang string) string { return b.entry["i18n-"+lang+".js"] }
	}
	a.hash = hex.EncodeToString(tree.Sum(nil)[:8])
	slices.Sort(a.modules)
	slices.Sort(a.styles)
	a.upfront = a.importClosure(a.script)

	a.tmpl, a.tmplErr = template.New("index.html").Funcs(template.FuncMap{
		"asset": a.url,
	}).ParseFS(web.Templates, "index.html")
	if a.tmplErr != nil {
		logger.Error("page template", "err", a.tmplErr)
	}
	return a
}

// add serves body at p, with its gzip form when that is smaller, and lists
// p among the modules or the stylesheets.
func (a *assets) add(p string, body []byte, ct string) {
	served := sha256.Sum256(body)
	f := &asset{body: body, contentType: ct, etag: `"` + hex.EncodeToString(served[:8]) + `"`}
	ext := path.Ext(p)
	if slices.Contains(compressible, ext) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			f.gz = buf.Bytes()
		}
	}
	a.files[p] = f
	switch ext {
	case ".js", ".mjs":
		a.modules = append(a.modules, p)
	case ".css":
		a.styles = append(a.styles, p)
	}
}

// staticImport matches a static import or re-export of a sibling module
// (import … from './x.js', import './x.js', export … from './x.js'); import()
// does not match.
var staticImport = regexp.MustCompile(`(?m)(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?['"]\./([\w./-]+\.m?js)['"]`)

// importClosure returns root and every module it imports statically,
// transitively, sorted; root first.
func (a *assets) importClosure(root string) []string {
	seen := map[string]bool{}
	queue := []string{root}
	var out []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		f := a.files[p]
		if seen[p] || f == nil {
			continue
		}
		seen[p] = true
		out = append(out, p)
		dir := path.Dir(p)
		for _, m := range staticImport.FindAllSubmatch(f.body, -1) {
			queue = append(queue, path.Join(dir, string(m[1])))
		}
	}
	slices.Sort(out[1:])
	return out
}

// url returns the hashed URL of the asset at p ("main.js").
func (a *assets) url(p string) string { return "/static/" + a.hash + "/" + strings.TrimPrefix(p, "/") }

// handleStatic serves GET /static/{hash}/{path}: the embedded file with
// Cache-Control public, max-age=31536000, immutable when hash is the current
// one (no-cache for another hash, so a page from an older deployment still
// loads), gzipped for text when the client accepts it, and 304 for a
// matching If-None-Match. An unknown path is 404.
func handleStatic(a *assets) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := a.files[chi.URLParam(r, "*")]
		if f == nil {
			writeJSONError(w, http.StatusNotFound, "", "no such asset: "+r.URL.Path)
			return
		}
		h := w.Header()
		if chi.URLParam(r, "hash") == a.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("Content-Type", f.contentType)
		h.Set("ETag", f.etag)
		h.Set("Vary", "Accept-Encoding")
		if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := f.body
		if f.gz != nil && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = f.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		w.Write(body)
	})
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// etagMatch reports whether an If-None-Match header value matches etag.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// PageData is what web/templates/index.html is rendered with.
type PageData struct {
	// Lang is the page's language, "en" or "ja": ?lang= when given,
	// otherwise the best of Accept-Language, otherwise "en".
	Lang string
	// Static is the URL prefix of the assets, ending in "/"
	// ("/static/3f9a0c…/"). The template function asset "main.js" gives one
	// asset's URL.
	Static string
	// Script is the URL of the page's script: main.js as bundled with the
	// modules of the first paint (bundle.go).
	Script string
	// Early is the URL of early.js as bundled, the small script that opens
	// the socket while Script loads.
	Early string
	// GridWorker is the URL of gridworker.js as bundled, the worker that
	// decodes the map's grids off the main thread; the page reads it from
	// <meta name="grid-worker">.
	GridWorker string
	// Modules are the URLs of the JS modules the first paint needs, for
	// <link rel="modulepreload">: main.js's static import graph and the
	// page language's strings (i18n-{Lang}.js). The panels main.js loads
	// later with import() are not listed.
	Modules []string
	// Styles are the URLs of the stylesheets of the first paint (style.css);
	// the panels' stylesheets are linked by the page when it loads them.
	Styles []string
	// Surfaces is the surface catalog; in a <script type="application/json">
	// element, {{.Surfaces}} writes it as JSON.
	Surfaces []sim.SurfaceInfo
	// Schema is the settings schema (GET /api/v1/schema) with the server's
	// live limits the page checks before it sends (-max-runs, -max-steps);
	// in a <script type="application/json" id="schema-data"> element,
	// {{.Schema}} writes it as JSON.
	Schema scenario.SchemaDoc
	// Embed is true for ?embed=1 (the page inside another site's frame).
	Embed bool
	// Meta holds the title, description and link-preview tags of a share
	// link (share.go); nil on the bare page.
	Meta *PageMeta
	// Room is the room of a /r/{code} page (roomhttp.go), written as JSON
	// into <script type="application/json" id="room-data">; nil elsewhere.
	Room *RoomPage
}

// handleIndex serves GET /: the page rendered into a buffer from
// web/templates/index.html (a half-rendered page never reaches the client).
// Failures: a template that is missing or fails to render gives 500 JSON.
func handleIndex(logger *slog.Logger, a *assets, lim scenario.Limits) http.Handler {
	return handleIndexWith(logger, a, lim, nil)
}

// handleIndexWith serves the page; room, when not nil, gives the page's
// room and the status to answer with (the room pages, roomhttp.go).
func handleIndexWith(logger *slog.Logger, a *assets, lim scenario.Limits, room func(*http.Request) (*RoomPage, int)) http.Handler {
	catalog := sim.Catalog()
	schema := scenario.Schema(lim)
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		if a.tmpl == nil {
			return a.tmplErr
		}
		d := PageData{
			Lang:       pageLang(r),
			Static:     a.url(""),
			Script:     a.url(a.script),
			Early:      a.url(a.early),
			GridWorker: a.url(a.gridWorker),
			Surfaces:   catalog,
			Schema:     schema,
			Embed:      r.URL.Query().Get("embed") == "1",
		}
		d.Meta = shareMeta(r, d.Lang)
		status := http.StatusOK
		if room != nil {
			d.Room, status = room(r)
		}
		for _, p := range a.upfront {
			d.Modules = append(d.Modules, a.url(p))
		}
		if p := a.lang(d.Lang); a.files[p] != nil {
			d.Modules = append(d.Modules, a.url(p))
		}
		for _, p := range a.styles {
			if p == "style.css" || len(a.styles) == 1 {
				d.Styles = append(d.Styles, a.url(p))
			}
		}
		var buf bytes.Buffer
		if err := a.tmpl.Execute(&buf, d); err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Language, Accept-Encoding")
		if room != nil {
			h.Set("Cache-Control", "no-store")
		}
		if status == http.StatusTooManyRequests {
			h.Set("Retry-After", "60")
		}
		w.WriteHeader(status)
		w.Write(buf.Bytes())
		return nil
	})
}

// pageLang picks "en" or "ja" from ?lang=, then Accept-Language (by q-value,
// first listed wins ties), then "en".
func pageLang(r *http.Request) string {
	switch l := r.URL.Query().Get("lang"); l {
	case "en", "ja":
		return l
	}
	best, bestQ := "en", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if primary != "en" && primary != "ja" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ && q > 0 {
			best, bestQ = primary, q
		}
	}
	return best
}
