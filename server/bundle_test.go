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
// import()) is in exactly one output, so no module runs twice; each entry's
// output exports what its source exports; and, with Node on the PATH, every
// output parses as a module. The e2e suite runs the page on the bundle.
func TestBundle(t *testing.T) {
	b, err := buildBundle(web.Static)
	if err != nil {
		t.Fatal(err)
	}
	// the sources reachable from the entries, by reading the sources
	reach := map[string]bool{}
	var queue []string
	for e := range b.entry {
		queue = append(queue, e)
	}
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
	in := map[string][]string{} // source → the outputs holding it
	for out, srcs := range b.inputs {
		for _, s := range srcs {
			in[s] = append(in[s], out)
		}
	}
	for p := range reach {
		if len(in[p]) != 1 {
			t.Errorf("%s is in %d outputs %v, want exactly 1", p, len(in[p]), in[p])
		}
	}
	for s := range in {
		if !reach[s] {
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
