// numfield.js: what a number field allows and how its arrow keys step it.
// Every number field of the page (the LR, the optimizer's and scheduler's
// settings, the steps, the surface's parameters) goes through these, so a
// value out of range is refused the same way everywhere, with the range said
// in the page's language. Pure: no DOM.
//
// A spec is {min, max, exclusiveMin, exclusiveMax, type: 'int' | 'float',
// log (step ×10^±0.1), step, optional}: schema.js's settings are such specs.

import { formatNum } from './i18n.js';

/** LOG_STEP is the factor one arrow key press multiplies a log field by (a tenth of a decade). */
export const LOG_STEP = 10 ** 0.1;

/** LOG_KEYS are the settings stepped on a log scale: learning rates and eps. */
export const LOG_KEYS = new Set(['lr', 'lr_y', 'max_lr', 'base_lr', 'eps']);

const isLog = (spec) => spec.log || LOG_KEYS.has(spec.key);

/** allows reports whether the number v is inside spec's range. */
export function allows(spec, v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (spec.type === 'int' && !Number.isInteger(v)) return false;
  if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) return false;
  if (spec.max !== undefined && (spec.exclusiveMax ? v >= spec.max : v > spec.max)) return false;
  return true;
}

/** rangeText says spec's range in words of t (i18n keys field.*), e.g. "Allowed: from 0 to 1". */
export function rangeText(spec, t) {
  const lo = spec.min === undefined ? '' : t(spec.exclusiveMin ? 'field.gt' : 'field.ge', { min: formatNum(spec.min) });
  const hi = spec.max === undefined ? '' : t(spec.exclusiveMax ? 'field.lt' : 'field.le', { max: formatNum(spec.max) });
  let range;
  if (lo && hi && !spec.exclusiveMin && !spec.exclusiveMax) range = t('field.from', { min: formatNum(spec.min), max: formatNum(spec.max) });
  else if (lo && hi) range = t('field.and', { a: lo, b: hi });
  else range = lo || hi || '';
  return t(spec.type === 'int' ? 'field.allowedWhole' : 'field.allowed', { range });
}

/**
 * check reads the text of a field: {ok: true, value} (value null for an
 * empty optional field), or {ok: false, message} saying why, with the range.
 */
export function check(spec, text, t) {
  const s = String(text).trim();
  if (s === '' && spec.optional) return { ok: true, value: null };
  const v = s === '' ? NaN : Number(s);
  if (allows(spec, v)) return { ok: true, value: v };
  let why = '';
  if (!Number.isFinite(v)) why = t('field.number');
  else if ((spec.key === 'lr' || spec.key === 'lr_y') && v === 0) why = t('field.lrZero');
  return { ok: false, message: why + rangeText(spec, t) };
}

// round2 rounds to 2 significant digits (3 from 1 up), as the LR slider does.
const roundSig = (v, d) => Number(v.toPrecision(d));

/**
 * stepValue returns the value one arrow key press (dir +1 or −1) makes of v:
 * log fields ×10^±0.1 rounded to 2–3 significant digits; the others by
 * spec.step, or 1 for whole numbers, or a tenth of v's order of magnitude.
 * It never leaves the range: at an inclusive bound it stops on it; where the
 * next step would pass an exclusive one it stays.
 */
export function stepValue(spec, v, dir) {
  if (!Number.isFinite(v)) v = spec.min !== undefined && !spec.exclusiveMin ? spec.min : (spec.def !== undefined && typeof spec.def === 'number' ? spec.def : 0);
  let next;
  if (isLog(spec) && v > 0) {
    const raw = v * LOG_STEP ** dir;
    next = roundSig(raw, raw < 1 ? 2 : 3);
    if (next === v) next = roundSig(raw, 4);
  } else if (isLog(spec)) {
    next = dir > 0 ? 1e-5 : v; // from 0 up: the slider's smallest LR
  } else {
    let step = spec.step;
    if (!step) {
      const a = Math.abs(v);
      step = spec.type === 'int' ? Math.max(1, a >= 100 ? 10 ** (Math.floor(Math.log10(a)) - 1) : 1) : a > 0 ? 10 ** (Math.floor(Math.log10(a)) - 1) : 0.01;
    }
    next = v + dir * step;
    next = spec.type === 'int' ? Math.round(next) : Number((Math.round(next / step) * step).toPrecision(12));
  }
  if (allows(spec, next)) return next;
  // clamp onto an inclusive bound; stay where an exclusive one is in the way
  if (spec.max !== undefined && next > spec.max) return spec.exclusiveMax ? v : spec.max;
  if (spec.min !== undefined && next < spec.min) return spec.exclusiveMin ? v : spec.min;
  return v;
}
