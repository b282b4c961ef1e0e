// state.js: the lab's state and its share-link query (docs/ARCHITECTURE.md,
// "Share-link query"), and the scenario JSON sent to the server. Pure: no DOM.
//
// The state keeps only what the user chose: a run's optimizer and scheduler
// hold the settings given (missing ones take their defaults), so a setting
// derived from the number of steps (T_max, total_steps…) follows it.

import {
  OPTIMIZERS, SCHEDULERS, UPDATES, findSpec, defaultOf, checkValue, sameValue,
} from './schema.js';

/** DEFAULTS are the values a share link leaves out. */
export const DEFAULTS = Object.freeze({
  surface: 'quadratic', steps: 200, rate: 60, lang: 'en',
  optimizer: 'sgd', scheduler: 'constant', noise: 0, seed: 0, label: '', updates: 'simultaneous',
});

/** LIMITS of what the page lets one ask for (the server's defaults). */
export const LIMITS = Object.freeze({ runs: 8, steps: 10000, rate: 10000, labelChars: 60, formulaChars: 500 });

/** LANGS are the page's languages. */
export const LANGS = ['en', 'ja'];

/** newRun returns a run with the optimizer name and lr given, everything else at its default. */
export function newRun(opt = 'sgd', lr) {
  const run = {
    optimizer: { name: opt }, scheduler: { name: 'constant' },
    x: null, y: null, noise: 0, seed: 0, label: '', opt_y: null, lr_y: null, updates: null,
  };
  if (lr !== undefined) run.optimizer.lr = lr;
  return run;
}

/** newState returns the state of an empty query: one SGD run on the quadratic bowl. */
export function newState() {
  return {
    surface: DEFAULTS.surface, params: {}, formula: '', view: null,
    steps: DEFAULTS.steps, rate: DEFAULTS.rate, shift: null, lang: DEFAULTS.lang, embed: false,
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
  if (typeof s !== 'string' || s.trim() === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s.trim())) return NaN;
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
  return out;
}

