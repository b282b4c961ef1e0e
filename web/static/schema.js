// schema.js: the settings the lab offers (optimizers, schedulers, run-level
// and top-level settings), each under its PyTorch keyword name with its type,
// default and allowed range, and the server's live limits. The server
// declares them once (Go) and sends them as JSON: inline in the page as
// <script type="application/json" id="schema-data">, and at GET
// /api/v1/schema. state.js encodes with it, controls.js builds its forms from
// it. No DOM beyond reading that element once.

/**
 * Setting types: 'float', 'int', 'bool', 'enum' (with options), 'pair'
 * (two floats, written "a;b"), 'ints' (a list of integers, written "a;b;c"),
 * 'string' (with maxLength). A spec without def may carry derive
 * {from: 'steps'|'lr', scale, floor, min}: its default is a function of the
 * run's context {steps, lr} (defaultOf).
 */

/** OPTIMIZERS maps each optimizer name to its settings, in display order. */
export const OPTIMIZERS = {};

/** OPTIMIZER_NAMES in display order. */
export const OPTIMIZER_NAMES = [];

/** SCHEDULERS maps each scheduler name to its settings, in display order. */
export const SCHEDULERS = {};

/** SCHEDULER_NAMES in display order. */
export const SCHEDULER_NAMES = [];

/** UPDATES are the orders of the two players on a game surface (the options of RUN's updates). */
export const UPDATES = [];

/** RUN are the run-level settings besides optimizer and scheduler (the server's run rows: label, start …), in order. */
export const RUN = [];

/** TOP are the scenario's top-level settings (steps, rate, test_shift …), in order. */
export const TOP = [];

/** LIMITS are the server's live limits, under the JSON names (runs: -max-runs, steps: -max-steps). */
export const LIMITS = {};

/** ANALYSIS_RUN lists, by analysis (lr_finder, sweep, flat_share), the run-level settings its request takes from the run it is for. */
export const ANALYSIS_RUN = {};

/**
 * installSchema fills the exports above from the schema JSON (an object or
 * its text). It throws, naming what is missing, when json is not a schema.
 * The page calls it once with its inline schema-data; node tests with
 * test/golden/schema.json.
 */
export function installSchema(json) {
  const doc = typeof json === 'string' ? JSON.parse(json) : json;
  for (const k of ['optimizers', 'schedulers', 'run', 'top', 'limits']) {
    if (!doc || typeof doc[k] !== 'object' || doc[k] === null) throw new Error(`schema.js: the settings schema has no "${k}"`);
  }
  const fill = (map, names, groups) => {
    for (const k of Object.keys(map)) delete map[k];
    names.length = 0;
    for (const g of groups) { map[g.name] = g.settings.map(Object.freeze); names.push(g.name); }
  };
  fill(OPTIMIZERS, OPTIMIZER_NAMES, doc.optimizers);
  fill(SCHEDULERS, SCHEDULER_NAMES, doc.schedulers);
  RUN.length = 0; RUN.push(...doc.run.map(Object.freeze));
  TOP.length = 0; TOP.push(...doc.top.map(Object.freeze));
  UPDATES.length = 0; UPDATES.push(...((findSpec(RUN, 'updates') || {}).options || []));
  for (const k of Object.keys(LIMITS)) delete LIMITS[k];
  Object.assign(LIMITS, doc.limits);
  for (const k of Object.keys(ANALYSIS_RUN)) delete ANALYSIS_RUN[k];
  for (const [k, keys] of Object.entries(doc.analysis_run || {})) ANALYSIS_RUN[k] = Object.freeze([...keys]);
}

/**
 * defaultOf returns the default of setting spec in context {steps, lr}:
 * its def, or the value its derive rule gives (max(min, floor?(from*scale)),
 * or for a list of scales the increasing distinct floor(from*s)), or null.
 */
export function defaultOf(spec, ctx) {
  if (spec.def !== undefined) return spec.def;
  if (!spec.derive) return null; // optional, no default (cyclic step_size_down, start)
  const { from, scale, floor, min } = spec.derive;
  const x = ctx[from];
  // scale 1/n is applied as a division by n, so that lr 0.3 gives 0.03, not 0.030000000000000002
  const times = (s) => (s > 0 && s < 1 && Number.isInteger(1 / s) ? x / (1 / s) : x * s);
  if (Array.isArray(scale)) {
    const out = [];
    for (const s of scale) { const v = Math.floor(times(s)); if (!out.length || v > out[out.length - 1]) out.push(v); }
    return out;
  }
  const v = floor ? Math.floor(times(scale)) : times(scale);
  return min !== undefined ? Math.max(min, v) : v;
}

/** findSpec returns the spec of key in the list, or undefined. */
export const findSpec = (list, key) => (list || []).find((s) => s.key === key);

/**
 * resolve returns every setting of the list with values filled from the
 * sparse object given, or from the defaults in context ctx.
 */
export function resolve(list, given, ctx) {
  const out = {};
  for (const s of list || []) out[s.key] = given && given[s.key] !== undefined ? given[s.key] : defaultOf(s, ctx);
  return out;
}

/** sameValue compares two setting values (numbers, booleans, strings, arrays). */
export function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

/**
 * checkValue returns an error message when v is not allowed by spec, or ''.
 */
export function checkValue(spec, v) {
  switch (spec.type) {
    case 'bool':
      return typeof v === 'boolean' ? '' : 'must be true or false';
    case 'enum':
      return spec.options.includes(v) ? '' : `must be one of ${spec.options.join(', ')}`;
    case 'string':
      if (typeof v !== 'string') return 'must be text';
      return spec.maxLength !== undefined && v.length > spec.maxLength ? `must be at most ${spec.maxLength} characters` : '';
    case 'pair':
      if (!Array.isArray(v) || v.length !== 2) return 'must be two numbers, written a;b';
      for (const x of v) { const e = checkNumber(spec, x); if (e) return e; }
      return '';
    case 'ints':
      if (!Array.isArray(v) || v.length === 0) return 'must be a list of whole numbers, written a;b';
      for (const x of v) if (!Number.isInteger(x) || x < 0) return 'must be whole numbers ≥ 0';
      for (let i = 1; i < v.length; i++) if (v[i] <= v[i - 1]) return 'must be increasing';
      return '';
    case 'int':
      if (!Number.isInteger(v)) return `must be a whole number, got ${v}`;
      return checkNumber(spec, v);
    default:
      return checkNumber(spec, v);
  }
}

function checkNumber(spec, v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return `must be a finite number, got ${v}`;
  if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) {
    return `must be ${spec.exclusiveMin ? '>' : '≥'} ${spec.min}, got ${v}`;
  }
  if (spec.max !== undefined && (spec.exclusiveMax ? v >= spec.max : v > spec.max)) return `must be ${spec.exclusiveMax ? '<' : '≤'} ${spec.max}, got ${v}`;
  return '';
}

// The page has its schema inline; without it nothing can be offered, so the
// page stops here with a message rather than guess.
if (typeof document !== 'undefined') {
  const el = document.getElementById('schema-data');
  if (!el) throw new Error('schema.js: the page has no <script id="schema-data"> (the settings schema the server sends)');
  installSchema(el.textContent);
}
