// analysis.js: the arithmetic behind the analysis panels (LR range test, LR
// sweep, stability gauge, flat-minimum share, formula check). Pure: no DOM.

import { stabilityLimit, limitFactor, curvatureLimit } from './stability.js';
import { basinOf, divergeReason } from './outcome.js';

// (the parts the page needs before any panel opens live in stability.js
// and outcome.js; the panels and the tests import them from here too)
export { stabilityLimit, limitFactor, curvatureLimit, basinOf, divergeReason };

/**
 * gaugeFraction places lr against limit on a log scale from limit/100 to
 * limit·10, returning a fraction in [0, 1] (the limit itself sits at 2/3).
 */
export function gaugeFraction(lr, limit) {
  if (!(lr > 0) || !(limit > 0)) return 0;
  const f = (Math.log10(lr / limit) + 2) / 3;
  return Math.min(1, Math.max(0, f));
}

/** logSpace returns n values from lo to hi evenly spaced in log, both ends exact; n = 1 gives [lo]. */
export function logSpace(lo, hi, n) {
  if (!(n >= 1)) return [];
  if (n === 1) return [lo];
  const a = Math.log(lo), b = Math.log(hi);
  const out = [];
  for (let i = 0; i < n; i++) out.push(i === 0 ? lo : i === n - 1 ? hi : Math.exp(a + ((b - a) * i) / (n - 1)));
  return out;
}

/** RULES are the LR finder's suggestion rules in fastai's order, with the i18n key of each. */
export const RULES = [
  { id: 'valley', rule: 'valley', key: 'finder.rule.valley' },
  { id: 'steep', rule: 'steep', key: 'finder.rule.steep' },
  { id: 'minimum', rule: 'minimum/10', key: 'finder.rule.minimum' },
];

/**
 * suggestionList turns the finder's suggestions object into a list in
 * RULES order, [{id, rule, key, lr, index}], leaving out rules that gave no
 * LR (a test where no step stayed on the map).
 */
export function suggestionList(suggestions) {
  const out = [];
  for (const r of RULES) {
    const s = suggestions && suggestions[r.id];
    if (s && s.lr > 0 && Number.isFinite(s.lr)) {
      out.push({
        ...r, rule: s.rule || r.rule, lr: s.lr, index: Number.isInteger(s.index) ? s.index : -1,
        finalLoss: Number.isFinite(s.final_loss) ? s.final_loss : null, diverged: s.diverged === true,
      });
    }
  }
  return out;
}

/**
 * offerOrder returns the suggestions in the order the panel offers them:
 * the server's first (the one that trained best when tried, "first" of the
 * answer) first, marked first: true, then the others in RULES order.
 */
export function offerOrder(list, first) {
  const i = list.findIndex((s) => s.id === first);
  if (i < 0) return list.map((s) => ({ ...s, first: false }));
  return [{ ...list[i], first: true }, ...list.filter((_, k) => k !== i).map((s) => ({ ...s, first: false }))];
}

/** roundLR rounds an LR to 2 significant digits, as the page's LR slider does. */
export const roundLR = (lr) => Number(lr.toPrecision(2));

/**
 * nearestPoint returns the index of the point of pts ([{px, py}] in pixels)
 * nearest to (x, y) within radius pixels, or −1.
 */
export function nearestPoint(pts, x, y, radius = 10) {
  let best = -1, bestD = radius * radius;
  pts.forEach((p, i) => {
    if (!Number.isFinite(p.px) || !Number.isFinite(p.py)) return;
    const d = (p.px - x) ** 2 + (p.py - y) ** 2;
    if (d <= bestD) { best = i; bestD = d; }
  });
  return best;
}

/**
 * groupSweep groups the sweep's results by optimizer, keeping the order in
 * which optimizers first appear and sorting each by LR:
 * [{optimizer, label, points: [result…]}].
 */
export function groupSweep(results) {
  const by = new Map();
  for (const r of results || []) {
    const k = r.label || r.optimizer;
    if (!by.has(k)) by.set(k, { optimizer: r.optimizer, label: k, points: [] });
    by.get(k).points.push(r);
  }
  const out = [...by.values()];
  for (const g of out) g.points.sort((a, b) => a.lr - b.lr);
  return out;
}

/**
 * bestLR returns the result with the lowest final loss among those that did
 * not diverge, or null.
 */
