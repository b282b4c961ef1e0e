package server

// bundle.go: the page's modules bundled once at start-up, so that the first
// paint loads a dozen files instead of about forty. The sources in
// web/static stay as they are written (no build step) and are still served
// one by one; the page itself loads the bundle.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"lrlab/web"
)

// pageBundle is the page's modules as esbuild bundled them, with code
// splitting: one output per entry (main.js, early.js, each language table
// and each module the page loads with import()), named "b-" + the entry's
// name, and the code they share in chunks named "b-c-" + a hash of their
// content. Entries keep their exports, so an import() of a panel still
// returns the panel's module, and a module imported by two entries (early.js
// by main.js) exists once. gridworker.js, the grid decoder's worker, is
// bundled on its own into one file: a worker is a realm of its own, which
// runs its modules again whether or not it shares their file with the page.
type pageBundle struct {
	files  map[string][]byte   // served name ("b-main.js") → minified body
	inputs map[string][]string // served name → the sources in it, sorted
	entry  map[string]string   // source entry ("main.js") → served name
}

// bundleEntry names the served output of the source entry src ("main.js").
func bundleEntry(src string) string { return "b-" + strings.TrimSuffix(src, ".js") + ".js" }

// staticBundle is the bundle of web.Static, built on first use: it depends
// only on the embedded files, so a process builds it once however many
// servers it starts (the tests start hundreds).
var staticBundle = sync.OnceValues(func() (*pageBundle, error) { return buildBundle(web.Static) })

// literalImport finds import('./x.js'): the modules the page loads later.
var literalImport = regexp.MustCompile(`import\(\s*['"]\./([\w./-]+\.m?js)['"]\s*\)`)

// buildBundle bundles the modules of fsys (its top directory). The page's
// entries are main.js, early.js (the page's two scripts), i18n-*.js and
// every module any module names in an import() with a literal path; an
// import() of a computed path would not be bundled, so esbuild's warning
// about one fails the build. gridworker.js is bundled apart (pageBundle).
//
// The first paint's modules (main.js's static imports, transitively) come
// in one chunk: esbuild puts each module in the chunk of the entries that
// reach it, and a panel loaded later reaches some of them, so they used
// to be cut into seven files, each a request before the first paint (and
// a cached file costs the page ~10 ms more to get on a 2-core machine
// than its bytes do). Each later entry is therefore bundled as if it also
// imported all of them (lazyImports): at run time those modules have long
// been evaluated by main.js, so the imports change nothing but the chunks.
func buildBundle(fsys fs.FS) (*pageBundle, error) {
	entries := []string{"main.js", "early.js"}
	names, err := fs.Glob(fsys, "*.js")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if strings.HasPrefix(n, "i18n-") {
			entries = append(entries, n)
		}
		src, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		for _, m := range literalImport.FindAllSubmatch(src, -1) {
			entries = append(entries, path.Clean(string(m[1])))
		}
	}
	slices.Sort(entries[2:])
	entries = slices.Compact(entries)
	first, err := staticClosure(fsys, "main.js")
	if err != nil {
		return nil, err
	}
	later := map[string]string{}
	for _, e := range entries {
		if e != "main.js" && e != "early.js" && !strings.HasPrefix(e, "i18n-") && !slices.Contains(first, e) {
			later[e] = lazyImports(first)
		}
	}

	b := &pageBundle{files: map[string][]byte{}, inputs: map[string][]string{}, entry: map[string]string{}}
	if err := b.build(fsys, entries, true, later); err != nil {
		return nil, err
	}
	if err := b.build(fsys, []string{"gridworker.js"}, false, nil); err != nil {
		return nil, err
	}
	return b, nil
}

