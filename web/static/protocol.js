// protocol.js: builds the websocket messages the page sends and merges the
// server's frames into per-run arrays (docs/ARCHITECTURE.md, "Websocket
// messages"). Pure: no DOM, no socket.

import { RUN, TOP, findSpec } from './schema.js';

/** rateMax is the highest finite rate in steps per second per run (the schema's rate maximum); 0 means "as fast as possible". */
const rateMax = () => findSpec(TOP, 'rate').max;

/** startMessage asks the server to start the scenario at rate steps/s (0 = max). */
export function startMessage(scenario, rate, paused = false) {
  return { type: 'start', scenario, rate: clampRate(rate), paused: !!paused };
}
/** pauseMessage, resumeMessage and stopMessage control the whole session. */
export const pauseMessage = () => ({ type: 'pause' });
export const resumeMessage = () => ({ type: 'resume' });
export const stopMessage = () => ({ type: 'stop' });
/** stepMessage advances every run by n steps while paused (n ≥ 1). */
export const stepMessage = (n = 1) => ({ type: 'step', n: Math.max(1, Math.floor(n)) });
/** rateMessage changes the rate of a running session. */
export const rateMessage = (rate) => ({ type: 'rate', rate: clampRate(rate) });

/**
 * setMessage changes a live run from its next step: changes may hold
 * optimizer, optimizer_y, scheduler (objects of PyTorch keyword names) and
 * the run-level settings the schema marks live; only the keys given are sent.
 */
export function setMessage(run, changes) {
  const m = { type: 'set', run };
  for (const k of ['optimizer', 'optimizer_y', 'scheduler']) {
    if (changes[k] && Object.keys(changes[k]).length) m[k] = { ...changes[k] };
  }
  for (const k of LIVE_KEYS) if (changes[k] !== undefined) m[k] = changes[k];
  return m;
}

/** LIVE_KEYS are the run-level settings a set message may change besides the optimizers and scheduler. */
export const LIVE_KEYS = RUN.filter((s) => s.live && s.key !== 'optimizer_y').map((s) => s.key);

function clampRate(rate) {
  if (rate === 0 || rate === 'max') return 0;
  const r = Math.round(Number(rate));
  if (!Number.isFinite(r) || r < 1) return 1;
  return Math.min(rateMax(), r);
}

/**
 * SERIES are the per-point arrays a frame may carry for a run.
 * edge_sharpness and stability_limit are the server's stability gauge at
 * each point (null, stored as NaN, where there is none, e.g. on games).
 */
export const SERIES = ['x', 'y', 'loss', 'grad_norm', 'lr', 'sharpness', 'test_loss', 'edge_sharpness', 'stability_limit', 'batch_loss'];

/**
 * newRunData returns the empty record of one run's points: one array per
 * series, the latest gradient and velocity, and the status.
 */
export function newRunData() {
  const d = { n: 0, status: 'idle', divergedAt: null, doneLR: null, doneSharpness: null, grad: null, velocity: null, setFrom: [] };
  for (const s of SERIES) d[s] = [];
  return d;
}

/**
 * mergeFrame appends a frame's points to runs (an array of newRunData
 * records, grown as needed) and returns [{run, from, to}]: the index range of
 * the points that are new, so painters can draw only those. A frame that
 * starts before the end of what is stored (t0 < n) replaces the tail.
 */
export function mergeFrame(runs, frame) {
  const changed = [];
  for (const fr of frame.runs || []) {
    const i = fr.run;
    if (!Number.isInteger(i) || i < 0 || i > 63) continue;
    while (runs.length <= i) runs.push(newRunData());
    const d = runs[i];
    const t0 = Number.isInteger(fr.t0) ? fr.t0 : d.n;
    const len = Array.isArray(fr.x) ? fr.x.length : 0;
    if (len === 0) continue;
    const from = Math.min(t0, d.n);
    for (const s of SERIES) {
      const src = fr[s];
      const dst = d[s];
      if (dst.length > t0) dst.length = t0;
      if (!Array.isArray(src)) continue;
      while (dst.length < t0) dst.push(NaN);
      for (let k = 0; k < src.length; k++) dst.push(src[k] === null ? NaN : src[k]);
    }
    d.n = t0 + len;
    if (fr.grad) d.grad = fr.grad;
    if (fr.velocity) d.velocity = fr.velocity;
    if (typeof fr.limit_formula === 'string') d.limitFormula = fr.limit_formula;
    if (d.status === 'idle') d.status = 'running';
    changed.push({ run: i, from, to: d.n });
  }
  return changed;
}

/**
 * deriveLimit fills d.limit[from … to−1], the dashed line of the LR chart:
 * the largest stable LR at each point as the server computed it for the
 * run's optimizer (stability_limit; NaN where there is none, as on games).
 * Past the point where a diverged run began to overshoot it is NaN: the
 * curvature after the blow-up says nothing about the LR that caused it.
 * So is a limit more than LIMIT_SPAN times above or below the point's LR:
 * there it only stretches the LR axis (a flat start has λmax ≈ 0 and a
 * limit of 1e4), and the gauge says how far the LR is from it.
 */
