// link.js: the share-link query (docs/ARCHITECTURE.md, "Share-link query"):
// decodeQuery reads one into a state with an error per wrong key, named as
// the server names it; encodeQuery writes the canonical link. Pure: no DOM.
// scenario/query.go is the server's side; scenario/testdata/share_cases.json
// (written by Go, read by test/state.test.js) keeps the two equal.

import { OPTIMIZERS, SCHEDULERS, RUN, findSpec, defaultOf, checkValue, sameValue } from './schema.js';
import {
  DEFAULTS, LIMITS, HIDE_KEYS, LANGS, DATA_LIMITS, defaultRun, newRun, newState, optimizerLR, formatNumber, parseNumber,
  surfaceInfoFor, startBox, roundTo, plainRows, RUN_RULES, refusal,
} from './model.js';

function parseValue(spec, raw) {
  switch (spec.type) {
    case 'string':
      try { return decodeURIComponent(raw); } catch { return raw; } // a value not validly escaped is kept as given

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
  if (spec.type === 'string') return v.replace(/%/g, '%25').replace(/,/g, '%2C').replace(/=/g, '%3D'); // the run's separators stay readable
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

const MAX_QUERY_PARAMS = 10000;
const TOP_KEYS = new Set(['surface', 'formula', 'dataset', 'data', 'view', 'steps', 'rate', 'shift', 'lang', 'embed', 'run', 'present', 'hide', 'branch']);
const TOP_FIELD = { surface: 'surface.name', formula: 'surface.formula', dataset: 'surface.dataset', data: 'surface.data', shift: 'test_shift' };
// the run-level keys a link may give: sched, the schema's run settings under
// their query names, and start as x= and y=
const runKeys = () => new Set(['sched', ...RUN.flatMap((s) => (s.key === 'start' ? ['x', 'y'] : [s.query || s.key]))]);
// the plain rows (model.js) by the key a link gives them under, and the keys of string rows (a bare comma continues them)
// (read from the schema on each call: node tests install more than one)
const plainByQuery = () => new Map(plainRows().map((s) => [s.query || s.key, s]));

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
        return { error: { field: `surface.data[${i}][${j}]`, message: `must be a finite number from -${formatNumber(DATA_LIMITS.maxValue)} to ${formatNumber(DATA_LIMITS.maxValue)}` } };
      }
    }
    if (surface === 'logreg' && row[1] !== 0 && row[1] !== 1) {
      return { error: { field: `surface.data[${i}][1]`, message: `must be the label 0 or 1 for logreg, got ${row[1]}` } };
    }
    rows.push(row);
  }
  return { rows };
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
  const plain = plainByQuery(), known = runKeys();
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
    if (eq < 1 && pairs.length && (plain.get(pairs[pairs.length - 1][0]) || {}).type === 'string') {
      pairs[pairs.length - 1][1] += ',' + p; // a label (a string) written with a bare comma
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
    if (!known.has(k)) { err(field, `unknown key "${k}" for ${name}${run.scheduler.name !== 'constant' ? ' and ' + run.scheduler.name : ''}`); continue; }
    if (k === 'x' || k === 'y') {
      const v = parseNumber(rawv);
      const i = k === 'x' ? 0 : 1;
      const box = info && info.view ? startBox(info.view) : null;
      const lo = box ? (i === 0 ? box.xmin : box.ymin) : -Infinity, hi = box ? (i === 0 ? box.xmax : box.ymax) : Infinity;
      if (!Number.isFinite(v)) err(field, `${k} must be a finite number, got "${rawv}"`);
      else if (v < lo || v > hi) err(field, `${k} = ${v} is too far outside the map; allowed: ${lo} … ${hi}`);
      else run[k] = v;
      continue;
    }
    decodePlain(plain.get(k), rawv, field, run, info, game, err);
  }
  return run;
}

/**
 * decodePlain reads a plain run-level row's value (model.js, SHAPED) from a
 * link into run[spec.key], or reports why it cannot: a surface that does
 * not take the row, a value that cannot be read or is out of its bounds.
 */
function decodePlain(spec, raw, field, run, info, game, err) {
  const rule = RUN_RULES[spec.key] || {};
  const rows = info && info.data ? info.rows || info.data.rows : null;
  if (spec.only === 'game' && !game) { err(field, refusal(spec)); return; }
  if (spec.only === 'data' && info && !info.data) { err(field, refusal(spec)); return; }
  const v = parseValue(spec, raw);
  let problem;
  if (rule.check) problem = rule.check(v, raw, rows);
  else if (spec.type === 'enum') problem = spec.options.includes(v) ? '' : `unknown value "${raw}"; allowed: ${spec.options.join(', ')}`;
  else problem = v === undefined ? `cannot read "${raw}"` : checkValue(spec, v);
  if (problem) { err(field, problem); return; }
  if (!(rule.isDefault && rule.isDefault(v, rows))) run[spec.key] = v;
}

/**
 * linkRows are the plain run-level rows in the order a link writes them, as
 * the server writes them (scenario/runrows.go, linkRows; share_cases.json
 * checks that the two agree): the rows of every surface, strings (the
 * label, which may hold a bare comma) last among them, then the rows of
 * games (written after the player y), then those of data surfaces; each
 * group in the schema's order.
 */
function linkRows() {
  const group = (s) => {
    return s.only === 'game' ? 2 : s.only === 'data' ? 3 : s.type === 'string' ? 1 : 0;
  };
  return plainRows().map((s, i) => ({ s, i })).sort((a, b) => group(a.s) - group(b.s) || a.i - b.i).map((x) => x.s);
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
  const plain = (only) => {
    for (const spec of linkRows()) {
      const rule = RUN_RULES[spec.key] || {};
      if ((spec.only === 'game') !== only) continue;
      const v = run[spec.key];
      if (v === null || v === undefined || v === '' || sameValue(v, spec.def) || (rule.isDefault && rule.isDefault(v, rows))) continue;
      out.push(`${spec.query || spec.key}=${writeValue(spec, v)}`);
    }
  };
  plain(false);
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
  plain(true);
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

