// schema.js: the optimizers and schedulers the lab offers, each setting under
// its PyTorch keyword name with its type, default and allowed range. state.js
// encodes with it, controls.js builds its forms from it. Pure: no DOM.

/**
 * Setting types: 'float', 'int', 'bool', 'enum' (with options), 'pair'
 * (two floats, written "a;b"), 'ints' (a list of integers, written "a;b;c").
 * A default may be a function of the context {steps, lr} for the settings
 * that PyTorch requires and the lab derives from the run.
 */

/** OPTIMIZERS maps each optimizer name to its settings, in display order. */
export const OPTIMIZERS = {
  sgd: [
    { key: 'lr', type: 'float', def: 1e-3, min: 0, exclusiveMin: true },
    { key: 'momentum', type: 'float', def: 0, min: 0, max: 1, exclusiveMax: true, step: 0.01 },
    { key: 'dampening', type: 'float', def: 0, min: 0, max: 1, step: 0.01 },
    { key: 'nesterov', type: 'bool', def: false },
    { key: 'weight_decay', type: 'float', def: 0, min: 0, step: 0.001 },
  ],
  adam: [
    { key: 'lr', type: 'float', def: 1e-3, min: 0, exclusiveMin: true },
    { key: 'betas', type: 'pair', def: [0.9, 0.999], min: 0, max: 1, exclusiveMax: true, step: 0.001 },
    { key: 'eps', type: 'float', def: 1e-8, min: 0 },
    { key: 'weight_decay', type: 'float', def: 0, min: 0, step: 0.001 },
    { key: 'amsgrad', type: 'bool', def: false },
  ],
  adamw: [
    { key: 'lr', type: 'float', def: 1e-3, min: 0, exclusiveMin: true },
    { key: 'betas', type: 'pair', def: [0.9, 0.999], min: 0, max: 1, exclusiveMax: true, step: 0.001 },
    { key: 'eps', type: 'float', def: 1e-8, min: 0 },
    { key: 'weight_decay', type: 'float', def: 1e-2, min: 0, step: 0.001 },
    { key: 'amsgrad', type: 'bool', def: false },
  ],
  rmsprop: [
    { key: 'lr', type: 'float', def: 1e-2, min: 0, exclusiveMin: true },
    { key: 'alpha', type: 'float', def: 0.99, min: 0, max: 1, step: 0.01 },
    { key: 'eps', type: 'float', def: 1e-8, min: 0 },
    { key: 'weight_decay', type: 'float', def: 0, min: 0, step: 0.001 },
    { key: 'momentum', type: 'float', def: 0, min: 0, max: 1, exclusiveMax: true, step: 0.01 },
    { key: 'centered', type: 'bool', def: false },
  ],
  adagrad: [
    { key: 'lr', type: 'float', def: 1e-2, min: 0, exclusiveMin: true },
    { key: 'lr_decay', type: 'float', def: 0, min: 0 },
    { key: 'weight_decay', type: 'float', def: 0, min: 0, step: 0.001 },
    { key: 'initial_accumulator_value', type: 'float', def: 0, min: 0 },
    { key: 'eps', type: 'float', def: 1e-10, min: 0 },
  ],
};

/** OPTIMIZER_NAMES in display order. */
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS);

const quarter = ({ steps }) => Math.max(1, Math.floor(steps / 4));

