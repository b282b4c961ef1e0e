import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCSV, fitCurve, toCSV, bounds } from '../data.js';

test('CSV: two columns, an optional header, any of , ; tab space', () => {
  assert.deepEqual(parseCSV('x,y\n0,1\n1,3.5\n\n2e1;-4').rows, [[0, 1], [1, 3.5], [20, -4]]);
  assert.deepEqual(parseCSV('0\t1\r\n1 2').rows, [[0, 1], [1, 2]]);
  assert.deepEqual(parseCSV(toCSV([[1, 2], [3, 4]])).rows, [[1, 2], [3, 4]]);
});

test('CSV errors name the line and column', () => {
  assert.deepEqual(parseCSV('x,y\n0,1\n1,abc').error, { line: 3, column: 3, key: 'data.err.number', vars: { text: 'abc' } });
  assert.deepEqual(parseCSV('0,1\n1').error, { line: 2, column: 2, key: 'data.err.columns', vars: { n: 1 } });
  assert.deepEqual(parseCSV('0,1,2').error, { line: 1, column: 5, key: 'data.err.columns', vars: { n: 3 } });
  assert.equal(parseCSV('x,label\n0,1\n1,0.5', 'logreg').error.key, 'data.err.label');
  assert.equal(parseCSV('x,label\n0,1\n1,0.5', 'logreg').error.column, 3);
  assert.equal(parseCSV('0,2e7').error.key, 'data.err.range');
  assert.equal(parseCSV('  \n').error.key, 'data.err.empty');
  assert.equal(parseCSV('a,b\nc,d').error.key, 'data.err.number'); // only the first line may be a header
  assert.equal(parseCSV(Array.from({ length: 2001 }, (_, i) => `${i},1`).join('\n')).error.key, 'data.err.rows');
});

test('the model curve: a line, or a sigmoid', () => {
  assert.deepEqual(fitCurve('linreg', 2, 1, 0, 1, 2), [[0, 1], [0.5, 2], [1, 3]]);
  const s = fitCurve('logreg', 1, 0, -1, 1, 2);
  assert.equal(s[1][1], 0.5);
  assert.ok(s[0][1] < 0.5 && s[2][1] > 0.5);
  const b = bounds([[0, 0], [1, 1]], 'logreg');
  assert.ok(b.ymin < 0 && b.ymax > 1 && b.xmin < 0 && b.xmax > 1);
});

test('the panel speaks English and Japanese, key for key', async () => {
  const { text } = await import('../data.js');
  const keys = ['data.title', 'data.err.at', 'data.err.number', 'data.tooLong', 'data.batchLoss', 'data.set.hundreds'];
  for (const k of keys) {
    assert.notEqual(text('en', k), k, k);
    assert.notEqual(text('ja', k), text('en', k), k);
  }
  assert.equal(text('en', 'data.err.at', { line: 3, column: 2, what: 'x' }), 'line 3, column 2: x');
  assert.equal(text('fr', 'data.title'), text('en', 'data.title'));
});
