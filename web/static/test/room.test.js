import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  roomFromPath, normalizeCode, spacedCode, tokenKey, memberKey, newMemberId, joinMessage, voteMessage,
  newRoom, reduceRoom, readQuestion, questionTexts, tallyBars, percent, suggestQuestions, choiceKeys,
  askMessage, revealMessage, parseChoices, basins,
} from '../room.js';
import { translator, addStrings } from '../i18n.js';
import ROOM_TEXT from '../text-room.js';

addStrings(ROOM_TEXT); // as classroom.js does
const en = translator('en');
const ja = translator('ja');
const names = (i) => ['LR 0.19', 'LR 0.21', 'Adam'][i] ?? `Run ${i + 1}`;

test('codes in paths and as typed', () => {
  assert.equal(roomFromPath('/r/K7QW3MZP'), 'K7QW3MZP');
  assert.equal(roomFromPath('/r/k7qw3mzp/'), 'K7QW3MZP');
  assert.equal(roomFromPath('/'), null);
  assert.equal(roomFromPath('/r/'), null);
  assert.equal(roomFromPath('/r/K7QW3MZP/qr.svg'), null);
  assert.equal(roomFromPath('/p/too-large'), null);
  assert.equal(normalizeCode(' k7qw-3mzp '), 'K7QW3MZP');
  assert.equal(normalizeCode('K7QW 3MZP'), 'K7QW3MZP');
  assert.equal(normalizeCode('Ｋ７ＱＷ３ＭＺＰ'), 'K7QW3MZP', 'full-width, as a Japanese keyboard types it');
  assert.equal(normalizeCode('K7'), '');
  assert.equal(normalizeCode('K7QW3MZP<script>'), '');
  assert.equal(spacedCode('K7QW3MZP'), 'K7QW 3MZP');
  assert.equal(spacedCode('ABC'), 'ABC');
});

test('join, vote and the storage keys', () => {
  assert.deepEqual(joinMessage('K7QW3MZP', 'secret'), { type: 'join', room: 'K7QW3MZP', role: 'teacher', token: 'secret' });
  assert.deepEqual(joinMessage('K7QW3MZP', null, 'm-0a0b0c0d'), { type: 'join', room: 'K7QW3MZP', role: 'student', member: 'm-0a0b0c0d' });
  assert.deepEqual(joinMessage('K7QW3MZP', null), { type: 'join', room: 'K7QW3MZP', role: 'student' });
  assert.equal('token' in joinMessage('K7QW3MZP', null, 'm-1'), false, 'a student never sends a token');
  assert.deepEqual(voteMessage('q1', 2), { type: 'vote', question: 'q1', choice: 2 });
  assert.equal(tokenKey('K7QW3MZP'), 'lrlab.room.K7QW3MZP.token');
  assert.notEqual(memberKey('K7QW3MZP'), tokenKey('K7QW3MZP'));
  const id = newMemberId(new Uint8Array([0, 1, 254, 255, 16, 32, 48, 64, 80, 96, 112, 128]));
  assert.equal(id, 'm-0001feff102030405060708' + '0');
  assert.match(id, /^[A-Za-z0-9_-]{8,64}$/, 'what the server accepts');
});

