import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_COLUMNS, csvField, toCSV, toJSON, fromLive, fromSimulate, pointCount, fileName, legendLayout } from '../export.js';

const sim = {
  runs: [
    { label: 'a', x: [1, 0.5, 0.25], y: [2, 1, 0.5], loss: [5, 1.25, 0.3125], grad_norm: [3, 1.5, 0.75], lr: [0.5, 0.25], status: 'completed', diverged_at: null },
    { label: 'b', x: [1, -3], y: [2, 9], loss: [5, 1e13], grad_norm: [3, NaN], lr: [2], status: 'diverged', diverged_at: 1 },
  ],
};

test('simulate answers get one LR per point, as the live records have', () => {
  const runs = fromSimulate(sim, ['SGD lr 0.5', 'SGD, "big"']);
  assert.deepEqual(runs[0].lr, [0.5, 0.5, 0.25]);
  assert.deepEqual(runs[1].lr, [2, 2]);
  assert.equal(runs[1].label, 'SGD, "big"');
  assert.equal(runs[1].diverged_at, 1);
  assert.equal(pointCount(runs), 5);
});

test('CSV has the columns, one row per point, quoted labels and blanks for non-finite values', () => {
  const csv = toCSV(fromSimulate(sim, ['SGD lr 0.5', 'SGD, "big"']));
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  assert.equal(lines[0], 'run,label,step,x,y,loss,grad_norm,lr');
  assert.equal(lines.length, 6);
  assert.equal(lines[1], '0,SGD lr 0.5,0,1,2,5,3,0.5');
  assert.equal(lines[3], '0,SGD lr 0.5,2,0.25,0.5,0.3125,0.75,0.25');
  assert.equal(lines[5], '1,"SGD, ""big""",1,-3,9,10000000000000,,2');
  assert.ok(csv.endsWith('\r\n'));
  assert.equal(csvField(Infinity), '');
  assert.equal(csvField('a\nb'), '"a\nb"');
});

test('live records are cut at the points received', () => {
  const d = { n: 2, status: 'running', divergedAt: null, x: [0, 1, 99], y: [0, 1, 99], loss: [1, 0.5, 99], grad_norm: [1, 1, 99], lr: [0.1, 0.1, 99] };
  const runs = fromLive([d, null], ['one', 'two']);
  assert.deepEqual(runs[0].x, [0, 1]);
  assert.equal(runs[1].x.length, 0);
  assert.equal(runs[1].label, 'two');
  assert.equal(toCSV(runs).trimEnd().split('\r\n').length, 3);
});

test('JSON holds the query, the scenario and the points, with null for non-finite numbers', () => {
  const runs = fromSimulate(sim, ['a', 'b']);
  const out = JSON.parse(toJSON('surface=quadratic&run=sgd,lr=0.5', { surface: { name: 'quadratic' } }, runs));
  assert.equal(out.query, 'surface=quadratic&run=sgd,lr=0.5');
  assert.equal(out.scenario.surface.name, 'quadratic');
  assert.equal(out.runs.length, 2);
  assert.deepEqual(out.runs[1].grad_norm, [3, null]);
  assert.deepEqual(Object.keys(out.runs[0]), ['run', 'label', 'status', 'diverged_at', 'x', 'y', 'loss', 'grad_norm', 'lr']);
});

test('file names say the surface and the time', () => {
  assert.equal(fileName('quadratic', 'csv', new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), 'lrlab-quadratic-20260102-030405.csv');
  assert.equal(fileName('a/b c', 'png', new Date(0)), 'lrlab-a_b_c-19700101-000000.png');
});

test('the legend under the exported map wraps when a row is full', () => {
  const measure = (s) => s.length * 10;
  const e = [{ text: 'aaaaaaaaaa', color: '#f00' }, { text: 'bbbbbbbbbb', color: '#0f0' }, { text: 'cccccccccc', color: '#00f' }];
  const lay = legendLayout(e, 200, measure, { pad: 10, line: 20, swatch: 10, gap: 10 });
  assert.deepEqual(lay.items.map((i) => [i.x, i.y]), [[10, 10], [10, 30], [10, 50]]);
  const wide = legendLayout(e, 1000, measure, { pad: 10, line: 20, swatch: 10, gap: 10 });
  assert.deepEqual(wide.items.map((i) => i.y), [10, 10, 10]);
  assert.equal(wide.height, 35);
  assert.equal(legendLayout([], 100, measure).height, 0);
});
