// stability.js: the largest stable LR of an optimizer on a quadratic, the
// page's copy of sim.StabilityLimit (kept equal by a golden table,
// test/stability.golden.test.js). Pure: no DOM. analysis.js re-exports it.

/**
 * stabilityLimit returns the largest stable LR of a run's optimizer on a
 * quadratic whose largest curvature is lambda (λmax of the Hessian), as
 * {lr, formula, beta, adaptive}: lr is the limit (null when there is none),
 * formula names it ('2/λmax', '2(1+β)/λmax', '2(1+β)/((1+2β)λmax)', 'none'
 * when λmax ≤ 0). opt is the optimizer's settings with PyTorch's names
 * ({name, momentum, dampening, nesterov, weight_decay}). It is
 * sim.StabilityLimit, kept equal by a golden table
 * (test/stability.golden.test.js, written by sim/stability_golden_test.go).
 *
 * For SGD, PyTorch's heavy ball v ← βv + (1−d)g, p ← p − lr·v is stable
 * on the quadratic iff lr·(1−d)·λ < 2(1+β); Nesterov's p ← p − lr(g + βv)
 * iff lr·λ < 2(1+β)/(1+2β). Weight decay adds wd to every curvature. For
 * the optimizers that rescale the gradient (adaptive: true) no fixed limit
 * on lr holds before the run builds its preconditioner; lr is plain SGD's
 * 2/λmax as a reference line, as the server's sweep and LR finder draw it.
 */
export function stabilityLimit(lambda, opt = { name: 'sgd' }) {
  const f = limitFactor(opt);
  if (f.formula === 'adaptive') {
    const ok = lambda > 0 && Number.isFinite(lambda);
    return { lr: ok ? 2 / lambda : null, formula: ok ? '2/λmax' : 'none', beta: 0, adaptive: true };
  }
  const lam = lambda + f.wd;
  if (f.F === null || !(lam > 0) || !Number.isFinite(lam)) return { lr: null, formula: 'none', beta: f.beta, adaptive: false };
  return { lr: f.F / lam, formula: f.formula, beta: f.beta, adaptive: false };
}

/**
 * limitFactor returns {F, formula, beta, wd} of an optimizer: its stable
 * LRs on a quadratic of curvature λ are lr < F/(λ + wd). F is null when no
 * such bound holds (adaptive optimizers: formula 'adaptive'; dampening 1).
 */
export function limitFactor(opt = { name: 'sgd' }) {
  const name = (opt && opt.name) || 'sgd';
  if (name !== 'sgd') return { F: null, formula: 'adaptive', beta: 0, wd: 0 };
  const beta = Number(opt.momentum) || 0;
  const wd = Number(opt.weight_decay) || 0;
  // the formulas as sim.StabilityLimit writes them (test/testdata/stability.json)
  const lam = wd ? '(λmax + weight_decay)' : 'λmax';
  if (beta === 0) return { F: 2, formula: `2/${lam}`, beta, wd };
  if (opt.nesterov) return { F: (2 * (1 + beta)) / (1 + 2 * beta), formula: `2(1+β)/((1+2β)${lam})`, beta, wd };
  const d = Number(opt.dampening) || 0;
  if (!(d < 1)) return { F: null, formula: 'none', beta, wd };
  if (d !== 0) return { F: (2 * (1 + beta)) / (1 - d), formula: `2(1+β)/((1−dampening)${lam})`, beta, wd };
  return { F: 2 * (1 + beta), formula: `2(1+β)/${lam}`, beta, wd };
}

/**
 * curvatureLimit returns the largest λmax at which lr is still stable for
 * the optimizer (F/lr − wd, the other side of stabilityLimit), or NaN when
 * there is no such bound.
 */
export function curvatureLimit(lr, opt = { name: 'sgd' }) {
  const f = limitFactor(opt);
  return f.F === null || !(lr > 0) ? NaN : f.F / lr - f.wd;
}
