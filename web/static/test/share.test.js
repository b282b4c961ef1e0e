import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shareLink, embedLink, iframeSnippet, escapeAttr, fieldName, localizeMessage, describeError } from '../share.js';
import { orderLessons, presetText, lessonHref } from '../lessons.js';
import { STRINGS } from '../i18n.js';

test('share links are absolute and carry the query once', () => {
  assert.equal(shareLink('http://h:8080', 'surface=quadratic&run=sgd,lr=0.19'), 'http://h:8080/?surface=quadratic&run=sgd,lr=0.19');
  assert.equal(shareLink('https://lab.example/', '?run=adam'), 'https://lab.example/?run=adam');
  assert.equal(shareLink('https://lab.example', ''), 'https://lab.example/');
});

test('embed links add embed=1 once and keep the rest', () => {
  assert.equal(embedLink('https://x/?run=sgd,lr=0.1&lang=ja'), 'https://x/?run=sgd,lr=0.1&lang=ja&embed=1');
  assert.equal(embedLink('https://x/?embed=1&run=sgd'), 'https://x/?run=sgd&embed=1');
  assert.equal(embedLink('https://x/'), 'https://x/?embed=1');
});

test('the iframe snippet has the size, the embed link and escaped attributes', () => {
  const s = iframeSnippet('https://x/?surface=quadratic&run=sgd,lr=0.19', 'Lab "1"');
  assert.match(s, /^<iframe src="https:\/\/x\/\?surface=quadratic&amp;run=sgd,lr=0\.19&amp;embed=1" width="800" height="520" /);
  assert.match(s, /title="Lab &quot;1&quot;"/);
  assert.match(s, /><\/iframe>$/);
  assert.equal(escapeAttr('<a & "b">'), '&lt;a &amp; &quot;b&quot;&gt;');
});

test('fields are named for people in both languages', () => {
  assert.equal(fieldName('runs[1].optimizer.lr', 'en'), 'run 2, learning rate');
  assert.equal(fieldName('runs[1].optimizer.lr', 'ja'), '実行 2 の学習率');
  assert.equal(fieldName('runs[0].scheduler.T_max', 'en'), 'run 1, T_max');
  assert.equal(fieldName('runs[0].optimizer.betas[1]', 'en'), 'run 1, betas');
  assert.equal(fieldName('runs[3]', 'ja'), '実行 4');
  assert.equal(fieldName('surface.b', 'ja'), '損失関数のパラメータ b');
  assert.equal(fieldName('steps', 'en'), 'number of steps');
  assert.equal(fieldName('test_shift[1]', 'ja'), 'テスト用のずれ');
  assert.equal(fieldName('bb', 'en'), 'setting bb');
  assert.equal(fieldName('', 'en'), '');
});

test('the decoder’s and the server’s messages read in Japanese', () => {
  const cases = [
    ['must be > 0 and finite, got -1', '0 より大きい数にしてください(指定された値: -1)'],
    ['must be in [0.01, 1000], got 5000', '0.01 から 1000 までの数にしてください(指定された値: 5000)'],
    ['unknown optimizer "sgdd"; allowed: sgd, adam', '「sgdd」という最適化手法はありません。使えるもの: sgd, adam'],
    ['must be a whole number in 1…10000, got "0"', '1 から 10000 までの整数にしてください(指定された値: 0)'],
    ['unknown key "momentum" for adam', '「momentum」は adam の設定にはありません'],
    ['"lr" is given twice; the first is used', '「lr」が2回以上指定されています。最初の値を使いました'],
    ['at most 8 runs; the rest were left out', '実行は 8 個までです。それより後は省きました'],
    ['x = 1e9 is too far outside the map; allowed: -30 … 30', 'x = 1e9 は地図から離れすぎています。-30 … 30 の範囲にしてください'],
    ['must be four numbers xmin,xmax,ymin,ymax, got "1,2"', 'xmin,xmax,ymin,ymax の4つの数にしてください(指定された値: 1,2)'],
    ['must be a whole number in 0…10000 (0: as fast as possible), got "x"', '0 から 10000 までの整数にしてください。0 は最速です(指定された値: x)'],
  ];
  for (const [en, ja] of cases) assert.equal(localizeMessage(en, 'ja'), ja, en);
  // English stays readable; an unknown message is kept as it is
  assert.equal(localizeMessage('must be > 0 and finite, got -1', 'en'), 'must be greater than 0, got -1');
  assert.equal(localizeMessage('something new happened', 'ja'), 'something new happened');
});

