// state.js: the lab's state and its share-link query (docs/ARCHITECTURE.md,
// "Share-link query"), and the scenario JSON sent to the server. Pure: no DOM.
//
// The state keeps only what the user chose: a run's optimizer and scheduler
// hold the settings given (missing ones take their defaults), so a setting
// derived from the number of steps (T_max, total_steps…) follows it.

import {
  OPTIMIZERS, SCHEDULERS, UPDATES, RUN, TOP, LIMITS as SCHEMA_LIMITS, findSpec, defaultOf, checkValue, sameValue,
} from './schema.js';

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
  rate: findSpec(TOP, 'rate').max, labelChars: findSpec(RUN, 'label').maxLength, formulaChars: 500,
});

/** setLimits takes the positive whole numbers of l ({runs, steps}) into LIMITS. */
export function setLimits(l) {
  for (const k of ['runs', 'steps']) if (l && Number.isSafeInteger(l[k]) && l[k] > 0) LIMITS[k] = l[k];
}

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

/** newRun returns a run with the optimizer name and lr given, everything else at its default. */
export function newRun(opt = 'sgd', lr) {
  const run = {
    optimizer: { name: opt }, scheduler: { name: 'constant' },
    x: null, y: null, noise: 0, seed: 0, label: '', opt_y: null, optimizer_y: {}, updates: null,
    batch_size: null, // data surfaces: the mini-batch size; null is the whole data set
  };
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

function parseNumber(s) {
  // JSON's number syntax, as scenario/query.go's numberSyntax.
  if (typeof s !== 'string' || !/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s);
}

function parseValue(spec, raw) {
  switch (spec.type) {
    case 'bool':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return undefined;
    case 'enum':
      return raw;
    case 'pair':
    case 'ints': {
      const parts = raw.split(';').map(parseNumber);
      return parts.some(Number.isNaN) ? undefined : parts;
    }
    default: {
      const v = parseNumber(raw);
      return Number.isNaN(v) ? undefined : v;
    }
  }
}

function writeValue(spec, v) {
  if (spec.type === 'pair' || spec.type === 'ints') return v.map(formatNumber).join(';');
  if (spec.type === 'bool') return v ? 'true' : 'false';
  return typeof v === 'number' ? formatNumber(v) : String(v);
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

const MAX_QUERY_PARAMS = 10000;
const TOP_KEYS = new Set(['surface', 'formula', 'dataset', 'data', 'view', 'steps', 'rate', 'shift', 'lang', 'embed', 'run', 'present', 'hide', 'branch']);
const TOP_FIELD = { surface: 'surface.name', formula: 'surface.formula', dataset: 'surface.dataset', data: 'surface.data', shift: 'test_shift' };
// the run-level keys a link may give: sched, the schema's run settings under
// their query names, and start as x= and y=
const RUN_KEYS = new Set(['sched', ...RUN.flatMap((s) => (s.key === 'start' ? ['x', 'y'] : [s.query || s.key]))]);

/** DATA_LIMITS: rows a data surface takes, and rows the page puts in a link (scenario/data.go). */
export const DATA_LIMITS = Object.freeze({ rows: 2000, linkRows: 200, maxValue: 1e6 });

/** encodeData writes rows [[x, y], …] as a link's data= value: x_y~x_y~… */
export function encodeData(rows) {
  return rows.map((r) => `${formatNumber(r[0])}_${formatNumber(r[1])}`).join('~');
}

/**
 * decodeData reads a link's data= value for the named surface; it returns
 * {rows} or {error: {field, message}} naming the row and column as the
 * server does (surface.data[17][1]).
 */
export function decodeData(s, surface) {
  const parts = s.split('~');
  if (parts.length > DATA_LIMITS.rows) return { error: { field: 'surface.data', message: `must hold 1 to ${DATA_LIMITS.rows} rows, got ${parts.length}` } };
  const rows = [];
  for (let i = 0; i < parts.length; i++) {
    const cut = parts[i].indexOf('_');
    if (cut < 0) return { error: { field: `surface.data[${i}]`, message: `must be a row x_y (two numbers joined by _), got "${parts[i]}"` } };
    const row = [parts[i].slice(0, cut), parts[i].slice(cut + 1)].map(parseNumber);
    for (let j = 0; j < 2; j++) {
      if (!Number.isFinite(row[j]) || Math.abs(row[j]) > DATA_LIMITS.maxValue) {
        return { error: { field: `surface.data[${i}][${j}]`, message: `must be a finite number from -1e6 to 1e6` } };
      }
    }
    if (surface === 'logreg' && row[1] !== 0 && row[1] !== 1) {
      return { error: { field: `surface.data[${i}][1]`, message: `must be the label 0 or 1 for logreg, got ${row[1]}` } };
    }
    rows.push(row);
  }
  return { rows };
}

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
function surfaceInfoFor(st, info) {
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

/**
 * decodeQuery reads a share-link query ("?surface=…&run=…", a string or
 * URLSearchParams) and returns {state, errors}: the state holds every part
 * that is valid (the rest keeps its default) and errors is a list of
 * {field, message} naming each key that was wrong, with the field written as
 * the server writes it ("runs[0].optimizer.lr", "steps", "surface.b").
 * catalog (from catalogIndex) is optional; without it surface parameters
 * are taken as given and start points are not checked against the surface.
 */
export function decodeQuery(query, catalog = null) {
  const q = typeof query === 'string' ? new URLSearchParams(query.replace(/^\?/, '')) : query;
  const st = newState();
  const errors = [];
  const err = (field, message) => errors.push({ field, message });

  // The server reads at most MAX_QUERY_PARAMS (net/url's limit) and answers
  // a longer link with 400 on "query": say so rather than open it.
  let count = 0;
  for (const _ of q) count++;
  if (count > MAX_QUERY_PARAMS) {
    err('query', `the link has ${count} parameters; at most ${MAX_QUERY_PARAMS} are read`);
    st.runs.push(newRun('sgd'));
    return { state: st, errors };
  }

  for (const key of TOP_KEYS) {
    if (key !== 'run' && q.getAll(key).length > 1) err(TOP_FIELD[key] || key, `"${key}" is given more than once; the first is used`);
  }
  const surface = q.get('surface');
  if (surface !== null) {
    if (catalog && !catalog[surface] && surface !== 'custom') {
      err('surface.name', `unknown surface "${surface}"; allowed: ${Object.keys(catalog).join(', ')}`);
    } else if (!/^[a-z0-9_]{1,40}$/.test(surface)) {
      err('surface.name', `unknown surface "${surface}"`);
    } else st.surface = surface;
  }
  const info = catalog ? catalog[st.surface] : null;

  const seenParams = new Set();
  for (const [key, raw] of q) {
    if (TOP_KEYS.has(key)) continue;
    if (seenParams.has(key)) { err(`surface.${key}`, `"${key}" is given more than once; the first is used`); continue; }
    seenParams.add(key);
    const spec = info ? info.params.find((p) => p.name === key) : null;
    if (info && !spec) { err(key, `unknown key "${key}"`); continue; }
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,30}$/.test(key)) { err(key, `unknown key "${key}"`); continue; }
    const v = parseNumber(raw);
    if (!Number.isFinite(v)) { err(`surface.${key}`, `must be a finite number, got "${raw}"`); continue; }
    if (spec && ((spec.min !== undefined && spec.min !== spec.max && v < spec.min) || (spec.max !== undefined && spec.min !== spec.max && v > spec.max))) {
      err(`surface.${key}`, `must be in [${spec.min}, ${spec.max}], got ${raw}`); continue;
    }
    st.params[key] = v;
  }

  const formula = q.get('formula');
  if (formula !== null) {
    if (formula.length > LIMITS.formulaChars) err('surface.formula', `must be at most ${LIMITS.formulaChars} characters`);
    else st.formula = formula;
  }

  const data = q.get('data'), dataset = q.get('dataset');
  const isData = info ? !!info.data : ['linreg', 'logreg'].includes(st.surface);
  for (const [k, v] of [['data', data], ['dataset', dataset]]) {
    if (v !== null && !isData) err(`surface.${k}`, `only the data surfaces linreg and logreg take ${k}`);
  }
  if (isData && data !== null) {
    const d = decodeData(data, st.surface);
    if (d.error) err(d.error.field, d.error.message);
    else st.data = d.rows;
  }
  if (isData && dataset !== null) {
    const known = !info || (info.data.datasets || []).some((d) => d.name === dataset);
    if (st.data) err('surface.dataset', 'give data or dataset, not both; data is used');
    else if (!known) err('surface.dataset', `unknown data set "${dataset}" for ${st.surface}`);
    else st.dataset = dataset;
  }
  const runInfo = surfaceInfoFor(st, info);

  const view = q.get('view');
  if (view !== null) {
    const p = view.split(',').map(parseNumber);
    if (p.length !== 4 || p.some((v) => !Number.isFinite(v))) err('view', `must be four numbers xmin,xmax,ymin,ymax, got "${view}"`);
    else if (!(p[0] < p[1] && p[2] < p[3])) err('view', 'must have xmin < xmax and ymin < ymax');
    else st.view = { xmin: p[0], xmax: p[1], ymin: p[2], ymax: p[3] };
  }

  const steps = q.get('steps');
  if (steps !== null) {
    const v = parseNumber(steps);
    if (!Number.isInteger(v) || v < 1 || v > LIMITS.steps) err('steps', `must be a whole number in 1…${LIMITS.steps}, got "${steps}"`);
    else st.steps = v;
  }

  const rate = q.get('rate');
  if (rate !== null) {
    const v = rate === 'max' ? 0 : parseNumber(rate);
    if (!Number.isInteger(v) || v < 0 || v > LIMITS.rate) err('rate', `must be a whole number in 0…${LIMITS.rate} (0: as fast as possible), got "${rate}"`);
    else st.rate = v;
  }

  const shift = q.get('shift');
  if (shift !== null) {
    const p = shift.split(',').map(parseNumber);
    if (p.length !== 2 || p.some((v) => !Number.isFinite(v))) err('test_shift', `must be two numbers dx,dy, got "${shift}"`);
    else {
      const lim = info ? [info.view.xmax - info.view.xmin, info.view.ymax - info.view.ymin] : [Infinity, Infinity];
      const bad = p.findIndex((v, i) => Math.abs(v) > lim[i]);
      if (bad >= 0) err(`test_shift[${bad}]`, `must be from ${-lim[bad]} to ${lim[bad]} (the width of the surface's view), got ${p[bad]}`);
      else st.shift = p;
    }
  }

  const lang = q.get('lang');
  if (lang !== null) {
    if (!LANGS.includes(lang)) err('lang', `must be one of ${LANGS.join(', ')}, got "${lang}"`);
    else st.lang = lang;
  }

  const embed = q.get('embed');
  if (embed !== null) {
    if (embed === '' || embed === '1' || embed === 'true') st.embed = true;
    else if (embed !== '0' && embed !== 'false') err('embed', `must be 1 (or true, or empty) for the bare view, or 0 (false); got "${embed}"`);
  }

  const present = q.get('present');
  if (present !== null) {
    if (present === '' || present === '1' || present === 'true') st.present = true;
    else if (present !== '0' && present !== 'false') err('present', `must be 1 (or true, or empty) for presentation mode, or 0 (false); got "${present}"`);
  }
  const hide = q.get('hide');
  if (hide !== null) {
    const names = new Set();
    for (const raw of hide.split(',')) {
      const name = raw.trim();
      if (!name) continue;
      if (!HIDE_KEYS.includes(name)) err('hide', `unknown control "${name}"; allowed: ${HIDE_KEYS.join(', ')}`);
      else names.add(name);
    }
    st.hide = HIDE_KEYS.filter((k) => names.has(k));
  }

  const runs = q.getAll('run');
  if (runs.length > LIMITS.runs) err('runs', `at most ${LIMITS.runs} runs; the rest were left out`);
  runs.slice(0, LIMITS.runs).forEach((raw, i) => {
    const run = decodeRun(raw, `runs[${i}]`, st, runInfo, err);
    if (run) st.runs.push(run);
  });
  if (st.runs.length === 0) st.runs.push(defaultRun(info, st.params));
  const branch = q.get('branch');
  if (branch !== null) st.branch = decodeBranch(branch, st.runs.length, st.steps, err);
  return { state: st, errors };
}

/**
 * decodeBranch reads branch= ("1:0:50,…": run 1 branches off run 0 at step
 * 50, RUN:FROM:STEP) as scenario.ParseQuery does: [{run, from, at}] in
 * RUN's order, 0 ≤ FROM < RUN < runs, 1 ≤ STEP < steps, each RUN once, no
 * FROM itself a branch; an error on "branch" for each bad item.
 */
function decodeBranch(raw, runs, steps, err) {
  const items = [];
  for (const part of raw.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^(\d{1,2}):(\d{1,2}):(\d{1,5})$/.exec(p);
    if (!m) { err('branch', `"${p}" is not RUN:FROM:STEP (such as 1:0:50: run 1 branches off run 0 at step 50)`); continue; }
    const [run, from, at] = m.slice(1).map(Number);
    if (run >= runs || from >= run) { err('branch', `"${p}": FROM must be an earlier run than RUN, both below ${runs} (the link's runs)`); continue; }
    if (at < 1 || at >= steps) { err('branch', `"${p}": STEP must be from 1 to ${steps - 1} (the steps less one)`); continue; }
    items.push({ run, from, at });
  }
  items.sort((a, b) => a.run - b.run);
  const seen = new Set(), out = [];
  for (const b of items) {
    if (seen.has(b.run)) { err('branch', `run ${b.run} branches twice; the first is used`); continue; }
    if (seen.has(b.from)) { err('branch', `run ${b.run} branches off run ${b.from}, itself a branch; left out`); continue; }
    seen.add(b.run);
    out.push(b);
  }
  return out;
}

function decodeRun(raw, at, st, info, err) {
  const parts = raw.split(',');
  const name = parts[0].trim();
  if (!OPTIMIZERS[name]) {
    err(`${at}.optimizer.name`, `unknown optimizer "${name}"; allowed: ${Object.keys(OPTIMIZERS).join(', ')}`);
    return null;
  }
  const run = newRun(name);
  const pairs = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 1 && pairs.length && pairs[pairs.length - 1][0] === 'label') {
      pairs[pairs.length - 1][1] += ',' + p; // a label written with a bare comma
      continue;
    }
    if (p === '') { err(at, 'an empty setting (two commas in a row, or one at the end); write key=value between commas'); continue; }
    if (eq < 1) { err(at, `"${p}" is not key=value`); continue; }
    pairs.push([p.slice(0, eq), p.slice(eq + 1)]);
  }
  const sched = pairs.find(([k]) => k === 'sched');
  if (sched) {
    if (!SCHEDULERS[sched[1]]) err(`${at}.scheduler.name`, `unknown scheduler "${sched[1]}"; allowed: ${Object.keys(SCHEDULERS).join(', ')}`);
    else run.scheduler.name = sched[1];
  }
  const ospecs = OPTIMIZERS[name], sspecs = SCHEDULERS[run.scheduler.name];
  const game = !info || info.kind === 'game';
  const optY = pairs.find(([k]) => k === 'opt_y');
  if (optY) {
    if (!game) err(`${at}.opt_y`, 'only a game surface has a player y');
    else if (!OPTIMIZERS[optY[1]]) err(`${at}.optimizer_y.name`, `unknown optimizer "${optY[1]}"; allowed: ${Object.keys(OPTIMIZERS).join(', ')}`);
    else run.opt_y = optY[1];
  }
  const yspecs = OPTIMIZERS[run.opt_y || name];
  const seen = new Set();
  for (const [k, rawv] of pairs) {
    if (k === 'sched' || k === 'opt_y') continue;
    const ospec = findSpec(ospecs, k);
    const sspec = findSpec(sspecs, k);
    const yspec = k.endsWith('_y') && k !== 'opt_y' ? findSpec(yspecs, k.slice(0, -2)) : null;
    const group = ospec ? 'optimizer' : sspec ? 'scheduler' : yspec ? 'optimizer_y' : null;
    const spec = ospec || sspec || yspec;
    const field = spec ? `${at}.${group}.${spec.key}` : k === 'x' ? `${at}.start[0]` : k === 'y' ? `${at}.start[1]` : `${at}.${k}`;
    if (seen.has(k)) { err(field, `"${k}" is given twice; the first is used`); continue; }
    seen.add(k);
    if (yspec && !game) { err(`${at}.${k}`, 'only a game surface has a player y'); continue; }
    if (spec) {
      const v = parseValue(spec, rawv);
      let problem = v === undefined ? `cannot read "${rawv}"` : checkValue(spec, v);
      let f = field;
      if (problem && spec.type === 'pair' && Array.isArray(v) && v.length === 2) {
        const bad = v.findIndex((x) => checkValue({ ...spec, type: 'float' }, x));
        if (bad >= 0) f = `${field}[${bad}]`;
      }
      if (problem) { err(f, problem); continue; }
      (group === 'optimizer' ? run.optimizer : group === 'scheduler' ? run.scheduler : run.optimizer_y)[spec.key] = v;
      continue;
    }
    if (!RUN_KEYS.has(k)) { err(field, `unknown key "${k}" for ${name}${run.scheduler.name !== 'constant' ? ' and ' + run.scheduler.name : ''}`); continue; }
    switch (k) {
      case 'x': case 'y': {
        const v = parseNumber(rawv);
        const i = k === 'x' ? 0 : 1;
        const box = info && info.view ? startBox(info.view) : null;
        const lo = box ? (i === 0 ? box.xmin : box.ymin) : -Infinity, hi = box ? (i === 0 ? box.xmax : box.ymax) : Infinity;
        if (!Number.isFinite(v)) err(field, `${k} must be a finite number, got "${rawv}"`);
        else if (v < lo || v > hi) err(field, `${k} = ${v} is too far outside the map; allowed: ${lo} … ${hi}`);
        else run[k] = v;
        break;
      }
      case 'noise': {
        const v = parseNumber(rawv);
        if (!(v >= 0) || !Number.isFinite(v)) err(field, `must be a finite number ≥ 0, got "${rawv}"`);
        else run.noise = v;
        break;
      }
      case 'seed': {
        const v = parseNumber(rawv);
        if (!Number.isSafeInteger(v) || v < 0) err(field, `must be a whole number ≥ 0, got "${rawv}"`);
        else run.seed = v;
        break;
      }
      case 'label': {
        let v = rawv;
        try { v = decodeURIComponent(rawv); } catch { /* keep as given */ }
        if (v.length > LIMITS.labelChars) err(field, `must be at most ${LIMITS.labelChars} characters`);
        else run.label = v;
        break;
      }
      case 'batch_size': {
        const v = parseNumber(rawv);
        const n = info && info.data ? info.rows || info.data.rows : null;
        if (info && !info.data) err(field, 'only the data surfaces linreg and logreg take a batch size');
        else if (!Number.isInteger(v) || v < 1 || (n && v > n)) err(field, `must be a whole number from 1 to ${n || 'N'} (the rows of the data), got "${rawv}"`);
        else if (v !== n) run.batch_size = v;
        break;
      }
      case 'updates':
        if (!game) err(field, 'only a game surface has an update order');
        else if (!UPDATES.includes(rawv)) err(field, `unknown value "${rawv}"; allowed: ${UPDATES.join(', ')}`);
        else run.updates = rawv;
        break;
    }
  }
  return run;
}

