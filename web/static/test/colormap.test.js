import './schema-install.test.js';
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

test('the analyses have colours of their own, and the flat share levels are far apart', async () => {
  const { SERIES_PALETTE, SERIES_DASHES, LEVEL_COLORS } = await import('../colormap.js');
  const up = (c) => c.toUpperCase();
  for (const c of SERIES_PALETTE) assert.ok(!PALETTE.map(up).includes(up(c)), `${c} is a run colour`);
  assert.equal(SERIES_DASHES.length, SERIES_PALETTE.length);
  const rgb = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  for (let i = 0; i < LEVEL_COLORS.length; i++) {
    for (let j = i + 1; j < LEVEL_COLORS.length; j++) {
      const [a, b] = [rgb(LEVEL_COLORS[i]), rgb(LEVEL_COLORS[j])];
      const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      assert.ok(d > 90, `${LEVEL_COLORS[i]} and ${LEVEL_COLORS[j]} are ${d.toFixed(0)} apart`);
    }
  }
});
