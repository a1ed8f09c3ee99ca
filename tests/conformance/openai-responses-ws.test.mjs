// The `openai` package's Responses WebSocket client (ResponsesWS, with its lane session helper)
// against the emulator: tool loops continued through previous_response_id on one connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { ResponsesWebSocketSession } from 'openai/lib/responses/responses-websocket-session';
import { baseURL, model, responsesTools, digest, outputText } from './support.mjs';

const CALLS = 3;
const ROUNDS = 3;

const OPEN = 1;

/** A connected client with its lane session; the session sends only on an open socket. */
async function connect() {
  const client = new OpenAI({ apiKey: 'sk-conformance', baseURL, maxRetries: 0 });
  const ws = new ResponsesWS(client);
  if (ws.socket.readyState !== OPEN) {
    await new Promise((resolve, reject) => {
      ws.socket.on('open', resolve);
      ws.on('error', reject);
    });
  }

  const session = new ResponsesWebSocketSession(ws, { maxLanes: 8, maxBufferedEvents: 100_000, maxBufferedBytes: 64 * 1024 * 1024 });
  return { ws, session };
}

/** Runs the scripted tool loop on one lane; returns the final response and the rounds it took. */
async function toolLoop(lane) {
  lane.create({ model, input: `tools:${CALLS} rounds:${ROUNDS}`, tools: responsesTools, store: false, instructions: 'Use the tools.' });
  let response = await lane.finalResponse();
  let rounds = 0;
  for (;;) {
    assert.equal(response.status, 'completed');
    const calls = response.output.filter((item) => item.type === 'function_call');
    if (calls.length === 0) {
      return { response, rounds };
    }

    rounds += 1;
    assert.equal(calls.length, CALLS, 'the parallel calls of one round');
    for (const call of calls) {
      assert.doesNotThrow(() => JSON.parse(call.arguments), 'arguments are JSON');
    }

    lane.create({
      model,
      previous_response_id: response.id,
      input: calls.map((call) => ({ type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ ok: call.name }) })),
      tools: responsesTools,
      store: false,
    });
    response = await lane.finalResponse();
  }
}

test('ResponsesWS runs a 3-round loop of parallel tool calls on the default lane', async () => {
  const { ws, session } = await connect();
  try {
    const { response, rounds } = await toolLoop(session.lane());
    assert.equal(rounds, ROUNDS);
    assert.match(outputText(response), new RegExp(digest(CALLS, ROUNDS)));
    assert.ok(response.usage.input_tokens_details.cached_tokens > 0, 'continuations hit the connection cache');
  } finally {
    session.close();
    ws.close();
  }
});

test('ResponsesWS runs tool loops on two stream_id lanes of one connection at once', async () => {
  const { ws, session } = await connect();
  try {
    const results = await Promise.all([toolLoop(session.lane('lane-a')), toolLoop(session.lane('lane-b'))]);
    for (const { response, rounds } of results) {
      assert.equal(rounds, ROUNDS);
      assert.match(outputText(response), new RegExp(digest(CALLS, ROUNDS)));
    }
  } finally {
    session.close();
    ws.close();
  }
});

test('ResponsesWS sees previous_response_not_found for an id the connection does not hold', async () => {
  const { ws, session } = await connect();
  try {
    const lane = session.lane();
    lane.create({ model, input: 'hello', previous_response_id: 'resp_unknown', store: false });
    const event = await lane.receive();
    assert.equal(event.type, 'error');
    assert.equal(event.status, 400);
    assert.equal(event.error.code, 'previous_response_not_found');
  } finally {
    session.close();
    ws.close();
  }
});
