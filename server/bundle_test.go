package server

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"lrlab/web"
)

// TestBundle checks the page's bundle (bundle.go) against its sources:
// every module the page can reach from its entries (static imports and
// import()) is in exactly one of the page's outputs, so no module runs twice,
// and every module the grid worker reaches is in its one file (a worker runs
// its modules again in its own realm anyway); each entry's output exports
// what its source exports; and, with Node on the PATH, every output parses
// as a module. The e2e suite runs the page on the bundle.
func TestBundle(t *testing.T) {
	b, err := buildBundle(web.Static)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string][]string{} // source → the outputs holding it
	for out, srcs := range b.inputs {
		for _, s := range srcs {
			in[s] = append(in[s], out)
		}
	}
	bundled := map[string]bool{}
	for realm, entries := range map[string][]string{"the page": nil, "the grid worker": {"gridworker.js"}} {
		if entries == nil {
			for e := range b.entry {
				if e != "gridworker.js" {
					entries = append(entries, e)
				}
			}
		}
		outputs := map[string]bool{}
		for out := range b.inputs {
			if (out == b.entry["gridworker.js"]) == (realm == "the grid worker") {
				outputs[out] = true
			}
		}
		for p := range reachable(t, entries) {
			bundled[p] = true
			var holders []string
			for _, out := range in[p] {
				if outputs[out] {
					holders = append(holders, out)
				}
			}
			if len(holders) != 1 {
				t.Errorf("%s: %s is in %d outputs %v, want exactly 1", realm, p, len(holders), holders)
			}
		}
	}
	for s := range in {
		if !bundled[s] {
			t.Errorf("%s is bundled but no entry reaches it", s)
		}
	}
	for _, want := range []string{"main.js", "early.js", "gridworker.js", "i18n-en.js", "i18n-ja.js", "laterpanels.js", "view3d.js", "data.js"} {
		if b.entry[want] == "" {
			t.Errorf("%s is not an entry of the bundle", want)
		}
	}
	for src, out := range b.entry {
		orig, err := fs.ReadFile(web.Static, src)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := exportNames(b.files[out]), exportNames(orig); !slices.Equal(got, want) {
			t.Errorf("%s (from %s): exports %v, the source %v", out, src, got, want)
		}
	}

	node := needTool(t, "node", "parsing the bundle's outputs")
	tmp := t.TempDir()
	for name, body := range b.files {
		p := filepath.Join(tmp, strings.TrimSuffix(name, ".js")+".mjs")
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", p).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", name, err, out)
		}
	}
}

// reachable returns the sources the entries reach by static imports and
// import() with a literal path, read from the sources.
func reachable(t *testing.T, entries []string) map[string]bool {
	t.Helper()
	reach := map[string]bool{}
	queue := slices.Clone(entries)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if reach[p] {
			continue
		}
		reach[p] = true
		src, err := fs.ReadFile(web.Static, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, re := range []*regexp.Regexp{staticImport, literalImport} {
			for _, m := range re.FindAllSubmatch(src, -1) {
				queue = append(queue, string(m[1]))
			}
		}
	}
	return reach
}

// TestBundleFirstPaint checks that the first paint's modules come in few
// files: main.js, one chunk with every module main.js imports and early.js's
// chunk (bundle.go's lazyImports), beside early.js and the page language's
// table. Before, the
// modules a later panel shares with the page were cut into seven chunks,
// each a request the first paint waited for.
func TestBundleFirstPaint(t *testing.T) {
	a := newAssets(discardLogger())
	if a.bundle == nil {
		t.Fatal("the page's bundle was not built (TestBundle)")
	}
	var chunks []string
	for _, p := range a.upfront {
		if strings.HasPrefix(p, "b-c-") {
			chunks = append(chunks, p)
		}
	}
	// b-main.js, the chunk of main.js's imports and early.js's (early.js
	// is an entry of its own, which main.js imports)
	if len(a.upfront) != 3 || len(chunks) != 2 {
		for _, p := range a.upfront {
			t.Logf("  %s: %v", p, a.bundle.inputs[p])
		}
		t.Fatalf("the first paint loads %d modules %v (%d chunks); want b-main.js and 2 chunks", len(a.upfront), a.upfront, len(chunks))
	}
	first, err := staticClosure(web.Static, "main.js")
	if err != nil {
		t.Fatal(err)
	}
	held := sources(a, map[string]int{a.upfront[0]: 0, chunks[0]: 0, chunks[1]: 0})
	for _, p := range first {
		if !held[p] {
			t.Errorf("%s, which main.js imports, is in none of the first paint's files", p)
		}
	}
}

// TestBundleRefuses checks that a module the bundle cannot follow fails the
// build with the file and the reason, instead of a page that breaks later.
func TestBundleRefuses(t *testing.T) {
	ok := "export const x = 1;\n"
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"a bare import", map[string]string{"main.js": "import { a } from 'lodash';\nexport const b = a;\n"}, `imports "lodash"`},
		{"a missing module", map[string]string{"main.js": "import { a } from './gone.js';\nexport const b = a;\n"}, "gone.js"},
		{"a syntax error", map[string]string{"main.js": "export const = ;\n"}, "main.js:1"},
		{"no early.js", map[string]string{"main.js": ok}, "early.js"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, src := range tt.files {
				fsys[p] = &fstest.MapFile{Data: []byte(src)}
			}
			if _, has := tt.files["early.js"]; !has && tt.name != "no early.js" {
				fsys["early.js"] = &fstest.MapFile{Data: []byte(ok)}
			}
			_, err := buildBundle(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// BenchmarkBuildBundle is what bundling adds to a server's start-up (once
// per process): `go test ./server -run XXX -bench BuildBundle`.
func BenchmarkBuildBundle(b *testing.B) {
	for b.Loop() {
		if _, err := buildBundle(web.Static); err != nil {
			b.Fatal(err)
		}
	}
}
