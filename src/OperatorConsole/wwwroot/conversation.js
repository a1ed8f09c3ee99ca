// One conversation: its state and actions (post a message, cancel the turn, delete), what runs now (tool calls as
// bars growing while they run, from the event stream), its turns as a timeline from the journal, and its transcript.
import { api, follow, ApiError } from './api.js';
import { el, say, ago, ms, bytes, phaseLabel } from './dom.js';

export function conversationView(main, id) {
  const stop = new AbortController();
  const path = `/v1/conversations/${encodeURIComponent(id)}`;
  let ticking = null;
  let reloading = null;

  const header = el('div', { class: 'summary' });
  const message = el('textarea', { id: 'message', rows: 2, required: true, placeholder: 'weather in Lima tools:3' });
  const send = el('button', { type: 'submit', class: 'primary' }, 'Send');
  const cancel = el('button', { type: 'button', id: 'cancel-turn' }, 'Cancel turn');
  const remove = el('button', { type: 'button', id: 'delete', class: 'danger' }, 'Delete…');
  const liveBars = el('ol', { class: 'bars', id: 'live-bars', 'aria-label': 'Tool calls of the running turn' });
  const liveText = el('p', { class: 'live-text', id: 'live-text' });
  const liveState = el('p', { class: 'muted', id: 'live-state' }, 'Connecting to the event stream…');
  const timeline = el('div', { id: 'timeline' });
  const transcript = el('ol', { class: 'transcript', id: 'transcript' });

  main.append(
    el('p', {}, el('a', { href: '#/' }, '← Conversations')),
    el('h1', { class: 'id' }, id),
    header,
    el('form', { class: 'post', onsubmit: post },
      el('label', { for: 'message' }, 'Message'), message,
      el('div', { class: 'actions' }, send, cancel, remove)),
    el('section', { 'aria-labelledby': 'live-title', class: 'panel' },
      el('h2', { id: 'live-title' }, 'Now'), liveState, liveBars, liveText),
    el('section', { 'aria-labelledby': 'timeline-title', class: 'panel' },
      el('h2', { id: 'timeline-title' }, 'Turns'), timeline),
    el('section', { 'aria-labelledby': 'transcript-title', class: 'panel' },
      el('h2', { id: 'transcript-title' }, 'Transcript'),
      el('p', { class: 'muted' }, 'The items since the last compaction.'), transcript));

  async function post(event) {
    event.preventDefault();
    const text = message.value.trim();
    if (!text) return;
    send.disabled = true;
    try {
      await api(`${path}/messages`, { method: 'POST', body: { text }, headers: { 'Idempotency-Key': crypto.randomUUID() } });
      message.value = '';
      say('Message accepted.');
      reload();
    } catch (error) {
      say(`The message was not accepted: ${error.message}`);
    } finally {
      send.disabled = false;
    }
  }

  cancel.addEventListener('click', async () => {
    try {
      const reply = await api(`${path}/cancel`, { method: 'POST' });
      say(reply.cancelled ? 'The turn was cancelled.' : 'No turn was open.');
      reload();
    } catch (error) {
      say(`Cancel failed: ${error.message}`);
    }
  });

  remove.addEventListener('click', () => {
    const dialog = document.getElementById('confirm-dialog');
    document.getElementById('confirm-text').textContent = `Conversation ${id} and its whole journal (messages, answers, tool outputs) will be deleted. This cannot be undone.`;
    dialog.returnValue = '';
    dialog.addEventListener('close', async () => {
      if (dialog.returnValue !== 'delete') return;
      try {
        await api(path, { method: 'DELETE' });
        say(`Conversation ${id} was deleted.`);
        location.hash = '#/';
      } catch (error) {
        say(`Delete failed: ${error.message}`);
      }
    }, { once: true });
    dialog.showModal();
  });

  // ---- live: the event stream -------------------------------------------------------------------------------
  const running = new Map();
  function bar(call) {
    const item = el('li', { class: 'bar', 'data-call-id': call.call_id, 'data-state': 'running' },
      el('span', { class: 'bar-label' }, el('span', { class: 'name' }, call.name), ' ', el('span', { class: 'duration' }, 'running')),
      el('span', { class: 'track' }, el('span', { class: 'fill' })));
    liveBars.append(item);
    running.set(call.call_id, { item, started: performance.now(), finished: null });
    tick();
  }
  function tick() {
    const now = performance.now();
    const entries = [...running.values()];
    if (entries.length === 0) return;
    const origin = Math.min(...entries.map((e) => e.started));
    const span = Math.max(1, ...entries.map((e) => (e.finished ?? now) - origin));
    for (const e of entries) {
      const fill = e.item.querySelector('.fill');
      fill.style.marginLeft = `${((e.started - origin) / span) * 100}%`;
      fill.style.width = `${Math.max(0.5, (((e.finished ?? now) - e.started) / span) * 100)}%`;
      if (!e.finished) e.item.querySelector('.duration').textContent = `running ${ms(now - e.started)}`;
    }
    clearTimeout(ticking);
    if (entries.some((e) => !e.finished)) ticking = setTimeout(tick, 100);
  }
  function onEvent(type, data) {
    switch (type) {
      case 'tool.started':
        if (running.size > 0 && [...running.values()].every((e) => e.finished)) {
          running.clear();
          liveBars.replaceChildren();
        }
        liveState.textContent = 'Running tool calls';
        bar(data);
        break;
      case 'tool.finished': {
        const entry = running.get(data.call_id);
        if (!entry) break;
        entry.finished = entry.started + data.duration_ms;
        entry.item.dataset.state = data.is_error ? 'error' : 'ok';
        entry.item.querySelector('.duration').textContent = `${ms(data.duration_ms)} ${data.is_error ? '✗ error' : '✓'}`;
        entry.item.title = data.output;
        tick();
        break;
      }
      case 'text.delta':
        liveState.textContent = 'The model is answering';
        liveText.textContent += data.delta;
        break;
      case 'turn.completed':
        liveState.textContent = `Turn completed: ${data.stats.model_turns} responses, ${data.stats.tool_calls} tool calls, ${data.stats.continuations} continued, ${data.stats.full_sends} full sends, ${data.stats.chain_resets} chain resets, ${bytes(data.stats.bytes_sent)} sent, ${ms(data.stats.elapsed_ms)}.`;
        liveText.textContent = '';
        reload();
        break;
      case 'turn.failed':
        liveState.textContent = `Turn failed: ${data.reason}`;
        liveText.textContent = '';
        reload();
        break;
      case 'stream.reset':
        reload();
        break;
    }
  }
  follow(`${path}/events`, onEvent, stop.signal, () => { liveState.textContent = 'Following the event stream; idle.'; })
    .then(() => { if (!stop.signal.aborted) liveState.textContent = 'The event stream ended.'; });

  // ---- the journal's view and the transcript ------------------------------------------------------------------
  async function load() {
    try {
      const [view, state] = await Promise.all([api(`/v1/console/conversations/${encodeURIComponent(id)}/timeline`), api(path)]);
      if (stop.signal.aborted) return;
      renderSummary(view.summary, state);
      renderTimeline(view);
      renderTranscript(state.transcript);
    } catch (error) {
      if (stop.signal.aborted) return;
      if (error instanceof ApiError && error.status === 404) {
        header.replaceChildren(el('p', {}, 'This conversation does not exist (yet): posting a message creates it.'));
        timeline.replaceChildren();
        transcript.replaceChildren();
      } else {
        say(`Could not read the conversation: ${error.message}`);
      }
    }
  }
  function reload() {
    clearTimeout(reloading);
    reloading = setTimeout(load, 150);
  }

  function renderSummary(s, state) {
    header.replaceChildren(el('dl', { class: 'facts' },
      el('dt', {}, 'Phase'), el('dd', {}, el('span', { class: `phase phase-${state.phase.toLowerCase()}` }, state.phase), ' (node) · ', phaseLabel[s.phase] ?? s.phase, ' (journal)'),
      el('dt', {}, 'Model'), el('dd', {}, s.model ?? '—'),
      el('dt', {}, 'Turns'), el('dd', {}, s.turns),
      el('dt', {}, 'Tool calls waiting'), el('dd', {}, state.open_tool_calls),
      el('dt', {}, 'Messages queued'), el('dd', {}, state.queued_messages),
      el('dt', {}, 'Last activity'), el('dd', { title: s.last_activity ?? '' }, ago(s.last_activity)),
      el('dt', {}, 'Last response'), el('dd', { class: 'id' }, state.last_response_id ?? '—')));
  }

  function renderTimeline(view) {
    const turns = [...view.turns].reverse();
    const parts = turns.map((turn) => el('article', { class: 'turn', 'aria-label': `Turn ${turn.number}` },
      el('h3', {}, `Turn ${turn.number}`, el('span', { class: 'muted' }, ` · ${ago(turn.started)}`, turn.outcome ? ` · ${turn.outcome}` : turn.ended ? '' : ' · open')),
      ...turn.messages.map((m) => el('p', { class: 'user' }, el('span', { class: 'who' }, 'user'), ' ', m)),
      ...turn.notes.map((n) => el('p', { class: 'note' }, n)),
      el('ol', { class: 'responses' }, ...turn.responses.map(response))));
    if (view.omitted_events > 0) parts.push(el('p', { class: 'muted' }, `${view.omitted_events} older events are not shown.`));
    timeline.replaceChildren(...(parts.length ? parts : [el('p', { class: 'muted' }, 'No turn yet.')]));
  }

  function response(r) {
    const calls = r.tool_calls;
    const origin = Math.min(...calls.map((c) => Date.parse(c.started)));
    const end = Math.max(...calls.map((c) => (c.finished ? Date.parse(c.started) + (c.duration_ms ?? 0) : Date.now())));
    const span = Math.max(1, end - origin);
    return el('li', { class: 'response' },
      el('div', { class: 'response-head' },
        el('span', { class: `sent sent-${r.sent.replace(' ', '-')}`, title: r.why }, r.sent),
        el('span', { class: 'id', title: r.response_id }, r.response_id),
        el('span', {}, `in ${r.input_tokens ?? '—'} tok (${r.cached_tokens ?? '—'} cached)`),
        el('span', {}, bytes(r.bytes)),
        el('span', { title: r.source === 'node' ? 'request sent → response ended (this node)' : 'since the previous event (journal)' }, ms(r.latency_ms))),
      el('p', { class: 'why' }, r.why),
      r.text ? el('p', { class: 'answer' }, r.text) : null,
      calls.length ? el('ol', { class: 'bars', 'aria-label': `Tool calls of ${r.response_id}` }, ...calls.map((c) => {
        const left = ((Date.parse(c.started) - origin) / span) * 100;
        const width = c.duration_ms === null || c.duration_ms === undefined ? 100 - left : (c.duration_ms / span) * 100;
        const state = c.is_error === null || c.is_error === undefined ? 'running' : c.is_error ? 'error' : 'ok';
        return el('li', { class: 'bar', 'data-call-id': c.call_id, 'data-state': state, title: c.output ?? c.arguments },
          el('span', { class: 'bar-label' }, el('span', { class: 'name' }, c.name), ' ',
            el('span', { class: 'duration' }, state === 'running' ? 'no result yet' : `${ms(c.duration_ms)} ${c.is_error ? '✗ error' : '✓'}`)),
          el('span', { class: 'track' }, el('span', { class: 'fill', style: { marginLeft: `${left}%`, width: `${Math.max(0.5, width)}%` } })));
      })) : null);
  }

  function renderTranscript(items) {
    transcript.replaceChildren(...items.map((item) => {
      let who = item.type;
      let text = '';
      if (item.type === 'message') {
        who = item.role;
        text = (item.content ?? []).map((c) => c.text ?? '').join('');
      } else if (item.type === 'function_call') {
        who = `call ${item.name}`;
        text = item.arguments;
      } else if (item.type === 'function_call_output') {
        who = 'output';
        text = item.output;
      }
      return el('li', { class: `item item-${item.type}` }, el('span', { class: 'who' }, who), ' ', el('span', { class: 'text' }, text));
    }));
  }

  load();
  return () => {
    stop.abort();
    clearTimeout(ticking);
    clearTimeout(reloading);
  };
}
