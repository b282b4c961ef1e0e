import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logNormalizer, heightScale, gridPixels, gridScale } from '../heatmap.js';
import { lookupTable } from '../colormap.js';

test('log normaliser spreads the low values, linear when the loss goes negative', () => {
  const n = logNormalizer(0, 1000);
  assert.equal(n(0), 0);
  assert.equal(n(1000), 1);
  assert.ok(n(10) > 0.3, 'the lowest hundredth of the range gets a third of the colours');
  const g = logNormalizer(-4, 4);
  assert.equal(g(0), 0.5);
  assert.equal(logNormalizer(2, 2)(2), 0.5);
});

test('the colour scale keeps contrast on plateaus, is linear on shallow maps, and inverts', () => {
  // most of the map low (a plateau), a few very high points (walls)
  const values = new Float32Array(1000).map((_, i) => (i < 900 ? 1 + i / 100 : 1e6));
  const s = heightScale(values, 1, 1e6);
  const n = logNormalizer(1, 1e6, s);
  assert.ok(n(10) - n(1) > 0.15, `the plateau spans a sixth of the colours (s = ${s})`);
  assert.ok(Math.abs(n.invert(n(1234)) - 1234) < 1e-6);
  // heights mostly near the top: linear
  const shallow = new Float32Array(1000).map((_, i) => (i < 50 ? i / 50 : 2 + i / 1000));
  assert.equal(heightScale(shallow, 0, 3), Infinity);
  assert.equal(logNormalizer(0, 3, Infinity)(1.5), 0.5);
});

test('gridPixels: row 0 of the grid at the bottom, the lowest loss in the first colour, not finite transparent', () => {
  // 2 × 2: the bottom row (j = 0) holds the lowest and a NaN
  const grid = { nx: 2, ny: 2, vmin: 0, vmax: 3, values: new Float64Array([0, NaN, 2, 3]) };
  const px = gridPixels(grid);
  assert.equal(px.length, 16);
  const lut = lookupTable(256);
  const at = (i, row) => [...px.slice((row * 2 + i) * 4, (row * 2 + i) * 4 + 4)];
  assert.deepEqual(at(0, 1), [lut[0], lut[1], lut[2], 255], 'the lowest loss, bottom left');
  assert.deepEqual(at(1, 1), [0, 0, 0, 0], 'NaN: transparent');
  assert.deepEqual(at(1, 0), [lut[765], lut[766], lut[767], 255], 'the highest, top right');
  // the scale is kept on the grid, computed once
  assert.equal(grid.scale, heightScale(grid.values, 0, 3));
  grid.scale = 5;
  assert.equal(gridScale(grid), 5);
});