function encodeComponent(s) {
  // Keep the separators of run values readable; ';' stays escaped because Go's
  // url.ParseQuery rejects a bare one.
  return encodeURIComponent(s).replace(/%2C/g, ',').replace(/%3D/g, '=').replace(/%3A/g, ':');
}

/**
 * encodeRun writes one run as the value of a run= key: the optimizer name,
 * then every setting that differs from its default, as key=value.
 */
export function encodeRun(run, steps, start = null, game = true, rows = 0) {
  const out = [run.optimizer.name];
  const lr = optimizerLR(run);
  const ctx = { steps, lr };
  for (const spec of OPTIMIZERS[run.optimizer.name] || []) {
    const v = run.optimizer[spec.key];
    if (v === undefined || sameValue(v, defaultOf(spec, ctx))) continue;
    out.push(`${spec.key}=${writeValue(spec, v)}`);
  }
  const sname = run.scheduler.name || 'constant';
  if (sname !== 'constant') out.push(`sched=${sname}`);
  for (const spec of SCHEDULERS[sname] || []) {
    const v = run.scheduler[spec.key];
    if (v === undefined || v === null || sameValue(v, defaultOf(spec, ctx))) continue;
    out.push(`${spec.key}=${writeValue(spec, v)}`);
  }
  if (run.x !== null || run.y !== null) {
    const x = run.x ?? (start ? start[0] : 0), y = run.y ?? (start ? start[1] : 0);
    if (!(start && sameValue(x, start[0]) && sameValue(y, start[1]))) out.push(`x=${formatNumber(x)}`, `y=${formatNumber(y)}`);
  }
  if (run.noise) out.push(`noise=${formatNumber(run.noise)}`);
  if (run.seed) out.push(`seed=${run.seed}`);
  if (run.label) out.push(`label=${run.label.replace(/%/g, '%25').replace(/,/g, '%2C').replace(/=/g, '%3D')}`);
  if (run.batch_size && run.batch_size !== rows) out.push(`batch_size=${run.batch_size}`); // left out at N (the whole data), as the server's normalised scenario writes it
  if (!game) return out.join(','); // player y and the update order exist on games only
  const yname = run.opt_y || run.optimizer.name;
  if (yname !== run.optimizer.name) out.push(`opt_y=${yname}`);
  const ybase = yname === run.optimizer.name ? run.optimizer : { name: yname, lr };
  for (const spec of OPTIMIZERS[yname] || []) {
    const v = run.optimizer_y && run.optimizer_y[spec.key];
    if (v === undefined) continue;
    const base = ybase[spec.key] !== undefined ? ybase[spec.key] : spec.key === 'lr' ? lr : defaultOf(spec, ctx);
    if (!sameValue(v, base)) out.push(`${spec.key}_y=${writeValue(spec, v)}`);
  }
  if (run.updates && run.updates !== DEFAULTS.updates) out.push(`updates=${run.updates}`);
  return out.join(',');
}

