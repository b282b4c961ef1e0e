package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lrlab/web"
)

// hrefs finds the /static/ URLs a page references: <script src>, <link href>
// (modulepreload, stylesheet, icon).
var staticRef = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)

// gunzipIf returns body, decompressed when the response says gzip.
func gunzipIf(t *testing.T, enc string, body []byte) []byte {
	t.Helper()
	if enc != "gzip" {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dynamicImport finds import('./x.js') with a literal path.
var dynamicImport = regexp.MustCompile(`import\(\s*['"]\./([\w./-]+\.m?js)['"]\s*\)`)

// laterCSS finds the stylesheets the page's modules link themselves ('./x.css').
var laterCSS = regexp.MustCompile(`['"]([\w-]+\.css)['"]`)

// mustBeLazy are the modules of the panels that are not part of the first
// paint: each is loaded with import() when first needed, and never
// imported statically by a module of the first load.
var mustBeLazy = []string{
	"finder.js", "sweep.js", "gauge.js", "flatshare.js", "formula.js", "analysis.js", // analysis
	"share.js", "export.js", "lessons.js", "refcard.js", // sharing, lessons, the card
	"view3d.js", "data.js", "classroom.js",
}

// pageWeight loads path like a browser accepting gzip and returns the bytes
// on the wire of the HTML and of every asset the page references up front:
// its script and that script's static import graph, modulepreloads,
// stylesheets, icon, and the catalog when the page does not inline it
// (#surfaces-data). later are what the page loads after its first paint:
// the modules its up-front modules import with import() (and their own
// imports, static or not) unless they are up front already, the
// stylesheets they link and the presets.
func pageWeight(t *testing.T, ts *httptest.Server, path string) (total int, parts map[string]int, laterTotal int, later map[string]int) {
	t.Helper()
	gz := map[string]string{"Accept-Encoding": "gzip"}
	parts = map[string]int{}
	resp, body := do(t, ts, "GET", path, "", gz)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", path, resp.Status)
	}
	parts["(html)"] = len(body)
	html := gunzipIf(t, resp.Header.Get("Content-Encoding"), body)
	var queue []string
	for _, m := range staticRef.FindAllStringSubmatch(string(html), -1) {
		queue = append(queue, m[1])
	}
	seen := map[string]bool{}
	var pageJS string // the up-front modules' sources
	var lazyQueue []string
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		resp, body := do(t, ts, "GET", u, "", gz)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", u, resp.Status)
		}
		name := u[strings.LastIndex(u, "/")+1:]
		parts[name] = len(body)
		if !strings.HasSuffix(u, ".js") {
			continue
		}
		src := string(gunzipIf(t, resp.Header.Get("Content-Encoding"), body))
		dir := u[:strings.LastIndex(u, "/")+1]
		// (i18n.js's import() of the language tables is not a panel: the
		// page's own language is preloaded, the other is never loaded)
		if name != "early.js" && name != "i18n.js" && !strings.HasPrefix(name, "i18n-") {
			pageJS += src
			for _, m := range dynamicImport.FindAllStringSubmatch(src, -1) {
				if !strings.Contains(m[1], "i18n-") { // i18n.js's, bundled (bundle.go)
					lazyQueue = append(lazyQueue, dir+m[1])
				}
			}
			for _, m := range laterCSS.FindAllStringSubmatch(src, -1) {
				lazyQueue = append(lazyQueue, dir+m[1])
			}
		}
		for _, m := range staticImport.FindAllStringSubmatch(src, -1) {
			queue = append(queue, dir+m[1])
		}
	}
	if !strings.Contains(string(html), `id="surfaces-data"`) && strings.Contains(pageJS, "/api/v1/surfaces") {
		_, body := do(t, ts, "GET", "/api/v1/surfaces", "", gz)
		parts["/api/v1/surfaces"] = len(body)
	}
	for _, n := range parts {
		total += n
	}

	later = map[string]int{}
	for len(lazyQueue) > 0 {
		u := lazyQueue[0]
		lazyQueue = lazyQueue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		resp, body := do(t, ts, "GET", u, "", gz)
		if resp.StatusCode != 200 {
			t.Fatalf("%s (loaded later): %s", u, resp.Status)
		}
		later[u[strings.LastIndex(u, "/")+1:]] = len(body)
		if strings.HasSuffix(u, ".js") {
			src := string(gunzipIf(t, resp.Header.Get("Content-Encoding"), body))
			dir := u[:strings.LastIndex(u, "/")+1]
			// a later module's own imports, static or import(), and stylesheets load later too
			for _, re := range []*regexp.Regexp{staticImport, dynamicImport, laterCSS} {
				for _, m := range re.FindAllStringSubmatch(src, -1) {
					lazyQueue = append(lazyQueue, dir+m[1])
				}
			}
		}
	}
	if strings.Contains(pageJS, "/api/v1/presets") {
		// as the page asks for it: with the keys it reads (fields=), when it names them
		q := "?lang=en"
		if strings.Contains(path, "lang=ja") {
			q = "?lang=ja"
		}
		if m := regexp.MustCompile(`/api/v1/presets\?lang=[^&]*&(fields=[a-z_,]+)`).FindStringSubmatch(pageJS); m != nil {
			q += "&" + m[1]
		}
		_, body := do(t, ts, "GET", "/api/v1/presets"+q, "", gz)
		later["/api/v1/presets"] = len(body)
	}
	for _, n := range later {
		laterTotal += n
	}
	return total, parts, laterTotal, later
}