test('every message the link decoder writes is translated', async () => {
  const { decodeQuery } = await import('../state.js');
  const bad = '?surface=quadratic&steps=0&rate=-1&view=1,2&shift=a&lang=fr&zz=1'
    + '&run=sgdd,lr=1&run=sgd,lr=-1,momentum=x,foo=1,x=1e9,seed=-2,label=' + 'a'.repeat(80) + ',sched=nope&run=adam,bad';
  const { errors } = decodeQuery(bad);
  assert.ok(errors.length >= 8, JSON.stringify(errors));
  for (const e of errors) {
    const d = describeError(e, 'ja');
    assert.match(d.text, /[\u3040-\u30ff\u4e00-\u9fff]/, `${e.field}: ${e.message} → ${d.text}`);
    assert.ok(d.where, e.field);
  }
});

test('lessons are ordered by lesson, texts fall back to English, links keep the language', () => {
  const ps = [{ id: 'b', lesson: 3 }, { id: 'a', lesson: 1 }, { id: 'c', lesson: 3 }, { id: 'z' }];
  assert.deepEqual(orderLessons(ps).map((p) => p.id), ['a', 'b', 'c', 'z']);
  // the server's numbers (1 … N, each once) decide when given
  const numbered = [{ id: 'b', lesson: 3, number: 3 }, { id: 'a', lesson: 1, number: 1 }, { id: 'c', lesson: 3, number: 2 }];
  assert.deepEqual(orderLessons(numbered).map((p) => p.id), ['a', 'c', 'b']);
  const p = { id: 'x', title: 'T', titles: { en: 'Title', ja: '題' }, summaries: { en: 'S' } };
  assert.equal(presetText(p, 'titles', 'title', 'ja'), '題');
  assert.equal(presetText(p, 'summaries', 'summary', 'ja'), 'S');
  assert.equal(lessonHref({ id: 'too-large', link: '/p/too-large' }, 'ja'), '/p/too-large?lang=ja');
  assert.equal(lessonHref({ id: 'a b' }, 'en'), '/p/a%20b');
});

test('the reference card has the same shape in both languages and says it is a rule of thumb', () => {
  for (const lang of ['en', 'ja']) {
    const S = STRINGS[lang];
    assert.equal(S['card.head'].length, 4);
    assert.equal(S['card.rows'].length, 5);
    for (const r of S['card.rows']) assert.equal(r.length, 4);
  }
  assert.match(STRINGS.en['card.intro'], /not laws/);
  assert.match(STRINGS.ja['card.intro'], /経験則/);
  for (const v of ['1e-3', '1e-4', '3e-3', '0.1', '1e-5', '5e-5', '5–10 %']) {
    assert.ok(STRINGS.en['card.rows'].flat().join(' ').includes(v), v);
  }
});

test('a formula error says its position once, in the page\'s language alone', async () => {
  const { formulaMessage } = await import('../formula.js');
  const { t } = await import('../i18n.js');
  const msg = "unknown name 'z' at column 5; use x, y, pi, e";
  const en = formulaMessage((k, v) => t('en', k, v), 'en', msg);
  assert.equal(en.lead, 'Character 5:');
  assert.equal(en.text, "unknown name 'z'; use x, y, pi, e");
  assert.doesNotMatch(`${en.lead} ${en.text}`, /column/);
  const ja = formulaMessage((k, v) => t('ja', k, v), 'ja', msg);
  assert.equal(ja.lead, '5 文字目:');
  assert.match(ja.text, /「z」という名前はありません/);
  assert.doesNotMatch(ja.text, /[a-y]{3,}/, 'no English after the Japanese');
  // the banner of a link with a bad formula, in Japanese
  const banner = describeError({ field: 'surface.formula', message: "unknown function 'sinn' at column 1; known: sin, cos" }, 'ja');
  assert.equal(banner.text, '1 文字目: 「sinn」という関数はありません');
  assert.equal(describeError({ field: 'surface.formula', message: 'formula is empty; write an expression in x and y, such as x^2 + 10*y^2' }, 'en').text,
    'Not a valid formula: formula is empty; write an expression in x and y, such as x^2 + 10*y^2');
});