/**
 * encodeQuery writes the state as a share-link query without the leading
 * "?": keys at their default are left out (with a catalog, so are surface
 * parameters at their default, the surface's own view and start points).
 */
export function encodeQuery(st, catalog = null) {
  const info = catalog ? catalog[st.surface] : null;
  const parts = [];
  const add = (k, v) => parts.push(`${k}=${encodeComponent(String(v))}`);
  add('surface', st.surface);
  const names = info ? info.params.map((p) => p.name) : Object.keys(st.params).sort();
  for (const name of names) {
    const v = st.params[name];
    if (v === undefined) continue;
    const spec = info && info.params.find((p) => p.name === name);
    if (spec && sameValue(v, spec.default)) continue;
    add(name, formatNumber(v));
  }
  if (st.surface === 'custom' && st.formula) add('formula', st.formula);
  if (st.data && st.data.length <= DATA_LIMITS.linkRows) add('data', encodeData(st.data)); // longer: the page offers the scenario JSON (data.js)
  else if (st.dataset && !(info && info.data && info.data.dataset === st.dataset)) add('dataset', st.dataset);
  const runInfo = surfaceInfoFor(st, info);
  if (st.view && !(info && sameView(st.view, info.view))) {
    add('view', [st.view.xmin, st.view.xmax, st.view.ymin, st.view.ymax].map((v) => formatNumber(roundTo(v, st.view))).join(','));
  }
  if (st.steps !== DEFAULTS.steps) add('steps', st.steps);
  if (st.rate !== DEFAULTS.rate) add('rate', st.rate);
  if (st.shift) add('shift', st.shift.map(formatNumber).join(','));
  for (const r of st.runs) add('run', encodeRun(r, st.steps, runInfo ? runInfo.start : null, !info || info.kind === 'game', runInfo && runInfo.rows));
  if (st.lang !== DEFAULTS.lang) add('lang', st.lang);
  if (st.embed) add('embed', 1);
  if (st.present) add('present', 1);
  if (st.hide && st.hide.length) add('hide', HIDE_KEYS.filter((k) => st.hide.includes(k)).join(','));
  if (st.branch && st.branch.length) add('branch', [...st.branch].sort((a, b) => a.run - b.run).map((b) => `${b.run}:${b.from}:${b.at}`).join(','));
  return parts.join('&');
}