export const LIMIT_SPAN = 100;

export function deriveLimit(d, from, to) {
  if (!d.limit) d.limit = [];
  d.limit.length = Math.min(d.limit.length, from);
  while (d.limit.length < from) d.limit.push(NaN);
  const cut = d.overshoot ? d.overshoot.step : Infinity;
  for (let i = from; i < to; i++) {
    const v = d.stability_limit[i], lr = d.lr[i];
    d.limit.push(i <= cut && v > 0 && !(v > LIMIT_SPAN * lr) && !(v * LIMIT_SPAN < lr) ? v : NaN);
  }
}

/** applySetOK records the step from which a `set` applies to a run. */
export function applySetOK(runs, msg) {
  const d = runs[msg.run];
  if (d && Number.isInteger(msg.step)) d.setFrom.push(msg.step);
}

/** applyDone records a run's final status from a "done" message. */
export function applyDone(runs, msg) {
  const i = msg.run;
  if (!Number.isInteger(i) || i < 0 || i > 63) return;
  while (runs.length <= i) runs.push(newRunData());
  const d = runs[i];
  d.status = msg.status || 'completed';
  d.divergedAt = Number.isInteger(msg.diverged_at) ? msg.diverged_at : null;
  d.doneLR = typeof msg.lr === 'number' ? msg.lr : null;
  d.doneSharpness = typeof msg.sharpness === 'number' ? msg.sharpness : null;
  d.overshoot = null;
  if (d.status === 'diverged' && Number.isInteger(msg.overshoot_step)) {
    const num = (v) => (typeof v === 'number' ? v : NaN);
    d.overshoot = {
      step: msg.overshoot_step, lr: num(msg.overshoot_lr), sharpness: num(msg.overshoot_sharpness),
      edge: num(msg.overshoot_edge_sharpness), limit: num(msg.overshoot_limit),
      formula: typeof msg.limit_formula === 'string' ? msg.limit_formula : '',
    };
    if (d.limit) for (let i = msg.overshoot_step + 1; i < d.limit.length; i++) d.limit[i] = NaN;
  }
}

/**
 * FRAME_COLUMNS are a frame's point columns in the order a binary frame
 * writes them (api.FrameColumns in Go; the golden frame in test/golden
 * keeps the two equal): bit k of a run's column mask is FRAME_COLUMNS[k].
 */
const FRAME_COLUMNS = ['x', 'y', 'loss', 'grad_norm', 'lr', 'sharpness', 'edge_sharpness', 'stability_limit', 'test_loss', 'batch_loss'];
const utf8 = new TextDecoder();

/**
 * parseBinaryFrame returns the frame message a binary frame holds (docs/API.md,
 * "Binary frames": the layout), as parseMessage returns a JSON one: the
 * same keys and values, null where JSON has null (NaN, ±Inf); or null when
 * buf is not a well-formed binary frame.
 */
export function parseBinaryFrame(buf) {
  const v = new DataView(buf);
  const len = buf.byteLength;
  if (len < 8 || v.getUint32(0, true) !== 0x3146524c) return null; // "LRF1"
  let at = 8;
  const u32 = () => { const x = v.getUint32(at, true); at += 4; return x; };
  const f64 = () => { const x = v.getFloat64(at, true); at += 8; return Number.isFinite(x) ? x : null; };
  const runs = [];
  const count = v.getUint32(4, true);
  for (let r = 0; r < count; r++) {
    if (at + 20 > len) return null;
    const run = u32(), t0 = u32(), n = u32(), mask = u32(), flen = u32();
    if (mask >>> FRAME_COLUMNS.length) return null;
    let ncols = 0;
    for (let k = 0; k < FRAME_COLUMNS.length; k++) if (mask & (1 << k)) ncols++;
    if (at + flen + 8 * (4 + n * ncols) > len) return null;
    const fr = { run, t0 };
    if (flen) fr.limit_formula = utf8.decode(new Uint8Array(buf, at, flen));
    at += flen;
    fr.grad = [f64(), f64()];
    fr.velocity = [f64(), f64()];
    for (let k = 0; k < FRAME_COLUMNS.length; k++) {
      if (!(mask & (1 << k))) continue;
      const col = new Array(n);
      for (let i = 0; i < n; i++) col[i] = f64();
      fr[FRAME_COLUMNS[k]] = col;
    }
    runs.push(fr);
  }
  return at === len ? { type: 'frame', runs } : null;
}

/**
 * parseMessage returns the server message in text, or null when it is not
 * a JSON object with a string type.
 */
export function parseMessage(text) {
  try {
    const m = JSON.parse(text);
    return m && typeof m === 'object' && typeof m.type === 'string' ? m : null;
  } catch {
    return null;
  }
}
