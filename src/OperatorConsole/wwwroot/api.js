// Every call to the node goes through here: the bearer token (asked once per tab, kept in sessionStorage) on every
// request, a retry after the operator enters it when the node answers 401, and Server-Sent Events read over fetch
// (EventSource cannot send an Authorization header).

const tokenKey = 'orchestrator.console.token';

export const token = {
  get: () => sessionStorage.getItem(tokenKey),
  set: (value) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

let asking = null;

/** Shows the token dialog once, however many requests are waiting for it. */
function askToken(message) {
  if (asking) return asking;
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  document.getElementById('token-error').textContent = message ?? '';
  asking = new Promise((resolve) => {
    const form = document.getElementById('token-form');
    const submitted = (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      token.set(value);
      form.removeEventListener('submit', submitted);
      dialog.close();
      input.value = '';
      asking = null;
      document.getElementById('forget-token').hidden = false;
      resolve();
    };
    form.addEventListener('submit', submitted);
    dialog.addEventListener('cancel', (event) => event.preventDefault(), { once: true });
    dialog.showModal();
    input.focus();
  });
  return asking;
}

function headers(extra) {
  const h = new Headers(extra ?? {});
  const t = token.get();
  if (t) h.set('Authorization', `Bearer ${t}`);
  return h;
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

async function problem(response) {
  try {
    const body = await response.json();
    return new ApiError(response.status, body.detail || body.title);
  } catch {
    return new ApiError(response.status, response.statusText);
  }
}

/** A JSON request to the node; asks for the token and retries when the node answers 401. */
export async function api(path, { method = 'GET', body, signal, headers: extra } = {}) {
  for (;;) {
    const init = { method, signal, headers: headers(extra) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers.set('Content-Type', 'application/json');
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      const wasSet = token.get() !== null;
      token.clear();
      await askToken(wasSet ? 'That token was refused; enter the right one.' : '');
      continue;
    }
    if (!response.ok) throw await problem(response);
    if (response.status === 204) return null;
    return response.json();
  }
}

/**
 * Follows a Server-Sent Events stream until the signal aborts: each event goes to onEvent(type, data). A dropped
 * stream is resumed with Last-Event-ID, as EventSource would.
 */
export async function follow(path, onEvent, signal, onOpen) {
  let lastId = null;
  while (!signal.aborted) {
    try {
      const h = headers({ Accept: 'text/event-stream' });
      if (lastId) h.set('Last-Event-ID', lastId);
      const response = await fetch(path, { headers: h, signal });
      if (response.status === 401) {
        token.clear();
        await askToken('');
        continue;
      }
      if (!response.ok) throw await problem(response);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(': subscribed')) onOpen?.();
          let type = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            else if (line.startsWith('id:')) lastId = line.slice(3).trim();
          }
          if (data.length) onEvent(type, JSON.parse(data.join('\n')));
        }
      }
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 404) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
