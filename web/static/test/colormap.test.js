import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorAt, lookupTable, PALETTE, runColor, VIRIDIS_ANCHORS } from '../colormap.js';

test('colour map hits its anchors and clamps', () => {
  assert.deepEqual(colorAt(0), VIRIDIS_ANCHORS[0]);
  assert.deepEqual(colorAt(1), VIRIDIS_ANCHORS[10]);
  assert.deepEqual(colorAt(0.5), VIRIDIS_ANCHORS[5]);
  assert.deepEqual(colorAt(-3), VIRIDIS_ANCHORS[0]);
  assert.deepEqual(colorAt(NaN), VIRIDIS_ANCHORS[0]);
  assert.deepEqual(colorAt(7), VIRIDIS_ANCHORS[10]);
});

test('lightness grows monotonically along the map (perceptual order)', () => {
  const lum = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
  let prev = -1;
  for (let k = 0; k <= 100; k++) {
    const l = lum(colorAt(k / 100));
    assert.ok(l > prev, `lightness falls at ${k}`);
    prev = l;
  }
});

test('lookup table has n entries', () => {
  const lut = lookupTable(16);
  assert.equal(lut.length, 48);
  assert.deepEqual([...lut.slice(45)], VIRIDIS_ANCHORS[10]);
});

test('palette: eight distinct colours; black turns white on dark pages', () => {
  assert.equal(new Set(PALETTE).size, 8);
  assert.equal(runColor(7), '#000000');
  assert.equal(runColor(7, true), '#FFFFFF');
  assert.equal(runColor(8), PALETTE[0]);
});
