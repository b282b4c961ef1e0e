package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestNodeModules runs the browser's pure-module tests with Node's built-in
// runner, so `go test ./...` is the project's one test command. Without
// Node it skips, except under CI=true, where it fails.
func TestNodeModules(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found; .ci/run installs it (apt-get install nodejs)")
		}
		t.Skip("node not found: install Node.js 20+ (apt-get install nodejs) to run the browser module tests")
	}
	files, err := filepath.Glob("static/test/*.test.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no browser module tests in static/test (%v)", err)
	}
	cmd := exec.Command(node, append([]string{"--test"}, files...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test static/test/ failed: %v\n%s", err, out)
	}
	t.Logf("node --test static/test/:\n%s", tail(out, 12))
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	lines := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			lines++
			if lines > n {
				return b[i+1:]
			}
		}
	}
	return b
}
