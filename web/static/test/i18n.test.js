import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRINGS, t, formatNum, formatInt } from '../i18n.js';

test('every key exists in both languages, with the same placeholders', () => {
  const en = Object.keys(STRINGS.en), ja = Object.keys(STRINGS.ja);
  assert.deepEqual(en.filter((k) => !(k in STRINGS.ja)), []);
  assert.deepEqual(ja.filter((k) => !(k in STRINGS.en)), []);
  for (const k of en) {
    if (typeof STRINGS.en[k] !== 'string') continue;
    const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
    assert.equal(ph(STRINGS.ja[k]), ph(STRINGS.en[k]), k);
  }
});

test('every panel text exists in both languages, with the same placeholders, and no key is also the page’s', async () => {
  for (const name of ['room', 'finder']) {
    const { default: { en, ja } } = await import(`../text-${name}.js`);
    assert.ok(Object.keys(en).length > 10, name);
    assert.deepEqual(Object.keys(en).filter((k) => !(k in ja)), [], `${name}: English keys without Japanese`);
    assert.deepEqual(Object.keys(ja).filter((k) => !(k in en)), [], `${name}: Japanese keys without English`);
    for (const k of Object.keys(en)) {
      assert.ok(k.startsWith(`${name}.`), `${name}: ${k} is another part's key`);
      assert.ok(!(k in STRINGS.en), `${k} is in i18n-en.js too`);
      const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
      assert.equal(ph(ja[k]), ph(en[k]), k);
    }
  }
});

test('the Japanese texts are written in Japanese', () => {
  const jp = /[\u3040-\u30ff\u4e00-\u9fff]/;
  for (const k of ['app.title', 'transport.play', 'status.diverged', 'chart.loss', 'map.hint']) assert.match(STRINGS.ja[k], jp, k);
});

test('lookups fill placeholders and fall back', () => {
  assert.equal(t('en', 'status.diverged', { n: 133 }), 'diverged at step 133');
  assert.equal(t('ja', 'status.diverged', { n: 133 }), 'ステップ 133 で発散');
  assert.equal(t('fr', 'transport.play'), 'Play');
  assert.equal(t('en', 'no.such.key'), 'no.such.key');
});

test('numbers', () => {
  assert.equal(formatNum(0.19), '0.19');
  assert.equal(formatNum(1e-5), '1e-5');
  assert.equal(formatNum(0.000123456), '1.23e-4');
  assert.equal(formatNum(123456789), '1.23e8');
  assert.equal(formatNum(-2.5), '−2.5');
  assert.equal(formatNum(NaN), '–');
  assert.equal(formatNum(12.3456), '12.35');
  assert.equal(formatInt(10000), '10,000');
});
