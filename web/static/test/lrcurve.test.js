import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrCurve } from '../lrcurve.js';

const close = (a, b, msg) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${msg}: ${a} vs ${b}`);

test('constant, step, multistep, exponential', () => {
  assert.deepEqual([...lrCurve({ name: 'constant' }, 0.1, 3)], [0.1, 0.1, 0.1]);
  const s = lrCurve({ name: 'step', step_size: 2, gamma: 0.5 }, 1, 5);
  assert.deepEqual([...s], [1, 1, 0.5, 0.5, 0.25]);
  const m = lrCurve({ name: 'multistep', milestones: [1, 3], gamma: 0.1 }, 1, 4);
  close(m[0], 1, 'm0'); close(m[1], 0.1, 'm1'); close(m[3], 0.01, 'm3');
  close(lrCurve({ name: 'exponential', gamma: 0.9 }, 2, 3)[2], 2 * 0.81, 'exp');
});

test('cosine: half the LR at T_max/2, eta_min at T_max', () => {
  const c = lrCurve({ name: 'cosine', T_max: 100, eta_min: 0 }, 0.2, 101);
  close(c[0], 0.2, 'start');
  close(c[50], 0.1, 'middle');
  close(c[100], 0, 'end');
  // the default T_max is the number of steps
  close(lrCurve({ name: 'cosine' }, 1, 200)[100], 0.5, 'default T_max');
});

test('cosine with restarts starts over every T_0 steps', () => {
  const c = lrCurve({ name: 'cosine_restarts', T_0: 10, T_mult: 1, eta_min: 0 }, 1, 25);
  close(c[10], 1, 'restart'); close(c[15], 0.5, 'half');
  const d = lrCurve({ name: 'cosine_restarts', T_0: 10, T_mult: 2, eta_min: 0 }, 1, 40);
  close(d[30], 1, 'second restart at 10+20'); close(d[20], 0.5, 'middle of the second period');
});

test('linear and warm-up cosine', () => {
  const l = lrCurve({ name: 'linear', start_factor: 0.5, end_factor: 1, total_iters: 4 }, 1, 6);
  assert.deepEqual([...l], [0.5, 0.625, 0.75, 0.875, 1, 1]);
  const w = lrCurve({ name: 'warmup_cosine', warmup_steps: 10, start_factor: 0.01, eta_min: 0 }, 1, 110);
  close(w[0], 0.01, 'warm-up start');
  close(w[10], 1, 'peak after warm-up');
  close(w[60], 0.5, 'cosine middle');
});

test('one cycle: peak at pct_start·total − 1, ends at initial/final_div_factor', () => {
  const c = lrCurve({ name: 'onecycle', max_lr: 1, total_steps: 100 }, 0.1, 100);
  close(c[0], 1 / 25, 'initial');
  close(c[29], 1, 'peak');
  close(c[99], 1 / 25 / 1e4, 'end');
  // default max_lr is the optimizer's lr
  close(Math.max(...lrCurve({ name: 'onecycle' }, 0.3, 50)), 0.3, 'default max_lr');
  const three = lrCurve({ name: 'onecycle', max_lr: 1, total_steps: 100, three_phase: true, anneal_strategy: 'linear' }, 1, 100);
  close(three[29], 1, 'three-phase peak'); close(three[58], 1 / 25, 'back to initial');
});

test('cyclic triangular and triangular2', () => {
  const c = lrCurve({ name: 'cyclic', base_lr: 0.1, max_lr: 1, step_size_up: 4 }, 1, 12);
  close(c[0], 0.1, 'base'); close(c[4], 1, 'top'); close(c[8], 0.1, 'base again'); close(c[2], 0.55, 'half way');
  const d = lrCurve({ name: 'cyclic', base_lr: 0, max_lr: 1, step_size_up: 2, mode: 'triangular2' }, 1, 8);
  close(d[2], 1, 'first top'); close(d[6], 0.5, 'second top halved');
});

test('wsd and silver, as sim defines them', () => {
  const r = 1 + Math.SQRT2;
  const s = lrCurve({ name: 'silver' }, 0.01, 8);
  [Math.SQRT2, 2, Math.SQRT2, 1 + r, Math.SQRT2, 2, Math.SQRT2, 1 + r * r].forEach((h, i) => close(s[i], 0.01 * h, `silver ${i}`));
  const w = lrCurve({ name: 'wsd', warmup_steps: 10, decay_steps: 40, decay_shape: 'linear', eta_min: 0.01 }, 0.5, 100);
  close(w[0], 0.05, 'warm-up start'); close(w[9], 0.5, 'warm-up end'); close(w[59], 0.5, 'stable');
  close(w[80], 0.01 + 0.49 * 0.5, 'half way down');
  const c = lrCurve({ name: 'wsd', warmup_steps: 0, decay_steps: 40, decay_shape: 'cosine' }, 1, 100);
  close(c[0], 1, 'no warm-up'); close(c[80], 0.5, 'cosine half way');
  const q = lrCurve({ name: 'wsd', warmup_steps: 0, decay_steps: 40, decay_shape: '1-sqrt' }, 1, 100);
  close(q[70], 0.5, '1-sqrt at a quarter');
  // the defaults: warm-up steps/10, decay steps/5, 1-sqrt
  const d = lrCurve({ name: 'wsd' }, 1, 100);
  close(d[0], 0.1, 'default warm-up'); close(d[79], 1, 'default stable'); close(d[85], 1 - Math.sqrt(0.25), 'default decay');
});
