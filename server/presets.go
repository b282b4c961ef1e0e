package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"lrlab/scenario"
)

// presetJSON is one entry of GET /api/v1/presets.
type presetJSON struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`   // in the asked language
	Summary   string            `json:"summary"` // in the asked language
	Titles    map[string]string `json:"titles"`  // by language
	Summaries map[string]string `json:"summaries"`
	Lesson    int               `json:"lesson"`
	Number    int               `json:"number"`   // 1 … N in the order of the lessons: the number the page shows
	URL       string            `json:"url"`      // the plain share link: "/?surface=…", run labels in the asked language
	Link      string            `json:"link"`     // the short link: "/p/{id}"
	Scenario  scenario.Scenario `json:"scenario"` // run labels in the asked language
	// Labels are the runs' labels by language ("en", "ja"), so that the
	// page knows a lesson whatever the language of the link that opened it
	// and can label its runs in its own.
	Labels map[string][]string `json:"labels"`
	// Questions are the preset's ready classroom questions, to send as an
	// ask message's question (docs/API.md, "Presets' questions").
	Questions []scenario.Question `json:"questions"`
}

// handlePresets serves GET /api/v1/presets: every preset as
// [{id, title, summary, titles, summaries, lesson, number, url, link, scenario, labels}],
// with title, summary and the run labels of url and scenario in the
// language of ?lang= or Accept-Language.
// It cannot fail (a preset that does not encode is a bug: 500).
func handlePresets(logger *slog.Logger) http.Handler {
	presets := scenario.Presets()
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		lang := pageLang(r)
		out := make([]presetJSON, len(presets))
		for i, p := range presets {
			sc := p.Localized(lang)
			labels := map[string][]string{}
			for _, l := range scenario.Languages {
				for _, r := range p.Localized(l).Runs {
					labels[l] = append(labels[l], r.Label)
				}
			}
			out[i] = presetJSON{
				ID: p.ID, Title: p.Title[lang], Summary: p.Summary[lang],
				Titles: p.Title, Summaries: p.Summary, Lesson: p.Lesson, Number: p.Number,
				URL: "/?" + sc.Encode(), Link: "/p/" + url.PathEscape(p.ID),
				Scenario: sc, Labels: labels, Questions: p.Questions,
			}
		}
		body, err := json.Marshal(out)
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("Vary", "Accept-Language, Accept-Encoding")
		w.Write(body)
		return nil
	})
}

// handlePresetPage serves GET /p/{id}: a redirect (302) to the preset's plain
// share link, with its run labels in the reader's language, keeping ?lang=,
// ?embed=, ?present= and ?hide= when given. An unknown id is 404.
func handlePresetPage(logger *slog.Logger) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		id := chi.URLParam(r, "id")
		p, ok := scenario.PresetByID(id)
		if !ok {
			return errorf(http.StatusNotFound, "id", "no preset %q; GET /api/v1/presets lists them", id)
		}
		x := scenario.DefaultExtras
		q := r.URL.Query()
		if l := q.Get("lang"); l == "en" || l == "ja" {
			x.Lang = l
		}
		x.Embed = q.Get("embed") == "1"
		// presentation mode and hide flags go through as given: the page
		// reads them and names a bad one
		x.Present = q.Get("present") == "1"
		x.Hide = q.Get("hide")
		// The runs' labels follow the reader's language (?lang=, else
		// Accept-Language), so the redirect varies with it.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("Vary", "Accept-Language")
		sc := p.Localized(pageLang(r))
		http.Redirect(w, r, "/?"+scenario.EncodeQuery(sc.Query(x)), http.StatusFound)
		return nil
	})
}

// maxListedErrors is the number of errors /api/v1/scenario lists in full.
const maxListedErrors = 20