test('the room reducer: join, presence, a question, votes, the reveal', () => {
  const r = newRoom('K7QW3MZP', 'student');
  assert.equal(reduceRoom(r, { type: 'joined', room: 'K7QW3MZP', role: 'student', member: 'm-x', members: 31, teacher: true }), true);
  assert.equal(r.joined, true);
  assert.equal(r.members, 31);
  assert.equal(r.member, 'm-x');
  assert.equal(reduceRoom(r, { type: 'frame', runs: [] }), false, 'simulation messages are the page’s');
  assert.equal(reduceRoom(r, { type: 'started', scenario: {} }), false);
  reduceRoom(r, { type: 'state', paused: true, rate: 60, running: true });
  assert.deepEqual(r.clock, { paused: true, rate: 60, running: true });
  reduceRoom(r, { type: 'presence', members: 32 });
  assert.equal(r.members, 32);
  reduceRoom(r, { type: 'teacher', present: false });
  assert.equal(r.teacher, false);

  reduceRoom(r, { type: 'question', question: { id: 'q1', kind: 'outcome', run: 0, choices: ['converge', 'oscillate', 'diverge'] } });
  assert.deepEqual(r.question, { id: 'q1', text: '', choices: ['converge', 'oscillate', 'diverge'], kind: 'outcome', run: 0 });
  assert.equal(r.vote, null);
  reduceRoom(r, { type: 'voted', question: 'q1', choice: 2 });
  assert.equal(r.vote, 2);
  reduceRoom(r, { type: 'voted', question: 'q0', choice: 1 });
  assert.equal(r.vote, 2, 'a vote for another question is not this one’s');
  // the same question again (a catch-up) keeps the vote
  reduceRoom(r, { type: 'question', question: { id: 'q1', kind: 'outcome', run: 0, choices: ['converge', 'oscillate', 'diverge'] } });
  assert.equal(r.vote, 2);
  reduceRoom(r, { type: 'tally', question: 'q0', counts: [9, 9, 9], voters: 27 });
  assert.equal(r.tally, null, 'a stale tally is dropped');
  reduceRoom(r, { type: 'reveal', question: 'q1', answer: 1, counts: [3, 20, 8], voters: 31, detail: { run: 0, reversals: 20, window: 20, status: 'completed' } });
  assert.deepEqual(r.reveal, { answer: 1, detail: { run: 0, reversals: 20, window: 20, status: 'completed' } });
  assert.deepEqual(r.tally, { counts: [3, 20, 8], voters: 31 });
  // a new question clears the old one's vote, tally and reveal
  reduceRoom(r, { type: 'question', question: { id: 'q2', kind: 'typed', text: 'Best LR?', choices: ['0.01', '0.1'] } });
  assert.equal(r.question.kind, '', 'typed');
  assert.equal(r.question.text, 'Best LR?');
  assert.equal(r.vote, null);
  assert.equal(r.reveal, null);
  assert.equal(r.tally, null);

  reduceRoom(r, { type: 'ended', reason: 'expired' });
  assert.equal(r.ended, 'expired');
  assert.equal(r.question, null);
});

test('the teacher’s tally and question errors', () => {
  const r = newRoom('K7QW3MZP', 'teacher');
  reduceRoom(r, { type: 'joined', room: 'K7QW3MZP', role: 'teacher', members: 2, teacher: true });
  reduceRoom(r, { type: 'question', question: { id: 'q1', kind: 'outcome', run: 0, choices: ['converge', 'oscillate', 'diverge'] } });
  reduceRoom(r, { type: 'tally', question: 'q1', counts: [1, 0, 1], voters: 2 });
  assert.deepEqual(r.tally, { counts: [1, 0, 1], voters: 2 });
  reduceRoom(r, { type: 'tally', question: 'q1', counts: [1, -4, 'x'] });
  assert.deepEqual(r.tally, { counts: [1, 0, 0], voters: 1 }, 'bad counts read as 0; voters summed when absent');
  assert.equal(reduceRoom(r, { type: 'error', field: 'question', error: 'not decided yet: run 0 is still running' }), true);
  assert.match(r.error, /not decided yet/);
  assert.equal(reduceRoom(r, { type: 'error', field: 'runs[0].optimizer.lr', error: 'must be > 0' }), false, 'the page’s own errors stay the page’s');
  assert.equal(r.refused, '', 'after joined, an error does not mean the room refused');
});

test('an unknown room or a wrong token before joined', () => {
  const r = newRoom('ZZZZZZZZ', 'student');
  assert.equal(reduceRoom(r, { type: 'error', field: 'room', error: 'no such room: check the code' }), true);
  assert.equal(r.unknown, true);
  assert.equal(r.refused, 'room');
  const t = newRoom('K7QW3MZP', 'teacher');
  reduceRoom(t, { type: 'error', field: 'token', error: 'wrong token' });
  assert.equal(t.refused, 'token');
  assert.equal(t.unknown, false);
});

