package sim

import (
	"math/bits"
	"math/rand/v2"
	"slices"
)

// DataSurface is a surface that is the mean loss of a model over N rows of
// data (linreg, logreg). Its runs may take each step's gradient on a
// mini-batch of rows (RunConfig.BatchSize).
type DataSurface interface {
	Surface
	// Rows returns N, the number of rows.
	Rows() int
	// Data returns a copy of the rows [x, y].
	Data() [][2]float64
	// BatchLossGrad returns the mean loss over the rows idx at p and its
	// gradient, summed in the order of idx.
	BatchLossGrad(p Point, idx []int) (loss float64, grad Point)
	// Cost returns the work of one recorded step with batch size b (0: the
	// whole data set) in units of a step on a built-in surface.
	Cost(b int) int
}

// StepCost returns the work of one recorded step of a run with batch size
// b on s, in units of a step on a built-in surface: 1 except on data
// surfaces, whose cost grows with their rows (DataSurface.Cost). Budgets of
// work (sweeps, the LR finder) multiply their step counts by it.
func StepCost(s Surface, b int) int {
	if d, ok := dataOf(s); ok {
		return d.Cost(b)
	}
	return 1
}

// batchStream is the PCG stream of the mini-batch generator, distinct from
// the noise generator's, so that noise and batches never share draws.
const batchStream = 0x2545f4914f6cdd1d

// batcher draws mini-batches as PyTorch's DataLoader(shuffle=True,
// drop_last=False) does: each epoch a fresh random permutation of the N
// rows, cut into batches of b in order, the last one smaller when b does
// not divide N. The permutation is a Fisher–Yates shuffle of 0 … N−1 from
// the last position down, j uniform in 0 … i by Lemire's multiply-and-reject
// (drawUpTo) on the 64-bit outputs of PCG-DXSM (math/rand/v2's PCG) seeded
// with (the run's seed, batchStream). Both are written out here, not taken
// from rand.Rand, so that the sequence is the same on 32-bit machines and
// can be reproduced in a few lines of Python (the PyTorch snippet does). A batch's rows are summed in the order the
// permutation lists them. With b ≥ N no batch is drawn: the step uses the
// whole data's gradient, so B = N is full-batch descent exactly.
type batcher struct {
	n, b  int
	rng   *rand.PCG
	perm  []int
	pos   int // next position in perm; n means a new epoch is due
	batch []int
}

func newBatcher(n, b int, seed uint64) *batcher {
	return &batcher{n: n, b: b, rng: rand.NewPCG(seed, batchStream), perm: make([]int, n), pos: n, batch: make([]int, 0, b)}
}

// full reports whether every batch is the whole data set.
func (bt *batcher) full() bool { return bt.b >= bt.n }

// next returns the next batch's indices, in permutation order. The slice is
// reused.
func (bt *batcher) next() []int {
	if bt.pos >= bt.n {
		for i := range bt.perm {
			bt.perm[i] = i
		}
		for i := bt.n - 1; i > 0; i-- {
			j := int(drawUpTo(bt.rng, uint64(i+1)))
			bt.perm[i], bt.perm[j] = bt.perm[j], bt.perm[i]
		}
		bt.pos = 0
	}
	end := min(bt.pos+bt.b, bt.n)
	bt.batch = append(bt.batch[:0], bt.perm[bt.pos:end]...)
	bt.pos = end
	return bt.batch
}

// drawUpTo returns a uniform integer in [0, n) from g (n ≥ 1): the high
// word of g.Uint64()·n, drawing again while the low word is below 2⁶⁴ mod n.
func drawUpTo(g *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(g.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(g.Uint64(), n)
		}
	}
	return hi
}

// setSize changes the batch size; the next batch starts a new epoch (a new
// DataLoader with the new batch_size starts a new permutation).
func (bt *batcher) setSize(b int) {
	bt.b, bt.pos = b, bt.n
	if cap(bt.batch) < b {
		bt.batch = make([]int, 0, b)
	}
}

// Batches returns the first count mini-batches (row indices) that a run
// with batch size b and the given seed draws on n rows, as the golden test
// and the PyTorch snippet see them.
func Batches(n, b int, seed uint64, count int) [][]int {
	bt := newBatcher(n, b, seed)
	out := make([][]int, count)
	for i := range out {
		out[i] = slices.Clone(bt.next())
	}
	return out
}