export function bestLR(points) {
  let best = null;
  for (const p of points || []) if (!p.diverged && Number.isFinite(p.final_loss) && (!best || p.final_loss < best.final_loss)) best = p;
  return best;
}

/**
 * formulaColumn returns the 1-based character column a formula error
 * message points at ("… at column 14; …"), or 0 when it names none.
 */
export function formulaColumn(message) {
  const m = /\bcolumn (\d+)\b/.exec(String(message || ''));
  return m ? Number(m[1]) : 0;
}

/**
 * splitAtColumn splits text around the token that starts at the 1-based
 * column (counted in characters, as the server counts them, so "x²" is
 * two): [before, at, after], where at is the whole name or number there, or
 * the one character. A column one past the end gives at = '' (the error is
 * at the end: something is missing); column 0 or out of range gives
 * [text, '', ''].
 */
export function splitAtColumn(text, column) {
  const chars = Array.from(String(text));
  if (!(column >= 1) || column > chars.length + 1) return [chars.join(''), '', ''];
  const i = column - 1;
  // a name or a number is marked whole ("sinn", "1e999"), anything else alone
  let j = i + 1;
  if (i < chars.length && /[\p{L}\p{N}_.]/u.test(chars[i])) while (j < chars.length && /[\p{L}\p{N}_.]/u.test(chars[j])) j++;
  return [chars.slice(0, i).join(''), chars.slice(i, j).join(''), chars.slice(j).join('')];
}

/**
 * edgeLabel turns the server's limit formula (the largest stable LR, e.g.
 * '2/λmax', '(2+2β₁)/((1−β₁)·λ₁(P⁻¹H))') into the sharpness the LR
 * tolerates ('2/lr', '(2+2β₁)/((1−β₁)·lr)'), or '' when there is none.
 */
export function edgeLabel(formula) {
  if (!formula || formula === 'none') return '';
  return formula.replace('(λmax + weight_decay)', 'lr').replace('λ₁(P⁻¹H)', 'lr').replace('λmax', 'lr');
}

/**
 * limitSeries returns, for each point k of a run, the stability limit of
 * its optimizer at that point (NaN where there is none), for the sharpness
 * chart.
 */
export function limitSeries(sharpness, n, opt) {
  const out = new Array(n);
  for (let k = 0; k < n; k++) {
    const l = stabilityLimit(sharpness[k], opt);
    out[k] = l.lr === null ? NaN : l.lr;
  }
  return out;
}

/**
 * logExtent returns [lo, hi] of the positive finite values of the arrays,
 * widened to at least a factor of 10, or null when there is none.
 */
export function logExtent(...arrays) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (const v of a || []) if (v > 0 && Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(lo <= hi)) return null;
  if (hi < lo * 10) { const m = Math.sqrt(lo * hi); lo = m / Math.sqrt(10); hi = m * Math.sqrt(10); }
  return [lo, hi];
}

/**
 * goodBand returns the range of LRs over which an optimizer got at least
 * `share` of the way down from `worst` (the loss where runs barely moved) to
 * `best` (the lowest loss any optimizer reached), as {lo, hi, decades}, or
 * null when no LR did. points are one optimizer's sweep results sorted by
 * LR; a diverged point never counts. The band is the widest run of
 * consecutive good LRs.
 */
export function goodBand(points, best, worst, share = 0.99) {
  if (!(worst > best)) return null;
  const bar = worst - share * (worst - best);
  let cur = null, top = null;
  for (const p of points || []) {
    const ok = !p.diverged && Number.isFinite(p.final_loss) && p.final_loss <= bar;
    if (ok) {
      cur = cur ? { lo: cur.lo, hi: p.lr } : { lo: p.lr, hi: p.lr };
      if (!top || Math.log10(cur.hi / cur.lo) > Math.log10(top.hi / top.lo)) top = { ...cur };
    } else cur = null;
  }
  return top ? { ...top, decades: Math.log10(top.hi / top.lo) } : null;
}

/**
 * lossRange returns {best, worst} over every sweep result that did not
 * diverge: the lowest and the highest final loss.
 */
export function lossRange(results) {
  let best = Infinity, worst = -Infinity;
  for (const p of results || []) {
    if (p.diverged || !Number.isFinite(p.final_loss)) continue;
    if (p.final_loss < best) best = p.final_loss;
    if (p.final_loss > worst) worst = p.final_loss;
  }
  return best <= worst ? { best, worst } : null;
}
