package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"lrlab/scenario"
	"lrlab/sim"
)

// The scenario API: GET /api/v1/scenario (a share link read as a scenario),
// POST /api/v1/scenario (a scenario written as a share link) and
// GET /api/v1/pytorch (the PyTorch script of a run).

// handleScenarioQuery serves GET /api/v1/scenario?{share-link query}: the
// scenario the link opens, as
//
//	{"scenario": {normalised}, "query": "canonical query", "rate": 60, "lang": "en", "embed": false,
//	 "present": false, "hide": "", "branch": "", "errors": [{"error": "...", "field": "runs[1].optimizer.lr"}]}
//
// A link with bad settings still opens (they keep their defaults); errors
// lists what was wrong: the first maxListedErrors, then one entry (field
// "") that counts the rest. It answers 200, except 400 (field "query") for a
// query that cannot be read at all (strictQuery), 500 only on a bug.
func handleScenarioQuery(logger *slog.Logger, cfg Config) http.Handler {
	limits := cfg.limits()
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		q, err := strictQuery(r)
		if err != nil {
			return err
		}
		sc, x, errs := scenario.ParseQuery(q, limits)
		norm, err := json.Marshal(sc)
		if err != nil {
			return err
		}
		b := append([]byte(`{"scenario":`), norm...)
		b = append(b, `,"query":`...)
		b = appendString(b, scenario.EncodeQuery(sc.Query(x)))
		b = append(b, `,"rate":`...)
		b = strconv.AppendInt(b, int64(x.Rate), 10)
		b = append(b, `,"lang":`...)
		b = appendString(b, x.Lang)
		b = append(b, `,"embed":`...)
		b = strconv.AppendBool(b, x.Embed)
		b = append(b, `,"present":`...)
		b = strconv.AppendBool(b, x.Present)
		b = append(b, `,"hide":`...)
		b = appendString(b, x.Hide)
		b = append(b, `,"branch":`...)
		b = appendString(b, x.Branch)
		b = append(b, `,"errors":[`...)
		for i, e := range errs {
			if i > 0 {
				b = append(b, ',')
			}
			if i == maxListedErrors {
				b = append(b, `{"error":`...)
				b = appendString(b, strconv.Itoa(len(errs)-i)+" more errors not listed; fix the ones above first")
				b = append(b, `,"field":""}`...)
				break
			}
			field, msg := "", e.Error()
			var fe *sim.FieldError
			if errors.As(e, &fe) {
				field, msg = fe.Field, fe.Msg
			}
			b = append(b, `{"error":`...)
			b = appendString(b, msg)
			b = append(b, `,"field":`...)
			b = appendString(b, field)
			b = append(b, '}')
		}
		b = append(b, "]}\n"...)
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return nil
	})
}

// handleScenarioEncode serves POST /api/v1/scenario: the body is a scenario;
// the answer its normalised form and its share link,
//
//	{"scenario": {normalised}, "query": "surface=…", "url": "/?surface=…"}
//
// Failures as POST /api/v1/simulate's: 413 over the body limit, 400 naming
// the bad setting.
func handleScenarioEncode(logger *slog.Logger, cfg Config) http.Handler {
	limits := cfg.limits()
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		sc, err := scenario.Decode(body, limits)
		if err != nil {
			return err
		}
		norm, err := json.Marshal(sc)
		if err != nil {
			return err
		}
		q := sc.Encode()
		b := append([]byte(`{"scenario":`), norm...)
		b = append(b, `,"query":`...)
		b = appendString(b, q)
		b = append(b, `,"url":`...)
		b = appendString(b, "/?"+q)
		b = append(b, "}\n"...)
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return nil
	})
}

// handlePyTorch serves GET /api/v1/pytorch?{share query}&index=N (or
// ?preset=ID&index=N): a Python script that reproduces run N (0-based,
// default 0) of the link's scenario with PyTorch, as text/plain.
// Failures: 400 {"error","field"} naming the bad setting, or "index" when N
// is not a run of the scenario.
func handlePyTorch(logger *slog.Logger, cfg Config) http.Handler {
	limits := cfg.limits()
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		q, err := strictQuery(r)
		if err != nil {
			return err
		}
		sc, err := shareScenario(q, limits, "index")
		if err != nil {
			return err
		}
		index := 0
		if vals := q["index"]; len(vals) > 1 {
			return errorf(http.StatusBadRequest, "index", "give index once, got it %d times", len(vals))
		}
		if s := q.Get("index"); s != "" {
			n, err := scenario.ParseInt(s, "index", 0, len(sc.Runs)-1)
			if err != nil {
				return errorf(http.StatusBadRequest, "index", "must be a run of the link, 0 … %d, got %q", len(sc.Runs)-1, s)
			}
			index = n
		}
		body := scenario.PyTorchSnippet(sc, index)
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return nil
		}
		w.Write([]byte(body))
		return nil
	})
}

// PageMeta is what a link preview shows of the page: the <title>, the
// description and the Open Graph / Twitter card tags. It is set for a
// share link (GET / with a scenario in the query, which /p/{id} redirects
// to) and nil for the bare page.
type PageMeta struct {
	Title       string // <title> and og:title
	Description string // meta description and og:description
	URL         string // og:url: the absolute address of the link
	Image       string // og:image: the absolute address of /og.png for the link
	ImageWidth  int    // og:image:width, pixels
	ImageHeight int    // og:image:height, pixels
	ImageAlt    string // og:image:alt
	Locale      string // og:locale: "en_US" or "ja_JP"
	SiteName    string // og:site_name
}

// presetByQuery finds the preset whose scenario has the lesson key q
// (scenario.LessonKey: the query with the run labels left out, so that a
// lesson is known whatever the language of its labels, as the page knows it).
var presetByQuery = func() map[string]scenario.Preset {
	m := map[string]scenario.Preset{}
	for _, p := range scenario.Presets() {
		m[scenario.LessonKey(p.Scenario)] = p
	}
	return m
}()

// siteName is the app's name by language.
var siteName = map[string]string{"en": "Learning-rate lab", "ja": "学習率ラボ"}