// staticClosure returns root's static imports, transitively, sorted (root
// left out).
func staticClosure(fsys fs.FS, root string) ([]string, error) {
	seen := map[string]bool{root: true}
	queue := []string{root}
	var out []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("bundling the page's modules: %w", err)
		}
		for _, m := range staticImport.FindAllSubmatch(src, -1) {
			if dep := path.Join(path.Dir(p), string(m[1])); !seen[dep] {
				seen[dep] = true
				out = append(out, dep)
				queue = append(queue, dep)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// lazyImports is the source appended to a later entry: an import of each
// first-paint module, for its chunk only (buildBundle).
func lazyImports(first []string) string {
	var s strings.Builder
	s.WriteString("\n// added by the server's bundler (bundle.go): the first paint's modules, so that they share one chunk\n")
	for _, p := range first {
		s.WriteString("import './" + p + "';\n")
	}
	return s.String()
}

// build bundles entries into b (code split when split), each source
// followed by extra[source] when there is one.
func (b *pageBundle) build(fsys fs.FS, entries []string, split bool, extra map[string]string) error {
	res := api.Build(api.BuildOptions{
		EntryPoints:       entries,
		Bundle:            true,
		Splitting:         split,
		Format:            api.FormatESModule,
		Target:            api.ESNext, // no syntax lowered: the code runs as written
		Charset:           api.CharsetUTF8,
		LegalComments:     api.LegalCommentsNone,
		MinifyWhitespace:  true,
		MinifySyntax:      true,
		MinifyIdentifiers: true,
		EntryNames:        "b-[name]",
		ChunkNames:        "b-c-[hash]",
		AbsWorkingDir:     "/",
		Outdir:            "/out",
		Write:             false,
		Metafile:          true,
		LogLevel:          api.LogLevelSilent,
		Plugins:           []api.Plugin{fsPlugin(fsys, extra)},
	})
	if msgs := append(res.Errors, res.Warnings...); len(msgs) > 0 {
		var errs []error
		for _, m := range msgs {
			where := ""
			if m.Location != nil {
				where = fmt.Sprintf("%s:%d: ", m.Location.File, m.Location.Line)
			}
			errs = append(errs, errors.New(where+m.Text))
		}
		return fmt.Errorf("bundling the page's modules: %w", errors.Join(errs...))
	}
	var meta struct {
		Outputs map[string]struct {
			Inputs map[string]json.RawMessage `json:"inputs"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return fmt.Errorf("bundling the page's modules: the metafile: %w", err)
	}
	written := map[string][]byte{}
	for _, f := range res.OutputFiles {
		written[path.Base(f.Path)] = f.Contents
	}
	for out, o := range meta.Outputs {
		name := path.Base(out)
		if written[name] == nil {
			return fmt.Errorf("bundling the page's modules: the metafile names %s, which was not written", out)
		}
		if b.files[name] != nil {
			return fmt.Errorf("bundling the page's modules: two builds wrote %s", name)
		}
		b.files[name] = written[name]
		for in := range o.Inputs {
			_, src, _ := strings.Cut(in, ":") // "static:main.js"
			b.inputs[name] = append(b.inputs[name], src)
		}
		slices.Sort(b.inputs[name])
	}
	for _, e := range entries {
		if b.files[bundleEntry(e)] == nil {
			return fmt.Errorf("bundling the page's modules: no output for the entry %s", e)
		}
		b.entry[e] = bundleEntry(e)
	}
	return nil
}

// fsPlugin makes esbuild read the modules from fsys: every import is a
// relative path to a sibling module ("./x.js"), as in the browser. A
// source is followed by extra[its path] (buildBundle's lazyImports).
func fsPlugin(fsys fs.FS, extra map[string]string) api.Plugin {
	return api.Plugin{Name: "static", Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: `.*`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			if a.Kind == api.ResolveEntryPoint {
				return api.OnResolveResult{Path: a.Path, Namespace: "static"}, nil
			}
			if !strings.HasPrefix(a.Path, "./") && !strings.HasPrefix(a.Path, "../") {
				return api.OnResolveResult{}, fmt.Errorf("%s imports %q: the page's modules import only each other, by a relative path", a.Importer, a.Path)
			}
			return api.OnResolveResult{Path: path.Join(path.Dir(a.Importer), a.Path), Namespace: "static"}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "static"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src, err := fs.ReadFile(fsys, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(src) + extra[a.Path]
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
		})
	}}
}
