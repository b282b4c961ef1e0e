import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearScale, logScale, niceTicks, logTicks, fitAspect, zoomAt, pan, viewTransform, sameBox } from '../scale.js';

test('linear scale maps and inverts', () => {
  const s = linearScale(0, 10, 100, 200);
  assert.equal(s(5), 150);
  assert.equal(s.invert(175), 7.5);
});

test('log scale maps decades evenly and clamps non-positive values', () => {
  const s = logScale(1e-3, 10, 0, 400);
  assert.equal(s(1e-3), 0);
  assert.ok(Math.abs(s(1e-1) - 200) < 1e-9);
  assert.equal(s(0), 0);
  assert.ok(Math.abs(s.invert(300) - 1) < 1e-12);
});

test('nice ticks are round and free of float noise', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-2.5, 2.5, 5), [-2, -1, 0, 1, 2]);
  assert.deepEqual(niceTicks(0.1, 0.35, 5), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

test('log ticks: powers of ten, with 2 and 5 over a short range', () => {
  assert.deepEqual(logTicks(1e-6, 1e2, 4), [1e-6, 1e-4, 1e-2, 1, 100]);
  assert.deepEqual(logTicks(1, 100, 5), [1, 2, 5, 10, 20, 50, 100]);
});

test('fitAspect grows the box to the pixel aspect about its centre', () => {
  const v = fitAspect({ xmin: -1, xmax: 1, ymin: -1, ymax: 1 }, 400, 200);
  assert.deepEqual(v, { xmin: -2, xmax: 2, ymin: -1, ymax: 1 });
});

test('zoomAt keeps the point fixed; pan moves', () => {
  const v = zoomAt({ xmin: 0, xmax: 4, ymin: 0, ymax: 4 }, 1, 1, 0.5);
  assert.deepEqual(v, { xmin: 0.5, xmax: 2.5, ymin: 0.5, ymax: 2.5 });
  assert.deepEqual(pan(v, 1, -1), { xmin: 1.5, xmax: 3.5, ymin: -0.5, ymax: 1.5 });
  assert.ok(sameBox(v, { ...v }));
});

test('view transform puts ymax at the top', () => {
  const tr = viewTransform({ xmin: 0, xmax: 2, ymin: 0, ymax: 1 }, { left: 10, top: 0, width: 200, height: 100 });
  assert.equal(tr.x(0), 10);
  assert.equal(tr.y(1), 0);
  assert.equal(tr.y(0), 100);
  assert.equal(tr.invertX(110), 1);
});

test('symlog scale: linear near 0, logarithmic beyond, both signs, with ticks at 0 and ±c·10^k', async () => {
  const { symlogScale } = await import('../scale.js');
  const s = symlogScale(-1e9, 1e9, 0, 200, 0.1);
  assert.equal(s(0), 100);
  assert.ok(Math.abs(s(1e9) - 200) < 1e-9 && Math.abs(s(-1e9)) < 1e-9);
  // ±1 is visibly apart from 0 (a tenth of the half-height), unlike on a linear axis
  assert.ok(s(1) - s(0) > 9, `${s(1) - s(0)}`);
  assert.ok(Math.abs(s.invert(s(12345)) - 12345) < 1e-6);
  const ticks = s.ticks(7);
  assert.ok(ticks.includes(0) && ticks.length <= 9 && ticks.length >= 5, `${ticks}`);
  assert.deepEqual(ticks, [...ticks].sort((a, b) => a - b));
  assert.ok(ticks.every((v) => v === 0 || Number.isInteger(Math.round(Math.log10(Math.abs(v) / 0.1) * 1e9) / 1e9)));
});
