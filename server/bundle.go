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
// splitting: one output per entry (main.js, early.js, gridworker.js, each language table
// and each module the page loads with import()), named "b-" + the entry's
// name, and the code they share in chunks named "b-c-" + a hash of their
// content. Entries keep their exports, so an import() of a panel still
// returns the panel's module, and a module imported by two entries (early.js
// by main.js) exists once.
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

// buildBundle bundles the modules of fsys (its top directory). The entries
// are main.js, early.js (the page's two scripts), gridworker.js (the worker
// that decodes the map's grids), i18n-*.js and every module
// any module names in an import() with a literal path; an import() of a
// computed path would not be bundled, so esbuild's warning about one fails
// the build.
func buildBundle(fsys fs.FS) (*pageBundle, error) {
	entries := []string{"main.js", "early.js", "gridworker.js"}
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
	slices.Sort(entries[3:])
	entries = slices.Compact(entries)

	res := api.Build(api.BuildOptions{
		EntryPoints:       entries,
		Bundle:            true,
		Splitting:         true,
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
		Plugins:           []api.Plugin{fsPlugin(fsys)},
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
		return nil, fmt.Errorf("bundling the page's modules: %w", errors.Join(errs...))
	}
	var meta struct {
		Outputs map[string]struct {
			Inputs map[string]json.RawMessage `json:"inputs"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return nil, fmt.Errorf("bundling the page's modules: the metafile: %w", err)
	}
	b := &pageBundle{files: map[string][]byte{}, inputs: map[string][]string{}, entry: map[string]string{}}
	for _, f := range res.OutputFiles {
		b.files[path.Base(f.Path)] = f.Contents
	}
	for out, o := range meta.Outputs {
		name := path.Base(out)
		if b.files[name] == nil {
			return nil, fmt.Errorf("bundling the page's modules: the metafile names %s, which was not written", out)
		}
		for in := range o.Inputs {
			_, src, _ := strings.Cut(in, ":") // "static:main.js"
			b.inputs[name] = append(b.inputs[name], src)
		}
		slices.Sort(b.inputs[name])
	}
	for _, e := range entries {
		if b.files[bundleEntry(e)] == nil {
			return nil, fmt.Errorf("bundling the page's modules: no output for the entry %s", e)
		}
		b.entry[e] = bundleEntry(e)
	}
	return b, nil
}

// fsPlugin makes esbuild read the modules from fsys: every import is a
// relative path to a sibling module ("./x.js"), as in the browser.
func fsPlugin(fsys fs.FS) api.Plugin {
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
			s := string(src)
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
		})
	}}
}
