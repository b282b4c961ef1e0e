// scale.js: linear and log scales, nice ticks and view transforms. Pure: no DOM.

/**
 * linearScale maps the domain [d0, d1] onto the range [r0, r1].
 * A zero-width domain maps everything to the middle of the range.
 */
export function linearScale(d0, d1, r0, r1) {
  const span = d1 - d0;
  const k = span === 0 ? 0 : (r1 - r0) / span;
  const map = (v) => (span === 0 ? (r0 + r1) / 2 : r0 + (v - d0) * k);
  map.invert = (p) => (k === 0 ? d0 : d0 + (p - r0) / k);
  map.domain = [d0, d1];
  map.range = [r0, r1];
  map.ticks = (count = 5) => niceTicks(d0, d1, count);
  map.log = false;
  return map;
}

/**
 * logScale maps the positive domain [d0, d1] onto [r0, r1] logarithmically.
 * Values ≤ 0 are clamped to d0 so that they stay on the chart.
 */
export function logScale(d0, d1, r0, r1) {
  const l0 = Math.log10(d0), l1 = Math.log10(d1);
  const lin = linearScale(l0, l1, r0, r1);
  const map = (v) => lin(v > 0 ? Math.log10(v) : l0);
  map.invert = (p) => 10 ** lin.invert(p);
  map.domain = [d0, d1];
  map.range = [r0, r1];
  map.ticks = (count = 5) => logTicks(d0, d1, count);
  map.log = true;
  return map;
}

/**
 * symlogScale maps [d0, d1] onto [r0, r1] through sign(v)·log10(1 + |v|/c):
 * linear within about ±c, logarithmic beyond, so that values of both signs
 * from ±c to ±1e9 all show. Ticks: 0 and ±c·10^k inside the domain, every
 * n-th power down from the largest so that there are about count.
 */
export function symlogScale(d0, d1, r0, r1, c = 1) {
  const f = (v) => Math.sign(v) * Math.log10(1 + Math.abs(v) / c);
  const fi = (u) => Math.sign(u) * c * (10 ** Math.abs(u) - 1);
  const lin = linearScale(f(d0), f(d1), r0, r1);
  const map = (v) => lin(f(v));
  map.invert = (p) => fi(lin.invert(p));
  map.domain = [d0, d1];
  map.range = [r0, r1];
  map.ticks = (count = 5) => {
    const lo = Math.min(d0, d1), hi = Math.max(d0, d1);
    const top = Math.max(Math.abs(lo), Math.abs(hi));
    const kmax = top > c ? Math.floor(Math.log10(top / c) + 1e-9) : 0;
    const sides = (lo < 0 ? 1 : 0) + (hi > 0 ? 1 : 0);
    const every = Math.max(1, Math.ceil((kmax + 1) * sides / Math.max(1, count - 1)));
    const out = lo <= 0 && hi >= 0 ? [0] : [];
    // from the largest power down, so that the top of the axis is labelled
    for (let k = kmax; k >= 0; k -= every) {
      const v = Number((c * 10 ** k).toPrecision(12));
      if (v <= hi) out.push(v);
      if (-v >= lo) out.push(-v);
    }
    return out.sort((a, b) => a - b);
  };
  map.log = false;
  map.symlog = c;
  return map;
}

/** niceStep returns a step of 1, 2 or 5 × 10^k close to span/count. */
export function niceStep(span, count = 5) {
  if (!(span > 0) || !Number.isFinite(span)) return 0;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const m = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
  return m * mag;
}

/**
 * niceTicks returns about count round values inside [a, b] (in either order),
 * multiples of a 1-2-5 step, free of floating-point noise (0.30000000000000004).
 */
export function niceTicks(a, b, count = 5) {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  const step = niceStep(hi - lo, count);
  if (step === 0) return Number.isFinite(lo) ? [lo] : [];
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    const r = Number(v.toFixed(Math.min(20, digits)));
    out.push(Object.is(r, -0) ? 0 : r);
    if (out.length > 1000) break;
  }
  return out;
}

