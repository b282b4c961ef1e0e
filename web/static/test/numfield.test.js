import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepValue, check, rangeText, allows } from '../numfield.js';
import { translator } from '../i18n.js';
import { OPTIMIZERS, SCHEDULERS } from '../schema.js';

const en = translator('en');
const ja = translator('ja');
const spec = (list, key) => list.find((s) => s.key === key);
const lr = spec(OPTIMIZERS.sgd, 'lr');
const momentum = spec(OPTIMIZERS.sgd, 'momentum');

test('the LR steps by a tenth of a decade, rounded as the slider rounds', () => {
  assert.equal(stepValue(lr, 0.03, 1), 0.038);
  assert.equal(stepValue(lr, 0.038, -1), 0.03);
  assert.equal(stepValue(lr, 1, 1), 1.26);
  assert.equal(stepValue(lr, 0.1, -1), 0.079);
  // ten steps up make about a decade
  let v = 0.01;
  for (let i = 0; i < 10; i++) v = stepValue(lr, v, 1);
  assert.ok(Math.abs(Math.log10(v / 0.1)) < 0.02, `ten steps from 0.01: ${v}`);
  // never to 0 or below
  assert.ok(stepValue(lr, 1e-9, -1) > 0);
});

test('momentum steps by 0.01 and never reaches 1 (PyTorch: [0, 1))', () => {
  assert.equal(stepValue(momentum, 0.9, 1), 0.91);
  assert.equal(stepValue(momentum, 0.99, 1), 0.99);
  assert.equal(stepValue(momentum, 0, -1), 0);
  assert.equal(allows(momentum, 1), false);
});

test('whole numbers step by 1, or by a tenth of their order from 100 up', () => {
  const steps = { key: 'steps', type: 'int', min: 1, max: 10000 };
  assert.equal(stepValue(steps, 5, 1), 6);
  assert.equal(stepValue(steps, 1, -1), 1);
  assert.equal(stepValue(steps, 200, 1), 210);
  assert.equal(stepValue(steps, 10000, 1), 10000);
  assert.equal(stepValue(spec(SCHEDULERS.step, 'gamma'), 0.1, 1), 0.11);
});

test('a refused value says the range, in English and Japanese', () => {
  const steps = { key: 'steps', type: 'int', min: 1, max: 10000 };
  assert.deepEqual(check(steps, '200', en), { ok: true, value: 200 });
  assert.equal(check(steps, '20000', en).message, 'Allowed: whole numbers from 1 to 10000');
  assert.equal(check(steps, '2.5', en).ok, false);
  assert.match(check(steps, '0', ja).message, /入力できる値: 1 以上 10000 以下の整数/);
  assert.equal(check(momentum, '1', en).message, 'Allowed: 0 or more and less than 1');
  assert.equal(check(lr, '0', en).message, 'With LR 0 the point never moves. Allowed: more than 0');
  assert.match(check(lr, '', en).message, /^Enter a number\. /);
  assert.deepEqual(check({ key: 'step_size_down', type: 'int', min: 1, optional: true }, '', en), { ok: true, value: null });
  assert.equal(rangeText(spec(SCHEDULERS.linear, 'start_factor'), en), 'Allowed: more than 0 and up to 1');
});
