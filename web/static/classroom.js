// classroom.js: the page's side of a class (docs/API.md, "Classrooms").
// On the lab it adds "Start a class" and "Join a class" to the header. On
// /r/CODE it joins the room over the page's socket: the teacher (who holds
// the room's token in localStorage, never in a URL) drives the lab as
// usual and sees the join code, link, QR code, the number of students and
// the questions' live tallies; a student's page follows the teacher's
// (its controls locked), votes, and can leave for a private copy ("Try it
// yourself") and come back with one press. The pure parts are room.js; what
// the browser keeps of a class (token, member id) is roomstore.js.

import { el } from './controls.js';
import { roomData, memberId, teacherToken, keepToken, forgetToken } from './roomstore.js';
import { fromScenario } from './state.js';
import { mergeFrame, applyDone, applySetOK, deriveLimit } from './protocol.js';
import {
  roomFromPath, normalizeCode, spacedCode, joinMessage, voteMessage, endMessage,
  newRoom, reduceRoom, tallyBars, percent, suggestQuestions, askMessage, revealMessage, parseChoices, questionTexts,
} from './room.js';
import ROOM_TEXT from './text-room.js';
import { addStrings } from './i18n.js';

addStrings(ROOM_TEXT); // the panel's own texts, before it draws

/**
 * mountClassroom mounts the class's parts of the page. hooks (main.js):
 * view() → {state, data, t, lang, info, presets, lesson, started, conn};
 * send(msg) on the page's current socket; adopt(scenario) follows the
 * room's scenario; start(paused) starts the page's scenario (the teacher's);
 * exchange(session) swaps the page's {state, data, started, playing, socket}
 * and returns the one it replaced; connect() opens a plain (solo) socket;
 * scenario() and query() give the page's scenario and share query;
 * runName(i); closeSocket(); clock(state) follows the room's clock. It
 * returns {wrap(handlers), opened(), booted(), locked(), teaching()}: wrap
 * gives the room socket's handlers, opened is called when the page's socket
 * opens (true: the room took it), locked says that the page may not change
 * the simulation (a student following), teaching that it leads a class (a
 * reset keeps the scenario on the students' screens, paused).
 */
export function mountClassroom(hooks) {
  const code = roomFromPath(location.pathname);
  if (!code) return mountLobby(hooks);
  return mountRoom(hooks, code);
}

// ---------------------------------------------------------------- the lab: start or join a class

function mountLobby(hooks) {
  const { t, lang } = hooks.view();
  const tools = document.querySelector('.top-tools');
  const start = el('button', { type: 'button', id: 'class-start', class: 'class-start', text: t('room.start'), title: t('room.startTip') });
  const codeInput = el('input', {
    id: 'class-code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    maxlength: '24', placeholder: t('room.codePlaceholder'), 'aria-label': t('room.codeLabel'), enterkeyhint: 'go',
  });
  const join = el('button', { type: 'submit', id: 'class-join', text: t('room.join') });
  const msg = el('span', { id: 'class-msg', class: 'class-msg', role: 'status' });
  const form = el('form', { class: 'class-join', id: 'class-join-form' }, codeInput, join);
  const box = el('div', { class: 'class-tools', id: 'class-tools' }, start, form, msg);
  if (tools) tools.prepend(box); else document.querySelector('header.top').append(box);

  start.addEventListener('click', async () => {
    start.disabled = true;
    msg.textContent = t('room.starting');
    try {
      const res = await fetch('/api/v1/rooms', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ scenario: hooks.scenario() }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || !body.room || !body.teacher_token) throw new Error(body.error || `HTTP ${res.status}`);
      keepToken(body.room, body.teacher_token);
      const q = hooks.query();
      const join = body.join_url || `/r/${body.room}`;
      location.href = `${join}?${q}${q ? '&' : ''}lang=${lang}`;
    } catch (e) {
      msg.textContent = t('room.startFailed', { why: e.message });
      start.disabled = false;
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const c = normalizeCode(codeInput.value);
    if (!c) { msg.textContent = t('room.badCode'); codeInput.setAttribute('aria-invalid', 'true'); return; }
    codeInput.removeAttribute('aria-invalid');
    msg.textContent = '';
    // asked first, so that a wrong code is said here, in the page's language
    try {
      const res = await fetch(`/r/${c}`, { method: 'HEAD' });
      if (res.status === 404) { msg.textContent = t('room.unknown', { code: spacedCode(c) }); codeInput.setAttribute('aria-invalid', 'true'); return; }
      if (res.status === 429) { msg.textContent = t('room.tooMany'); return; }
    } catch { /* the page will say */ }
    location.href = `/r/${c}?lang=${lang}`;
  });
  return { wrap: (h) => h, opened: () => false, booted() {}, locked: () => false, teaching: () => false };
}

