// The conversations: one page at a time from /v1/console/conversations (paged by the server in id order, a cursor
// per page), searchable by id prefix, refreshed every few seconds while shown.
import { api } from './api.js';
import { el, ago, phaseLabel, poll } from './dom.js';

const refreshMs = 3000;
const pageSize = 50;

export function listView(main) {
  let prefix = sessionStorage.getItem('orchestrator.console.prefix') ?? '';
  const cursors = [null];

  const search = el('input', { id: 'search', type: 'search', value: prefix, placeholder: 'c-12…', autocomplete: 'off', spellcheck: 'false' });
  const body = el('tbody');
  const previous = el('button', { type: 'button', disabled: true }, '← Previous');
  const next = el('button', { type: 'button', disabled: true }, 'Next →');
  const where = el('span', { class: 'muted' });

  main.append(
    el('h1', {}, 'Conversations'),
    el('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); } },
      el('label', { for: 'search' }, 'Id starts with'), search),
    el('div', { class: 'table-wrap' },
      el('table', { class: 'list', 'aria-describedby': 'list-caption' },
        el('caption', { id: 'list-caption' }, 'Conversations in id order, from the journal; phase as the journal records it.'),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, 'Id'), el('th', { scope: 'col' }, 'Phase'), el('th', { scope: 'col' }, 'Model'),
          el('th', { scope: 'col' }, 'Last activity'), el('th', { scope: 'col', class: 'num' }, 'Turns'),
          el('th', { scope: 'col', class: 'num' }, 'Tool calls waiting'))),
        body)),
    el('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, where, next));

  async function load(stopped) {
    const cursor = cursors[cursors.length - 1];
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (prefix) query.set('prefix', prefix);
    if (cursor) query.set('after', cursor);
    const page = await api(`/v1/console/conversations?${query}`);
    if (!stopped()) render(page);
  }

  function render(page) {
    body.replaceChildren(...page.items.map((c) => el('tr', { 'data-id': c.id },
      el('td', { class: 'id' }, el('a', { href: `#/c/${encodeURIComponent(c.id)}`, title: c.id }, c.id)),
      el('td', {}, el('span', { class: `phase phase-${c.phase}` }, phaseLabel[c.phase] ?? c.phase)),
      el('td', { class: 'ellipsis', title: c.model ?? '' }, c.model ?? '—'),
      el('td', { title: c.last_activity ?? '' }, ago(c.last_activity)),
      el('td', { class: 'num' }, c.turns),
      el('td', { class: 'num' }, c.tool_calls_waiting))));
    if (page.items.length === 0) body.append(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, prefix ? `No conversation id starts with "${prefix}".` : 'No conversations yet.')));
    previous.disabled = cursors.length === 1;
    next.disabled = !page.next;
    next.dataset.cursor = page.next ?? '';
    where.textContent = `page ${cursors.length}`;
  }

  let typing = null;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      prefix = search.value.trim();
      sessionStorage.setItem('orchestrator.console.prefix', prefix);
      cursors.splice(1);
      refresh.now();
    }, 200);
  });
  next.addEventListener('click', () => {
    if (!next.dataset.cursor) return;
    cursors.push(next.dataset.cursor);
    refresh.now();
  });
  previous.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    refresh.now();
  });

  const refresh = poll('the conversations', load, refreshMs);
  return () => {
    refresh.stop();
    clearTimeout(typing);
  };
}
