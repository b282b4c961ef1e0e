// lrcurve.js: the learning rate each scheduler gives at each step, with
// PyTorch's formulas, for the preview drawn before anything runs. Pure.
// The server computes the real values; these must agree with them.

import { SCHEDULERS, resolve } from './schema.js';

/**
 * lrAt returns the LR used by step t (0-based) of scheduler name with
 * settings p (every key filled, see schema.resolve) and base LR lr.
 */
export function lrAt(name, p, lr, t, steps) {
  switch (name) {
    case 'step':
      return lr * p.gamma ** Math.floor(t / p.step_size);
    case 'multistep':
      return lr * p.gamma ** p.milestones.filter((m) => m <= t).length;
    case 'exponential':
      return lr * p.gamma ** t;
    case 'cosine':
      return cosine(lr, p.eta_min, t, p.T_max);
    case 'cosine_restarts': {
      let tcur, ti;
      if (p.T_mult === 1) {
        tcur = t % p.T_0; ti = p.T_0;
      } else {
        const n = Math.floor(Math.log(t / p.T_0 * (p.T_mult - 1) + 1) / Math.log(p.T_mult));
        tcur = t - p.T_0 * (p.T_mult ** n - 1) / (p.T_mult - 1);
        ti = p.T_0 * p.T_mult ** n;
      }
      return cosine(lr, p.eta_min, tcur, ti);
    }
    case 'linear': {
      if (p.total_iters <= 0 || t >= p.total_iters) return lr * p.end_factor;
      return lr * (p.start_factor + (p.end_factor - p.start_factor) * t / p.total_iters);
    }
    case 'warmup_cosine': {
      const w = p.warmup_steps;
      if (t < w) return lr * (p.start_factor + (1 - p.start_factor) * t / w);
      return cosine(lr, p.eta_min, t - w, Math.max(1, steps - w));
    }
    case 'onecycle':
      return oneCycle(p, t);
    case 'cyclic':
      return cyclic(p, t);
    case 'wsd':
      return wsd(p, lr, t, steps);
    case 'silver':
      return lr * silverStep(t + 1);
    default:
      return lr;
  }
}

function cosine(lr, etaMin, t, tmax) {
  return etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * t / tmax)) / 2;
}

function anneal(strategy, start, end, pct) {
  if (strategy === 'linear') return (end - start) * pct + start;
  return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
}

// OneCycleLR.get_lr of PyTorch 1.13.
function oneCycle(p, t) {
  const initial = p.max_lr / p.div_factor;
  const min = initial / p.final_div_factor;
  const total = p.total_steps;
  const phases = p.three_phase
    ? [
      { end: p.pct_start * total - 1, a: initial, b: p.max_lr },
      { end: 2 * p.pct_start * total - 2, a: p.max_lr, b: initial },
      { end: total - 1, a: initial, b: min },
    ]
    : [
      { end: p.pct_start * total - 1, a: initial, b: p.max_lr },
      { end: total - 1, a: p.max_lr, b: min },
    ];
  let start = 0;
  for (let i = 0; i < phases.length; i++) {
    const ph = phases[i];
    if (t <= ph.end || i === phases.length - 1) {
      const pct = (t - start) / (ph.end - start);
      return anneal(p.anneal_strategy, ph.a, ph.b, pct);
    }
    start = ph.end;
  }
  return min;
}

// wsd: warmup–stable–decay as sim defines it (sim/scheduler_research.go):
// lr·(t+1)/W during the warm-up, then lr, then from step n − D a decay to
// eta_min of the given shape at progress p = (t − (n − D))/D.
function wsd(p, lr, t, n) {
  const w = p.warmup_steps, d = p.decay_steps;
  if (d > 0 && t >= n - d) {
    const q = (t - (n - d)) / d;
    const s = p.decay_shape === 'linear' ? 1 - q : p.decay_shape === 'cosine' ? (1 + Math.cos(Math.PI * q)) / 2 : 1 - Math.sqrt(q);
    return p.eta_min + (lr - p.eta_min) * s;
  }
  return t < w ? lr * (t + 1) / w : lr;
}

/** silverStep is h_i = 1 + ρ^(ν(i)−1), ρ = 1 + √2, ν(i) the 2-adic valuation of i ≥ 1. */
export function silverStep(i) {
  let nu = 0;
  while (i % 2 === 0) { i /= 2; nu++; }
  return 1 + (1 + Math.SQRT2) ** (nu - 1);
}

// CyclicLR.get_lr of PyTorch 1.13 (scale_fn by mode, no momentum cycling).
function cyclic(p, t) {
  const up = p.step_size_up;
  const down = p.step_size_down == null ? up : p.step_size_down;
  const total = up + down;
  const ratio = up / total;
  const cycle = Math.floor(1 + t / total);
  const x = 1 + t / total - cycle;
  const scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
  const height = (p.max_lr - p.base_lr) * scale;
  if (p.mode === 'triangular2') return p.base_lr + height / 2 ** (cycle - 1);
  if (p.mode === 'exp_range') return p.base_lr + height * p.gamma ** t;
  return p.base_lr + height;
}

/**
 * lrCurve returns a Float64Array of the LR of steps 0 … steps−1 for the
 * scheduler {name, ...settings} (sparse: missing settings take their
 * defaults for this run) with base LR lr.
 */
export function lrCurve(sched, lr, steps) {
  const name = (sched && sched.name) || 'constant';
  const p = resolve(SCHEDULERS[name] || [], sched, { steps, lr });
  const out = new Float64Array(Math.max(0, steps));
  for (let t = 0; t < steps; t++) out[t] = lrAt(name, p, lr, t, steps);
  return out;
}
