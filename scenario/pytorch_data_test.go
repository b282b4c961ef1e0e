package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lrlab/sim"
)

// TestPyTorchData checks the script of a data surface: it is valid Python,
// holds the rows, nn.Linear(1, 1), the loss and a DataLoader with the batch
// size and a seeded generator; and its LabBatchSampler, run by Python,
// draws exactly sim.Batches.
func TestPyTorchData(t *testing.T) {
	python := requirePython(t)
	dir := t.TempDir()
	var sampler string
	for i, src := range []string{
		`{"surface":{"name":"linreg","dataset":"noisy_line"},"steps":300,"runs":[{"optimizer":{"name":"sgd","lr":0.05},"batch_size":8,"seed":3,"scheduler":{"name":"cosine"}}]}`,
		`{"surface":{"name":"logreg","data":[[0,0],[1,1],[2,1],[-1,0],[0.5,1]]},"runs":[{"optimizer":{"name":"adam","lr":0.1},"noise":0.1,"clip_grad_norm":2}]}`,
	} {
		s, err := Decode([]byte(src), DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		py := PyTorchSnippet(s, 0)
		wants := []string{"nn.Linear(1, 1)", "data = torch.tensor([", "model.weight.fill_(", "steps = "}
		if i == 0 {
			wants = append(wants, "nn.MSELoss()", "batch_size = 8", "seed = 3", "shuffle=True", "generator=torch.Generator().manual_seed(seed)",
				"LabBatchSampler", "[-0.19, 0.99]", "CosineAnnealingLR")
		} else {
			wants = append(wants, "nn.BCEWithLogitsLoss()", "batch_size = 5", "shuffle=False", "sigma = 0.1", "[0.5, 1.0]",
				"torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)")
		}
		for _, want := range wants {
			if !strings.Contains(py, want) {
				t.Errorf("script %d lacks %q:\n%s", i, want, py)
			}
		}
		name := filepath.Join(dir, fmt.Sprintf("data%d.py", i))
		os.WriteFile(name, []byte(py), 0o644)
		if out, err := exec.Command(python, "-m", "py_compile", name).CombinedOutput(); err != nil {
			t.Errorf("py_compile script %d: %v\n%s", i, err, out)
		}
		if i == 0 {
			a := strings.Index(py, "# --- the lab's batches")
			b := strings.Index(py, "# --- end of the lab's batches")
			if a < 0 || b < a {
				t.Fatal("no sampler block")
			}
			sampler = py[a:b]
		}
	}
	cases := [][3]int{{10, 4, 7}, {100, 8, 3}, {21, 1, 0}, {2000, 64, 1 << 40}, {7, 3, 123456789}}
	var prog strings.Builder
	prog.WriteString(sampler + "\nimport json\nout = []\n")
	for _, c := range cases {
		fmt.Fprintf(&prog, "s = LabBatchSampler(%d, %d, %d)\nout.append([b for _ in range(3) for b in s])\n", c[0], c[1], c[2])
	}
	prog.WriteString("print(json.dumps(out))\n")
	name := filepath.Join(dir, "sampler.py")
	os.WriteFile(name, []byte(prog.String()), 0o644)
	out, err := exec.Command(python, name).CombinedOutput()
	if err != nil {
		t.Fatalf("sampler: %v\n%s", err, out)
	}
	var got [][][]int
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for i, c := range cases {
		per := (c[0] + c[1] - 1) / c[1]
		want := sim.Batches(c[0], c[1], uint64(c[2]), 3*per)
		if fmt.Sprint(got[i]) != fmt.Sprint(want) {
			t.Errorf("n=%d b=%d seed=%d: Python's batches differ from the lab's:\n%v\n%v", c[0], c[1], c[2], got[i][:min(3, len(got[i]))], want[:min(3, len(want))])
		}
	}
}
