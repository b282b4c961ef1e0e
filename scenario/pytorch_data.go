package scenario

import (
	"strings"

	"lrlab/sim"
)

// pyLabBatches is the lab's mini-batch shuffle (sim/batch.go) in Python:
// PCG-DXSM as math/rand/v2 has it, seeded (seed, 0x2545f4914f6cdd1d),
// Fisher–Yates from the last position down with Lemire's bounded draw. The
// markers let the test run it alone against sim.Batches.
const pyLabBatches = `# --- the lab's batches (sim/batch.go): PCG-DXSM + Fisher-Yates, exactly as the lab draws them
_M64 = (1 << 64) - 1


class LabBatchSampler:
    """Yields one epoch of index batches per iteration, continuing one generator across epochs."""

    MUL = (2549297995355413924 << 64) | 4865540595714422341
    INC = (6364136223846793005 << 64) | 1442695040888963407

    def __init__(self, n, batch_size, seed):
        self.n, self.b = n, batch_size
        self.state = (seed << 64) | 0x2545F4914F6CDD1D

    def _uint64(self):
        self.state = (self.state * self.MUL + self.INC) & ((1 << 128) - 1)
        hi, lo = self.state >> 64, self.state & _M64
        hi ^= hi >> 32
        hi = (hi * 0xDA942042E4DD58B5) & _M64
        hi ^= hi >> 48
        return (hi * (lo | 1)) & _M64

    def _below(self, n):
        prod = self._uint64() * n
        if prod & _M64 < n:
            thresh = ((1 << 64) - n) % n
            while prod & _M64 < thresh:
                prod = self._uint64() * n
        return prod >> 64

    def __iter__(self):
        perm = list(range(self.n))
        for i in range(self.n - 1, 0, -1):
            j = self._below(i + 1)
            perm[i], perm[j] = perm[j], perm[i]
        for k in range(0, self.n, self.b):
            yield perm[k:k + self.b]

    def __len__(self):
        return (self.n + self.b - 1) // self.b
# --- end of the lab's batches
`

// pyTorchData writes the PyTorch script of run rc of s on a data surface:
// the rows, nn.Linear(1, 1) at the run's (w, b), the loss, a DataLoader
// with the batch size, and the same optimizer, scheduler and steps. The
// loader uses the lab's own shuffle (LabBatchSampler) so that the path is
// the lab's; SAME_BATCHES = False switches to DataLoader(shuffle=True) with
// a seeded torch generator, whose batches differ from the lab's.
func pyTorchData(s Scenario, run int, w func(string, ...any)) {
	rc := s.Runs[run]
	surf, err := sim.NewSurface(s.Surface)
	if err != nil {
		w("raise SystemExit(%q)\n", "the surface cannot be built: "+err.Error())
		return
	}
	d := surf.(sim.DataSurface)
	rows := d.Data()
	n := len(rows)
	b := rc.BatchSize
	if b <= 0 || b > n {
		b = n
	}
	logistic := s.Surface.Name == sim.SurfaceLogReg
	w("import math\n\nimport torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader, TensorDataset\n\ntorch.set_default_dtype(torch.float64)\n\n")
	if s.Surface.Dataset != "" && s.Surface.Data == nil {
		w("# The lab's built-in data set %q: %d rows [x, y].\n", s.Surface.Dataset, n)
	} else {
		w("# The data: %d rows [x, y].\n", n)
	}
	w("data = torch.tensor([\n")
	for i := 0; i < n; i += 4 {
		parts := []string{}
		for _, r := range rows[i:min(i+4, n)] {
			parts = append(parts, "["+pyNumber(r[0])+", "+pyNumber(r[1])+"]")
		}
		w("    %s,\n", strings.Join(parts, ", "))
	}
	w("])\nX, Y = data[:, :1], data[:, 1:]\n\n")
	w("model = nn.Linear(1, 1)  # y_hat = w*x + b: the map's horizontal axis is w, the vertical b\n")
	w("with torch.no_grad():\n    model.weight.fill_(%s)\n    model.bias.fill_(%s)\n", pyNumber(rc.Start.X), pyNumber(rc.Start.Y))
	if logistic {
		w("loss_fn = nn.BCEWithLogitsLoss()  # mean; the model's output is the logit w*x + b\n\n")
	} else {
		w("loss_fn = nn.MSELoss()  # mean of squared errors, no 1/2\n\n")
	}
	w("steps = %d\nbatch_size = %d\nseed = %d\n", s.Steps, b, rc.Seed)
	w("opt = %s\n", pyOptimizer(rc.Optimizer, "model.parameters()"))
	w("sched = %s\n\n", pyScheduler(rc.Scheduler, rc.Optimizer.LR, s.Steps))
	if b < n {
		w("%s\n", pyLabBatches)
		w("# SAME_BATCHES = True draws the lab's own mini-batches, so this script follows the lab's path.\n")
		w("# False uses torch's shuffle (DataLoader(shuffle=True) with a seeded generator): the same kind of\n")
		w("# batches, drawn differently, so the path differs from the lab's in detail.\n")
		w("SAME_BATCHES = True\nds = TensorDataset(X, Y)\nif SAME_BATCHES:\n")
		w("    loader = DataLoader(ds, batch_sampler=LabBatchSampler(len(ds), batch_size, seed))\nelse:\n")
		w("    loader = DataLoader(ds, batch_size=batch_size, shuffle=True, drop_last=False,\n")
		w("                        generator=torch.Generator().manual_seed(seed))\n\n\n")
	} else {
		w("# batch_size = N: every step uses the whole data set (full-batch gradient descent).\n")
		w("loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=False)\n\n\n")
	}
	w("def batches():\n    while True:  # a new epoch (a new permutation) each time the loader runs out\n        yield from loader\n\n\n")
	if rc.Noise > 0 {
		w("sigma = %s  # gradient noise on top of the mini-batch: g = grad + sigma * N(0, I)\n", pyNumber(rc.Noise))
		w("gen = torch.Generator().manual_seed(%d)  # the lab's noise generator differs: the noise differs in detail\n", rc.Seed)
	}
	w("it = batches()\nfor t in range(steps):\n    xb, yb = next(it)\n    lr = opt.param_groups[0][\"lr\"]\n")
	w("    opt.zero_grad()\n    batch_loss = loss_fn(model(xb), yb)\n    batch_loss.backward()\n")
	if rc.Noise > 0 {
		w("    for p in (model.weight, model.bias):\n        p.grad += sigma * torch.randn(p.grad.shape, generator=gen)\n")
	}
	if rc.ClipGradNorm > 0 {
		w("    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=%s)\n", pyNumber(rc.ClipGradNorm))
	}
	w("    opt.step()\n")
	if rc.Scheduler.Name != sim.SchedConstant {
		w("    sched.step()\n")
	}
	w("    with torch.no_grad():\n        x, y = model.weight.item(), model.bias.item()\n        loss = loss_fn(model(X), Y).item()  # the lab draws the whole data's loss\n")
	every := max(1, s.Steps/20)
	w("    if not all(map(math.isfinite, (x, y, loss))) or abs(loss) > 1e12 or max(abs(x), abs(y)) > 1e6:\n")
	w("        print(f\"diverged at step {t + 1}\")\n        break\n")
	w("    if (t + 1) %% %d == 0 or t + 1 == steps:\n", every)
	w("        print(f\"step {t + 1:5d}  lr {lr:.4g}  w {x: .6f}  b {y: .6f}  loss {loss:.6g}  batch loss {batch_loss.item():.6g}\")\n")
}
