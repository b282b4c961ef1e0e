// model.js: the lab's state as the page keeps it: what the user chose, the
// runs' defaults and the limits, and the pure helpers every part reads
// (formatNumber, runStart, the catalog's index). No DOM. The share link is
// link.js, the scenario JSON scenario.js; state.js gathers all three.
//
// The state keeps only what the user chose: a run's optimizer and scheduler
// hold the settings given (missing ones take their defaults), so a setting
// derived from the number of steps (T_max, total_steps…) follows it.

import { OPTIMIZERS, RUN, TOP, LIMITS as SCHEMA_LIMITS, findSpec } from './schema.js';

/** DEFAULTS are the values a share link leaves out. */
export const DEFAULTS = Object.freeze({
  surface: 'quadratic', steps: 200, rate: 60, lang: 'en',
  optimizer: 'sgd', scheduler: 'constant',
  ...Object.fromEntries(RUN.filter((s) => s.def !== undefined).map((s) => [s.key, s.def])), // the run-level settings' defaults
});

/**
 * LIMITS of what the page lets one ask for: runs and steps are the server's
 * live -max-runs and -max-steps, rate and labelChars the bounds of the
 * schema's rate and label (schema.js: all from the server's settings schema).
 */
export const LIMITS = Object.seal({
  runs: SCHEMA_LIMITS.runs, steps: SCHEMA_LIMITS.steps,
  rate: findSpec(TOP, 'rate').max, labelChars: findSpec(RUN, 'label').maxLength, formulaChars: SCHEMA_LIMITS.formula_chars,
});

/**
 * presetsURL is the lesson list the page asks for (GET /api/v1/presets) in
 * lang: only the keys it reads, so that it carries one language's texts
 * and each scenario once (its url); every part asks with the same URL, so
 * the browser's cache answers the second.
 */
export const presetsURL = (lang) => `/api/v1/presets?lang=${encodeURIComponent(lang)}&fields=id,title,summary,lesson,number,url,labels,questions`;

/**
 * HIDE_KEYS are the parts of the page hide= can leave out, in the order a
 * link writes them (scenario.HideKeys on the server: the same list).
 */
export const HIDE_KEYS = ['header', 'lesson', 'transport', 'timeline', 'legend', 'run', 'surface', 'charts', 'lr_chart', 'grad_chart', 'analysis', 'share', 'card'];

/** LANGS are the page's languages. */
export const LANGS = ['en', 'ja'];

/**
 * defaultRun is the run of a link that has none (/, /?lang=ja, /?embed=1
 * alike): plain SGD that moves visibly. On the ill-conditioned bowl its LR
 * is 1.7/λmax, between 1/λmax (which would settle the steep direction in
 * one step: an L) and the stability limit 2/λmax, so that the first thing a
 * class sees is the zig-zag ill-conditioning is known for.
 */
export function defaultRun(info, params = {}) {
  if (info && info.name === 'quadratic') {
    const p = (k) => params[k] ?? ((info.params || []).find((x) => x.name === k) || {}).default;
    const lam = Math.max(p('a') || 0, p('b') || 0);
    if (lam > 0) return newRun('sgd', Number((1.7 / lam).toPrecision(2)));
  }
  return newRun('sgd', 0.01);
}

/**
 * SHAPED are the run-level rows with a shape of their own, read and written
 * where they are used: start (run.x, run.y; a link's x= and y=) and
 * optimizer_y (run.opt_y and run.optimizer_y; a link's opt_y= and KEY_y=).
 * Every other row of the schema's RUN is plain: run[key] holds its value,
 * a link writes it as KEY=value (KEY its query name) when it differs from
 * its default, the scenario JSON carries it under its key. Adding a plain
 * run-level setting to the server's schema adds it here with no change.
 */
export const SHAPED = new Set(['start', 'optimizer_y']);

/**
 * RUN_RULES are what a plain row needs beyond its schema row: for a row
 * that only some surfaces take (the row's only: 'game' or 'data'), the
 * message a link that gives it elsewhere gets (refused, in the page's words;
 * a row without one gets a generic message); unset: the run's value before
 * one is chosen, when it is not the row's default; check and isDefault
 * replace the bounds where they depend on the data (rows).
 */