function sameView(a, b) {
  return sameValue(a.xmin, b.xmin) && sameValue(a.xmax, b.xmax) && sameValue(a.ymin, b.ymin) && sameValue(a.ymax, b.ymax);
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
 * toScenario returns the scenario JSON of the contract for the state:
 * settings at their default are left for the server to fill.
 */
export function toScenario(st, catalog = null) {
  const info = catalog ? catalog[st.surface] : null;
  const surface = { name: st.surface, ...st.params };
  if (st.surface === 'custom') surface.formula = st.formula;
  if (st.data) surface.data = st.data.map((r) => [r[0], r[1]]);
  else if (st.dataset) surface.dataset = st.dataset;
  const sc = { surface, steps: st.steps, runs: [] };
  if (st.view) sc.view = { ...st.view };
  if (st.shift) sc.test_shift = [...st.shift];
  const runInfo = surfaceInfoFor(st, info);
  st.runs.forEach((r) => {
    const run = {
      start: runStart(r, runInfo),
      optimizer: { ...r.optimizer, lr: optimizerLR(r) }, // the server requires lr
      scheduler: { ...r.scheduler },
      noise: r.noise,
      seed: r.seed,
    };
    if (run.scheduler.step_size_down === null) delete run.scheduler.step_size_down;
    if (r.label) run.label = r.label;
    if (r.batch_size) run.batch_size = r.batch_size;
    if (info && info.kind === 'game') {
      const ykeys = Object.keys(r.optimizer_y || {});
      if (r.opt_y || ykeys.length) {
        const yname = r.opt_y || r.optimizer.name;
        run.optimizer_y = yname === r.optimizer.name ? { ...r.optimizer, ...r.optimizer_y } : { name: yname, lr: optimizerLR(r), ...r.optimizer_y };
        run.optimizer_y.name = yname;
      }
      if (r.updates) run.updates = r.updates;
    }
    sc.runs.push(run);
  });
  return sc;
}

/**
 * fromScenario turns a scenario JSON (as the presets give it) into a state,
 * keeping only the settings that differ from their defaults.
 */
export function fromScenario(sc) {
  const st = newState();
  if (!sc || typeof sc !== 'object') return st;
  const surf = sc.surface || {};
  if (surf.name) st.surface = surf.name;
  for (const [k, v] of Object.entries(surf)) {
    if (k === 'name') continue;
    if (k === 'formula') st.formula = String(v);
    else if (k === 'dataset') st.dataset = String(v);
    else if (k === 'data' && Array.isArray(v)) st.data = v.map((r) => [r[0], r[1]]);
    else if (typeof v === 'number') st.params[k] = v;
  }
  if (Number.isInteger(sc.steps)) st.steps = sc.steps;
  if (sc.view && typeof sc.view === 'object') st.view = { xmin: sc.view.xmin, xmax: sc.view.xmax, ymin: sc.view.ymin, ymax: sc.view.ymax };
  if (Array.isArray(sc.test_shift)) st.shift = sc.test_shift.slice(0, 2);
  for (const r of sc.runs || []) {
    const o = r.optimizer || {};
    const run = newRun(OPTIMIZERS[o.name] ? o.name : 'sgd');
    for (const spec of OPTIMIZERS[run.optimizer.name]) if (o[spec.key] !== undefined) run.optimizer[spec.key] = o[spec.key];
    const s = r.scheduler || {};
    run.scheduler.name = SCHEDULERS[s.name] ? s.name : 'constant';
    for (const spec of SCHEDULERS[run.scheduler.name]) if (s[spec.key] !== undefined) run.scheduler[spec.key] = s[spec.key];
    if (Array.isArray(r.start)) { run.x = r.start[0]; run.y = r.start[1]; }
    if (typeof r.noise === 'number') run.noise = r.noise;
    if (Number.isInteger(r.seed)) run.seed = r.seed;
    if (r.label) run.label = String(r.label);
    if (Number.isInteger(r.batch_size)) run.batch_size = r.batch_size;
    if (r.optimizer_y && OPTIMIZERS[r.optimizer_y.name]) {
      run.opt_y = r.optimizer_y.name !== run.optimizer.name ? r.optimizer_y.name : null;
      for (const spec of OPTIMIZERS[r.optimizer_y.name]) if (r.optimizer_y[spec.key] !== undefined) run.optimizer_y[spec.key] = r.optimizer_y[spec.key];
    }
    if (r.updates) run.updates = r.updates;
    st.runs.push(run);
  }
  return st;
}

/** lessonKey is st's query with what does not make a lesson left out: the language, embedding and the runs' labels. */
function lessonKey(st, catalog) {
  return encodeQuery({ ...st, lang: 'en', embed: false, present: false, hide: [], runs: st.runs.map((r) => ({ ...r, label: '' })) }, catalog);
}

/**
 * presetOf returns the preset (of GET /api/v1/presets) whose scenario st
 * is, or null. The run labels are left out of the comparison: a lesson's
 * link carries them in the language it was made in, and a reader may
 * rename a run without leaving the lesson.
 */
export function presetOf(presets, st, catalog = null) {
  const here = lessonKey(st, catalog);
  return presets.find((p) => p && typeof p.url === 'string'
    && lessonKey(decodeQuery(p.url.replace(/^[^?]*/, ''), catalog).state, catalog) === here) || null;
}

/**
 * presetLabels returns st's runs with every label that is preset p's own
 * label of that run, in any language, in lang instead; the reader's own
 * labels are kept. It returns st.runs itself when nothing changes.
 */
export function presetLabels(st, p, lang) {
  const by = (p && p.labels) || {};
  const mine = by[lang];
  if (!Array.isArray(mine)) return st.runs;
  let changed = false;
  const runs = st.runs.map((r, i) => {
    const own = Object.values(by).some((l) => Array.isArray(l) && l[i] === r.label);
    if (!own || mine[i] === undefined || mine[i] === r.label) return r;
    changed = true;
    return { ...r, label: mine[i] };
  });
  return changed ? runs : st.runs;
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
