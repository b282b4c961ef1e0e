// socket.js: the websocket to /ws, with JSON messages (frames come as binary
// ones) and reconnection with exponential back-off (0.5 s doubling to 8 s,
// with jitter).

import { parseMessage, parseBinaryFrame } from './protocol.js';
import { socketURL } from './early.js';

/**
 * connect opens ws(s)://host/ws and keeps it open. handlers: onMessage(msg)
 * for each JSON object received, onState('connecting'|'open'|'closed').
 * It returns {send(msg) → bool (false while not open), close()}; close ends
 * reconnection. first, when given, is a socket opened earlier to the same
 * URL ({ws, take()} from early.js): it is used for the first connection,
 * with the messages it has queued.
 */
export function connect(handlers, url = socketURL(), first = null) {
  let ws = null, delay = 500, timer = 0, closed = false;
  const state = (s) => handlers.onState && handlers.onState(s);
  const receive = (ev) => {
    // frames come as binary messages (socketURL asks for them: early.js)
    const m = typeof ev.data === 'string' ? parseMessage(ev.data) : ev.data instanceof ArrayBuffer ? parseBinaryFrame(ev.data) : null;
    if (m) handlers.onMessage(m);
  };

  function open() {
    state('connecting');
    let queued = [];
    if (first && first.ws && first.ws.readyState <= 1) {
      ws = first.ws;
      queued = first.take();
      first = null;
    } else {
      first = null;
      try {
        ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
      } catch {
        retry();
        return;
      }
    }
    ws.addEventListener('open', () => { delay = 500; state('open'); });
    ws.addEventListener('message', receive);
    ws.addEventListener('close', () => { ws = null; if (!closed) { state('closed'); retry(); } });
    ws.addEventListener('error', () => { /* close follows */ });
    if (ws.readyState === 1 || queued.length) {
      // a socket opened earlier: said once connect() has returned
      const taken = ws;
      queueMicrotask(() => {
        if (taken.readyState === 1) { delay = 500; state('open'); }
        for (const ev of queued) receive(ev);
      });
    }
  }

  function retry() {
    clearTimeout(timer);
    const wait = delay * (0.75 + Math.random() * 0.5);
    delay = Math.min(8000, delay * 2);
    timer = setTimeout(open, wait);
  }

  open();
  return {
    send(msg) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(msg));
      return true;
    },
    isOpen: () => !!ws && ws.readyState === WebSocket.OPEN,
    close() {
      closed = true;
      clearTimeout(timer);
      if (ws) ws.close(1000);
    },
  };
}

