// outcome.js: what the legend says of how a run ended: the minimum it
// ended in (basinOf, as sim.Basin) and why it diverged (divergeReason).
// Pure: no DOM. Small and apart from analysis.js, which loads with the
// panels, because the legend shows it from the first run on.

import { stabilityLimit } from './stability.js';

/**
 * basinOf returns the labelled minimum (saddle points excepted) nearest to
 * (x, y) when it lies within one eighth of the view's diagonal, as the
 * server's sim.Basin counts it, or null.
 */
export function basinOf(x, y, minima, view) {
  if (!Number.isFinite(x) || !Number.isFinite(y) || !view) return null;
  const r = Math.hypot(view.xmax - view.xmin, view.ymax - view.ymin) / 8;
  let best = null, bestD = Infinity;
  for (const m of minima || []) {
    if (!m || m.label === 'saddle') continue;
    const d = Math.hypot(x - m.x, y - m.y);
    if (d < bestD) { best = m; bestD = d; }
  }
  return best && bestD <= r ? best : null;
}

/**
 * divergeReason explains a diverged run: {key, vars} for t(key, vars).
 * With d.overshoot (the server's account of where the run began to
 * overshoot, from its done message) it quotes the LR and the stability
 * limit there: 'status.divergedFrom' when the LR was past it (vars n, lr,
 * limit, formula and k, the step), 'status.divergedGame' on a game (no
 * 2/λmax limit applies), 'status.divergedAt' otherwise (the run left a
 * region of low curvature). Without it (an older server), from the last LR
 * and λmax of the done message and the SGD rule: 'status.divergedOver',
 * 'status.divergedAdaptive' or 'status.divergedAt'.
 */
export function divergeReason(at, lr, sharpness, opt, d) {
  const o = d && d.overshoot;
  if (o) {
    const olr = o.lr > 0 ? o.lr : lr;
    if (o.formula === '') return { key: 'status.divergedGame', vars: { n: at, lr: olr } };
    if (o.limit > 0 && olr > o.limit) return { key: 'status.divergedFrom', vars: { n: at, lr: olr, limit: o.limit, formula: o.formula, k: o.step } };
    return { key: 'status.divergedAt', vars: { n: at, lr: olr } };
  }
  const lim = stabilityLimit(sharpness, opt || { name: 'sgd' });
  if (lim.adaptive) return { key: 'status.divergedAdaptive', vars: { n: at, lr } };
  if (lim.lr && lr > 0 && lr > lim.lr) return { key: 'status.divergedOver', vars: { n: at, lr, limit: lim.lr, formula: lim.formula } };
  return { key: 'status.divergedAt', vars: { n: at, lr } };
}