/** SCHEDULERS maps each scheduler name to its settings, in display order. */
export const SCHEDULERS = {
  constant: [],
  step: [
    { key: 'step_size', type: 'int', def: quarter, min: 1 },
    { key: 'gamma', type: 'float', def: 0.1, min: 0, exclusiveMin: true, step: 0.01 },
  ],
  multistep: [
    {
      key: 'milestones', type: 'ints', min: 0,
      def: ({ steps }) => {
        const a = Math.floor(steps / 2), b = Math.floor(3 * steps / 4);
        return a === b ? [a] : [a, b];
      },
    },
    { key: 'gamma', type: 'float', def: 0.1, min: 0, exclusiveMin: true, step: 0.01 },
  ],
  exponential: [
    { key: 'gamma', type: 'float', def: 0.99, min: 0, exclusiveMin: true, step: 0.001 },
  ],
  cosine: [
    { key: 'T_max', type: 'int', def: ({ steps }) => Math.max(1, steps), min: 1 },
    { key: 'eta_min', type: 'float', def: 0, min: 0 },
  ],
  cosine_restarts: [
    { key: 'T_0', type: 'int', def: quarter, min: 1 },
    { key: 'T_mult', type: 'int', def: 1, min: 1 },
    { key: 'eta_min', type: 'float', def: 0, min: 0 },
  ],
  linear: [
    { key: 'start_factor', type: 'float', def: 1 / 3, min: 0, max: 1, exclusiveMin: true, step: 0.01 },
    { key: 'end_factor', type: 'float', def: 1, min: 0, max: 1, step: 0.01 },
    { key: 'total_iters', type: 'int', def: 5, min: 0 },
  ],
  warmup_cosine: [
    { key: 'warmup_steps', type: 'int', def: ({ steps }) => Math.floor(steps / 10), min: 0 },
    { key: 'start_factor', type: 'float', def: 0.01, min: 0, max: 1, exclusiveMin: true, step: 0.01 },
    { key: 'eta_min', type: 'float', def: 0, min: 0 },
  ],
  onecycle: [
    { key: 'max_lr', type: 'float', def: ({ lr }) => lr, min: 0, exclusiveMin: true },
    { key: 'total_steps', type: 'int', def: ({ steps }) => Math.max(1, steps), min: 1 },
    { key: 'pct_start', type: 'float', def: 0.3, min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, step: 0.05 },
    { key: 'anneal_strategy', type: 'enum', def: 'cos', options: ['cos', 'linear'] },
    { key: 'div_factor', type: 'float', def: 25, min: 0, exclusiveMin: true },
    { key: 'final_div_factor', type: 'float', def: 1e4, min: 0, exclusiveMin: true },
    { key: 'three_phase', type: 'bool', def: false },
    { key: 'cycle_momentum', type: 'bool', def: true },
    { key: 'base_momentum', type: 'float', def: 0.85, min: 0, max: 1, step: 0.01 },
    { key: 'max_momentum', type: 'float', def: 0.95, min: 0, max: 1, step: 0.01 },
  ],
  cyclic: [
    { key: 'base_lr', type: 'float', def: ({ lr }) => lr / 10, min: 0, exclusiveMin: true },
    { key: 'max_lr', type: 'float', def: ({ lr }) => lr, min: 0, exclusiveMin: true },
    { key: 'step_size_up', type: 'int', def: 2000, min: 1 },
    { key: 'step_size_down', type: 'int', def: null, min: 1, optional: true },
    { key: 'mode', type: 'enum', def: 'triangular', options: ['triangular', 'triangular2', 'exp_range'] },
    { key: 'gamma', type: 'float', def: 1, min: 0, exclusiveMin: true, step: 0.001 },
  ],
  // the research lessons' schedulers (sim/scheduler_research.go), LambdaLR in PyTorch
  wsd: [
    { key: 'warmup_steps', type: 'int', def: ({ steps }) => Math.floor(steps / 10), min: 0 },
    { key: 'decay_steps', type: 'int', def: ({ steps }) => Math.floor(steps / 5), min: 0 },
    { key: 'decay_shape', type: 'enum', def: '1-sqrt', options: ['linear', 'cosine', '1-sqrt'] },
    { key: 'eta_min', type: 'float', def: 0, min: 0 },
  ],
  silver: [],
};

/** SCHEDULER_NAMES in display order. */
export const SCHEDULER_NAMES = Object.keys(SCHEDULERS);

/** UPDATES are the orders of the two players on a game surface. */
export const UPDATES = ['simultaneous', 'alternating'];

/** defaultOf returns the default of setting spec in context {steps, lr}. */
export function defaultOf(spec, ctx) {
  return typeof spec.def === 'function' ? spec.def(ctx) : spec.def;
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
