// charts.js: a small line chart for per-step series of every run (loss, LR,
// gradient norm), on a log y axis, all runs overlaid in their colours, with
// a hover read-out. It draws incrementally: new points are appended to the
// canvas, which keeps what was drawn; only a change of scale or size redraws
// everything, and then each pixel column draws the min and max of its points.

import { logScale, linearScale, symlogScale } from './scale.js';
import { formatNum, formatTick } from './i18n.js';

// M0: the least margins; a chart widens its left margin to its longest
// tick label and its bottom one to its font (fitMargins).
const M0 = { left: 44, right: 18, top: 8, bottom: 24 };

// CHUNK is how many points of a run's series append draws at a time when it has a deadline.
const CHUNK = 2000;
// RESCALE_MS: the least time between two redraws for a new y range while points stream in.
const RESCALE_MS = 250;

/**
 * strokeColumns strokes the series ys[from … to−1] (x = index) through the
 * scales sx, sy, drawing for each pixel column the line to its first point,
 * its min–max range and its last point: a polyline of at most 4 vertices per
 * column however many points fall in it. Non-finite values break the line.
 * sy must be monotonic: a column's values are compared as they are and only
 * its first, last, least and greatest are mapped.
 */
export function strokeColumns(ctx, ys, from, to, sx, sy) {
  let col = NaN, first = 0, last = 0, lo = 0, hi = 0, open = false;
  ctx.beginPath();
  const flush = () => {
    if (Number.isNaN(col)) return;
    const pf = sy(first);
    if (!open) { ctx.moveTo(col, pf); open = true; } else ctx.lineTo(col, pf);
    const a = sy(lo), b = sy(hi);
    if (a !== b) { ctx.lineTo(col, Math.min(a, b)); ctx.lineTo(col, Math.max(a, b)); }
    ctx.lineTo(col, sy(last));
  };
  // the column of index i, without a call per point
  const x0 = sx(0), kx = sx(1) - x0;
  for (let i = from; i < to; i++) {
    const v = ys[i];
    if (!Number.isFinite(v)) { flush(); col = NaN; open = false; continue; }
    const px = Math.round(x0 + i * kx) + 0.5;
    if (px !== col) {
      flush();
      col = px; first = last = lo = hi = v;
    } else {
      last = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  flush();
  ctx.stroke();
}

/** strokeRecords strokes the column records of a chart's columnsOf as strokeColumns would have drawn their points. */
function strokeRecords(ctx, c, sy) {
  ctx.beginPath();
  for (let r = 0; r < c.px.length; r++) {
    const px = c.px[r], pf = sy(c.first[r]);
    if (c.brk[r]) ctx.moveTo(px, pf); else ctx.lineTo(px, pf);
    const a = sy(c.lo[r]), b = sy(c.hi[r]);
    if (a !== b) { ctx.lineTo(px, Math.min(a, b)); ctx.lineTo(px, Math.max(a, b)); }
    ctx.lineTo(px, sy(c.last[r]));
  }
  ctx.stroke();
}

/**
 * createChart mounts a chart on canvas (inside figure, which gets the hover
 * cursor and read-out). opts: {series: ['loss', 'test_loss'?], dashed: the
 * series drawn dashed (default ['test_loss']), label,
 * colors: i ↦ css colour, runLabel: i ↦ text, theme: {ink, muted, grid,
 * font}, emptyText}. It returns {setData(runs, steps), append(changes),
 * redraw(), resize(), stale(), setTheme(theme)}: runs are protocol.js records.
 */
export function createChart(figure, canvas, opts) {
  const series = opts.series || ['loss'];
  let runs = [], steps = 1, theme = opts.theme || {};
  let width = 0, height = 0, dpr = 1;
  let domain = null; // [lo, hi] of the y axis
  const drawn = []; // per run and series: points drawn so far
  let sx = null, sy = null;
  let logAxis = true; // false once a value is negative
  let symC = 0; // > 0: the linear axis is symlog with this linear width (symlogWidth)
  const ctx = canvas.getContext('2d');
  const M = { ...M0 };

  const cursor = document.createElement('div');
  cursor.className = 'chart-cursor';
  cursor.hidden = true;
  const readout = document.createElement('div');
  readout.className = 'chart-readout';
  readout.hidden = true;
  readout.setAttribute('aria-live', 'off');
  figure.append(cursor, readout);
  // the timeline's step (timeline.js): a line at that step, null for none
  const stepLine = document.createElement('div');
  stepLine.className = 'chart-step';
  stepLine.hidden = true;
  figure.append(stepLine);
  let stepAt = null;
  function placeStep() {
    stepLine.hidden = stepAt === null || !sx;
    if (stepLine.hidden) return;
    stepLine.style.left = `${Math.round(sx(stepAt))}px`;
    stepLine.style.top = `${M.top}px`;
    stepLine.style.height = `${height - M.top - M.bottom}px`;
  }

  // boxSize is the size the chart draws at: the canvas's box in CSS px (at
  // least 50 × 40) and the device pixel ratio
  function boxSize() {
    const r = canvas.getBoundingClientRect();
    return { width: Math.max(50, r.width), height: Math.max(40, r.height), dpr: window.devicePixelRatio || 1 };
  }

  function size() {
    ({ width, height, dpr } = boxSize());
    const w = Math.round(width * dpr), h = Math.round(height * dpr);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  }

  // extent returns the range of the finite values, and whether any is < 0
  // (a loss can be negative on a game or a custom surface: then the axis
  // is linear, since a log axis cannot show it).
  // Once the x scale is known it reads the extents kept by columnsOf, which
  // go over the points that came since the last call only.
  function extent() {
    let lo = Infinity, hi = -Infinity, plo = Infinity;
    runs.forEach((d, r) => {
      if (!d) return;
      for (const s of series) {
        const a = d[s];
        if (!a) continue;
        if (sx) {
          const c = columnsOf(r, s, a, Math.min(d.n, a.length));
          if (c.min < lo) lo = c.min;
          if (c.max > hi) hi = c.max;
          if (c.pmin < plo) plo = c.pmin;
          continue;
        }
        for (let i = 0; i < d.n; i++) {
          const v = a[i];
          if (!Number.isFinite(v)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          if (v > 0 && v < plo) plo = v;
        }
      }
    });
    if (!(lo <= hi)) return null;
    if (lo < 0) return { log: false, range: linearRange() || [lo, hi] };
    return plo <= hi ? { log: true, range: [plo, hi] } : null; // zeros sit on the floor
  }

  // linearRange is the range of the runs that have not diverged, when there
  // are any: on a linear axis one run blown up to ±2e9 would flatten every
  // other line (it leaves the frame instead); null when none is left
  function linearRange() {
    let lo = Infinity, hi = -Infinity;
    runs.forEach((d) => {
      if (!d || d.status === 'diverged') return;
      for (const s of series) {
        const a = d[s];
        if (!a) continue;
        for (let k = 0, n = Math.min(d.n, a.length); k < n; k++) {
          const v = a[k];
          if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
        }
      }
    });
    return lo <= hi ? [lo, hi] : null;
  }

  // symlogWidth: when the widest run's values (in size) are over 1000× the
  // narrowest's, a linear axis would flatten the narrow ones (a game run
  // blown up to ±2e9 beside runs within ±1): then the axis is symlog, linear
  // within a hundredth of the narrowest run's size (a power of ten); else 0.
  function symlogWidth() {
    const sizes = [];
    runs.forEach((d) => {
      if (!d) return;
      let m = 0;
      for (const s of series) {
        const a = d[s];
        if (!a) continue;
        for (let k = 0, n = Math.min(d.n, a.length); k < n; k++) if (Math.abs(a[k]) > m && Number.isFinite(a[k])) m = Math.abs(a[k]);
      }
      if (m > 0) sizes.push(m);
    });
    if (sizes.length < 2) return 0;
    const lo = Math.min(...sizes), hi = Math.max(...sizes);
    return hi > 1000 * lo ? 10 ** Math.floor(Math.log10(lo / 100)) : 0;
  }

  // niceDomain pads the extent to whole decades (at least one), with room to grow.
  function niceDomain(e) {
    if (!e.log) {
      const [a, b] = e.range;
      const pad = (b - a) * 0.08 || Math.abs(a) * 0.1 || 1;
      return [a - pad, b + pad];
    }
    // a tenth of a decade of room, so that a value on a power of ten is not drawn on the frame
    let lo = 10 ** Math.floor(Math.log10(e.range[0]) - 0.1);
    let hi = 10 ** Math.ceil(Math.log10(e.range[1]) + 0.1);
    if (hi <= lo * 10) hi = lo * 10;
    // follow the data down (a converging run is a straight line all the
    // way, not stalled on a floor), to the doubles' normal range
    if (lo < 1e-300) lo = 1e-300;
    return [lo, hi];
  }

  // fitMargins sizes the margins to the font and to the widest y tick label
  // at the current domain (a game's "−2e+9" is not clipped), then the scales.
  function fitMargins() {
    ctx.font = theme.font || '12px sans-serif';
    const px = parseFloat(ctx.font) || 12;
    M.bottom = Math.max(M0.bottom, Math.ceil(px + 10));
    M.left = M0.left;
    scales();
    if (!sy) return;
    let w = 0;
    for (const v of sy.ticks(Math.max(2, Math.round((height - M.top - M.bottom) / (px * 2))))) w = Math.max(w, ctx.measureText(formatTick(v)).width);
    const left = Math.max(M0.left, Math.ceil(w + 8));
    if (left !== M.left) { M.left = left; scales(); }
  }

  function scales() {
    sx = linearScale(0, Math.max(1, steps), M.left, width - M.right);
    if (!domain) sy = null;
    else if (!logAxis && symC > 0) sy = symlogScale(domain[0], domain[1], height - M.bottom, M.top, symC);
    else sy = (logAxis ? logScale : linearScale)(domain[0], domain[1], height - M.bottom, M.top);
  }

  function frame() {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = theme.font || '12px sans-serif';
    ctx.strokeStyle = theme.grid || 'rgba(128,128,128,0.3)';
    ctx.fillStyle = theme.muted || '#666';
    ctx.lineWidth = 1;
    const pw = width - M.left - M.right, ph = height - M.top - M.bottom;
    ctx.strokeRect(M.left - 0.5, M.top - 0.5, pw + 1, ph + 1);
    // x ticks
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    ctx.beginPath();
    for (const v of sx.ticks(Math.max(2, Math.round(pw / 80)))) {
      if (!Number.isInteger(v)) continue;
      const x = Math.round(sx(v)) + 0.5;
      ctx.moveTo(x, M.top); ctx.lineTo(x, M.top + ph);
      ctx.fillText(formatNum(v), x, M.top + ph + 4);
    }
    if (sy) {
      ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
      const fpx = parseFloat(ctx.font) || 12;
      // labels that would overlap (a symlog axis's ±c about 0) are left
      // out: 0 first, then the largest
      const kept = [];
      const cand = sy.ticks(Math.max(2, Math.round(ph / (fpx * 2))));
      for (const v of [...cand].sort((a, b) => (a === 0 ? -1 : b === 0 ? 1 : Math.abs(b) - Math.abs(a)))) {
        if (kept.every((k) => Math.abs(sy(k) - sy(v)) >= fpx * 1.2)) kept.push(v);
      }
      const ticks = kept.sort((a, b) => a - b);
      for (const v of ticks) {
        const y = Math.round(sy(v)) + 0.5;
        ctx.moveTo(M.left, y); ctx.lineTo(M.left + pw, y);
        ctx.fillText(formatTick(v), M.left - 4, y);
      }
    }
    ctx.stroke();
    if (!sy && opts.emptyText) {
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillStyle = theme.muted || '#666';
      ctx.fillText(opts.emptyText(), M.left + pw / 2, M.top + ph / 2);
    }
  }

  const isDashed = (s) => (opts.dashed || ['test_loss']).includes(s);
  // the dashed series of every run first, then the solid ones on top (a
  // solid LR line under another run's dashed limit would look dotted)
  const drawOrder = [...series.filter(isDashed), ...series.filter((s) => !isDashed(s))];

  function drawRange(i, s, from, to) {
    const d = runs[i];
    if (!d || !d[s] || to - from < 1 || !sy) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(M.left, M.top, width - M.left - M.right, height - M.top - M.bottom);
    ctx.clip();
    ctx.strokeStyle = opts.colors(i);
    ctx.lineWidth = opts.selected && opts.selected() === i ? 2.5 : 1.5;
    ctx.lineJoin = 'round';
    if (isDashed(s)) {
      // the runs' dashes take turns along one pattern, so that lines that
      // lie on each other (one 2/λmax for every run) stay clean dashes in
      // alternating colours instead of a ragged mix
      const k = Math.max(1, runs.filter((r) => r && r[s] && r.n > 0).length);
      const dash = 6;
      ctx.setLineDash(k === 1 ? [dash, 4] : [dash, dash * (k - 1)]);
      // the phase follows x, so that a piece appended later continues the
      // pattern where the last one stopped (exact on a flat line)
      const x0 = sx(Math.max(0, from - 1)) - sx(0);
      ctx.lineDashOffset = x0 - dash * runs.slice(0, i).filter((r) => r && r[s] && r.n > 0).length;
      ctx.lineWidth = 1.5;
    } else if ((opts.dotted || []).includes(s)) {
      ctx.setLineDash([1.5, 3.5]); // a second series of the run (a game's player y)
      ctx.lineCap = 'round';
      ctx.lineWidth = 3;
    }
    const a = d[s];
    // monotonic (strokeColumns): on a log axis what is below the floor sits on it
    const floor = domain[0];
    const clamp = logAxis ? (v) => sy(v > floor ? v : floor) : sy;
    // from the start: the columns kept from earlier frames, so that a new
    // y scale does not go over every point again
    if (from === 0) strokeRecords(ctx, columnsOf(i, s, a, to), clamp);
    else {
      strokeColumns(ctx, a, from - 1, to, sx, clamp);
      columnsOf(i, s, a, to); // kept up to date, so that a redraw has nothing to catch up
    }
    ctx.restore();
  }

  // colCache[i][s]: the columns strokeColumns would draw for run i's series
  // s from its first point, as records (pixel column, first, last, least and
  // greatest value, whether the line breaks before it), extended as points
  // come and rebuilt when the x scale or the data change; with the extent of
  // those points (min, max, least positive pmin).
  const colCache = [];
  function columnsOf(i, s, a, n) {
    const x0 = sx(0), kx = sx(1) - x0, key = `${x0} ${kx}`;
    const byRun = colCache[i] || (colCache[i] = {});
    let c = byRun[s];
    if (!c || c.arr !== a || c.key !== key || c.n > n) {
      c = byRun[s] = { arr: a, key, n: 0, px: [], first: [], last: [], lo: [], hi: [], brk: [], broken: true, min: Infinity, max: -Infinity, pmin: Infinity };
    }
    for (let k = c.n; k < n; k++) {
      const v = a[k];
      if (!Number.isFinite(v)) { c.broken = true; continue; }
      if (v < c.min) c.min = v;
      if (v > c.max) c.max = v;
      if (v > 0 && v < c.pmin) c.pmin = v;
      const px = Math.round(x0 + k * kx) + 0.5;
      const m = c.px.length - 1;
      if (!c.broken && c.px[m] === px) {
        c.last[m] = v;
        if (v < c.lo[m]) c.lo[m] = v;
        if (v > c.hi[m]) c.hi[m] = v;
      } else {
        c.px.push(px); c.first.push(v); c.last.push(v); c.lo.push(v); c.hi.push(v); c.brk.push(c.broken);
        c.broken = false;
      }
    }
    c.n = n;
    return c;
  }

  // marks draws a short dashed line at each step from which a run's
  // settings were changed while it ran (the set_ok steps), once each.
  let marked = [];
  function marks(all) {
    if (!sy) return;
    if (all) marked = [];
    runs.forEach((d, i) => {
      if (!d || !d.setFrom) return;
      const done = marked[i] || 0;
      if (d.setFrom.length <= done) return;
      ctx.save();
      ctx.strokeStyle = opts.colors(i);
      ctx.lineWidth = 1;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      for (let k = done; k < d.setFrom.length; k++) {
        const x = Math.round(sx(d.setFrom[k])) + 0.5;
        ctx.moveTo(x, M.top); ctx.lineTo(x, height - M.bottom);
      }
      ctx.stroke();
      ctx.restore();
      marked[i] = d.setFrom.length;
    });
  }

  // ext is the extent of every point drawn: extent() at a redraw, then
  // grown by append over the new points only.
  let ext = null;
  // a new y range waits while the last redraw is less than RESCALE_MS old
  // (appends with a deadline: streaming); the points meanwhile are drawn at
  // the old scale (clipped, or on the floor)
  let lastFull = -Infinity, rescale = false;

  /**
   * redraw draws everything anew at the current scale; measure: the
   * canvas's size is read again (not when only the y range changed).
   */
  function redraw(measure = true, e = extent()) {
    lastFull = performance.now();
    rescale = false;
    if (measure || !width) size();
    ext = e ? { log: e.log, range: [...e.range] } : null;
    logAxis = e ? e.log : true;
    domain = e ? niceDomain(e) : null;
    symC = e && !e.log ? symlogWidth() : 0;
    fitMargins();
    frame();
    marks(true);
    placeStep();
    drawn.length = 0;
    runs.forEach((d, i) => { drawn[i] = {}; });
    for (const s of drawOrder) {
      runs.forEach((d, i) => {
        const n = d && d[s] ? Math.min(d.n, d[s].length) : 0;
        drawRange(i, s, 0, n);
        drawn[i][s] = n;
      });
    }
  }

  /**
   * append draws the points each run got since the last call; it redraws
   * everything when a point falls outside the y range or a run restarted.
   * With a deadline (performance.now()), it draws in chunks of CHUNK points
   * per run and series, until the deadline passes (at least one chunk), and
   * returns false when points are left for the next call.
   */
  function append(deadline = Infinity) {
    if (rescale && performance.now() - lastFull >= RESCALE_MS) { redraw(false); return true; }
    let full = !sy, restarted = false, left = false;
    const news = [];
    // the extent grown by the new points (as extent() would find it)
    let lo = ext && !ext.log ? ext.range[0] : Infinity, hi = ext ? ext.range[1] : -Infinity;
    let plo = ext && ext.log ? ext.range[0] : Infinity, neg = !!ext && !ext.log, outside = false;
    runs.forEach((d, i) => {
      if (!d) return;
      for (const s of series) {
        const a = d[s];
        if (!a) continue;
        const all = Math.min(d.n, a.length);
        const from = drawn[i] ? drawn[i][s] || 0 : 0;
        if (all < from) { restarted = true; continue; }
        if (all === from) continue;
        if (deadline !== Infinity && news.length && performance.now() > deadline) { left = true; continue; }
        const n = deadline === Infinity ? all : Math.min(all, from + CHUNK);
        if (n < all) left = true;
        for (let k = from; k < n; k++) {
          const v = a[k];
          if (!Number.isFinite(v)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          if (v > 0 && v < plo) plo = v;
          if (v < 0) neg = true;
          // outside the axis (zeros excepted on a log axis, where they sit on the floor)
          if (domain && !(logAxis && v === 0) && (v < domain[0] || v > domain[1])) outside = true;
        }
        news.push([i, s, from, n]);
      }
    });
    if (restarted) { redraw(false); return true; }
    // outside the axis, or the first negative value: rescale, when that
    // changes the axis (down to 1e-300: niceDomain)
    let e = null;
    if (neg) e = { log: false, range: [Math.min(lo, plo), hi] };
    else if (plo <= hi) e = { log: true, range: [plo, hi] };
    if (e && (!domain || e.log !== logAxis)) full = true;
    else if (e && outside) {
      const nd = niceDomain(e);
      if (nd[0] !== domain[0] || nd[1] !== domain[1]) full = true;
    }
    if (!full && e) ext = e;
    if (full && deadline !== Infinity && sy && e && e.log === logAxis && performance.now() - lastFull < RESCALE_MS) {
      full = false;
      rescale = true;
    }
    // (a redraw draws every point: then the extent of them all)
    if (full) { redraw(false, left || !e ? extent() : e); return true; }
    marks(false);
    news.sort((a, b) => drawOrder.indexOf(a[1]) - drawOrder.indexOf(b[1]));
    for (const [i, s, from, n] of news) {
      drawRange(i, s, from, n);
      if (!drawn[i]) drawn[i] = {};
      drawn[i][s] = n;
    }
    return !left && !rescale;
  }

  function hover(ev) {
    if (!sx || !runs.length) return;
    const r = canvas.getBoundingClientRect();
    const px = ev.clientX - r.left;
    if (px < M.left || px > width - M.right) { leave(); return; }
    // past the last point drawn: the last point (a tap on a run still going)
    const last = runs.reduce((m, d) => Math.max(m, d ? d.n - 1 : -1), -1);
    if (last < 0) { leave(); return; }
    const step = Math.min(last, Math.round(sx.invert(px)));
    cursor.hidden = false;
    cursor.style.left = `${Math.round(sx(step))}px`;
    cursor.style.top = `${M.top}px`;
    cursor.style.height = `${height - M.top - M.bottom}px`;
    readout.replaceChildren();
    const head = document.createElement('div');
    head.textContent = `${opts.stepLabel ? opts.stepLabel() : 'step'} ${step}`;
    readout.append(head);
    runs.forEach((d, i) => {
      if (!d || step >= d.n) return;
      const row = document.createElement('div');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = opts.colors(i);
      row.append(sw, document.createTextNode(`${opts.runLabel(i)}: ${series.filter((s) => d[s] && d[s].length > step).map((s) => formatNum(d[s][step])).join(' / ')}`));
      readout.append(row);
    });
    readout.hidden = readout.childElementCount < 2;
    const left = px > width / 2;
    readout.style.left = left ? '' : `${px + 12}px`;
    readout.style.right = left ? `${width - px + 12}px` : '';
  }
  function leave() { cursor.hidden = true; readout.hidden = true; }
  // a touch has no hover: a tap shows the read-out for a while
  let touchTimer = 0;
  canvas.addEventListener('pointerdown', (ev) => {
    if (ev.pointerType !== 'touch') return;
    hover(ev);
    clearTimeout(touchTimer);
    touchTimer = setTimeout(leave, 4000);
  });
  canvas.addEventListener('pointermove', hover);
  canvas.addEventListener('pointerleave', (ev) => { if (ev.pointerType !== 'touch') leave(); });

  return {
    setData(newRuns, newSteps) {
      runs = newRuns;
      if (newSteps !== steps) { steps = newSteps; }
      redraw();
    },
    append,
    redraw,
    /** yAt is the canvas y (CSS px) of value v on the y axis, NaN before there is one (for tests). */
    yAt: (v) => (sy ? sy(v) : NaN),
    resize: redraw,
    /** stale reports whether the canvas's box has changed since the chart last drew (or it never has). */
    stale() {
      const b = boxSize();
      return !width || b.width !== width || b.height !== height || b.dpr !== dpr;
    },
    setTheme(t) { theme = t; redraw(); },
    /** setCursor shows the timeline's step k on the chart (null: none). */
    setCursor(k) { stepAt = k; placeStep(); },
  };
}
