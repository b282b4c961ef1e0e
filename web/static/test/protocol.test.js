import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMessage, setMessage, stepMessage, rateMessage, mergeFrame, applyDone, parseMessage, deriveLimit, applySetOK } from '../protocol.js';

test('messages', () => {
  assert.deepEqual(startMessage({ steps: 5 }, 'max'), { type: 'start', scenario: { steps: 5 }, rate: 0, paused: false });
  assert.equal(startMessage({}, 60, true).paused, true);
  assert.equal(rateMessage(99999).rate, 10000);
  assert.equal(rateMessage(0).rate, 0);
  assert.deepEqual(stepMessage(), { type: 'step', n: 1 });
  assert.deepEqual(setMessage(1, { optimizer: { lr: 0.05 }, scheduler: {}, noise: 0 }), { type: 'set', run: 1, optimizer: { lr: 0.05 }, noise: 0 });
});

test('frames append per run and report the new ranges', () => {
  const runs = [];
  let ch = mergeFrame(runs, { type: 'frame', runs: [{ run: 1, t0: 0, x: [1, 2], y: [3, 4], loss: [5, 6], grad_norm: [1, 1], lr: [0.1, 0.1], grad: [1, 0] }] });
  assert.deepEqual(ch, [{ run: 1, from: 0, to: 2 }]);
  assert.equal(runs.length, 2);
  assert.equal(runs[0].n, 0);
  ch = mergeFrame(runs, { runs: [{ run: 1, t0: 2, x: [7], y: [8], loss: [9], grad_norm: [1], lr: [0.1] }] });
  assert.deepEqual(ch, [{ run: 1, from: 2, to: 3 }]);
  assert.deepEqual(runs[1].x, [1, 2, 7]);
  assert.deepEqual(runs[1].grad, [1, 0]);
  assert.equal(runs[1].status, 'running');
  // a frame that restarts earlier replaces the tail
  ch = mergeFrame(runs, { runs: [{ run: 1, t0: 1, x: [0], y: [0], loss: [0], grad_norm: [0], lr: [0] }] });
  assert.deepEqual(runs[1].x, [1, 0]);
  assert.deepEqual(ch, [{ run: 1, from: 1, to: 2 }]);
});

test('done and parse', () => {
  const runs = [];
  applyDone(runs, { type: 'done', run: 0, status: 'diverged', diverged_at: 133, lr: 0.21, sharpness: 10 });
  assert.equal(runs[0].status, 'diverged');
  assert.equal(runs[0].divergedAt, 133);
  assert.equal(runs[0].doneSharpness, 10);
  assert.equal(parseMessage('{"type":"x"}').type, 'x');
  assert.equal(parseMessage('nope'), null);
  assert.equal(parseMessage('[1]'), null);
});

test('stability limit 2/λmax per point, and set markers', () => {
  const runs = [];
  mergeFrame(runs, { runs: [{ run: 0, t0: 0, x: [0, 0, 0], y: [0, 0, 0], loss: [1, 1, 1], grad_norm: [1, 1, 1], lr: [0.1, 0.1, 0.1], sharpness: [10, 0, 4] }] });
  deriveLimit(runs[0], 0, 3);
  assert.deepEqual(runs[0].limit.map((v) => (Number.isNaN(v) ? 'NaN' : v)), [0.2, 'NaN', 0.5]);
  deriveLimit(runs[0], 2, 3);
  assert.equal(runs[0].limit.length, 3);
  applySetOK(runs, { type: 'set_ok', run: 0, step: 57 });
  applySetOK(runs, { type: 'set_ok', run: 4, step: 1 });
  assert.deepEqual(runs[0].setFrom, [57]);
});
