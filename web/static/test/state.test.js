import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeQuery, encodeQuery, catalogIndex, toScenario, fromScenario, newRun, newState, formatNumber, roundView } from '../state.js';

const catalog = catalogIndex([
  { name: 'quadratic', kind: 'minimize', params: [{ name: 'a', default: 1, min: 0.01, max: 100 }, { name: 'b', default: 10, min: 0.01, max: 100 }, { name: 'theta', default: 0, min: -3.2, max: 3.2 }], view: { xmin: -3, xmax: 3, ymin: -2, ymax: 2 }, start: { x: -2.5, y: 1.5 } },
  { name: 'rosenbrock', params: [{ name: 'a', default: 1 }, { name: 'b', default: 100 }], view: { xmin: -2, xmax: 2, ymin: -1, ymax: 3 }, start: [-1.5, 2] },
  { name: 'bilinear_game', kind: 'game', params: [], view: { xmin: -1, xmax: 1, ymin: -1, ymax: 1 }, start: [0.5, 0.5] },
]);

const EXAMPLE = 'surface=quadratic&b=10&steps=200&run=sgd,lr=0.19&run=sgd,lr=0.21,momentum=0.9,sched=cosine,T_max=100,x=-2.5,y=1.5';

test('decodes the example of the architecture notes', () => {
  const { state, errors } = decodeQuery('?' + EXAMPLE, catalog);
  assert.deepEqual(errors, []);
  assert.equal(state.surface, 'quadratic');
  assert.equal(state.params.b, 10);
  assert.equal(state.steps, 200);
  assert.equal(state.runs.length, 2);
  assert.deepEqual(state.runs[0].optimizer, { name: 'sgd', lr: 0.19 });
  assert.deepEqual(state.runs[1].optimizer, { name: 'sgd', lr: 0.21, momentum: 0.9 });
  assert.deepEqual(state.runs[1].scheduler, { name: 'cosine', T_max: 100 });
  assert.equal(state.runs[1].x, -2.5);
});

test('encodes with defaults left out, and round-trips', () => {
  const { state } = decodeQuery(EXAMPLE, catalog);
  const q = encodeQuery(state, catalog);
  // b=10, steps=200 and the start at the surface's own start are defaults
  assert.equal(q, 'surface=quadratic&run=sgd,lr=0.19&run=sgd,lr=0.21,momentum=0.9,sched=cosine,T_max=100');
  const again = decodeQuery(q, catalog).state;
  assert.equal(encodeQuery(again, catalog), q);
});

test('a setting derived from steps is left out when it equals its default', () => {
  const st = decodeQuery('surface=quadratic&steps=100&run=sgd,lr=0.1,sched=cosine,T_max=100', catalog).state;
  assert.equal(encodeQuery(st, catalog), 'surface=quadratic&steps=100&run=sgd,lr=0.1,sched=cosine');
});

test('lists, booleans, labels, view, lang and game keys', () => {
  const q = 'surface=bilinear_game&view=-2,2,-1.5,1.5&rate=0&shift=0.1,0&run=adam,lr=0.01,betas=0.8%3B0.99,amsgrad=true,sched=multistep,milestones=50%3B75,label=big%2C%20fast,opt_y=sgd,lr_y=0.05,updates=alternating,noise=0.1,seed=7&lang=ja&embed=1';
  const { state, errors } = decodeQuery(q, catalog);
  assert.deepEqual(errors, []);
  const r = state.runs[0];
  assert.deepEqual(r.optimizer.betas, [0.8, 0.99]);
  assert.equal(r.optimizer.amsgrad, true);
  assert.deepEqual(r.scheduler.milestones, [50, 75]);
  assert.equal(r.label, 'big, fast');
  assert.equal(r.opt_y, 'sgd');
  assert.deepEqual(r.optimizer_y, { lr: 0.05 });
  assert.equal(r.updates, 'alternating');
  assert.equal(state.lang, 'ja');
  assert.equal(state.rate, 0);
  assert.deepEqual(state.shift, [0.1, 0]);
  assert.deepEqual(state.view, { xmin: -2, xmax: 2, ymin: -1.5, ymax: 1.5 });
  const enc = encodeQuery(state, catalog);
  assert.match(enc, /betas=0\.8%3B0\.99/);
  assert.deepEqual(decodeQuery(enc, catalog).state, state);
  const sc = toScenario(state, catalog);
  assert.deepEqual(sc.runs[0].optimizer_y, { name: 'sgd', lr: 0.05 });
  assert.deepEqual(sc.runs[0].start, [0.5, 0.5]);
  assert.equal(sc.runs[0].updates, 'alternating');
});

