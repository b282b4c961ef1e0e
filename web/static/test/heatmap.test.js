import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logNormalizer } from '../heatmap.js';

test('log normaliser spreads the low values, linear when the loss goes negative', () => {
  const n = logNormalizer(0, 1000);
  assert.equal(n(0), 0);
  assert.equal(n(1000), 1);
  assert.ok(n(10) > 0.3, 'the lowest hundredth of the range gets a third of the colours');
  const g = logNormalizer(-4, 4);
  assert.equal(g(0), 0.5);
  assert.equal(logNormalizer(2, 2)(2), 0.5);
});
