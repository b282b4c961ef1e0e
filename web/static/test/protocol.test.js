import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startMessage, setMessage, stepMessage, rateMessage, mergeFrame, applyDone, parseMessage, parseBinaryFrame, deriveLimit, applySetOK } from '../protocol.js';

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

test('stability limit per point as the server sends it, and set markers', () => {
  const runs = [];
  mergeFrame(runs, { runs: [{ run: 0, t0: 0, x: [0, 0, 0], y: [0, 0, 0], loss: [1, 1, 1], grad_norm: [1, 1, 1], lr: [0.1, 0.1, 0.1], sharpness: [10, 0, 4], stability_limit: [0.2, null, 0.5], edge_sharpness: [10, 0, 4], limit_formula: '2/λmax' }] });
  assert.ok(Number.isNaN(runs[0].stability_limit[1]), 'null is stored as NaN');
  assert.equal(runs[0].limitFormula, '2/λmax');
  deriveLimit(runs[0], 0, 3);
  assert.deepEqual(runs[0].limit.map((v) => (Number.isNaN(v) ? 'NaN' : v)), [0.2, 'NaN', 0.5]);
  deriveLimit(runs[0], 2, 3);
  assert.equal(runs[0].limit.length, 3);
  applySetOK(runs, { type: 'set_ok', run: 0, step: 57 });
  applySetOK(runs, { type: 'set_ok', run: 4, step: 1 });
  assert.deepEqual(runs[0].setFrom, [57]);
});

test('the dashed limit stops where a diverged run began to overshoot', () => {
  const runs = [];
  const n = 6;
  const fill = (v) => Array.from({ length: n }, () => v);
  mergeFrame(runs, { runs: [{ run: 0, t0: 0, x: fill(0), y: fill(0), loss: [5, 2, 1, 4, 90, 8e5], grad_norm: fill(1), lr: fill(0.03),
    sharpness: [100, 90, 80, 1e3, 1e6, 1e11], stability_limit: [0.02, 0.022, 0.025, 2e-3, 2e-6, 2e-11], edge_sharpness: fill(1) }] });
  deriveLimit(runs[0], 0, n);
  assert.equal(runs[0].limit[3], 2e-3, 'before done a point past the limit has it');
  assert.ok(Number.isNaN(runs[0].limit[5]), 'a limit 1e9 times below the LR only stretches the axis');
  applyDone(runs, { type: 'done', run: 0, status: 'diverged', diverged_at: 6, lr: 0.03, sharpness: 1e11,
    overshoot_step: 2, overshoot_lr: 0.03, overshoot_sharpness: 80, overshoot_edge_sharpness: 80, overshoot_limit: 0.025, limit_formula: '2/λmax' });
  assert.deepEqual(runs[0].limit.map((v) => (Number.isNaN(v) ? 'NaN' : v)), [0.02, 0.022, 0.025, 'NaN', 'NaN', 'NaN']);
  assert.deepEqual(runs[0].overshoot, { step: 2, lr: 0.03, sharpness: 80, edge: 80, limit: 0.025, formula: '2/λmax' });
  // a flat start: λmax ≈ 0 gives a limit far above the LR, left out
  const f = [];
  mergeFrame(f, { runs: [{ run: 0, t0: 0, x: [0, 0], y: [0, 0], loss: [1, 1], grad_norm: [1, 1], lr: [0.01, 0.01], sharpness: [1e-4, 10], stability_limit: [2e4, 0.2], edge_sharpness: [1e-4, 10] }] });
  deriveLimit(f[0], 0, 2);
  assert.ok(Number.isNaN(f[0].limit[0]));
  assert.equal(f[0].limit[1], 0.2);
  // a game: no limit anywhere, and a done without one
  const g = [];
  mergeFrame(g, { runs: [{ run: 0, t0: 0, x: [1], y: [1], loss: [1], grad_norm: [1], lr: [0.1], sharpness: [1], stability_limit: [null], edge_sharpness: [null] }] });
  deriveLimit(g[0], 0, 1);
  assert.ok(Number.isNaN(g[0].limit[0]));
  applyDone(g, { type: 'done', run: 0, status: 'diverged', diverged_at: 9, lr: 0.1, sharpness: 1, overshoot_step: 0, overshoot_limit: null });
  assert.ok(Number.isNaN(g[0].overshoot.limit));
});

// golden/frame.* are one frame in both encodings, written by the server's
// encoders (go test ./server -run TestFrameGolden -update-frame)
test('a binary frame reads as the same frame in JSON', () => {
  const bytes = readFileSync(new URL('./golden/frame.lrf1.bin', import.meta.url));
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const json = parseMessage(readFileSync(new URL('./golden/frame.json', import.meta.url), 'utf8'));
  assert.ok(json && json.runs.length === 2);
  assert.deepStrictEqual(parseBinaryFrame(buf), json);
  // merged, the two give the same records
  assert.deepStrictEqual(mergeFrame([], parseBinaryFrame(buf)), mergeFrame([], json));
  // cut short anywhere, or with bytes after it, or another magic: not a frame
  for (let n = 0; n < buf.byteLength; n++) assert.equal(parseBinaryFrame(buf.slice(0, n)), null, `cut to ${n} bytes`);
  const longer = new Uint8Array(buf.byteLength + 1);
  longer.set(new Uint8Array(buf));
  assert.equal(parseBinaryFrame(longer.buffer), null);
  const other = new Uint8Array(buf.slice(0));
  other[3] = 0x32; // "LRF2"
  assert.equal(parseBinaryFrame(other.buffer), null);
});
