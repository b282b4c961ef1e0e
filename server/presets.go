package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

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

// presetFields are the keys of a presetJSON, in its order: what ?fields=
// may pick.
var presetFields = jsonKeys(presetJSON{})

// handlePresets serves GET /api/v1/presets: every preset as
// [{id, title, summary, titles, summaries, lesson, number, url, link, scenario, labels, questions}],
// with title, summary and the run labels of url and scenario in the
// language of ?lang= or Accept-Language; ?fields=id,title,… keeps only the
// keys listed (the page asks for what its lesson list shows, a third of
// the bytes). It fails only on a bad fields= (400); a preset that does not
// encode is a bug (500).
func handlePresets(logger *slog.Logger) http.Handler {
	presets := scenario.Presets()
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		keep, err := pickFields(r.URL.Query()["fields"], presetFields)
		if err != nil {
			return err
		}
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
		body, err := marshalFields(out, keep)
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

// jsonKeys returns the JSON keys of a struct's fields, in their order.
func jsonKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

// pickFields reads a fields= query (nil: every key): one value, the keys
// of allowed separated by commas, each at most once. It returns the set to
// keep, nil for all.
func pickFields(values []string, allowed []string) (map[string]bool, error) {
	if values == nil {
		return nil, nil
	}
	if len(values) > 1 {
		return nil, errorf(http.StatusBadRequest, "fields", "is given %d times; give it once, keys separated by commas", len(values))
	}
	keep := map[string]bool{}
	for _, k := range strings.Split(values[0], ",") {
		switch {
		case k == "":
			return nil, errorf(http.StatusBadRequest, "fields", "must list keys separated by single commas, such as fields=id,title; allowed: %s", strings.Join(allowed, ", "))
		case !slices.Contains(allowed, k):
			return nil, errorf(http.StatusBadRequest, "fields", "unknown key %q; allowed: %s", k, strings.Join(allowed, ", "))
		case keep[k]:
			return nil, errorf(http.StatusBadRequest, "fields", "lists %q twice", k)
		}
		keep[k] = true
	}
	return keep, nil
}

// marshalFields writes v (a slice of structs) as JSON with only the keys of
// keep in each object (keep nil: all).
func marshalFields(v any, keep map[string]bool) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil || keep == nil {
		return body, err
	}
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal(body, &objs); err != nil {
		return nil, err
	}
	for _, o := range objs {
		for k := range o {
			if !keep[k] {
				delete(o, k)
			}
		}
	}
	return json.Marshal(objs) // a map's keys come out sorted: the order of a JSON object carries no meaning
}
