// The node and the cluster: members and their state, shards and conversations per node, this node's sockets,
// lanes, leases waiting, requests by kind, chain resets and retries by reason, and charts of turns/s and latency
// over the last minutes, from /v1/console/node (the engine's own meters), refreshed every 2 s.
import { api } from './api.js';
import { el, ms, poll } from './dom.js';
import { lineChart } from './charts.js';

const refreshMs = 2000;

export function nodeView(main) {
  const body = el('div', { id: 'node' }, el('p', { class: 'muted' }, 'Loading…'));
  main.append(el('h1', {}, 'Node and cluster'), body);

  async function load(stopped) {
    const view = await api('/v1/console/node');
    if (!stopped()) render(view);
  }

  function tile(label, value, note) {
    return el('div', { class: 'tile' }, el('span', { class: 'tile-value' }, value), el('span', { class: 'tile-label' }, label), note ? el('span', { class: 'muted' }, note) : null);
  }

  function counts(title, column, map, empty) {
    const entries = Object.entries(map ?? {}).sort((a, b) => b[1] - a[1]);
    return el('section', { class: 'panel', 'aria-label': title }, el('h2', {}, title),
      entries.length
        ? el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, column), el('th', { scope: 'col', class: 'num' }, 'Count'))),
          el('tbody', {}, ...entries.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', { class: 'num' }, v)))))
        : el('p', { class: 'muted' }, empty));
  }

  function render(view) {
    const m = view.meters;
    const c = view.cluster;
    body.replaceChildren(
      el('div', { class: 'tiles', id: 'gauges' },
        tile('sockets open', m.sockets),
        tile('lanes in use', m.lanes),
        tile('responses in flight', m.in_flight),
        tile('leases waiting', m.leases_waiting),
        tile('turns', m.turns, m.turns_failed ? `${m.turns_failed} failed` : null),
        tile('turn latency (mean)', ms(m.turn_latency_mean_ms), `max ${ms(m.turn_latency_max_ms)}`)),
      el('div', { class: 'charts' },
        lineChart('Turns per second', m.samples, [{ label: 'turns/s', key: 'turns_per_second', className: 's1' }], '/s'),
        lineChart('Latency', m.samples, [
          { label: 'turn (mean)', key: 'turn_latency_ms', className: 's1' },
          { label: 'model response (mean)', key: 'response_latency_ms', className: 's2' }], ' ms'),
        lineChart('Connections', m.samples, [
          { label: 'sockets', key: 'sockets', className: 's1' },
          { label: 'lanes in use', key: 'lanes', className: 's2' },
          { label: 'leases waiting', key: 'leases_waiting', className: 's3' }], '')),
      el('p', { class: 'muted' }, `One sample every ${m.sample_seconds} s; this node's meters since it started.`),
      el('section', { class: 'panel', 'aria-labelledby': 'members-title' },
        el('h2', { id: 'members-title' }, 'Members'),
        c.problem ? el('p', { class: 'error' }, c.problem) : null,
        el('div', { class: 'table-wrap' }, el('table', { id: 'members' },
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Address'), el('th', { scope: 'col' }, 'State'), el('th', { scope: 'col' }, 'Roles'))),
          el('tbody', {}, ...c.members.map((member) => el('tr', {},
            el('td', { class: 'id' }, member.address, member.self ? ' (this node)' : '', member.address === c.leader ? ' (leader)' : ''),
            el('td', {}, el('span', { class: `member member-${member.status.toLowerCase()}` }, member.status), member.unreachable ? el('span', { class: 'error' }, ' unreachable') : null),
            el('td', {}, member.roles.join(', ') || '—'))))))),
      el('section', { class: 'panel', 'aria-labelledby': 'shards-title' },
        el('h2', { id: 'shards-title' }, 'Conversation shards per node'),
        el('div', { class: 'table-wrap' }, el('table', { id: 'shards' },
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Node'), el('th', { scope: 'col', class: 'num' }, 'Shards'),
            el('th', { scope: 'col', class: 'num' }, 'Conversations running'), el('th', { scope: 'col', class: 'num' }, 'Failed shards'))),
          el('tbody', {}, ...c.regions.map((r) => el('tr', {},
            el('td', { class: 'id' }, r.address), el('td', { class: 'num' }, r.shards), el('td', { class: 'num' }, r.conversations), el('td', { class: 'num' }, r.failed_shards))))))),
      el('div', { class: 'columns' },
        counts('Requests by kind', 'Kind', m.requests_by_kind, 'No request sent yet.'),
        counts('Chain resets by reason', 'Reason', m.chain_resets_by_reason, 'No chain reset.'),
        counts('Retries by reason', 'Reason', m.retries_by_reason, 'No retry.')));
  }

  const refresh = poll('the node', load, refreshMs);
  return () => refresh.stop();
}