test('questions: read, and written in the page’s language', () => {
  assert.equal(readQuestion({ id: 'q1', choices: ['a'] }), null, 'one choice is no question');
  assert.equal(readQuestion({ choices: ['a', 'b'] }), null, 'no id');
  assert.equal(readQuestion(null), null);
  const out = readQuestion({ id: 'q1', kind: 'outcome', run: 1, choices: ['converge', 'oscillate', 'diverge'] });
  assert.deepEqual(questionTexts(out, en, names), {
    text: 'Will LR 0.21 converge, oscillate or diverge?', choices: ['It converges', 'It oscillates', 'It diverges'],
  });
  assert.deepEqual(questionTexts(out, ja, names).choices, ['収束する', '振動する', '発散する']);
  const first = readQuestion({ id: 'q2', kind: 'first_to_minimum', choices: ['0', '1', '2', 'none'] });
  assert.deepEqual(questionTexts(first, en, names).choices, ['LR 0.19', 'LR 0.21', 'Adam', 'None of them']);
  assert.equal(questionTexts(first, ja, names).text, '最初に最小値へ着くのはどの実行?');
  const basin = readQuestion({ id: 'q3', kind: 'basin', run: 0, choices: ['sharp', 'flat', 'none'] });
  assert.deepEqual(questionTexts(basin, en, names).choices, ['the sharp minimum', 'the flat minimum', 'None of them']);
  const typed = readQuestion({ id: 'q4', kind: 'typed', text: 'Which LR?', choices: ['0.1', '1'] });
  assert.deepEqual(questionTexts(typed, ja, names), { text: 'Which LR?', choices: ['0.1', '1'] }, 'the teacher’s own words, as typed');
});

test('every room text exists in English and Japanese', async () => {
  const { default: { en: EN, ja: JA } } = await import('../text-room.js');
  const keys = Object.keys(EN).filter((k) => k.startsWith('room.'));
  assert.ok(keys.length > 60);
  for (const k of keys) {
    assert.ok(k in JA, `${k} in Japanese`);
    assert.notEqual(JA[k], EN[k], `${k} is translated`);
    const vars = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
    assert.equal(vars(JA[k]), vars(EN[k]), `${k}: the same placeholders`);
  }
  for (const k of Object.keys(JA).filter((x) => x.startsWith('room.'))) assert.ok(k in EN, `${k} in English`);
  // the keys the server's docs name for computed questions
  for (const k of ['room.q.outcome', 'room.q.first_to_minimum', 'room.q.basin', 'room.choice.converge', 'room.choice.oscillate',
    'room.choice.diverge', 'room.choice.none', 'room.minimum.global', 'room.minimum.local', 'room.minimum.sharp', 'room.minimum.flat',
    'room.minimum.equilibrium']) assert.ok(k in EN, k);
});

test('tally → bars', () => {
  const bars = tallyBars(['a', 'b', 'c'], [3, 20, 8], 1);
  assert.deepEqual(bars.map((b) => b.count), [3, 20, 8]);
  assert.deepEqual(bars.map((b) => b.length), [3 / 20, 1, 8 / 20], 'the longest bar is full');
  assert.ok(Math.abs(bars.reduce((s, b) => s + b.share, 0) - 1) < 1e-12, 'shares of the voters sum to 1');
  assert.deepEqual(bars.map((b) => b.answer), [false, true, false]);
  assert.deepEqual(bars.map((b) => percent(b.share)), ['10%', '65%', '26%']);
  const none = tallyBars(['a', 'b'], [], null);
  assert.deepEqual(none.map((b) => [b.count, b.share, b.length, b.answer]), [[0, 0, 0, false], [0, 0, 0, false]], 'no votes: empty bars, no NaN');
  assert.equal(tallyBars(['a', 'b'], [1, 2, 99]).length, 2, 'counts past the choices are ignored');
});

