package server

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// checkGolden writes body to web/static/test/golden/name when update is
// set, and otherwise fails t unless the file holds body: the golden files
// the page's tests decode, so that the Go encoders and the JavaScript
// decoders cannot drift apart. rerun is the command that rewrites them.
func checkGolden(t *testing.T, name string, body []byte, update bool, rerun string) {
	t.Helper()
	path := filepath.Join("..", "web", "static", "test", "golden", name)
	if update {
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(have, body) {
		t.Errorf("%s is not what the encoder writes (%v); run %s", path, err, rerun)
	}
}