export const RUN_RULES = {
  updates: { refused: 'only a game surface has an update order', unset: null },
  batch_size: {
    refused: 'only the data surfaces linreg and logreg take a batch size',
    // from 1 to the data's rows; the rows themselves (the whole data set, as
    // null) are its default, which the server's normalised scenario leaves out
    check: (v, raw, rows) => (Number.isInteger(v) && v >= 1 && !(rows && v > rows) ? ''
      : `must be a whole number from 1 to ${rows || 'N'} (the rows of the data), got "${raw}"`),
    isDefault: (v, rows) => v === rows,
  },
};

/** refusal is the message for plain row spec given on a surface it does not apply to. */
export function refusal(spec) {
  const rule = RUN_RULES[spec.key];
  if (rule && rule.refused) return rule.refused;
  return spec.only === 'game' ? 'only a game surface takes this setting' : 'only the data surfaces linreg and logreg take this setting';
}

/** plainRows returns the plain run-level rows (not SHAPED), in the schema's order. */
export const plainRows = () => RUN.filter((s) => !SHAPED.has(s.key));

/** unsetValue is a plain row's value in a new run: its rule's unset, or null when optional, or its default. */
export function unsetValue(spec) {
  const rule = RUN_RULES[spec.key] || {};
  if (rule.unset !== undefined) return rule.unset;
  return spec.optional || spec.def === undefined ? null : spec.def;
}

/** newRun returns a run with the optimizer name and lr given, everything else at its default. */
export function newRun(opt = 'sgd', lr) {
  const run = { optimizer: { name: opt }, scheduler: { name: 'constant' }, x: null, y: null, opt_y: null, optimizer_y: {} };
  for (const spec of plainRows()) run[spec.key] = unsetValue(spec);
  if (lr !== undefined) run.optimizer.lr = lr;
  return run;
}

/** newState returns the state of an empty query: one SGD run on the quadratic bowl. */
export function newState() {
  return {
    surface: DEFAULTS.surface, params: {}, formula: '', view: null,
    dataset: '', data: null, // data surfaces (linreg, logreg): a built-in set's name, or rows [[x, y], …]
    steps: DEFAULTS.steps, rate: DEFAULTS.rate, shift: null, lang: DEFAULTS.lang, embed: false,
    present: false, hide: [], branch: [],
    runs: [],
  };
}

/** cloneRun returns a deep copy of a run. */
export function cloneRun(r) {
  return JSON.parse(JSON.stringify(r));
}

/** optimizerLR returns the run's LR (the given one or the optimizer's default). */
export function optimizerLR(run) {
  const spec = findSpec(OPTIMIZERS[run.optimizer.name], 'lr');
  return run.optimizer.lr !== undefined ? run.optimizer.lr : spec ? spec.def : 1e-3;
}

/**
 * formatNumber writes v as the shorter of its plain and exponential
 * spellings, both of which read back as exactly v ("0.19", "1e-5").
 */
export function formatNumber(v) {
  if (typeof v !== 'number') return String(v);
  const a = String(v);
  const b = v.toExponential().replace('e+', 'e');
  return b.length < a.length ? b : a;
}

export function parseNumber(s) {
  // JSON's number syntax, as scenario/query.go's numberSyntax.
  if (typeof s !== 'string' || !/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s);
}

/**
 * catalogIndex turns the list of GET /api/v1/surfaces into a map by name,
 * with params as [{name, default, min, max}], view as a box and start as
 * [x, y] whatever spelling the server used.
 */
export function catalogIndex(list) {
  const out = {};
  for (const s of list || []) {
    if (!s || typeof s.name !== 'string') continue;
    const st = s.start;
    let start = null;
    if (Array.isArray(st)) start = [st[0], st[1]];
    else if (st && typeof st === 'object') start = [st.x ?? st.X, st.y ?? st.Y];
    const v = s.view || {};
    out[s.name] = {
      ...s,
      params: (s.params || []).map((p) => ({ ...p })),
      view: Array.isArray(v) ? { xmin: v[0], xmax: v[1], ymin: v[2], ymax: v[3] }
        : { xmin: v.xmin ?? v.XMin ?? -1, xmax: v.xmax ?? v.XMax ?? 1, ymin: v.ymin ?? v.YMin ?? -1, ymax: v.ymax ?? v.YMax ?? 1 },
      start,
      minima: s.minima || [],
      kind: s.kind || 'minimize',
    };
  }
  // The catalog lists the built-in surfaces; the custom formula's fixed view
  // and start (docs/API.md, "Custom formulas") are known without it, so a
  // run on a typed formula starts at (−2, 2) as the server's does, not at a
  // point where many formulas are flat by symmetry.
  if (list && list.length && !out.custom) {
    out.custom = {
      name: 'custom', title: 'Custom formula', params: [], view: { xmin: -3, xmax: 3, ymin: -3, ymax: 3 },
      start: [-2, 2], minima: [], kind: 'minimize',
    };
  }
  return out;
}

