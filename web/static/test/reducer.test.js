import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduce, runField, runRow, COSMETIC } from '../reducer.js';
import { RUN } from '../schema.js';
import { LIVE_KEYS } from '../protocol.js';
import { newRun, newState, LIMITS } from '../state.js';

const model = (runs = [newRun('sgd', 0.1)], extra = {}) => ({ state: { ...newState(), runs, ...extra }, selected: 0 });
const frozen = (m) => JSON.stringify(m);
const types = (r) => r.effects.map((e) => e.type);
const changedOf = (r) => r.effects.find((e) => e.type === 'changed');

test('reduce leaves the model it is given as it is', () => {
  const m = model([newRun('sgd', 0.1), newRun('adam', 0.01)]);
  const before = frozen(m);
  for (const a of [
    { type: 'run', path: 'optimizer.lr', value: 0.2 }, { type: 'run', path: 'noise', value: 0.5 },
    { type: 'run', path: 'start', value: [1, 2] }, { type: 'global', key: 'surface', value: 'rosenbrock' },
    { type: 'global', key: 'param', value: { name: 'a', value: 3 } }, { type: 'addRun' }, { type: 'removeRun', index: 0 },
    { type: 'compare' }, { type: 'setStart', x: 1, y: 1, all: true }, { type: 'branchHere', at: 5 }, { type: 'view', view: null },
  ]) reduce(m, a);
  assert.equal(frozen(m), before);
});

test('every RUN row is a setting the reducer knows: live ones are set, cosmetic ones relabel, the others restart', () => {
  for (const spec of RUN) {
    const path = spec.query || spec.key;
    assert.equal(runRow(path), spec);
    const value = spec.type === 'pair' ? [0.5, -0.5] : spec.type === 'enum' ? spec.options[spec.options.length - 1]
      : spec.type === 'string' ? 'mine' : spec.type === 'int' ? 3 : 0.25;
    const r = reduce(model(), { type: 'run', path, value });
    const run = r.state.runs[0];
    if (spec.type === 'pair') assert.deepEqual([run.x, run.y], value, spec.key);
    else assert.deepEqual(run[runField(spec)], value, spec.key);
    const set = r.effects.find((e) => e.type === 'set');
    if (COSMETIC.includes(spec.key)) {
      assert.equal(changedOf(r).restart, false, spec.key);
      assert.ok(types(r).includes('names'), spec.key);
    } else if (spec.live && LIVE_KEYS.includes(spec.key)) {
      assert.deepEqual(set, { type: 'set', run: 0, parts: { [spec.key]: value } }, spec.key);
      assert.equal(changedOf(r).restart, false, spec.key);
    } else {
      assert.equal(set, undefined, spec.key);
      assert.equal(changedOf(r).restart, true, spec.key);
    }
    assert.equal(changedOf(r).tag, `run0.${path}`);
  }
});

test('a live optional setting left empty is sent as what it stands for', () => {
  const r = reduce(model(), { type: 'run', path: 'batch_size', value: null, empty: { batch_size: 40 } });
  assert.equal(r.state.runs[0].batch_size, null);
  assert.deepEqual(r.effects.find((e) => e.type === 'set').parts, { batch_size: 40 });
});

test('optimizer and scheduler settings are set live; a label stating the LR follows it', () => {
  const run = { ...newRun('sgd', 0.1), label: 'LR 0.1' };
  const m = model([run]);
  let r = reduce(m, { type: 'run', path: 'optimizer.lr', value: 0.3 });
  assert.equal(r.state.runs[0].optimizer.lr, 0.3);
  assert.equal(r.state.runs[0].label, 'LR 0.3');
  assert.deepEqual(types(r), ['names', 'set', 'changed']);
  assert.deepEqual(r.effects[1].parts, { optimizer: { lr: 0.3 } });
  assert.equal(run.optimizer.lr, 0.1, 'the run given is not changed');
  r = reduce(m, { type: 'run', path: 'scheduler.name', value: 'step' });
  assert.deepEqual(r.state.runs[0].scheduler, { name: 'step' });
  assert.deepEqual(r.effects[0].parts, { scheduler: { name: 'step' } });
  r = reduce(m, { type: 'run', path: 'optimizer.name', value: 'adam' });
  assert.deepEqual(r.state.runs[0].optimizer, { name: 'adam', lr: 0.1 });
  assert.equal(changedOf(r).restart, true);
  r = reduce(m, { type: 'run', path: 'optimizer_y.lr', value: 0.05 });
  assert.deepEqual(r.state.runs[0].optimizer_y, { lr: 0.05 });
  assert.deepEqual(r.effects[0].parts, { optimizer_y: { lr: 0.05 } });
  assert.equal(reduce(m, { type: 'run', path: 'nonsense', value: 1 }).effects.length, 0);
});

