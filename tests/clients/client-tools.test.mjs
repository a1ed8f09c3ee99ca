// A client in another language drives a conversation whose two tools it runs itself, over the node's HTTP API only:
// plain Node 20 (fetch, node:test), no package. ORCHESTRATOR_URL is the node (`orchestrator serve` with the embedded
// emulator); tests/clients/run.sh starts one.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const base = process.env.ORCHESTRATOR_URL;
if (!base) throw new Error('set ORCHESTRATOR_URL to a running `orchestrator serve`');

const clientTools = [
  {
    name: 'crm_search',
    description: 'Searches the CRM for customers.',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
  {
    name: 'send_mail',
    description: 'Sends a mail.',
    parameters: { type: 'object', properties: { to: { type: 'string' }, body: { type: 'string' } }, required: ['to'] },
  },
];

async function call(method, path, body) {
  const response = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Reads Server-Sent Events (event, data) from a fetch response, one object per event. */
async function* sse(response) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (data) yield { type, data: JSON.parse(data) };
    }
  }
}

/** What the client's tools answer: deterministic, so the test can check the transcript. */
function run(name, args) {
  if (name === 'crm_search') return JSON.stringify({ customers: [`${args.query}-1`, `${args.query}-2`] });
  return JSON.stringify({ sent: true, to: args.to });
}

test('two client tools: tool.required over SSE, results posted once, exact digest', { timeout: 60_000 }, async () => {
  const created = await call('POST', '/v1/conversations', { client_tools: clientTools });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  const abort = new AbortController();
  const stream = await fetch(new URL(`/v1/conversations/${id}/events`, base), { headers: { accept: 'text/event-stream' }, signal: abort.signal });
  assert.equal(stream.status, 200);
  const events = sse(stream);

  const posted = await call('POST', `/v1/conversations/${id}/messages`, { text: 'look them up and mail them tools:2' });
  assert.equal(posted.status, 202, JSON.stringify(posted.body));

  const required = [];
  const answered = [];
  let completed;
  for await (const event of events) {
    if (event.type === 'tool.required') {
      required.push(event.data);
      const result = await call('POST', `/v1/conversations/${id}/tool-results`, {
        call_id: event.data.call_id,
        output: run(event.data.name, JSON.parse(event.data.arguments)),
      });
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.equal(result.body.duplicate, false);
      answered.push(event.data.call_id);
    } else if (event.type === 'turn.completed' || event.type === 'turn.failed') {
      completed = event;
      break;
    }
  }
  abort.abort();

  assert.equal(completed.type, 'turn.completed', JSON.stringify(completed.data));
  assert.deepEqual(required.map((r) => r.name).sort(), ['crm_search', 'send_mail']);
  assert.equal(new Set(answered).size, 2);
  assert.match(completed.data.text, /calls=2 outputs=2 missing=0 duplicates=0/);

  // The same result again changes nothing; a call id nobody made is a 4xx.
  const first = required.find((r) => r.name === 'crm_search');
  const repeat = await call('POST', `/v1/conversations/${id}/tool-results`, {
    call_id: first.call_id,
    output: run(first.name, JSON.parse(first.arguments)),
  });
  assert.equal(repeat.status, 200, JSON.stringify(repeat.body));
  assert.equal(repeat.body.duplicate, true);
  const unknown = await call('POST', `/v1/conversations/${id}/tool-results`, { call_id: 'call_nobody_made', output: 'x' });
  assert.ok(unknown.status >= 400 && unknown.status < 500, `unknown call id answered ${unknown.status}`);
  assert.equal(unknown.status, 404);

  const state = await call('GET', `/v1/conversations/${id}`);
  assert.equal(state.body.phase, 'Idle');
  assert.deepEqual(state.body.waiting_tool_calls, []);
  const outputs = state.body.transcript.filter((i) => i.type === 'function_call_output');
  assert.equal(outputs.length, 2);
  assert.deepEqual(JSON.parse(outputs.find((o) => o.call_id === first.call_id).output).customers.length, 2);
});

test('client tools with a name the node uses already, or an invalid one, are refused at creation', async () => {
  // get_weather is one of the demo tools that `serve` runs.
  const clash = await call('POST', '/v1/conversations', { client_tools: [{ name: 'get_weather', parameters: { type: 'object' } }] });
  assert.equal(clash.status, 400);
  assert.match(clash.body.detail, /this node runs/);
  const invalid = await call('POST', '/v1/conversations', { client_tools: [{ name: 'has space', parameters: { type: 'object' } }] });
  assert.equal(invalid.status, 400);
  assert.match(invalid.body.detail, /not valid/);
});