// initBatch checks c.BatchSize against s and sets up the run's batches.
// 0 means the whole data set. It is called by NewRun after the start is
// measured.
func (r *Run) initBatch(c RunConfig) error {
	d, ok := dataOf(r.surf)
	if !ok {
		if c.BatchSize != 0 {
			return fieldErrorf("batch_size", "only the data surfaces %s and %s take a batch size; this run's surface is %s", SurfaceLinReg, SurfaceLogReg, r.surf.Info().Name)
		}
		return nil
	}
	if err := checkBatchSize(c.BatchSize, d.Rows()); err != nil {
		return err
	}
	b := c.BatchSize
	if b == 0 {
		b = d.Rows()
	}
	r.data = d
	r.batch = newBatcher(d.Rows(), b, c.Seed)
	r.cfg.BatchSize = b
	r.cur.BatchLoss = r.cur.Loss
	return nil
}

func checkBatchSize(b, n int) error {
	if b < 0 || b > n {
		return fieldErrorf("batch_size", "must be a whole number from 1 to %d (the rows of the data), got %d", n, b)
	}
	return nil
}

// CheckBatchSize reports the error SetBatchSize(b) would return, changing
// nothing.
func (r *Run) CheckBatchSize(b int) error {
	if r.batch == nil {
		return fieldErrorf("batch_size", "only the data surfaces %s and %s take a batch size; this run's surface is %s", SurfaceLinReg, SurfaceLogReg, r.surf.Info().Name)
	}
	if b == 0 {
		return nil
	}
	return checkBatchSize(b, r.data.Rows())
}

// SetBatchSize changes the batch size from the next step on (1 … N; 0
// means N). A new size starts a new epoch. On a surface without data it is
// an error on "batch_size".
func (r *Run) SetBatchSize(b int) error {
	if err := r.CheckBatchSize(b); err != nil {
		return err
	}
	if b == 0 {
		b = r.data.Rows()
	}
	if b != r.batch.b {
		r.batch.setSize(b)
	}
	r.cfg.BatchSize = b
	return nil
}

// miniBatched reports whether the next step takes its gradient on a
// mini-batch (batchGrad) rather than at the current point, whose gradient
// and loss are the whole data's.
func (r *Run) miniBatched() bool { return r.batch != nil && !r.batch.full() }

// batchGrad returns the gradient of the next mini-batch at the current
// point and the loss it was computed from.
func (r *Run) batchGrad() (Point, float64) {
	loss, g := r.data.BatchLossGrad(r.cur.P, r.batch.next())
	return g, loss
}

// MiniBatched reports whether batch size b on s draws mini-batches (so
// that seeds matter even without noise).
func MiniBatched(s Surface, b int) bool {
	d, ok := dataOf(s)
	return ok && b > 0 && b < d.Rows()
}

// finderBatches returns the gradient the LR finder steps with: the whole
// data's, or that of the next mini-batch of c.Run.BatchSize rows drawn as
// a run with c.Run.Seed draws them.
func finderBatches(s Surface, c FinderConfig) (func(Point) Point, error) {
	d, ok := dataOf(s)
	if !ok {
		if c.Run.BatchSize != 0 {
			return nil, fieldErrorf("batch_size", "only the data surfaces %s and %s take a batch size; this surface is %s", SurfaceLinReg, SurfaceLogReg, s.Info().Name)
		}
		return s.Grad, nil
	}
	if err := checkBatchSize(c.Run.BatchSize, d.Rows()); err != nil {
		return nil, err
	}
	if !MiniBatched(s, c.Run.BatchSize) {
		return s.Grad, nil
	}
	bt := newBatcher(d.Rows(), c.Run.BatchSize, c.Run.Seed)
	return func(p Point) Point {
		_, g := d.BatchLossGrad(p, bt.next())
		return g
	}, nil
}

// dataOf returns the data surface s is, or wraps (Cancellable).
func dataOf(s Surface) (DataSurface, bool) {
	for {
		switch c := s.(type) {
		case DataSurface:
			return c, true
		case interface{ Unwrap() Surface }:
			s = c.Unwrap()
		default:
			return nil, false
		}
	}
}
