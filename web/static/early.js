// early.js: the page's first script (async, no imports): it opens the
// websocket at once, while main.js and its modules are still loading, so
// that the socket is open by the time the page can play. socket.js's
// connect() takes it over, with the messages that came in between.

/**
 * socketURL is the page's websocket: frames=binary asks for binary frames
 * (protocol.js parseBinaryFrame reads them; a server from before them
 * ignores the parameter and sends JSON, which the page reads too).
 */
export function socketURL() {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws?frames=binary`;
}

function openEarly() {
  if (typeof WebSocket === 'undefined' || typeof location === 'undefined') return null;
  try {
    const ws = new WebSocket(socketURL());
    ws.binaryType = 'arraybuffer'; // the frames (socket.js)
    const queued = [];
    const keep = (ev) => { queued.push(ev); };
    ws.addEventListener('message', keep);
    return {
      ws,
      /** take stops queueing and returns the messages queued so far. */
      take() {
        ws.removeEventListener('message', keep);
        return queued.splice(0);
      },
    };
  } catch {
    return null;
  }
}

/** early is {ws, take()} or null (no WebSocket). */
export const early = openEarly();