/**
 * logTicks returns powers of ten inside [a, b]; when the domain spans less
 * than about two decades it adds 2× and 5× values, and when it spans many it
 * keeps every n-th power so that there are about count ticks.
 */
export function logTicks(a, b, count = 5) {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  if (!(lo > 0) || !Number.isFinite(hi)) return [];
  const e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi));
  const decades = e1 - e0;
  const every = Math.max(1, Math.ceil(decades / Math.max(1, count)));
  const out = [];
  for (let e = e0; e <= e1; e++) {
    const mults = decades <= 2 ? [1, 2, 5] : [1];
    if (decades > 2 && e % every !== 0) continue;
    for (const m of mults) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  if (out.length < 2 && decades <= 1) return niceTicks(lo, hi, count);
  return out;
}

/** boxWidth and boxHeight of a view {xmin, xmax, ymin, ymax}. */
export const boxWidth = (v) => v.xmax - v.xmin;
export const boxHeight = (v) => v.ymax - v.ymin;

/**
 * fitAspect grows the view box (about its centre) so that its aspect ratio
 * equals width/height in pixels: one data unit is as long on both axes and
 * the whole box stays visible.
 */
export function fitAspect(view, width, height) {
  if (!(width > 0 && height > 0)) return { ...view };
  const w = boxWidth(view), h = boxHeight(view);
  const cx = (view.xmin + view.xmax) / 2, cy = (view.ymin + view.ymax) / 2;
  const want = width / height;
  let nw = w, nh = h;
  if (w / h < want) nw = h * want; else nh = w / want;
  return { xmin: cx - nw / 2, xmax: cx + nw / 2, ymin: cy - nh / 2, ymax: cy + nh / 2 };
}

/**
 * viewTransform maps data coordinates of the view onto the pixel rectangle
 * {left, top, width, height} (y grows upwards in data, downwards on screen).
 * It has x(), y(), invertX(), invertY() and the view and rect it was built from.
 */
export function viewTransform(view, rect) {
  const sx = linearScale(view.xmin, view.xmax, rect.left, rect.left + rect.width);
  const sy = linearScale(view.ymin, view.ymax, rect.top + rect.height, rect.top);
  return {
    view, rect,
    x: sx, y: sy,
    invertX: sx.invert, invertY: sy.invert,
    /** pixels per data unit along x */
    kx: rect.width / boxWidth(view),
    ky: rect.height / boxHeight(view),
  };
}

/**
 * zoomAt scales the view by factor (< 1 zooms in) about the data point
 * (px, py), which stays at the same place on screen.
 */
export function zoomAt(view, px, py, factor) {
  return {
    xmin: px + (view.xmin - px) * factor,
    xmax: px + (view.xmax - px) * factor,
    ymin: py + (view.ymin - py) * factor,
    ymax: py + (view.ymax - py) * factor,
  };
}

/** pan moves the view by (dx, dy) data units. */
export function pan(view, dx, dy) {
  return { xmin: view.xmin + dx, xmax: view.xmax + dx, ymin: view.ymin + dy, ymax: view.ymax + dy };
}

/** sameBox reports whether two boxes agree within a relative tolerance. */
export function sameBox(a, b, rel = 1e-9) {
  if (!a || !b) return a === b;
  const tol = rel * Math.max(boxWidth(a), boxHeight(a), 1e-300);
  return Math.abs(a.xmin - b.xmin) <= tol && Math.abs(a.xmax - b.xmax) <= tol &&
    Math.abs(a.ymin - b.ymin) <= tol && Math.abs(a.ymax - b.ymax) <= tol;
}

/** boxContains reports whether the box holds the point (x, y). */
export function boxContains(b, x, y) {
  return x >= b.xmin && x <= b.xmax && y >= b.ymin && y <= b.ymax;
}