test('the runs a change leaves alone keep their objects; branches follow their runs', () => {
  const [a, b, c] = [newRun('sgd', 0.1), newRun('sgd', 0.2), newRun('sgd', 0.3)];
  const m = { state: { ...newState(), runs: [a, b, c], branch: [{ run: 2, from: 1, at: 5 }] }, selected: 2 };
  let r = reduce(m, { type: 'run', path: 'noise', value: 0.1 });
  assert.equal(r.state.runs[0], a);
  assert.equal(r.state.runs[1], b);
  assert.notEqual(r.state.runs[2], c);
  assert.deepEqual(r.state.branch, m.state.branch);
  r = reduce(m, { type: 'removeRun', index: 0 });
  assert.deepEqual(r.state.runs, [b, c]);
  assert.deepEqual(r.state.branch, [{ run: 1, from: 0, at: 5 }]);
  assert.equal(r.selected, 1);
  r = reduce(m, { type: 'removeRun', index: 1 });
  assert.deepEqual(r.state.branch, [], 'a branch whose parent is gone goes');
  r = reduce({ ...m, selected: 0 }, { type: 'compare' });
  assert.equal(r.state.runs.length, 5);
  assert.equal(r.state.runs[1], a);
  assert.deepEqual(r.state.branch, [{ run: 4, from: 3, at: 5 }]);
});

test('add, duplicate, compare and branch stay under the runs limit and say so', () => {
  const full = model(Array.from({ length: LIMITS.runs }, () => newRun('sgd', 0.1)));
  for (const a of [{ type: 'addRun' }, { type: 'addRun', run: newRun() }, { type: 'branchHere', at: 3 }]) {
    assert.deepEqual(reduce(full, a).effects, [], a.type);
  }
  assert.deepEqual(reduce(full, { type: 'compare' }).effects, [{ type: 'say', parts: [['compare.none', { max: LIMITS.runs }]] }]);
  const r = reduce(model(), { type: 'addRun' });
  assert.equal(r.state.runs[1].optimizer.lr, 0.05);
  assert.equal(r.selected, 1);
  assert.deepEqual(r.effects[0], { type: 'say', parts: [['legend.addedNote', {}]] });
  assert.equal(reduce(model(), { type: 'removeRun', index: 0 }).effects.length, 0, 'the last run stays');
});

test('global settings: the rate only goes to the session and the address; a new surface resets the runs\' starts', () => {
  let r = reduce(model(), { type: 'global', key: 'rate', value: 0 });
  assert.equal(r.state.rate, 0);
  assert.deepEqual(types(r), ['rate', 'url']);
  const m = model([{ ...newRun('sgd', 0.1), x: 1, y: 2, batch_size: 5 }], { params: { a: 2 }, view: { xmin: 0, xmax: 1, ymin: 0, ymax: 1 } });
  r = reduce(m, { type: 'global', key: 'surface', value: 'custom' });
  assert.equal(r.state.formula, 'x^2 + 10*y^2 + 2*sin(3*x)');
  assert.deepEqual([r.state.runs[0].x, r.state.runs[0].y, r.state.runs[0].batch_size], [null, null, null]);
  assert.deepEqual([r.state.params, r.state.view], [{}, null]);
  assert.deepEqual(types(r), ['grid', 'changed']);
  assert.equal(r.effects[0].reset, true);
  r = reduce(model(), { type: 'global', key: 'steps', value: 50 });
  assert.deepEqual(types(r), ['chartsData', 'changed']);
  assert.equal(changedOf(r).tag, 'global.steps');
});

test('setStart moves the selected run\'s start, or every run\'s', () => {
  const m = model([newRun(), newRun()]);
  let r = reduce(m, { type: 'setStart', x: 1.234567, y: -2, all: false });
  assert.deepEqual([r.state.runs[0].x, r.state.runs[0].y, r.state.runs[1].x], [1.235, -2, null]);
  r = reduce(m, { type: 'setStart', x: 1, y: 1, all: true });
  assert.deepEqual(r.state.runs.map((x) => x.x), [1, 1]);
});