test('questions that fit a scenario', () => {
  const twoRuns = { runs: [{}, {}] };
  const bowl = { name: 'quadratic', kind: 'minimize', minima: [{ x: 0, y: 0, label: 'global' }] };
  let qs = suggestQuestions(twoRuns, bowl, en, names);
  assert.deepEqual(qs.map((q) => [q.kind, q.run]), [['outcome', 0], ['outcome', 1], ['first_to_minimum', null]]);
  assert.equal(qs[1].text, 'Will LR 0.21 converge, oscillate or diverge?');
  assert.deepEqual(qs[2].choices, ['LR 0.19', 'LR 0.21', 'None of them']);
  // one run: no race
  qs = suggestQuestions({ runs: [{}] }, bowl, en, names);
  assert.deepEqual(qs.map((q) => q.kind), ['outcome']);
  // two minima: which one
  const sf = { name: 'sharp_flat', minima: [{ label: 'sharp' }, { label: 'flat' }, { label: 'saddle' }] };
  qs = suggestQuestions({ runs: [{}] }, sf, en, names);
  assert.deepEqual(qs.map((q) => q.kind), ['outcome', 'basin']);
  assert.deepEqual(qs[1].choices, ['the sharp minimum', 'the flat minimum', 'None of them'], 'saddles are no basin');
  assert.deepEqual(basins(sf).map((m) => m.label), ['sharp', 'flat']);
  // a game: no race to the minimum
  qs = suggestQuestions(twoRuns, { kind: 'game', minima: [{ label: 'equilibrium' }] }, en, names);
  assert.deepEqual(qs.map((q) => q.kind), ['outcome', 'outcome']);
  // a preset's ready questions come first, once, and bad ones are left out
  const preset = { questions: [{ id: 'too-large-outcome-1', kind: 'outcome', run: 1 }, { kind: 'outcome', run: 7 }, { kind: 'guess' }] };
  qs = suggestQuestions(twoRuns, bowl, ja, names, preset);
  assert.deepEqual(qs.map((q) => [q.kind, q.run]), [['outcome', 1], ['outcome', 0], ['first_to_minimum', null]]);
  assert.equal(qs[0].text, 'LR 0.21 は収束する? 振動する? 発散する?');
  assert.deepEqual(choiceKeys({ kind: 'first_to_minimum' }, 3, []), ['0', '1', '2', 'none']);
});

test('ask and reveal messages', () => {
  assert.deepEqual(askMessage('q1', { kind: 'outcome', run: 0, text: 'ignored', choices: ['x'] }), { type: 'ask', question: { id: 'q1', kind: 'outcome', run: 0 } },
    'a computed question carries no text or choices: the server gives them');
  assert.deepEqual(askMessage('q2', { kind: 'first_to_minimum', run: null }), { type: 'ask', question: { id: 'q2', kind: 'first_to_minimum' } });
  const long = askMessage('q3', { text: 'x'.repeat(400), choices: Array.from({ length: 10 }, (_, i) => `${i}`.repeat(120)) });
  assert.equal(long.question.text.length, 300);
  assert.equal(long.question.choices.length, 8);
  assert.ok(long.question.choices.every((c) => c.length <= 100));
  assert.deepEqual(revealMessage('q1'), { type: 'reveal', question: 'q1' });
  assert.deepEqual(revealMessage('q2', 0), { type: 'reveal', question: 'q2', answer: 0 });
  assert.deepEqual(parseChoices('0.01\n 0.1 \n\n1\n0.1'), ['0.01', '0.1', '1']);
  assert.deepEqual(parseChoices('yes / no | maybe'), ['yes', 'no', 'maybe']);
  assert.equal(parseChoices('a\nb\nc\nd\ne\nf\ng\nh\ni\nj').length, 8);
});