test('bad parts are reported by name and the rest is kept', () => {
  const { state, errors } = decodeQuery('surface=quadratic&b=abc&steps=0&lang=fr&run=sgdd,lr=1&run=sgd,lr=-1,momentum=0.5,sched=cosine,T_max=x,foo=1,x=1', catalog);
  const fields = errors.map((e) => e.field);
  assert.deepEqual(fields, ['surface.b', 'steps', 'lang', 'runs[0].optimizer.name', 'runs[1].optimizer.lr', 'runs[1].scheduler.T_max', 'runs[1].foo']);
  assert.equal(state.steps, 200);
  assert.equal(state.runs.length, 1);
  assert.deepEqual(state.runs[0].optimizer, { name: 'sgd', momentum: 0.5 });
  assert.equal(state.runs[0].scheduler.name, 'cosine');
  for (const e of errors) assert.ok(e.message.length > 5);
});

test('unknown surface and keys are errors with a catalog', () => {
  const { errors } = decodeQuery('surface=nope&zz=1', catalog);
  assert.deepEqual(errors.map((e) => e.field), ['surface.name', 'zz']);
});

test('player y keys are written for games only', () => {
  const st = decodeQuery('surface=bilinear_game&run=sgd,lr=0.1,lr_y=0.02,updates=alternating', catalog).state;
  assert.equal(encodeQuery(st, catalog), 'surface=bilinear_game&run=sgd,lr=0.1,lr_y=0.02,updates=alternating');
  st.surface = 'quadratic';
  assert.equal(encodeQuery(st, catalog), 'surface=quadratic&run=sgd,lr=0.1');
});

test('at most 8 runs', () => {
  const q = Array.from({ length: 10 }, () => 'run=sgd').join('&');
  const { state, errors } = decodeQuery(q, catalog);
  assert.equal(state.runs.length, 8);
  assert.equal(errors.length, 1);
});

test('the scenario JSON always carries lr (the server requires it)', () => {
  const st = newState();
  st.runs.push(newRun('rmsprop'));
  assert.deepEqual(toScenario(st, catalog).runs[0].optimizer, { name: 'rmsprop', lr: 0.01 });
});

test('scenario JSON and back', () => {
  const st = newState();
  st.runs.push(newRun('adamw', 0.003));
  st.runs[0].scheduler = { name: 'onecycle', pct_start: 0.25 };
  const sc = toScenario(st, catalog);
  assert.deepEqual(sc.surface, { name: 'quadratic' });
  assert.deepEqual(sc.runs[0].optimizer, { name: 'adamw', lr: 0.003 });
  assert.deepEqual(sc.runs[0].start, [-2.5, 1.5]);
  assert.equal(encodeQuery(fromScenario(sc), catalog), encodeQuery(st, catalog).replace('', ''));
});

test('numbers and views write short', () => {
  assert.equal(formatNumber(0.00001), '1e-5');
  assert.equal(formatNumber(0.19), '0.19');
  assert.equal(formatNumber(1500000), '1.5e6');
  assert.deepEqual(roundView({ xmin: -1.23456789, xmax: 2.00001234, ymin: 0, ymax: 1 }), { xmin: -1.2346, xmax: 2, ymin: 0, ymax: 1 });
});

// The shared table of share-link cases written by the scenario package.
const shared = fileURLToPath(new URL('../../../scenario/testdata/share_cases.json', import.meta.url));
const table = existsSync(shared) ? JSON.parse(readFileSync(shared, 'utf8')) : null;

