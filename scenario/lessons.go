package scenario

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// The lessons are data, one JSON file each in lessons/, named NN-ID.json
// with NN the number the page shows (the files in name order are the
// lessons in order). A file holds the preset's id, its row of LESSON.md
// (lesson; 11 for the research lessons beyond the source article's ten
// ideas), its title and summary in English and Japanese, its scenario as
// the API takes it (English run labels), the runs' labels in Japanese
// (labels_ja, one per run), what the text promises (expect: Expectation,
// checked by scenariotest.Check in TestPresets) and its ready classroom
// questions. A file that does not read is a bug of the build: Presets
// panics, and the tests fail.
//
//go:embed lessons/*.json
var lessonFS embed.FS

// lessonFile is one file of lessons/.
type lessonFile struct {
	ID        string            `json:"id"`
	Lesson    int               `json:"lesson"`
	Title     map[string]string `json:"title"`
	Summary   map[string]string `json:"summary"`
	Scenario  json.RawMessage   `json:"scenario"`
	LabelsJA  []string          `json:"labels_ja"`
	Expect    []Expectation     `json:"expect"`
	Questions []Question        `json:"questions"`

	file string // its name, for messages
}

// lessons returns the lesson files, read once, in name order.
var lessons = sync.OnceValue(func() []lessonFile {
	names, err := fs.Glob(lessonFS, "lessons/*.json")
	if err != nil {
		panic(err)
	}
	slices.Sort(names)
	out := make([]lessonFile, 0, len(names))
	for _, name := range names {
		l, err := readLesson(lessonFS, name)
		if err != nil {
			panic("scenario: " + err.Error())
		}
		out = append(out, l)
	}
	return out
})

// readLesson reads and checks the lesson file name of fsys: strictly (no
// unknown key), with an id equal to the name's, a lesson from 1 to 11 and
// both languages' title and summary.
func readLesson(fsys fs.FS, name string) (lessonFile, error) {
	var l lessonFile
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return l, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, fmt.Errorf("%s: %w", name, err)
	}
	l.file = path.Base(name)
	num, id, ok := strings.Cut(strings.TrimSuffix(l.file, ".json"), "-")
	switch {
	case !ok || len(num) != 2 || id != l.ID:
		return l, fmt.Errorf("%s: must be named NN-%s.json (NN its number)", name, l.ID)
	case l.Lesson < 1 || l.Lesson > 11:
		return l, fmt.Errorf("%s: lesson %d; must be 1 … 10 (LESSON.md's rows) or 11 (research)", name, l.Lesson)
	}
	for _, lang := range Languages {
		if l.Title[lang] == "" || l.Summary[lang] == "" {
			return l, fmt.Errorf("%s: title and summary must be given in %s", name, strings.Join(Languages, " and "))
		}
	}
	if len(l.Title) != len(Languages) || len(l.Summary) != len(Languages) {
		return l, fmt.Errorf("%s: title and summary take only the languages %s", name, strings.Join(Languages, ", "))
	}
	return l, nil
}