// listSizes writes "name bytes" pairs, largest first.
func listSizes(parts map[string]int) string {
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return parts[b] - parts[a] })
	var sb strings.Builder
	for _, n := range names {
		sb.WriteString(" " + n + " " + strconv.Itoa(parts[n]))
	}
	return sb.String()
}

// TestPageWeight logs the bytes transferred (gzip) by the first load of the
// page up to its first paint, everything but the map's grid, and what it
// loads after that: `go test ./server -run TestPageWeight -v`. The target
// was 60 KB up front; the classroom, the data surfaces, the timeline and
// the research lessons took the page from 59.8 to 82.5 KB (Japanese); the
// bundle (bundle.go) brought it to 68.6 KB. The test
// fails only far above that (a regression such as preloading every module
// again).
func TestPageWeight(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	a := newAssets(discardLogger())
	if a.bundle == nil {
		t.Fatal("the page's bundle was not built (TestBundle)")
	}
	for _, path := range []string{"/", "/?lang=ja"} {
		total, parts, laterTotal, later := pageWeight(t, ts, path)
		t.Logf("first load of %s up front: %d bytes gzip (%.1f KB) in %d responses:%s", path, total, float64(total)/1024, len(parts), listSizes(parts))
		t.Logf("  loaded after the first paint: %d bytes gzip (%.1f KB) in %d responses:%s", laterTotal, float64(laterTotal)/1024, len(later), listSizes(later))
		if ceiling := 78 << 10; total > ceiling {
			t.Errorf("first load of %s: %d bytes gzip up front, more than %d", path, total, ceiling)
		}
		upfront, lazy := sources(a, parts), sources(a, later)
		for _, m := range mustBeLazy {
			if upfront[m] {
				t.Errorf("first load of %s: %s is loaded up front (imported statically); it is to load with import() when first needed", path, m)
			} else if !lazy[m] {
				t.Errorf("first load of %s: %s is not loaded with import() by any module of the first load", path, m)
			}
		}
	}
}

// sources returns the source modules in the served files of parts: a
// bundle's output (bundle.go) holds the modules its metafile names.
func sources(a *assets, parts map[string]int) map[string]bool {
	in := map[string]bool{}
	for name := range parts {
		if srcs, ok := a.bundle.inputs[name]; ok {
			for _, s := range srcs {
				in[s] = true
			}
		} else {
			in[name] = true
		}
	}
	return in
}

