package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"lrlab/api"
	"lrlab/scenario"
)

func TestPresets(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, body := do(t, ts, "GET", "/api/v1/presets?lang=ja", "", nil)
	var list []struct {
		ID, Title, URL, Link string
		Titles               map[string]string
		Scenario             json.RawMessage
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list) == 0 {
		t.Fatalf("%s %v %.200s", resp.Status, err, body)
	}
	p := list[0]
	if p.ID == "" || p.Title != p.Titles["ja"] || !strings.HasPrefix(p.URL, "/?") || p.Link != "/p/"+p.ID {
		t.Errorf("preset %+v", p)
	}
	// The preset's scenario simulates as it is.
	simulate(t, ts, string(p.Scenario))

	// /p/{id} redirects to the share link, keeping lang.
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r, err := client.Get(ts.URL + "/p/" + p.ID + "?lang=ja")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if loc := r.Header.Get("Location"); r.StatusCode != 302 || !strings.HasPrefix(loc, "/?") || !strings.Contains(loc, "lang=ja") {
		t.Errorf("/p/%s: %s → %q", p.ID, r.Status, loc)
	}
	// ... and presentation mode and the hide flags
	r, err = client.Get(ts.URL + "/p/" + p.ID + "?present=1&hide=legend,analysis")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if loc := r.Header.Get("Location"); r.StatusCode != 302 || !strings.Contains(loc, "present=1") || !strings.Contains(loc, "hide=legend,analysis") {
		t.Errorf("/p/%s?present=1&hide=legend,analysis: %s → %q", p.ID, r.Status, loc)
	}
	if resp, _ := do(t, ts, "GET", "/p/nope", "", nil); resp.StatusCode != 404 {
		t.Errorf("/p/nope: %s", resp.Status)
	}

	// The share link reads back as the same scenario.
	q := strings.TrimPrefix(p.URL, "/?")
	resp, body = do(t, ts, "GET", "/api/v1/scenario?"+q, "", nil)
	var got struct {
		Scenario json.RawMessage
		Query    string
		Errors   []api.Error
	}
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s %v", resp.Status, err)
	}
	if len(got.Errors) != 0 || got.Query != q || string(got.Scenario) != string(p.Scenario) {
		t.Errorf("query %q read back as %q, %s, errors %v", q, got.Query, got.Scenario, got.Errors)
	}
	// presentation mode and the hide flags come back, in their canonical order
	resp, body = do(t, ts, "GET", "/api/v1/scenario?surface=quadratic&present=1&hide=run,legend,nope", "", nil)
	var px struct {
		Present bool
		Hide    string
		Errors  []api.Error
	}
	if err := json.Unmarshal(body, &px); err != nil || resp.StatusCode != 200 || !px.Present || px.Hide != "legend,run" || len(px.Errors) != 1 || px.Errors[0].Field != "hide" {
		t.Errorf("present/hide: %s %v → %s", resp.Status, err, body)
	}
	// POST gives the link of a scenario.
	resp, body = do(t, ts, "POST", "/api/v1/scenario", string(p.Scenario), nil)
	var enc struct{ Query, URL string }
	if err := json.Unmarshal(body, &enc); err != nil || resp.StatusCode != 200 || enc.URL != p.URL {
		t.Errorf("POST scenario: %s %v %s", resp.Status, err, body)
	}
	// A bad link still opens, with its errors named.
	_, body = do(t, ts, "GET", "/api/v1/scenario?surface=quadratic&run=sgd,lr=-1", "", nil)
	if err := json.Unmarshal(body, &got); err != nil || len(got.Errors) == 0 || got.Errors[0].Field != "runs[0].optimizer.lr" {
		t.Errorf("bad link: %s", body)
	}
}

