import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchScenario, remapBranches } from '../branch.js';
import { decodeQuery, toScenario, catalogIndex } from '../state.js';

const catalog = catalogIndex([
  { name: 'quadratic', kind: 'minimize', params: [{ name: 'a', default: 1 }, { name: 'b', default: 10 }], view: { xmin: -3, xmax: 3, ymin: -2, ymax: 2 }, start: [-2.5, 1.5] },
]);

test('a branch run starts as its parent and is set to its own settings at its step', () => {
  const st = decodeQuery('surface=quadratic&run=sgd,lr=0.02,momentum=0.9,sched=cosine,T_max=100,seed=3,x=-1,y=1&run=sgd,lr=0.08,sched=cosine,noise=0.1,label=b&branch=1:0:50', catalog).state;
  const { scenario, plan } = branchScenario(st, toScenario(st, catalog));
  const p = scenario.runs[0], r = scenario.runs[1];
  assert.deepEqual(r.start, p.start);
  assert.equal(r.seed, 3);
  assert.deepEqual(r.optimizer, p.optimizer);
  assert.deepEqual(r.scheduler, p.scheduler);
  assert.equal(r.noise, 0);
  assert.equal(r.label, 'b');
  assert.equal(plan.length, 1);
  assert.equal(plan[0].at, 50);
  // the same scheduler name goes through constant, so T_max=100 does not stay
  assert.deepEqual(plan[0].msgs[0], { type: 'set', run: 1, scheduler: { name: 'constant' } });
  const m = plan[0].msgs[1];
  assert.deepEqual(m.scheduler, { name: 'cosine' });
  // momentum 0.9 of the parent goes back to its default 0
  assert.deepEqual(m.optimizer, { name: 'sgd', lr: 0.08, momentum: 0 });
  assert.equal(m.noise, 0.1);
});

test('another optimizer is sent as it is; plans are in step order', () => {
  const st = decodeQuery('surface=quadratic&run=sgd,lr=0.02,momentum=0.9&run=adam,lr=0.1&run=sgd,lr=0.05&branch=2:0:30,1:0:10', catalog).state;
  const { plan } = branchScenario(st, toScenario(st, catalog));
  assert.deepEqual(plan.map((p) => [p.run, p.at]), [[1, 10], [2, 30]]);
  assert.deepEqual(plan[0].msgs, [{ type: 'set', run: 1, optimizer: { name: 'adam', lr: 0.1 }, scheduler: { name: 'constant' }, noise: 0 }]);
});

test('remapBranches follows the runs when others are inserted or removed', () => {
  const a = {}, b = {}, c = {}, x = {};
  assert.deepEqual(remapBranches([{ run: 1, from: 0, at: 5 }], [a, b], [x, a, x, b]), [{ run: 3, from: 1, at: 5 }]);
  assert.deepEqual(remapBranches([{ run: 1, from: 0, at: 5 }], [a, b], [b]), []);
  assert.deepEqual(remapBranches([{ run: 2, from: 0, at: 5 }], [a, c, b], [b, a]), [], 'the parent must stay before');
});