// exportDecl and exportList find the names a module exports.
var (
	exportDecl = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s+(?:default\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s*([\w$]+)`)
	exportList = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s*\{([^}]*)\}`)
	// exportDefault finds export default followed by an expression (export default {…}).
	exportDefault = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s+default\s*[{\[('"\d]`)
)

func exportNames(src []byte) []string {
	var names []string
	for _, m := range exportDecl.FindAllSubmatch(src, -1) {
		names = append(names, string(m[1]))
	}
	if exportDefault.Match(src) {
		names = append(names, "default")
	}
	for _, m := range exportList.FindAllSubmatch(src, -1) {
		for _, part := range strings.Split(string(m[1]), ",") {
			if f := strings.Fields(part); len(f) > 0 {
				names = append(names, f[len(f)-1]) // "a as b" exports b
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestMinifiedAssets checks every served module and stylesheet: minified
// (smaller), the same exported names as the source, a gzip form that
// decompresses to the served bytes; and, with Node on the PATH, that every
// minified module still parses and the browser modules' tests pass on the
// minified files.
func TestMinifiedAssets(t *testing.T) {
	a := newAssets(discardLogger())
	if a.bundle == nil {
		t.Fatal("the page's bundle was not built (TestBundle)")
	}
	tmp := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tmp, "static", "test"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "check"), 0o755); err != nil {
		t.Fatal(err)
	}
	var modules []string
	for p, f := range a.files {
		if _, bundled := a.bundle.files[p]; bundled {
			continue // TestBundle
		}
		orig, err := fs.ReadFile(web.Static, p)
		if err != nil {
			t.Fatal(err)
		}
		ext := path.Ext(p)
		switch ext {
		case ".js":
			if _, ok := minifyJS(orig); !ok {
				t.Errorf("%s: the minifier cannot follow it (served unminified)", p)
			}
		case ".css":
			if _, ok := minifyCSS(orig); !ok {
				t.Errorf("%s: the minifier cannot follow it (served unminified)", p)
			}
		}
		if len(f.body) > len(orig) {
			t.Errorf("%s: %d bytes served, more than its %d", p, len(f.body), len(orig))
		}
		if ext == ".js" {
			modules = append(modules, p)
			if got, want := exportNames(f.body), exportNames(orig); !slices.Equal(got, want) {
				t.Errorf("%s: exports %v after minifying, %v before", p, got, want)
			}
			os.WriteFile(filepath.Join(tmp, "static", p), f.body, 0o644)
			os.WriteFile(filepath.Join(tmp, "check", strings.TrimSuffix(p, ".js")+".mjs"), f.body, 0o644)
		}
		if f.gz != nil {
			if b := gunzipIf(t, "gzip", f.gz); !bytes.Equal(b, f.body) {
				t.Errorf("%s: the gzip form does not round-trip", p)
			}
		} else if slices.Contains(compressible, ext) && len(f.body) > 1024 {
			t.Errorf("%s: no gzip form", p)
		}
	}
	if len(modules) == 0 {
		t.Fatal("no modules")
	}
	node := needTool(t, "node", "parsing the minified modules")
	for _, p := range modules {
		if out, err := exec.Command(node, "--check", filepath.Join(tmp, "check", strings.TrimSuffix(p, ".js")+".mjs")).CombinedOutput(); err != nil {
			t.Errorf("%s: minified, does not parse: %v\n%s", p, err, out)
		}
	}
	tests, err := fs.Glob(os.DirFS("../web/static/test"), "*.test.js")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no module tests found (%v)", err)
	}
	var files []string
	for _, name := range tests {
		b, err := os.ReadFile(filepath.Join("../web/static/test", name))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(tmp, "static", "test", name)
		os.WriteFile(dst, b, 0o644)
		files = append(files, dst)
	}
	// the golden files the tests read (written by Go tests with -update)
	golden, _ := fs.Glob(os.DirFS("../web/static/test"), "golden/*")
	os.MkdirAll(filepath.Join(tmp, "static", "test", "golden"), 0o755)
	for _, name := range golden {
		b, err := os.ReadFile(filepath.Join("../web/static/test", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(tmp, "static", "test", name), b, 0o644)
	}
	os.WriteFile(filepath.Join(tmp, "static", "package.json"), []byte(`{"type":"module"}`), 0o644)
	if out, err := exec.Command(node, append([]string{"--test"}, files...)...).CombinedOutput(); err != nil {
		t.Errorf("node --test on the minified modules: %v\n%s", err, out)
	}
}

// TestMinifyJS checks the minifier on the cases it must leave alone.
func TestMinifyJS(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"// c\n  const a = 1; // tail\n\n/* block\n   more */\n  f();\n", "const a = 1;\nf();\n"},
		// "//" in a string, a regular expression or glued to code stays
		{"  const u = 'a // b', r = /x\\/\\/y/; // c\n", "const u = 'a // b', r = /x\\/\\/y/;\n"},
		{"  const u = 'http://x';//c\n", "const u = 'http://x';//c\n"},
		// a template literal's lines are content: kept whole, comments and indentation included
		{"const s = `\n  // not a comment\n  /* nor this */\n  ${x}`;\n  g();\n", "const s = `\n  // not a comment\n  /* nor this */\n  ${x}`;\ng();\n"},
		// nested templates inside ${…}
		{"const s = `a ${`b ${c}`} \n  d`;\n  h();\n", "const s = `a ${`b ${c}`} \n  d`;\nh();\n"},
		// a regular expression with a backtick, and a division
		{"  const r = /[`'\"]/g, q = a / b / c;\n  // x\n", "const r = /[`'\"]/g, q = a / b / c;\n"},
		// trailing spaces inside a template that goes on are content (and a
		// line that starts inside one is kept whole)
		{"const s = `a  \n b`;  \n", "const s = `a  \n b`;  \n"},
		{"  const u = '`', v = \"/*\";\n  k();\n", "const u = '`', v = \"/*\";\nk();\n"},
	} {
		got, ok := minifyJS([]byte(tt.in))
		if !ok || string(got) != tt.want {
			t.Errorf("minifyJS(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	// what it cannot follow is given back as it is
	for _, in := range []string{"const s = `open\n", "const s = 'a\\\nb';\n", "/* open\n"} {
		if got, ok := minifyJS([]byte(in)); ok || string(got) != in {
			t.Errorf("minifyJS(%q) = %q, %v; want it unchanged and false", in, got, ok)
		}
	}
}