func TestIndexPage(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	a := newAssets(discardLogger())
	if a.tmpl == nil {
		t.Fatal("the page template is not embedded")
	}
	resp, body := do(t, ts, "GET", "/", "", map[string]string{"Accept-Language": "ja,en;q=0.5"})
	page := string(body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%s %v", resp.Status, resp.Header)
	}
	if a.bundle == nil || a.script != "b-main.js" {
		t.Fatalf("the page's script is %s, not the bundle's b-main.js", a.script)
	}
	if !strings.Contains(page, `lang="ja"`) || !strings.Contains(page, `src="/static/`+a.hash+`/b-main.js"`) {
		t.Errorf("page lacks lang or the hashed script:\n%.600s", page)
	}
	// the grid worker (gridworker.js as bundled) is named for the page and served
	worker := "/static/" + a.hash + "/b-gridworker.js"
	if !strings.Contains(page, `<meta name="grid-worker" content="`+worker+`">`) {
		t.Errorf("page does not name the bundled grid worker %s", worker)
	}
	if resp, body := do(t, ts, "GET", worker, "", nil); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(string(body), "onmessage") {
		t.Errorf("GET %s: %s %s, %d bytes", worker, resp.Status, resp.Header.Get("Content-Type"), len(body))
	}
	_, body = do(t, ts, "GET", "/?lang=en&embed=1", "", nil)
	if !strings.Contains(string(body), `lang="en"`) {
		t.Errorf("?lang=en ignored")
	}
}

// GET /api/v1/presets gives the runs' labels in the asked language, in url
// and scenario as /p/{id} redirects to them, with every language's labels
// beside, and numbers the presets 1 … N.
func TestPresetsLocalized(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, lang := range []string{"en", "ja"} {
		_, body := do(t, ts, "GET", "/api/v1/presets?lang="+lang, "", nil)
		var list []struct {
			ID, URL  string
			Number   int
			Labels   map[string][]string
			Scenario struct{ Runs []struct{ Label string } }
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		for i, p := range list {
			if p.Number != i+1 {
				t.Errorf("%s: preset %s is number %d; want %d", lang, p.ID, p.Number, i+1)
			}
			sp, _ := scenario.PresetByID(p.ID)
			want := sp.Localized(lang)
			for k, r := range p.Scenario.Runs {
				if r.Label != want.Runs[k].Label || p.Labels[lang][k] != r.Label || p.Labels["en"][k] != sp.Scenario.Runs[k].Label {
					t.Errorf("%s: preset %s run %d: label %q, labels %v; want %q", lang, p.ID, k, r.Label, p.Labels, want.Runs[k].Label)
				}
			}
			r, err := client.Get(ts.URL + "/p/" + p.ID + "?lang=" + lang)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			loc0 := p.URL + "&lang=ja" // ?lang=en is the default and left out
			if lang == "en" {
				loc0 = p.URL
			}
			if loc := r.Header.Get("Location"); loc != loc0 {
				t.Errorf("%s: /p/%s redirects to %q; the list's url is %q", lang, p.ID, loc, p.URL)
			}
		}
	}
	// The Japanese labels really are Japanese where there is a translation.
	_, body := do(t, ts, "GET", "/api/v1/presets?lang=ja", "", nil)
	if !strings.Contains(string(body), "小さすぎ") {
		t.Errorf("no Japanese run label in the Japanese presets")
	}
}

// GET /api/v1/presets?fields= keeps only the keys listed, each preset's
// values as without it, and refuses a bad list naming the field and what
// is allowed.
func TestPresetsFields(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	var full, some []map[string]json.RawMessage
	_, body := do(t, ts, "GET", "/api/v1/presets?lang=ja", "", nil)
	if err := json.Unmarshal(body, &full); err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, ts, "GET", "/api/v1/presets?lang=ja&fields=id,title,url", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", resp.Status, body)
	}
	if err := json.Unmarshal(body, &some); err != nil {
		t.Fatal(err)
	}
	if len(some) != len(full) || len(full) == 0 {
		t.Fatalf("%d presets with fields=, %d without", len(some), len(full))
	}
	for i, p := range some {
		if len(p) != 3 {
			t.Errorf("preset %d has keys %v; want id, title, url", i, p)
		}
		for _, k := range []string{"id", "title", "url"} {
			if string(p[k]) != string(full[i][k]) {
				t.Errorf("preset %d: %s = %s; without fields= %s", i, k, p[k], full[i][k])
			}
		}
	}
	for _, c := range []struct{ query, want string }{
		{"fields=id,nope", `unknown key \"nope\"; allowed: id, title, summary, titles, summaries, lesson, number, url, link, scenario, labels, questions`},
		{"fields=", "must list keys separated by single commas"},
		{"fields=id,,url", "must list keys separated by single commas"},
		{"fields=id,id", `lists \"id\" twice`},
		{"fields=id&fields=url", "is given 2 times"},
	} {
		resp, body := do(t, ts, "GET", "/api/v1/presets?"+c.query, "", nil)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"field":"fields"`) || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %s %s; want 400 on fields with %q", c.query, resp.Status, body, c.want)
		}
	}
}
