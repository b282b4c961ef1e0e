package scenario

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// A lesson file is read strictly: a misspelt key, a name that is not
// NN-ID.json, a lesson outside 1 … 11 or a missing language is an error
// naming the file and what is wrong.
func TestReadLessonRefuses(t *testing.T) {
	const good = `{"id":"x","lesson":1,"title":{"en":"T","ja":"題"},"summary":{"en":"S","ja":"要"},"scenario":{},"labels_ja":[],"expect":[]}`
	for _, c := range []struct{ name, file, text, want string }{
		{"good", "lessons/01-x.json", good, ""},
		{"unknown key", "lessons/01-x.json", strings.Replace(good, `"expect"`, `"expects"`, 1), `unknown field "expects"`},
		{"name", "lessons/x.json", good, "must be named NN-x.json"},
		{"id", "lessons/01-y.json", good, "must be named NN-x.json"},
		{"lesson", "lessons/01-x.json", strings.Replace(good, `"lesson":1`, `"lesson":12`, 1), "lesson 12; must be 1 … 10"},
		{"language", "lessons/01-x.json", strings.Replace(good, `,"ja":"要"`, ``, 1), "title and summary must be given in en and ja"},
		{"extra language", "lessons/01-x.json", strings.Replace(good, `"ja":"題"`, `"ja":"題","fr":"Titre"`, 1), "take only the languages en, ja"},
	} {
		_, err := readLesson(fstest.MapFS{c.file: {Data: []byte(c.text)}}, c.file)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v; want an error with %q", c.name, err, c.want)
		}
	}
}

// The files of lessons/ are numbered 01 … N in the order of the lessons:
// the number in a file's name is the number the page shows.
func TestLessonFilesNumbered(t *testing.T) {
	byID := map[string]int{}
	for _, p := range Presets() {
		byID[p.ID] = p.Number
	}
	for i, l := range lessons() {
		if prefix := fmt.Sprintf("%02d-", i+1); byID[l.ID] != i+1 || !strings.HasPrefix(l.file, prefix) {
			t.Errorf("%s is lesson number %d; the file in place %d must be named %s…", l.file, byID[l.ID], i+1, prefix)
		}
	}
}