// ---------------------------------------------------------------- a room

function mountRoom(hooks, code) {
  const data = roomData() || {};
  const token = teacherToken(code);
  const room = newRoom(code, token ? 'teacher' : 'student');
  if (data.error === 'not_found') room.unknown = true;
  if (data.error === 'rate_limited') room.refused = 'rate';
  const member = room.role === 'student' ? memberId(code) : null;
  let isBooted = false, joinWanted = false;
  let solo = null; // {kept: the class's session while the student tries alone}
  let catchup = false; // joined, no `started` yet: the next one is the room's, the teacher's page adopts it too
  let resumeWanted = false; // the teacher's socket dropped while the class played
  let askSeq = 0;
  let suggestions = [];

  document.body.classList.add('in-room', room.role === 'teacher' ? 'room-teacher' : 'room-student');
  const root = el('section', { id: 'classroom', class: `classroom ${room.role}` });
  document.querySelector('header.top').after(root);
  const view = () => hooks.view();
  // votes go over the room's socket, also while a student tries alone
  const roomSend = (m) => (solo ? solo.kept.socket.send(m) : hooks.send(m));

  // ---- what the teacher shows the class: the code, the link, the QR code, the students
  const joinURL = typeof data.join_url === 'string' && /^https?:\/\//.test(data.join_url) ? data.join_url : `${location.origin}/r/${code}`;
  const shownURL = joinURL.replace(/^https?:\/\//, '');
  const codeEl = el('strong', { id: 'room-code', class: 'room-code', text: spacedCode(code) });
  // opened from the teacher's page, the link shows the students' view (#student)
  const link = el('a', { id: 'room-link', class: 'room-link', href: `${joinURL}#student`, text: shownURL, target: '_blank', rel: 'noopener noreferrer' });
  const qrSrc = typeof data.qr_url === 'string' && data.qr_url.startsWith('/') ? data.qr_url : `/r/${code}/qr.svg`;
  const qr = el('img', { id: 'room-qr', class: 'room-qr', width: '180', height: '180', alt: '' });
  const members = el('strong', { id: 'room-members', class: 'room-members', text: '0' });
  const membersLabel = el('span', { class: 'room-members-label' });
  const end = el('button', { type: 'button', id: 'room-end', class: 'room-end' });
  const fold = el('button', { type: 'button', id: 'room-fold', class: 'room-fold small', 'aria-pressed': 'false' });
  const joinLabel = el('span', { class: 'room-label' });
  const codeLabel = el('span', { class: 'room-label' });
  const status = el('p', { id: 'room-status', class: 'room-status', role: 'status' });
  // ---- a student's bar: whose class, "Try it yourself" / "Back to the class"
  const soloBtn = el('button', { type: 'button', id: 'room-solo', class: 'room-solo' });
  const following = el('p', { id: 'room-following', class: 'room-following' });
  // ---- the question: the teacher's asking panel, the vote buttons, the bars
  const qbox = el('div', { id: 'room-question', class: 'room-question', 'aria-live': 'polite' });

  if (room.role === 'teacher') {
    if (!room.unknown) qr.src = qrSrc;
    root.append(
      el('div', { class: 'room-bar' },
        el('div', { class: 'room-where' }, joinLabel, link, codeLabel, codeEl),
        qr,
        el('div', { class: 'room-side' }, el('p', { class: 'room-count' }, members, ' ', membersLabel), el('div', { class: 'room-buttons' }, end, fold), status)),
      qbox);
    // once the class has joined, the join box folds to one line and leaves the map more room
    fold.addEventListener('click', () => {
      root.classList.toggle('folded');
      fold.setAttribute('aria-pressed', root.classList.contains('folded') ? 'true' : 'false');
      render();
    });
    // two presses, the second within 4 s: a class is not ended by a slip
    let armed = 0;
    end.addEventListener('click', () => {
      if (armed) { clearTimeout(armed); armed = 0; hooks.send(endMessage()); return; }
      armed = setTimeout(() => { armed = 0; end.classList.remove('armed'); render(); }, 4000);
      end.classList.add('armed');
      end.textContent = view().t('room.endConfirm');
    });
  } else {
    root.append(el('div', { class: 'room-bar student' }, following, soloBtn, status), qbox);
    soloBtn.addEventListener('click', () => (solo ? backToClass() : trySolo()));
  }

  // ---------------------------------------------------------------- socket

  function sendJoin() {
    if (!isBooted) { joinWanted = true; return; }
    joinWanted = false;
    if (room.unknown || room.ended || room.refused) return;
    hooks.send(joinMessage(code, room.role === 'teacher' ? token : null, member));
  }

  /** wrap gives the handlers of the room's socket (the page's first). */
  function wrap(h) {
    return {
      onState(s) {
        if (s !== 'open' && room.joined) {
          // the socket is lost: a teacher whose class was playing resumes it once back
          resumeWanted = room.role === 'teacher' && view().playing;
          room.joined = false;
        }
        if (!solo) { h.onState(s); return; }
        solo.conn = s;
        if (s === 'open') solo.kept.socket.send(joinMessage(code, null, member));
        render();
      },
      onMessage(m) {
        if (reduceRoom(room, m)) { roomMessage(m); render(); return; }
        if (solo) { keep(solo.kept, m); return; }
        if (m.type === 'frame' && room.role === 'student') followLR(m);
        if (m.type === 'started') {
          if (room.role === 'student' || catchup) hooks.adopt(m.scenario);
          catchup = false;
          refreshSuggestions();
          render();
        }
        h.onMessage(m);
      },
    };
  }

  /**
   * followLR keeps a student's run panel on the teacher's live LR: a frame
   * carries the LR of each step, which is the optimizer's own under the
   * constant scheduler (under another the panel keeps the scenario's base LR).
   */
  function followLR(m) {
    const st = view().state;
    for (const fr of m.runs || []) {
      const run = st && st.runs[fr.run];
      const lr = Array.isArray(fr.lr) ? fr.lr[fr.lr.length - 1] : undefined;
      if (run && run.scheduler.name === 'constant' && Number.isFinite(lr) && lr > 0) run.optimizer.lr = lr;
    }
  }

  function roomMessage(m) {
    switch (m.type) {
      case 'joined':
        catchup = true;
        if (resumeWanted) setTimeout(() => { resumeWanted = false; }, 3000);
        break;
      case 'state':
        if (solo) { keep(solo.kept, m); break; }
        if (room.role === 'teacher' && catchup && !m.running) {
          // the room has no scenario yet: the teacher's, paused, so that
          // the students see it (and can answer) before Play
          catchup = false;
          hooks.start(true);
        } else {
          catchup = false;
          hooks.clock(room.clock);
          // (the server pauses a room its teacher takes over: the catch-up's
          // state may still say playing, the pause comes right after it)
          if (resumeWanted && m.running && m.paused) { resumeWanted = false; hooks.send({ type: 'resume' }); }
        }
        break;
      case 'ended': {
        if (m.reason !== 'replaced' && room.role === 'teacher') forgetToken(code);
        // the page goes on alone: what it shows stays, Play starts a solo
        // session, and a reload opens the lab with this scenario
        history.replaceState(null, '', `/${location.search}`);
        const v = view();
        if (solo) { const s = solo; solo = null; s.kept.socket.close(); break; }
        const old = hooks.exchange({ state: v.state, data: v.data, started: false, playing: false, socket: hooks.connect() });
        if (old.socket) old.socket.close();
        break;
      }
      case 'error':
        if (m.field === 'token') {
          // not this room's token (an old one, another browser's): follow as a student
          forgetToken(code);
          location.reload();
        } else if (room.refused) {
          hooks.closeSocket();
        }
        break;
    }
  }

  // ---------------------------------------------------------------- try it yourself

  function trySolo() {
    const state = JSON.parse(JSON.stringify(view().state));
    solo = { conn: 'open', kept: null };
    solo.kept = hooks.exchange({ state, data: [], started: false, playing: false, socket: hooks.connect() });
    document.body.classList.remove('room-follow');
    document.body.classList.add('room-own-copy');
    lockControls(false);
    render();
  }

  function backToClass() {
    const s = solo;
    solo = null;
    const mine = hooks.exchange(s.kept);
    if (mine.socket) mine.socket.close();
    document.body.classList.add('room-follow');
    document.body.classList.remove('room-own-copy');
    lockControls(true);
    render();
  }

  /** keep applies a room message to the class's session while the student is away. */
  function keep(s, m) {
    switch (m.type) {
      case 'started': {
        const st = fromScenario(m.scenario);
        st.lang = s.state.lang; st.rate = s.state.rate;
        s.state = st;
        s.data = [];
        s.started = true;
        break;
      }
      case 'frame':
        for (const c of mergeFrame(s.data, m)) deriveLimit(s.data[c.run], c.from, c.to);
        break;
      case 'done': applyDone(s.data, m); break;
      case 'set_ok': applySetOK(s.data, m); break;
      case 'state':
        s.playing = !!m.running && !m.paused;
        if (!m.running) s.data = [];
        if (Number.isFinite(m.rate)) s.state.rate = m.rate;
        break;
    }
  }

  // ---------------------------------------------------------------- a student's page is locked

  function lockControls(on) {
    for (const id of ['transport', 'surface-panel', 'run-panel']) {
      const e = document.getElementById(id);
      if (e) e.inert = on;
    }
  }

  // ---------------------------------------------------------------- questions

  let suggestedFor = null;
  function refreshSuggestions() {
    if (room.role !== 'teacher') return;
    const v = view();
    suggestedFor = v.lesson;
    suggestions = suggestQuestions(hooks.scenario(), v.info, v.t, hooks.runName, v.lesson);
    askKey = '';
  }

  function ask(q) {
    askSeq++;
    hooks.send(askMessage(`q${Date.now().toString(36)}${askSeq}`, q));
  }

  let askKey = '';
  function renderAsk() {
    const { t, lang } = view();
    const key = JSON.stringify([lang, suggestions.map((q) => q.text), room.question ? room.question.id : '', !!room.reveal]);
    if (key === askKey && qbox.querySelector('.room-ask')) return;
    askKey = key;
    const sel = el('select', { id: 'room-suggest', class: 'room-suggest', 'aria-label': t('room.pick') });
    suggestions.forEach((q, i) => sel.append(el('option', { value: String(i), text: q.text })));
    sel.append(el('option', { value: 'own', text: t('room.own') }));
    const text = el('input', { id: 'room-own-text', type: 'text', maxlength: '300', placeholder: t('room.ownText'), 'aria-label': t('room.ownText') });
    const choices = el('textarea', { id: 'room-own-choices', rows: '3', placeholder: t('room.ownChoices'), 'aria-label': t('room.ownChoices') });
    const own = el('div', { class: 'room-own' }, text, choices);
    const preview = el('p', { class: 'room-preview' });
    const btn = el('button', { type: 'button', id: 'room-ask', class: 'primary', text: t('room.ask') });
    const upd = () => {
      own.hidden = sel.value !== 'own';
      const q = suggestions[Number(sel.value)];
      preview.textContent = q && sel.value !== 'own' ? `${t('room.choices')} ${q.choices.join(' · ')}` : '';
    };
    sel.addEventListener('change', upd);
    btn.addEventListener('click', () => {
      if (sel.value !== 'own') { const q = suggestions[Number(sel.value)]; if (q) ask(q); return; }
      const c = parseChoices(choices.value);
      if (!text.value.trim() || c.length < 2) { choices.setAttribute('aria-invalid', 'true'); preview.textContent = t('room.ownNeeds'); return; }
      choices.removeAttribute('aria-invalid');
      ask({ text: text.value.trim(), choices: c });
    });
    if (!suggestions.length) sel.value = 'own';
    upd();
    const box = el('div', { class: 'room-ask' },
      el('div', { class: 'room-ask-row' }, el('label', { for: 'room-suggest', class: 'room-ask-title', text: room.question && !room.reveal ? t('room.askNext') : t('room.askTitle') }), sel, btn),
      own, preview, room.question ? null : el('p', { class: 'note', text: t('room.askHint') }));
    const old = qbox.querySelector('.room-ask');
    if (old) old.replaceWith(box); else qbox.append(box);
  }

  function renderQuestion() {
    const { t, lang } = view();
    const q = room.question;
    let card = qbox.querySelector('.room-q');
    if (!q) { if (card) card.remove(); return; }
    const texts = questionTexts(q, t, hooks.runName);
    const key = `${q.id}|${lang}|${texts.text}|${texts.choices.join('|')}`;
    if (!card || card.dataset.key !== key) {
      const fresh = el('div', { class: 'room-q', 'data-key': key, 'data-question': q.id },
        el('h2', { class: 'room-q-text', text: texts.text }),
        el('div', { class: 'room-q-body' }),
        el('p', { class: 'room-q-note', role: 'status' }),
        el('p', { class: 'room-q-detail' }),
        el('div', { class: 'room-q-acts' }));
      if (card) card.replaceWith(fresh); else qbox.prepend(fresh);
      card = fresh;
    }
    const body = card.querySelector('.room-q-body');
    const note = card.querySelector('.room-q-note');
    const acts = card.querySelector('.room-q-acts');
    const detail = card.querySelector('.room-q-detail');
    card.classList.toggle('revealed', !!room.reveal);
    card.dataset.revealed = room.reveal ? '1' : '';
    const answer = room.reveal ? room.reveal.answer : null;
    detail.textContent = room.reveal ? detailText(q, room.reveal.detail) : '';
    if (room.role === 'student' && !room.reveal) {
      // big buttons, one a row on a phone; no counts before the reveal
      if (!body.querySelector('.room-votes')) {
        const list = el('div', { class: 'room-votes', role: 'group', 'aria-label': texts.text });
        texts.choices.forEach((c, i) => {
          const b = el('button', { type: 'button', class: 'room-vote', 'data-choice': String(i), 'aria-pressed': 'false' },
            el('span', { class: 'room-key', text: letter(i) }), el('span', { class: 'room-vote-text', text: c }));
          b.addEventListener('click', () => { if (roomSend(voteMessage(q.id, i))) { room.vote = i; render(); } });
          list.append(b);
        });
        body.replaceChildren(list);
      }
      for (const b of body.querySelectorAll('.room-vote')) b.setAttribute('aria-pressed', Number(b.dataset.choice) === room.vote ? 'true' : 'false');
      note.textContent = room.vote === null ? t('room.voteNow') : t('room.voted', { choice: `${letter(room.vote)}. ${texts.choices[room.vote]}` });
      acts.replaceChildren();
      return;
    }
    // the bars: the teacher's live tally; everyone's after the reveal
    const bars = tallyBars(texts.choices, room.tally ? room.tally.counts : [], answer);
    const chart = el('ol', { class: 'room-bars', 'aria-label': t('room.tally') });
    for (const b of bars) {
      const mine = room.role === 'student' && room.vote === b.index;
      chart.append(el('li', { class: `room-row${b.answer ? ' answer' : ''}${mine ? ' mine' : ''}`, 'data-choice': String(b.index) },
        el('span', { class: 'room-row-label' },
          el('span', { class: 'room-key', text: letter(b.index) }), el('span', { class: 'room-row-text', text: b.label }),
          b.answer ? el('span', { class: 'room-answer-mark', text: `✓ ${t('room.answer')}` }) : null,
          mine ? el('span', { class: 'room-mine-mark', text: t('room.yourVote') }) : null),
        el('span', { class: 'room-track' }, el('span', { class: 'room-fill' })),
        el('span', { class: 'room-row-count', text: `${b.count} (${percent(b.share)})` })));
    }
    // widths through the CSSOM: the page's CSP allows no style attributes
    const fills = chart.querySelectorAll('.room-fill');
    bars.forEach((b, i) => { fills[i].style.width = `${(b.length * 100).toFixed(1)}%`; });
    body.replaceChildren(chart);
    const voters = room.tally ? room.tally.voters : 0;
    if (room.reveal) {
      note.textContent = answer === null ? '' : t('room.revealed', { choice: `${letter(answer)}. ${texts.choices[answer]}` });
      if (room.role === 'student' && answer !== null && room.vote !== null) note.textContent += ` ${room.vote === answer ? t('room.right') : t('room.notThisTime')}`;
    } else {
      note.textContent = t('room.votes', { n: voters, of: room.members });
    }
    acts.replaceChildren();
    if (room.role === 'teacher' && !room.reveal) {
      if (q.kind) {
        const rev = el('button', { type: 'button', id: 'room-reveal', class: 'primary', text: t('room.reveal'), title: t('room.revealTip') });
        rev.addEventListener('click', () => hooks.send(revealMessage(q.id)));
        acts.append(rev);
      } else {
        // a typed question: the teacher marks the right choice
        acts.append(el('span', { class: 'room-mark-label', text: t('room.markAnswer') }));
        texts.choices.forEach((c, i) => {
          const b = el('button', { type: 'button', class: 'room-mark', 'data-choice': String(i), text: letter(i), title: c });
          b.addEventListener('click', () => hooks.send(revealMessage(q.id, i)));
          acts.append(b);
        });
      }
    }
    if (room.role === 'teacher' && room.error) {
      acts.append(el('p', { class: 'room-error', role: 'alert', text: /not decided yet/.test(room.error) ? t('room.notDecided') : room.error }));
    }
  }

  /** detailText says how the simulation found a computed answer. */
  function detailText(q, d) {
    const { t } = view();
    if (!d || !q.kind) return '';
    const run = Number.isInteger(d.run) ? hooks.runName(d.run) : q.run !== null ? hooks.runName(q.run) : '';
    if (q.kind === 'outcome') {
      if (d.status === 'diverged') return t('room.detail.diverged', { run, step: d.step ?? '?' });
      if (Number.isInteger(d.reversals) && Number.isInteger(d.window)) return t('room.detail.reversals', { run, n: d.reversals, w: d.window });
    }
    if (q.kind === 'first_to_minimum' && Number.isInteger(d.step)) return t('room.detail.first', { run, step: d.step });
    if (q.kind === 'basin' && Number.isFinite(d.x) && Number.isFinite(d.y)) return t('room.detail.basin', { run, x: d.x.toPrecision(3), y: d.y.toPrecision(3) });
    return '';
  }

  const letter = (i) => String.fromCharCode(65 + i);

  // ---------------------------------------------------------------- texts

  function render() {
    const { t, conn } = view();
    joinLabel.textContent = t('room.joinAt');
    codeLabel.textContent = t('room.codeIs');
    qr.alt = t('room.qrAlt', { link: shownURL });
    members.textContent = String(room.members);
    membersLabel.textContent = t(room.members === 1 ? 'room.student' : 'room.students');
    if (!end.classList.contains('armed')) end.textContent = t('room.end');
    fold.textContent = root.classList.contains('folded') ? t('room.unfold') : t('room.fold');
    fold.title = t('room.foldTip');
    soloBtn.textContent = solo ? `← ${t('room.back')}` : t('room.try');
    soloBtn.title = solo ? t('room.backTip') : t('room.tryTip');
    soloBtn.classList.toggle('primary', !!solo);
    following.replaceChildren();
    if (solo) following.append(el('strong', { text: t('room.solo') }), ' ', t('room.soloNote'));
    else following.append(t('room.following'), ' ', el('strong', { class: 'room-code-small', text: spacedCode(code) }));
    const clock = room.clock;
    let s = '', kind = '';
    if (room.unknown) { s = t('room.unknown', { code: spacedCode(code) }); kind = 'stop'; }
    else if (room.refused === 'rate') { s = t('room.tooMany'); kind = 'stop'; }
    else if (room.refused) { s = t('room.refused'); kind = 'stop'; }
    else if (room.ended) { s = t(`room.ended.${room.ended}`); kind = 'stop'; }
    else if (room.degraded) { s = t('room.degraded'); kind = 'warn'; }
    else if (solo) s = '';
    else if (conn !== 'open') { s = t('room.reconnecting'); kind = 'warn'; }
    else if (!room.joined) s = t('room.joining');
    else if (room.role === 'student' && !room.teacher) { s = t('room.teacherAway'); kind = 'warn'; }
    else if (room.role === 'student' && clock && !clock.running) s = t('room.waiting');
    else if (room.role === 'student' && clock && clock.paused) s = view().data.some((d) => d && d.n > 1) ? t('room.paused') : t('room.ready');
    status.textContent = s;
    status.dataset.kind = kind;
    root.classList.toggle('gone', kind === 'stop');
    document.body.classList.toggle('room-gone', kind === 'stop');
    soloBtn.hidden = kind === 'stop';
    following.hidden = kind === 'stop';
    if (kind === 'stop') { renderGone(); return; }
    // the presets (and a lesson's ready questions) load after the page
    if (room.role === 'teacher' && isBooted && view().lesson !== suggestedFor) refreshSuggestions();
    if (room.role === 'teacher') renderAsk();
    renderQuestion();
  }

  /** renderGone offers a way on when the room is not there (a wrong code, an ended class). */
  function renderGone() {
    const { t, lang } = view();
    if (qbox.querySelector('.room-rejoin')) return;
    const input = el('input', { id: 'room-code-again', type: 'text', autocomplete: 'off', autocapitalize: 'characters', maxlength: '24', 'aria-label': t('room.codeLabel'), placeholder: t('room.codePlaceholder') });
    const go = el('button', { type: 'submit', class: 'primary', text: t('room.join') });
    const q = room.ended ? hooks.query() : ''; // (an unknown room is said before the page has a state)
    const lab = el('a', { class: 'room-to-lab', href: `/?${q}${q ? '&' : ''}lang=${lang}`, text: room.ended ? t('room.keepGoing') : t('room.toLab') });
    const form = el('form', { class: 'room-rejoin' }, el('label', { for: 'room-code-again', text: t('room.codeLabel') }), input, go, lab);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const c = normalizeCode(input.value);
      if (c) location.href = `/r/${c}?lang=${lang}`; else input.setAttribute('aria-invalid', 'true');
    });
    qbox.replaceChildren(form);
    lockControls(false);
    document.body.classList.remove('room-follow', 'room-own-copy');
  }

  if (room.role === 'student') { document.body.classList.add('room-follow'); lockControls(true); }
  render();

  return {
    wrap,
    opened() {
      // a solo socket (the own copy, or the page once the class has ended) opens as usual
      if (solo || room.ended || room.unknown || room.refused) return false;
      sendJoin();
      render();
      return true;
    },
    booted() {
      isBooted = true;
      if (joinWanted) sendJoin();
      refreshSuggestions();
      render();
    },
    locked: () => room.role === 'student' && !solo && !room.ended && !room.unknown,
    teaching: () => room.role === 'teacher' && room.joined && !room.ended,
    render,
    // for the browser tests
    get room() { return room; },
    get solo() { return !!solo; },
  };
}