test('shared share-link cases', { skip: !table && 'scenario/testdata/share_cases.json not written yet' }, async (t) => {
  const cat = catalogIndex(table.catalog);
  for (const c of table.cases) {
    if (c.go_only) continue;
    await t.test(c.name, () => {
      const { state, errors } = decodeQuery(c.query, cat);
      assert.deepEqual(errors.map((e) => e.field).sort(), [...c.errors].sort(), 'error fields');
      assert.equal(state.lang, c.extras.lang);
      assert.equal(state.embed, c.extras.embed);
      assert.equal(state.rate, c.extras.rate);
      assert.equal(state.present, !!c.extras.present, 'present');
      assert.equal(state.hide.join(','), c.extras.hide || '', 'hide');
      assert.equal(state.branch.map((b) => `${b.run}:${b.from}:${b.at}`).join(','), c.extras.branch || '', 'branch');
      assert.equal(encodeQuery(state, cat), c.canonical, 'canonical');
      // the scenario sent to the server agrees with the normalised one on every key it gives
      const sc = toScenario(state, cat);
      assert.equal(sc.steps, c.scenario.steps);
      assert.equal(sc.surface.name, c.scenario.surface.name);
      for (const [k, v] of Object.entries(sc.surface)) assert.deepEqual(v, c.scenario.surface[k], `surface.${k}`);
      assert.equal(sc.runs.length, c.scenario.runs.length, 'runs');
      sc.runs.forEach((r, i) => {
        const want = c.scenario.runs[i];
        assert.deepEqual(r.start, want.start, `runs[${i}].start`);
        for (const g of ['optimizer', 'scheduler', 'optimizer_y']) {
          for (const [k, v] of Object.entries(r[g] || {})) assert.deepEqual(v, want[g][k], `runs[${i}].${g}.${k}`);
        }
        assert.equal(r.noise, want.noise);
        assert.equal(r.seed, want.seed);
        assert.equal(r.label || '', want.label || '');
        if (r.batch_size || want.batch_size !== undefined) {
          const rows = c.scenario.surface.data ? c.scenario.surface.data.length : null;
          assert.equal(r.batch_size ?? rows ?? want.batch_size, want.batch_size, `runs[${i}].batch_size`);
        }
      });
    });
  }
});

// Two presets as GET /api/v1/presets?lang=en gives them.
const PRESETS = [
  { id: 'too-large', url: '/?surface=quadratic&run=sgd,lr=0.19,label=LR%200.19&run=sgd,lr=0.21,label=LR%200.21',
    labels: { en: ['LR 0.19', 'LR 0.21'], ja: ['LR 0.19', 'LR 0.21'] } },
  { id: 'summary', url: '/?surface=quadratic&run=sgd,lr=1e-4,label=too%20small&run=sgd,lr=0.1,label=about%20right',
    labels: { en: ['too small', 'about right'], ja: ['小さすぎ', 'ちょうどよい'] } },
];

test('presetOf knows a lesson whatever the language of its labels', async () => {
  const { presetOf } = await import('../state.js');
  const ja = decodeQuery('surface=quadratic&run=sgd,lr=1e-4,label=%E5%B0%8F%E3%81%95%E3%81%99%E3%81%8E&run=sgd,lr=0.1,label=%E3%81%A1%E3%82%87%E3%81%86%E3%81%A9%E3%82%88%E3%81%84&lang=ja', catalog).state;
  assert.equal(presetOf(PRESETS, ja, catalog).id, 'summary');
  const en = decodeQuery('surface=quadratic&run=sgd,lr=1e-4,label=too%20small&run=sgd,lr=0.1,label=about%20right&embed=1', catalog).state;
  assert.equal(presetOf(PRESETS, en, catalog).id, 'summary');
  const renamed = decodeQuery('surface=quadratic&run=sgd,lr=0.19,label=mine&run=sgd,lr=0.21', catalog).state;
  assert.equal(presetOf(PRESETS, renamed, catalog).id, 'too-large');
  // another LR is another scenario
  const other = decodeQuery('surface=quadratic&run=sgd,lr=0.19&run=sgd,lr=0.22', catalog).state;
  assert.equal(presetOf(PRESETS, other, catalog), null);
  assert.equal(presetOf([], en, catalog), null);
});