const TOP_KEYS = new Set(['surface', 'formula', 'view', 'steps', 'rate', 'shift', 'lang', 'embed', 'run']);
const RUN_KEYS = new Set(['sched', 'x', 'y', 'noise', 'seed', 'label', 'opt_y', 'lr_y', 'updates']);

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

  const surface = q.get('surface');
  if (surface !== null) {
    if (catalog && !catalog[surface] && surface !== 'custom') {
      err('surface', `unknown surface "${surface}"; allowed: ${Object.keys(catalog).join(', ')}`);
    } else if (!/^[a-z0-9_]{1,40}$/.test(surface)) {
      err('surface', `unknown surface "${surface}"`);
    } else st.surface = surface;
  }
  const info = catalog ? catalog[st.surface] : null;

  for (const [key, raw] of q) {
    if (TOP_KEYS.has(key)) continue;
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
    if (p.length !== 2 || p.some((v) => !Number.isFinite(v))) err('shift', `must be two numbers dx,dy, got "${shift}"`);
    else st.shift = p;
  }

  const lang = q.get('lang');
  if (lang !== null) {
    if (!LANGS.includes(lang)) err('lang', `must be one of ${LANGS.join(', ')}, got "${lang}"`);
    else st.lang = lang;
  }

  const embed = q.get('embed');
  if (embed !== null) st.embed = embed === '' || embed === '1' || embed === 'true';

  const runs = q.getAll('run');
  if (runs.length > LIMITS.runs) err('runs', `at most ${LIMITS.runs} runs; the rest were left out`);
  runs.slice(0, LIMITS.runs).forEach((raw) => {
    const run = decodeRun(raw, `runs[${st.runs.length}]`, st, info, err);
    if (run) st.runs.push(run);
  });
  return { state: st, errors };
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
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 1 && pairs.length && pairs[pairs.length - 1][0] === 'label') {
      pairs[pairs.length - 1][1] += ',' + p; // a label written with a bare comma
      continue;
    }
    if (eq < 1) { err(at, `"${p}" is not key=value`); continue; }
    pairs.push([p.slice(0, eq), p.slice(eq + 1)]);
  }
  const sched = pairs.find(([k]) => k === 'sched');
  if (sched) {
    if (!SCHEDULERS[sched[1]]) err(`${at}.scheduler.name`, `unknown scheduler "${sched[1]}"; allowed: ${Object.keys(SCHEDULERS).join(', ')}`);
    else run.scheduler.name = sched[1];
  }
  const ospecs = OPTIMIZERS[name], sspecs = SCHEDULERS[run.scheduler.name];
  const seen = new Set();
  for (const [k, rawv] of pairs) {
    if (k === 'sched') continue;
    if (seen.has(k)) { err(`${at}.${k}`, `"${k}" is given twice`); continue; }
    seen.add(k);
    const ospec = findSpec(ospecs, k);
    const sspec = findSpec(sspecs, k);
    if (ospec || sspec) {
      const spec = ospec || sspec;
      const field = `${at}.${ospec ? 'optimizer' : 'scheduler'}.${k}`;
      const v = parseValue(spec, rawv);
      const problem = v === undefined ? `cannot read "${rawv}"` : checkValue(spec, v);
      if (problem) { err(field, problem); continue; }
      (ospec ? run.optimizer : run.scheduler)[k] = v;
      continue;
    }
    if (!RUN_KEYS.has(k)) { err(`${at}.${k}`, `unknown key "${k}" for ${name}${run.scheduler.name !== 'constant' ? ' and ' + run.scheduler.name : ''}`); continue; }
    switch (k) {
      case 'x': case 'y': {
        const v = parseNumber(rawv);
        if (!Number.isFinite(v)) err(`${at}.start`, `${k} must be a finite number, got "${rawv}"`);
        else run[k] = v;
        break;
      }
      case 'noise': {
        const v = parseNumber(rawv);
        if (!(v >= 0) || !Number.isFinite(v)) err(`${at}.noise`, `must be a finite number ≥ 0, got "${rawv}"`);
        else run.noise = v;
        break;
      }
      case 'seed': {
        const v = parseNumber(rawv);
        if (!Number.isSafeInteger(v) || v < 0) err(`${at}.seed`, `must be a whole number ≥ 0, got "${rawv}"`);
        else run.seed = v;
        break;
      }
      case 'label': {
        let v = rawv;
        try { v = decodeURIComponent(rawv); } catch { /* keep as given */ }
        if (v.length > LIMITS.labelChars) err(`${at}.label`, `must be at most ${LIMITS.labelChars} characters`);
        else run.label = v;
        break;
      }
      case 'opt_y':
        if (!OPTIMIZERS[rawv]) err(`${at}.optimizer_y.name`, `unknown optimizer "${rawv}"; allowed: ${Object.keys(OPTIMIZERS).join(', ')}`);
        else run.opt_y = rawv;
        break;
      case 'lr_y': {
        const v = parseNumber(rawv);
        if (!(v > 0) || !Number.isFinite(v)) err(`${at}.optimizer_y.lr`, `must be > 0 and finite, got "${rawv}"`);
        else run.lr_y = v;
        break;
      }
      case 'updates':
        if (!UPDATES.includes(rawv)) err(`${at}.updates`, `unknown value "${rawv}"; allowed: ${UPDATES.join(', ')}`);
        else run.updates = rawv;
        break;
    }
  }
  if ((run.x === null) !== (run.y === null)) {
    err(`${at}.start`, 'needs both x and y');
    run.x = run.y = null;
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
export function encodeRun(run, steps, start = null) {
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
  if (run.x !== null && run.y !== null && !(start && sameValue(run.x, start[0]) && sameValue(run.y, start[1]))) {
    out.push(`x=${formatNumber(run.x)}`, `y=${formatNumber(run.y)}`);
  }
  if (run.noise) out.push(`noise=${formatNumber(run.noise)}`);
  if (run.seed) out.push(`seed=${run.seed}`);
  if (run.label) out.push(`label=${run.label.replace(/%/g, '%25').replace(/,/g, '%2C').replace(/=/g, '%3D')}`);
  if (run.opt_y && run.opt_y !== run.optimizer.name) out.push(`opt_y=${run.opt_y}`);
  if (run.lr_y !== null && run.lr_y !== undefined) out.push(`lr_y=${formatNumber(run.lr_y)}`);
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
  if (st.view && !(info && sameView(st.view, info.view))) {
    add('view', [st.view.xmin, st.view.xmax, st.view.ymin, st.view.ymax].map((v) => formatNumber(roundTo(v, st.view))).join(','));
  }
  if (st.steps !== DEFAULTS.steps) add('steps', st.steps);
  if (st.rate !== DEFAULTS.rate) add('rate', st.rate);
  if (st.shift) add('shift', st.shift.map(formatNumber).join(','));
  for (const r of st.runs) add('run', encodeRun(r, st.steps, info ? info.start : null));
  if (st.lang !== DEFAULTS.lang) add('lang', st.lang);
  if (st.embed) add('embed', 1);
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
  if (run.x !== null && run.y !== null) return [run.x, run.y];
  if (info && info.start) return [info.start[0], info.start[1]];
  return [0, 0];
}

/**
 * toScenario returns the scenario JSON of the contract for the state:
 * settings at their default are left for the server to fill.
 */
export function toScenario(st, catalog = null) {
  const info = catalog ? catalog[st.surface] : null;
  const surface = { name: st.surface, ...st.params };
  if (st.surface === 'custom') surface.formula = st.formula;
  const sc = { surface, steps: st.steps, runs: [] };
  if (st.view) sc.view = { ...st.view };
  if (st.shift) sc.test_shift = [...st.shift];
  st.runs.forEach((r) => {
    const run = {
      start: runStart(r, info),
      optimizer: { ...r.optimizer },
      scheduler: { ...r.scheduler },
      noise: r.noise,
      seed: r.seed,
    };
    if (run.scheduler.step_size_down === null) delete run.scheduler.step_size_down;
    if (r.label) run.label = r.label;
    if (info && info.kind === 'game') {
      if (r.opt_y || r.lr_y !== null) {
        run.optimizer_y = { name: r.opt_y || r.optimizer.name };
        if (r.lr_y !== null) run.optimizer_y.lr = r.lr_y;
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
    if (r.optimizer_y) { run.opt_y = r.optimizer_y.name || null; if (typeof r.optimizer_y.lr === 'number') run.lr_y = r.optimizer_y.lr; }
    if (r.updates) run.updates = r.updates;
    st.runs.push(run);
  }
  return st;
}