/** DATA_LIMITS: rows a data surface takes, the largest |x| and |y| of a row, and rows the page puts in a link (the schema's limits). */
export const DATA_LIMITS = Object.freeze({ rows: SCHEMA_LIMITS.data_rows, linkRows: SCHEMA_LIMITS.data_link_rows, maxValue: SCHEMA_LIMITS.data_value });

/** dataInfo returns {rows, view, start} of a data surface's data in the state (null elsewhere). */
export function dataInfo(st, info) {
  if (!info || !info.data) return null;
  if (st.data) return { rows: st.data.length, view: null, start: [0, 0] };
  const name = st.dataset || info.data.dataset;
  const ds = (info.data.datasets || []).find((d) => d.name === name);
  if (!ds) return { rows: info.data.rows, view: info.view, start: info.start };
  return { rows: ds.rows, view: ds.view, start: Array.isArray(ds.start) ? ds.start : [ds.start.x ?? ds.start.X, ds.start.y ?? ds.start.Y] };
}

// surfaceInfoFor returns the catalog entry with the view and start of the
// state's data set, so that start points are checked against it.
export function surfaceInfoFor(st, info) {
  const d = dataInfo(st, info);
  if (!d) return info;
  return { ...info, view: d.view || null, start: d.start, rows: d.rows };
}

/** startBox returns the box a start point must lie in: the view enlarged 10× about its centre. */
export function startBox(v) {
  const cx = (v.xmin + v.xmax) / 2, cy = (v.ymin + v.ymax) / 2;
  const hx = (v.xmax - v.xmin) * 5, hy = (v.ymax - v.ymin) * 5;
  return { xmin: cx - hx, xmax: cx + hx, ymin: cy - hy, ymax: cy + hy };
}

/** roundTo rounds v to about 1/10000 of the larger side of box, for short links. */
export function roundTo(v, box) {
  const size = Math.max(box.xmax - box.xmin, box.ymax - box.ymin);
  if (!(size > 0)) return v;
  const digits = Math.max(0, Math.min(15, 4 - Math.floor(Math.log10(size))));
  return Number(v.toFixed(digits));
}

/**
 * roundView rounds a box's corners so that it writes short in a link
 * while moving by less than 1/10000 of its size.
 */
export function roundView(box) {
  return { xmin: roundTo(box.xmin, box), xmax: roundTo(box.xmax, box), ymin: roundTo(box.ymin, box), ymax: roundTo(box.ymax, box) };
}

/**
 * runStart returns the start point [x, y] of a run: its own, or the
 * surface's default start, or the centre of the view.
 */
export function runStart(run, info) {
  const s = info && info.start ? info.start : [0, 0];
  return [run.x ?? s[0], run.y ?? s[1]];
}

/**
 * relabelLR returns label with every number in it that states the LR
 * `from` (equal to it to 9 significant digits, however it is written:
 * "0.0001", "1e-4") written as `to` instead (formatNumber), so that a label
 * such as "LR 0.0001" or "SGD 0.03" keeps telling the truth when the run's
 * LR changes. Labels without that number (the reader's own words, "too
 * small") are returned as they are.
 */
export function relabelLR(label, from, to) {
  if (!label || !(from > 0) || !(to > 0) || from === to) return label;
  const same = (v) => Math.abs(v - from) <= 1e-9 * from;
  return label.replace(/(^|[^\w.])(\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?)(?![\w.])/gi,
    (m, pre, num) => (same(Number(num)) ? pre + formatNumber(to) : m));
}