test('presetLabels puts a lesson\'s own labels in the page\'s language and keeps the reader\'s', async () => {
  const { presetLabels } = await import('../state.js');
  const st = decodeQuery('surface=quadratic&run=sgd,lr=1e-4,label=too%20small&run=sgd,lr=0.1,label=mine', catalog).state;
  const runs = presetLabels(st, PRESETS[1], 'ja');
  assert.deepEqual(runs.map((r) => r.label), ['小さすぎ', 'mine']);
  assert.equal(st.runs[0].label, 'too small', 'the state itself is left alone');
  const back = presetLabels({ ...st, runs }, PRESETS[1], 'en');
  assert.deepEqual(back.map((r) => r.label), ['too small', 'mine']);
  assert.equal(presetLabels(st, PRESETS[1], 'en'), st.runs, 'nothing to change: the same array');
  // a label of another run of the preset is the reader's own here
  const swapped = decodeQuery('surface=quadratic&run=sgd,lr=1e-4,label=about%20right&run=sgd,lr=0.1', catalog).state;
  assert.deepEqual(presetLabels(swapped, PRESETS[1], 'ja').map((r) => r.label), ['about right', '']);
});

test('relabelLR: a label that states the LR follows it; the reader\'s own words stay', async () => {
  const { relabelLR } = await import('../state.js');
  assert.equal(relabelLR('LR 0.0001', 1e-4, 5.2e-4), 'LR 5.2e-4');
  assert.equal(relabelLR('LR 1e-4 (steep)', 1e-4, 0.033), 'LR 0.033 (steep)');
  assert.equal(relabelLR('SGD 0.03', 0.03, 0.05), 'SGD 0.05');
  assert.equal(relabelLR('x at 0.7 and y at 0.1', 0.7, 0.5), 'x at 0.5 and y at 0.1');
  assert.equal(relabelLR('SGD + momentum 0.9', 0.05, 0.1), 'SGD + momentum 0.9', 'another number is left alone');
  assert.equal(relabelLR('too small', 1e-4, 0.1), 'too small');
  assert.equal(relabelLR('学習率 0.0001(最急点)', 1e-4, 0.002), '学習率 2e-3(最急点)');
  assert.equal(relabelLR('v2 0.1', 0.1, 0.2), 'v2 0.2', 'digits inside a word are not a number');
  assert.equal(relabelLR('', 0.1, 0.2), '');
});

test('a link without runs opens one default run, whatever else it says', () => {
  const lrs = ['', 'lang=ja', 'lang=en', 'embed=1', 'surface=quadratic'].map((q) => decodeQuery(q, catalog).state.runs.map((r) => r.optimizer));
  for (const l of lrs) assert.deepEqual(l, [{ name: 'sgd', lr: 0.17 }]);
  // on the bowl (λmax = b = 10): past 1/λmax, under the stability limit 2/λmax: a zig-zag
  const lr = lrs[0][0].lr;
  assert.ok(lr > 1 / 10 && lr < 2 / 10, `lr ${lr}`);
  assert.equal(decodeQuery('surface=quadratic&b=20', catalog).state.runs[0].optimizer.lr, 0.085);
});

test('a link with more than 10,000 parameters is an error, not an empty link', () => {
  const { state, errors } = decodeQuery('run=sgd,lr=-5' + '&a=1'.repeat(10000));
  assert.deepEqual(errors.map((e) => e.field), ['query']);
  assert.match(errors[0].message, /10001 parameters; at most 10000/);
  assert.equal(state.runs.length, 1);
});

test('data rows in a link: x_y~x_y, errors name the row and column', async () => {
  const { encodeData, decodeData } = await import('../state.js');
  const rows = [[0, 1], [-1.5, 2e-7], [123.25, -4]];
  assert.equal(encodeData(rows), '0_1~-1.5_2e-7~123.25_-4');
  assert.deepEqual(decodeData(encodeData(rows), 'linreg').rows, rows);
  assert.equal(decodeData('0_1~1_x', 'linreg').error.field, 'surface.data[1][1]');
  assert.equal(decodeData('0_1~1_0.5', 'logreg').error.field, 'surface.data[1][1]');
  assert.equal(decodeData('2e7_1', 'linreg').error.field, 'surface.data[0][0]');
});
