package server

import (
	"bytes"
	"encoding/json"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lrlab/api"
	"lrlab/scenario"
)

// TestOGImagePresets checks that /og.png answers every preset, by id and by
// its share query, with a decodable 1200×630 PNG, cache headers, the same
// ETag for both spellings and 304 for a matching If-None-Match.
func TestOGImagePresets(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, p := range scenario.Presets() {
		t.Run(p.ID, func(t *testing.T) {
			resp, body := do(t, ts, "GET", "/og.png?preset="+url.QueryEscape(p.ID), "", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=86400" {
				t.Errorf("Cache-Control %q", cc)
			}
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 630 {
				t.Errorf("size %v, want 1200×630", b.Size())
			}
			etag := resp.Header.Get("ETag")
			if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
				t.Fatalf("ETag %q", etag)
			}
			// The preset's own link, with page-only keys, is the same image.
			resp2, body2 := do(t, ts, "GET", "/og.png?"+p.Scenario.Encode()+"&embed=1", "", nil)
			if resp2.StatusCode != http.StatusOK || resp2.Header.Get("ETag") != etag || !bytes.Equal(body, body2) {
				t.Errorf("by query: status %d, ETag %q (want %q), same bytes %v", resp2.StatusCode, resp2.Header.Get("ETag"), etag, bytes.Equal(body, body2))
			}
			// In Japanese it is another image (the title and labels in
			// Japanese), the same by id and by the Japanese link.
			respJ, bodyJ := do(t, ts, "GET", "/og.png?preset="+url.QueryEscape(p.ID)+"&lang=ja", "", nil)
			respJ2, bodyJ2 := do(t, ts, "GET", "/og.png?"+p.Localized("ja").Encode()+"&lang=ja", "", nil)
			if respJ.StatusCode != http.StatusOK || respJ.Header.Get("ETag") == etag || bytes.Equal(bodyJ, body) {
				t.Errorf("lang=ja: status %d, ETag %q (en %q)", respJ.StatusCode, respJ.Header.Get("ETag"), etag)
			}
			if respJ2.Header.Get("ETag") != respJ.Header.Get("ETag") || !bytes.Equal(bodyJ, bodyJ2) {
				t.Errorf("lang=ja by query: ETag %q, by id %q", respJ2.Header.Get("ETag"), respJ.Header.Get("ETag"))
			}
			resp3, body3 := do(t, ts, "GET", "/og.png?preset="+url.QueryEscape(p.ID), "", map[string]string{"If-None-Match": etag})
			if resp3.StatusCode != http.StatusNotModified || len(body3) != 0 {
				t.Errorf("If-None-Match: status %d, %d bytes", resp3.StatusCode, len(body3))
			}
		})
	}
}

// TestOGImageBadQuery checks that a link with a bad setting gets 400 JSON
// naming the setting instead of an image.
func TestOGImageBadQuery(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, c := range []struct{ query, field string }{
		{"surface=quadratic&run=sgd,lr=-1", "runs[0].optimizer.lr"},
		{"surface=quadratic&b=-3&run=sgd,lr=0.1", "surface.b"},
		{"surface=nosuch&run=sgd,lr=0.1", "surface"},
		{"surface=quadratic&run=sgdd,lr=0.1", "runs[0].optimizer.name"},
		{"steps=0&run=sgd,lr=0.1", "steps"},
		{"preset=nosuch", "preset"},
	} {
		resp, body := do(t, ts, "GET", "/og.png?"+c.query, "", nil)
		var e api.Error
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &e) != nil {
			t.Errorf("%s: status %d, body %s", c.query, resp.StatusCode, body)
			continue
		}
		if !strings.HasPrefix(e.Field, c.field) || e.Error == "" {
			t.Errorf("%s: field %q (want %q…), error %q", c.query, e.Field, c.field, e.Error)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", c.query, cc)
		}
	}
}

// metaTags returns the content of each <meta property|name="…"> of page, and
// the <title>, unescaped.
func metaTags(page string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<meta (?:property|name)="([^"]+)" content="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	if m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(page); m != nil {
		out["title"] = html.UnescapeString(m[1])
	}
	return out
}

// TestShareMetaPresets checks the link-preview tags of /p/{id} (which
// redirects to the preset's link) in both languages: the preset's title and
// summary, the absolute /og.png address of its query, the image's size.
func TestShareMetaPresets(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, p := range scenario.Presets() {
		for _, lang := range []string{"en", "ja"} {
			resp, body := do(t, ts, "GET", "/p/"+url.PathEscape(p.ID)+"?lang="+lang, "", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: status %d", p.ID, lang, resp.StatusCode)
			}
			m := metaTags(string(body))
			// The image shows the title and the runs' labels in the page's language.
			sc := p.Localized(lang)
			img := ts.URL + "/og.png?" + sc.Encode() + map[string]string{"en": "", "ja": "&lang=ja"}[lang]
			want := map[string]string{
				"og:image":        img,
				"twitter:image":   img,
				"og:image:width":  "1200",
				"og:image:height": "630",
				"twitter:card":    "summary_large_image",
				"description":     p.Summary[lang],
				"og:description":  p.Summary[lang],
				"og:url":          ts.URL + "/p/" + url.PathEscape(p.ID) + map[string]string{"en": "", "ja": "?lang=ja"}[lang],
			}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("%s %s: %s = %q, want %q", p.ID, lang, k, m[k], v)
				}
			}
			for _, k := range []string{"title", "og:title"} {
				if !strings.HasPrefix(m[k], p.Title[lang]) {
					t.Errorf("%s %s: %s = %q, want the preset's title %q first", p.ID, lang, k, m[k], p.Title[lang])
				}
			}
		}
	}
}

