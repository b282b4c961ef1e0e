// room.js: the classroom's pure logic (docs/API.md, "Classrooms"): the
// room's code in a path and as typed, where the teacher's token is kept,
// the messages a member sends, the reducer of the room's messages, the
// questions that fit a scenario and the tally as bars. Pure: no DOM, no
// socket (classroom.js draws and sends).

/** ROOM_PATH matches the page of a room, /r/CODE. */
const ROOM_PATH = /^\/r\/([A-Za-z0-9]{4,16})\/?$/;

/** roomFromPath returns the room code in a pathname ("/r/K7QX2M" → "K7QX2M"), or null. */
export function roomFromPath(pathname) {
  const m = ROOM_PATH.exec(pathname || '');
  return m ? m[1].toUpperCase() : null;
}

/**
 * normalizeCode turns what a student typed into a code: spaces, dashes and
 * dots dropped, upper case. It returns '' when what is left is not 4 to 16
 * letters and digits.
 */
export function normalizeCode(typed) {
  const s = String(typed || '').replace(/[\s\-.·・ー－]/g, '').toUpperCase()
    // full-width letters and digits, as a Japanese keyboard may type them
    .replace(/[Ａ-Ｚ０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  return /^[A-Z0-9]{4,16}$/.test(s) ? s : '';
}

/** spacedCode groups a code in fours for reading aloud and from afar ("K7QW3MZP" → "K7QW 3MZP"). */
export function spacedCode(code) {
  return String(code || '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** tokenKey is the localStorage key of the teacher token of a room. */
export const tokenKey = (code) => `lrlab.room.${code}.token`;

/** memberKey is the sessionStorage key of a student's member id in a room (one per tab, kept across reloads). */
export const memberKey = (code) => `lrlab.room.${code}.member`;

/** newMemberId returns a member id the server accepts (8 … 64 of A-Z a-z 0-9 _ -) from random bytes. */
export function newMemberId(bytes) {
  return `m-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** joinMessage is the first message of a member's socket: the teacher's with its token, a student's with its member id. */
export function joinMessage(code, token, member = null) {
  if (token) return { type: 'join', room: code, role: 'teacher', token };
  const m = { type: 'join', room: code, role: 'student' };
  if (member) m.member = member;
  return m;
}

/** voteMessage is a student's vote for choice k of question id. */
export const voteMessage = (id, k) => ({ type: 'vote', question: id, choice: k });

/** endMessage ends the class (teacher only). */
export const endMessage = () => ({ type: 'end' });

/**
 * newRoom returns the room as the page knows it: the code, the role, the
 * number of students, the question being asked and its tally and reveal,
 * this student's vote, and whether the class has ended or the code is
 * unknown.
 */
export function newRoom(code, role) {
  return {
    code, role, joined: false, members: 0,
    member: null, // the student's member id, as the server knows it
    teacher: true, // the teacher is connected
    clock: null, // {paused, rate, running}: the room's
    question: null, // {id, text, choices, kind, run}
    tally: null, // {counts, voters} (teacher only, everyone's after the reveal)
    reveal: null, // {answer, detail}
    vote: null, // this student's choice
    ended: '', // why the class ended: 'teacher', 'expired', 'replaced'
    unknown: false, // the room does not exist (or has expired)
    refused: '', // the field of an error that closed the socket ('token', 'room')
    degraded: '', // the server lost its back end: its error
    error: '', // the last question error (the teacher's)
  };
}

/**
 * reduceRoom applies a server message to room (a newRoom record) and
 * returns true when it was a room message. It changes room in place.
 */
export function reduceRoom(room, m) {
  switch (m.type) {
    case 'joined':
      room.joined = true;
      room.unknown = false;
      room.refused = '';
      if (m.role === 'teacher' || m.role === 'student') room.role = m.role;
      if (Number.isInteger(m.members)) room.members = m.members;
      if (typeof m.member === 'string') room.member = m.member;
      if (typeof m.teacher === 'boolean') room.teacher = m.teacher;
      return true;
    case 'state':
      room.clock = { paused: !!m.paused, rate: Number.isFinite(m.rate) ? m.rate : null, running: !!m.running };
      return true;
    case 'teacher':
      room.teacher = !!m.present;
      return true;
    case 'room_status':
      room.degraded = m.status === 'degraded' ? String(m.error || 'degraded') : '';
      return true;
    case 'voted':
      if (room.question && m.question === room.question.id && Number.isInteger(m.choice)) room.vote = m.choice;
      return true;
    case 'presence':
      if (Number.isInteger(m.members)) room.members = m.members;
      return true;
    case 'question': {
      const q = readQuestion(m.question || m);
      if (!q) return true;
      if (!room.question || room.question.id !== q.id) {
        room.tally = null;
        room.reveal = null;
        room.vote = null;
      }
      room.question = q;
      room.error = '';
      return true;
    }
    case 'tally':
      if (room.question && m.question === room.question.id && Array.isArray(m.counts)) {
        room.tally = { counts: m.counts.map(count), voters: Number.isInteger(m.voters) ? m.voters : sum(m.counts) };
      }
      return true;
    case 'reveal':
      if (room.question && m.question === room.question.id) {
        room.reveal = { answer: Number.isInteger(m.answer) ? m.answer : null, detail: m.detail && typeof m.detail === 'object' ? m.detail : null };
        if (Array.isArray(m.counts)) room.tally = { counts: m.counts.map(count), voters: Number.isInteger(m.voters) ? m.voters : sum(m.counts) };
        room.error = '';
      }
      return true;
    case 'ended':
      room.ended = typeof m.reason === 'string' && m.reason ? m.reason : 'teacher';
      room.question = null;
      return true;
    case 'error':
      // before `joined`, an error on the room or the token closes the socket
      if (!room.joined && (m.field === 'room' || m.field === 'token')) {
        room.refused = m.field;
        if (m.field === 'room') room.unknown = true;
        return true;
      }
      if (/^(question|answer|choice)(\.|$)/.test(m.field || '')) {
        room.error = String(m.error || '');
        return true;
      }
      return false;
  }
  return false;
}

const count = (v) => (Number.isInteger(v) && v >= 0 ? v : 0);
const sum = (a) => a.reduce((s, v) => s + count(v), 0);

/** readQuestion returns a question {id, text, choices, kind, run} from a message, or null when it has no id or choices. */
export function readQuestion(q) {
  if (!q || typeof q !== 'object' || typeof q.id !== 'string' || !q.id) return null;
  if (!Array.isArray(q.choices) || q.choices.length < 2) return null;
  const kind = typeof q.kind === 'string' && q.kind !== 'typed' ? q.kind : '';
  return {
    id: q.id,
    text: typeof q.text === 'string' ? q.text : '',
    choices: q.choices.map((c) => String(c)),
    kind, // '' for a typed question
    run: Number.isInteger(q.run) ? q.run : null,
  };
}

/** KINDS are the questions whose answer the simulation decides. */
export const KINDS = ['outcome', 'first_to_minimum', 'basin'];

/**
 * questionTexts returns a question's text and choices in the page's
 * language: a typed question's as the teacher wrote them; a computed one's
 * from its kind (room.q.<kind>) and its choices' keys (room.choice.<key>,
 * a run's name for a run index, room.minimum.<label> for a minimum).
 */
export function questionTexts(q, t, runName) {
  if (!q.kind) return { text: q.text, choices: q.choices };
  const run = q.run !== null ? runName(q.run) : '';
  const text = t(`room.q.${q.kind}`, { run });
  const choices = q.choices.map((c) => {
    if (/^\d+$/.test(c) && q.kind === 'first_to_minimum') return runName(Number(c));
    if (q.kind === 'basin' && c !== 'none') return t(`room.minimum.${c}`);
    return t(`room.choice.${c}`);
  });
  return { text, choices };
}

/**
 * tallyBars turns the counts of a question's choices into bars: for each
 * choice its label, count, share of the voters (0 … 1), length relative to
 * the longest bar (0 … 1) and whether it is the revealed answer.
 */
export function tallyBars(choices, counts, answer = null) {
  const n = choices.length;
  const c = choices.map((_, i) => count(counts && counts[i]));
  const voters = c.reduce((s, v) => s + v, 0);
  const top = Math.max(0, ...c);
  return choices.map((label, i) => ({
    label, count: c[i],
    share: voters > 0 ? c[i] / voters : 0,
    length: top > 0 ? c[i] / top : 0,
    answer: answer === i,
    index: i,
  })).slice(0, n);
}

/** percent formats a share (0 … 1) as a whole percentage. */
export const percent = (share) => `${Math.round(share * 100)}%`;

/** OUTCOMES are the choices of an outcome question, in the server's order. */
export const OUTCOMES = ['converge', 'oscillate', 'diverge'];

/**
 * suggestQuestions returns the questions that fit a scenario, for the
 * teacher to pick from: the preset's ready questions first (preset.questions,
 * {kind, run}), then one outcome question per run (up to 4), "which run
 * reaches the minimum first" when there are two runs or more (not on a
 * game), and "which minimum will it end in" on a surface with two minima
 * or more (info: the surface's catalog entry). The simulation decides every
 * answer. Each is {kind, run, text, choices} with the texts in the page's
 * language (questionTexts).
 */
export function suggestQuestions(scenario, info, t, runName, preset = null) {
  const runs = (scenario && scenario.runs) || [];
  const list = [];
  const add = (kind, run) => {
    if (!KINDS.includes(kind)) return;
    if (kind !== 'first_to_minimum' && !(Number.isInteger(run) && run >= 0 && run < runs.length)) return;
    if (list.some((q) => q.kind === kind && q.run === run)) return;
    list.push({ kind, run: kind === 'first_to_minimum' ? null : run });
  };
  for (const q of (preset && Array.isArray(preset.questions) ? preset.questions : [])) {
    if (q && typeof q === 'object') add(q.kind, Number.isInteger(q.run) ? q.run : null);
  }
  const game = info && info.kind === 'game';
  runs.slice(0, 4).forEach((_, i) => add('outcome', i));
  if (runs.length >= 2 && !game) add('first_to_minimum', null);
  const minima = basins(info);
  if (minima.length >= 2) runs.slice(0, 2).forEach((_, i) => add('basin', i));
  return list.map((q) => ({ ...q, ...questionTexts({ ...q, choices: choiceKeys(q, runs.length, minima) }, t, runName) }));
}

/** choiceKeys returns the choices the server will give a computed question. */
export function choiceKeys(q, nruns, minima) {
  if (q.kind === 'outcome') return OUTCOMES.slice();
  if (q.kind === 'first_to_minimum') return Array.from({ length: nruns }, (_, i) => String(i)).concat('none');
  if (q.kind === 'basin') return minima.map((m) => m.label).concat('none');
  return [];
}

/** basins returns the minima of a surface a run can end in (its labelled minima without saddles and equilibria). */
export function basins(info) {
  return ((info && info.minima) || []).filter((m) => m && m.label && m.label !== 'saddle' && m.label !== 'equilibrium');
}

/**
 * askMessage builds the teacher's question with an id unique in the room:
 * a computed one by its kind (and run), a typed one by its text and
 * choices (cut to the server's limits: 300 and 100 characters, 8 choices).
 */
export function askMessage(id, q) {
  if (q.kind) {
    const question = { id, kind: q.kind };
    if (Number.isInteger(q.run)) question.run = q.run;
    return { type: 'ask', question };
  }
  return { type: 'ask', question: { id, text: String(q.text || '').slice(0, 300), choices: q.choices.slice(0, 8).map((c) => String(c).slice(0, 100)) } };
}

/** revealMessage reveals a question: a typed one with the teacher's answer, a computed one without (the server decides). */
export function revealMessage(id, answer = null) {
  return Number.isInteger(answer) ? { type: 'reveal', question: id, answer } : { type: 'reveal', question: id };
}

/**
 * parseChoices reads the choices a teacher typed, one a line (or separated
 * by "/" or "|" on one line), without blanks or repeats; at most max.
 */
export function parseChoices(text, max = 8) {
  const raw = String(text || '');
  const parts = raw.includes('\n') ? raw.split('\n') : raw.split(/[|/]/);
  const out = [];
  for (const p of parts) {
    const c = p.trim();
    if (c && !out.includes(c)) out.push(c);
  }
  return out.slice(0, max);
}
