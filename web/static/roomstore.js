// roomstore.js: what a browser keeps of a class between page loads: the
// teacher's token (localStorage: it outlives the tab) and a student's member
// id (sessionStorage: one per tab, so two tabs are two students), and the
// room the server put in the page. classroom.js uses it; room.js has the
// pure parts (the keys).

import { tokenKey, memberKey, newMemberId } from './room.js';

/** store returns localStorage or sessionStorage when the browser allows it, else a map for this page only. */
function store(kind) {
  try {
    const s = window[kind];
    s.setItem('lrlab.probe', '1');
    s.removeItem('lrlab.probe');
    return s;
  } catch {
    const m = new Map();
    return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
  }
}
// the teacher's token outlives the tab (a reload, a restarted browser);
// a student's member id is one per tab, so two tabs are two students
const storage = store('localStorage');
const tabStorage = store('sessionStorage');

/** roomData reads the room the server put in the page (<script type="application/json" id="room-data">), or null. */
export function roomData() {
  const e = document.getElementById('room-data');
  if (!e) return null;
  try { return JSON.parse(e.textContent); } catch { return null; }
}

/** memberId returns this tab's member id in room code, made once. */
export function memberId(code) {
  let id = tabStorage.getItem(memberKey(code));
  if (!id) {
    id = newMemberId(crypto.getRandomValues(new Uint8Array(12)));
    tabStorage.setItem(memberKey(code), id);
  }
  return id;
}

/** teacherToken returns the token of room code this browser holds (a #teacher=… fragment is moved into storage). */
export function teacherToken(code) {
  // #student: the teacher's own browser opening the join link (to see what
  // the class sees) joins as a student instead of taking the room over
  // (kept for the tab: the page's address loses its fragment)
  const asStudent = `lrlab.room.${code}.student`;
  if (location.hash === '#student') tabStorage.setItem(asStudent, '1');
  if (tabStorage.getItem(asStudent)) return null;
  const frag = /^#teacher=([\w-]{16,200})$/.exec(location.hash);
  if (frag) {
    storage.setItem(tokenKey(code), frag[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return storage.getItem(tokenKey(code));
}

/** keepToken stores the teacher's token of room code in this browser. */
export function keepToken(code, token) {
  storage.setItem(tokenKey(code), token);
}

/** forgetToken drops the teacher's token of room code (the room ended or was taken over). */
export function forgetToken(code) {
  storage.removeItem(tokenKey(code));
}