// TestShareMetaLink checks the tags of a share link that is no preset: a
// title and description made from the runs, in the page's language, and no
// such tags on the bare page.
func TestShareMetaLink(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	// (0.19 and 0.21 would be the lesson too-large, whatever the labels)
	q := "surface=quadratic&b=10&run=sgd,lr=0.18&run=sgd,lr=0.21"
	norm := "surface=quadratic&run=sgd,lr=0.18&run=sgd,lr=0.21" // b=10 is the default
	for _, c := range []struct{ lang, title, desc string }{
		{"en", "SGD lr 0.18 vs 0.21 on quadratic", "200 steps"},
		{"ja", "quadratic で SGD lr 0.18 と 0.21", "200 ステップ"},
	} {
		_, body := do(t, ts, "GET", "/?"+q+"&lang="+c.lang, "", nil)
		m := metaTags(string(body))
		if m["og:image"] != ts.URL+"/og.png?"+norm+map[string]string{"en": "", "ja": "&lang=ja"}[c.lang] {
			t.Errorf("%s: og:image %q", c.lang, m["og:image"])
		}
		if !strings.HasPrefix(m["og:title"], c.title) || !strings.HasPrefix(m["title"], c.title) {
			t.Errorf("%s: title %q, og:title %q, want %q first", c.lang, m["title"], m["og:title"], c.title)
		}
		if !strings.Contains(m["og:description"], c.desc) || m["description"] != m["og:description"] {
			t.Errorf("%s: description %q, og:description %q", c.lang, m["description"], m["og:description"])
		}
		if m["twitter:card"] != "summary_large_image" {
			t.Errorf("%s: twitter:card %q", c.lang, m["twitter:card"])
		}
	}
	// Behind a trusted TLS proxy the image's address is https; any other
	// client's X-Forwarded-Proto is not believed.
	proxied, _ := newTestServer(t, Config{TrustedProxies: []string{"127.0.0.1/32", "::1/128"}})
	_, body := do(t, proxied, "GET", "/?"+q, "", map[string]string{"X-Forwarded-Proto": "https"})
	if img := metaTags(string(body))["og:image"]; !strings.HasPrefix(img, "https://") {
		t.Errorf("behind https: og:image %q", img)
	}
	_, body = do(t, ts, "GET", "/?"+q, "", map[string]string{"X-Forwarded-Proto": "https"})
	if img := metaTags(string(body))["og:image"]; !strings.HasPrefix(img, "http://") {
		t.Errorf("X-Forwarded-Proto from an untrusted client: og:image %q", img)
	}
	_, body = do(t, ts, "GET", "/?lang=ja", "", nil)
	if m := metaTags(string(body)); m["og:image"] != "" || m["title"] != "学習率ラボ" {
		t.Errorf("bare page: og:image %q, title %q", m["og:image"], m["title"])
	}
}

// TestEmbedFrameAncestors checks that only ?embed=1 may be framed.
func TestEmbedFrameAncestors(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, _ := do(t, ts, "GET", "/?surface=quadratic&run=sgd,lr=0.1&embed=1", "", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || resp.Header.Get("X-Frame-Options") != "" {
		t.Errorf("embed: CSP %q, X-Frame-Options %q", csp, resp.Header.Get("X-Frame-Options"))
	}
	resp, _ = do(t, ts, "GET", "/?surface=quadratic&run=sgd,lr=0.1", "", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("page: CSP %q, X-Frame-Options %q", csp, resp.Header.Get("X-Frame-Options"))
	}
}

// TestPyTorchEndpoint checks GET /api/v1/pytorch: plain text naming the
// link, 400 naming the field for a bad link or index, and scripts that
// Python compiles for every run of every preset (skipped without python3).
func TestPyTorchEndpoint(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, body := do(t, ts, "GET", "/api/v1/pytorch?surface=quadratic&run=sgd,lr=0.19&run=adam,lr=0.05&index=1", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if s := string(body); !strings.Contains(s, "import torch") || !strings.Contains(s, "Adam") {
		t.Errorf("snippet of run 1 does not use torch's Adam:\n%s", s)
	}
	for _, c := range []struct{ query, field string }{
		{"surface=quadratic&run=sgd,lr=0.19&index=1", "index"},
		{"surface=quadratic&run=sgd,lr=0.19&index=-1", "index"},
		{"surface=quadratic&run=sgd,lr=0.19&index=x", "index"},
		{"surface=quadratic&run=sgd,lr=0,momentum=2", "runs[0]"},
		{"preset=nosuch", "preset"},
	} {
		resp, body := do(t, ts, "GET", "/api/v1/pytorch?"+c.query, "", nil)
		var e api.Error
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || !strings.HasPrefix(e.Field, c.field) {
			t.Errorf("%s: status %d, body %s (want field %q)", c.query, resp.StatusCode, body, c.field)
		}
	}

	python := needTool(t, "python3", "compiling the PyTorch scripts")
	dir := t.TempDir()
	var files []string
	for _, p := range scenario.Presets() {
		for i := range p.Scenario.Runs {
			resp, body := do(t, ts, "GET", "/api/v1/pytorch?preset="+url.QueryEscape(p.ID)+"&index="+strconv.Itoa(i), "", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s run %d: status %d: %s", p.ID, i, resp.StatusCode, body)
			}
			f := filepath.Join(dir, strings.ReplaceAll(p.ID, "-", "_")+"_"+strconv.Itoa(i)+".py")
			if err := os.WriteFile(f, body, 0o600); err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	if out, err := exec.Command(python, append([]string{"-m", "py_compile"}, files...)...).CombinedOutput(); err != nil {
		t.Errorf("py_compile: %v\n%s", err, out)
	}
}
