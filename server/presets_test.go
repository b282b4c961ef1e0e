package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
	if resp, _ := do(t, ts, "GET", "/p/nope", "", nil); resp.StatusCode != 404 {
		t.Errorf("/p/nope: %s", resp.Status)
	}

	// The share link reads back as the same scenario.
	q := strings.TrimPrefix(p.URL, "/?")
	resp, body = do(t, ts, "GET", "/api/v1/scenario?"+q, "", nil)
	var got struct {
		Scenario json.RawMessage
		Query    string
		Errors   []apiError
	}
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s %v", resp.Status, err)
	}
	if len(got.Errors) != 0 || got.Query != q || string(got.Scenario) != string(p.Scenario) {
		t.Errorf("query %q read back as %q, %s, errors %v", q, got.Query, got.Scenario, got.Errors)
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
	if !strings.Contains(page, `lang="ja"`) || !strings.Contains(page, `src="/static/`+a.hash+`/main.js"`) {
		t.Errorf("page lacks lang or the hashed script:\n%.600s", page)
	}
	_, body = do(t, ts, "GET", "/?lang=en&embed=1", "", nil)
	if !strings.Contains(string(body), `lang="en"`) {
		t.Errorf("?lang=en ignored")
	}
}
