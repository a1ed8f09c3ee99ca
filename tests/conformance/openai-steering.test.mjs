// The `openai` package's Responses WebSocket client against the emulator's newest protocol: response.steer,
// in-band compaction (compaction_trigger) and prompt_cache_options. Every shape check below is written from the
// client's types (node_modules/openai/resources/responses/responses.d.ts), not from the emulator's code.
// Steering needs a response that runs while the client steers it, so those tests start their own emulator with a
// model latency (and a model without steering) from the build run.sh makes; the others use run.sh's emulator.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { baseURL, model } from './support.mjs';

const OPEN = 1;
// Events answer over loopback in milliseconds; seconds leave a wide margin on a loaded machine.
const EVENT_TIMEOUT_MS = 30_000;
// The model 'thinks' this long before its first output item: the window in which the test steers.
const MODEL_LATENCY_MS = 1500;
const modelWithoutSteering = 'gpt-emulated-no-steering';
const emulatorDll = fileURLToPath(new URL('../../src/Orchestrator/bin/Release/net10.0/orchestrator.dll', import.meta.url));

let slowEmulator;
after(() => slowEmulator?.process.kill());

/** An emulator of this file's own, with a model latency and one model without steering; started once. */
async function slowBaseURL() {
  if (slowEmulator) {
    return slowEmulator.baseURL;
  }

  assert.ok(existsSync(emulatorDll), `${emulatorDll} is missing: run tests/conformance/run.sh, which builds it`);
  const child = spawn('dotnet', [emulatorDll, 'emulator', '--host', '127.0.0.1', '--port', '0',
    '--model-latency-ms', String(MODEL_LATENCY_MS), '--models-without-steering', modelWithoutSteering], { stdio: ['ignore', 'pipe', 'pipe'] });
  slowEmulator = { process: child, baseURL: null };
  let output = '';
  slowEmulator.baseURL = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start in time:\n${output}`)), EVENT_TIMEOUT_MS);
    const read = (chunk) => {
      output += chunk;
      const match = /base URL (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}):\n${output}`));
    });
  });
  return slowEmulator.baseURL;
}

/** An open ResponsesWS with every server event recorded in order; `waitFor` resolves with the first match. */
async function connect(url) {
  const client = new OpenAI({ apiKey: 'sk-conformance', baseURL: url, maxRetries: 0 });
  const ws = new ResponsesWS(client);
  const events = [];
  const waiters = new Set();
  const notify = () => {
    for (const waiter of waiters) {
      waiter();
    }
  };
  ws.on('event', (event) => {
    events.push(event);
    notify();
  });
  ws.on('error', (error) => {
    events.push({ type: 'client_error', error });
    notify();
  });
  if (ws.socket.readyState !== OPEN) {
    await new Promise((resolve, reject) => {
      ws.socket.on('open', resolve);
      ws.socket.on('error', reject);
    });
  }

  /** The first recorded event (from index `from`) that matches, waiting for it within the time limit. */
  function waitFor(predicate, what, from = 0) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const index = events.findIndex((event, i) => i >= from && predicate(event));
        if (index >= 0) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(events[index]);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${EVENT_TIMEOUT_MS} ms; events: ${events.map((e) => e.type).join(', ')}`));
      }, EVENT_TIMEOUT_MS);
      waiters.add(check);
      check();
    });
  }

  return { ws, events, waitFor };
}

// Shape checks from the .d.ts: `required` and `optional` map each declared field to a check of its value; a field
// the type does not declare is a difference too.
const isString = (value) => typeof value === 'string';
const isNumber = (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const is = (literal) => (value) => value === literal;

function assertShape(value, required, optional, name) {
  assert.equal(typeof value, 'object', `${name} is an object`);
  assert.notEqual(value, null, `${name} is an object`);
  for (const [field, check] of Object.entries(required)) {
    assert.ok(field in value, `${name}.${field} is required by the client's types; got ${JSON.stringify(value)}`);
    assert.ok(check(value[field]), `${name}.${field} has the type the client declares; got ${JSON.stringify(value[field])}`);
  }

  for (const [field, fieldValue] of Object.entries(value)) {
    if (field in required) {
      continue;
    }

    assert.ok(field in optional, `${name}.${field} is not declared by the client's types`);
    assert.ok(fieldValue === undefined || optional[field](fieldValue), `${name}.${field} has the type the client declares; got ${JSON.stringify(fieldValue)}`);
  }
}

/** ResponseSteerAcceptedEvent (and its Steer). */
function assertSteerAccepted(event) {
  assertShape(event, {
    sequence_number: isNumber,
    steer: (steer) => {
      assertShape(steer, { id: isString, previous_response_id: isString }, {}, 'response.steer.accepted.steer');
      return true;
    },
    type: is('response.steer.accepted'),
  }, { stream_id: isString }, 'response.steer.accepted');
}

/** ResponseSteerFailedEvent (its Error and Steer; Steer.input returns the uncommitted input). */
function assertSteerFailed(event) {
  assertShape(event, {
    error: (error) => {
      assertShape(error, { code: isString, message: isString, type: is('invalid_request_error') }, {}, 'response.steer.failed.error');
      return true;
    },
    sequence_number: isNumber,
    steer: (steer) => {
      assertShape(steer, { input: (input) => isString(input) || Array.isArray(input), previous_response_id: isString }, { id: isString }, 'response.steer.failed.steer');
      return true;
    },
    type: is('response.steer.failed'),
  }, { stream_id: isString }, 'response.steer.failed');
}

/** ResponsesServerEvent.ResponseWsCreated, …WsCompleted, …WsIncomplete: {response, sequence_number, type, stream_id?}. */
function assertResponseEvent(event, type) {
  assertShape(event, { response: (response) => typeof response === 'object' && isString(response.id), sequence_number: isNumber, type: is(type) }, { stream_id: isString }, type);
}

const terminal = (event) => ['response.completed', 'response.incomplete', 'response.failed'].includes(event.type);

test('response.steer after response.created is accepted and the successor\'s response.created commits it', async () => {
  const { ws, events, waitFor } = await connect(await slowBaseURL());
  try {
    ws.send({ type: 'response.create', model, input: 'first question', store: false });
    const created = await waitFor((e) => e.type === 'response.created', 'response.created');
    assertResponseEvent(created, 'response.created');
    const target = created.response.id;

    /** @type {import('openai/resources/responses/responses').ResponseSteerEvent} */
    const steer = { type: 'response.steer', previous_response_id: target, input: [{ type: 'message', role: 'user', content: 'actually, answer this instead' }] };
    ws.send(steer);
    const accepted = await waitFor((e) => e.type.startsWith('response.steer.'), 'response.steer.accepted');
    assert.equal(accepted.type, 'response.steer.accepted', JSON.stringify(accepted));
    assertSteerAccepted(accepted);
    assert.equal(accepted.steer.previous_response_id, target);

    const successor = await waitFor((e) => e.type === 'response.created' && e.response.id !== target, 'the successor\'s response.created');
    assertResponseEvent(successor, 'response.created');
    assert.equal(successor.response.previous_response_id, target, 'the successor continues from the steered response');
    assert.ok(events.indexOf(accepted) < events.indexOf(successor), 'acceptance comes before the commit point');

    // The steered response ends before the successor starts: incomplete as `steered`, or completed.
    const ended = events.find((e) => terminal(e) && e.response.id === target);
    assert.ok(ended && events.indexOf(ended) < events.indexOf(successor), 'the steered response ends before its successor is created');
    if (ended.type === 'response.incomplete') {
      assertResponseEvent(ended, 'response.incomplete');
      assert.equal(ended.response.status, 'incomplete');
      assert.equal(ended.response.incomplete_details.reason, 'steered');
    }

    const done = await waitFor((e) => terminal(e) && e.response.id === successor.response.id, 'the successor\'s end');
    assertResponseEvent(done, 'response.completed');
    const text = done.response.output.filter((item) => item.type === 'message').flatMap((item) => item.content).map((part) => part.text).join('');
    assert.match(text, /actually, answer this instead/, 'the successor answers the steering input');
  } finally {
    ws.close();
  }
});

test('response.steer on a model without steering fails with steering_not_supported and no successor', async () => {
  const { ws, events, waitFor } = await connect(await slowBaseURL());
  try {
    ws.send({ type: 'response.create', model: modelWithoutSteering, input: 'first question', store: false });
    const created = await waitFor((e) => e.type === 'response.created', 'response.created');
    const target = created.response.id;
    const input = [{ type: 'message', role: 'user', content: 'a correction' }];
    ws.send({ type: 'response.steer', previous_response_id: target, input });

    const failed = await waitFor((e) => e.type.startsWith('response.steer.'), 'response.steer.failed');
    assert.equal(failed.type, 'response.steer.failed', JSON.stringify(failed));
    assert.equal(failed.error.code, 'steering_not_supported');
    assert.equal(failed.steer.previous_response_id, target);
    assertSteerFailed(failed);
    assert.deepEqual(failed.steer.input, input, 'the failure returns the uncommitted input');

    const done = await waitFor((e) => terminal(e) && e.response.id === target, 'the response\'s end');
    assert.equal(done.type, 'response.completed');
    assert.equal(events.filter((e) => e.type === 'response.created').length, 1, 'no successor');
  } finally {
    ws.close();
  }
});

test('a compaction_trigger last in the input yields response.compaction.compacting and a compaction item', async () => {
  const { ws, waitFor } = await connect(baseURL);
  try {
    ws.send({ type: 'response.create', model, input: 'remember the number 42', store: false });
    const first = await waitFor((e) => e.type === 'response.completed', 'the first response');
    ws.send({
      type: 'response.create',
      model,
      previous_response_id: first.response.id,
      input: [{ type: 'message', role: 'user', content: 'go on' }, { type: 'compaction_trigger' }],
      store: false,
    });
    const compactedCreated = await waitFor((e) => e.type === 'response.created' && e.response.id !== first.response.id, 'response.created');
    const id = compactedCreated.response.id;
    const compacting = await waitFor((e) => e.type === 'response.compaction.compacting', 'response.compaction.compacting');
    assertShape(compacting, { item_id: isString, output_index: isNumber, sequence_number: isNumber, type: is('response.compaction.compacting') }, {}, 'response.compaction.compacting');

    const done = await waitFor((e) => terminal(e) && e.response.id === id, 'the compacting response\'s end');
    assert.equal(done.type, 'response.completed', JSON.stringify(done));
    const item = done.response.output[compacting.output_index];
    assert.ok(item, 'the output holds the announced compaction item');
    assertShape(item, { id: is(compacting.item_id), encrypted_content: isString, type: is('compaction') }, { created_by: isString }, 'the compaction item');
  } finally {
    ws.close();
  }
});

test('prompt_cache_options with prewarm: true is accepted and generates nothing', async () => {
  const { ws, waitFor } = await connect(baseURL);
  try {
    ws.send({
      type: 'response.create',
      model,
      input: 'warm this prefix',
      store: false,
      prompt_cache_options: { mode: 'implicit', ttl: '30m', prewarm: true },
    });
    const done = await waitFor((e) => terminal(e) || e.type === 'error' || e.type === 'client_error', 'the prewarm\'s end');
    assert.equal(done.type, 'response.completed', JSON.stringify(done));
    assert.deepEqual(done.response.output, [], 'a prewarm generates no output');
    if (done.response.prompt_cache_options != null) {
      assertShape(done.response.prompt_cache_options, { mode: is('implicit'), ttl: is('30m') }, { comparison_response_id: (v) => v === null || isString(v) }, 'response.prompt_cache_options');
    }

    // The prewarmed response is a place to continue from.
    ws.send({ type: 'response.create', model, previous_response_id: done.response.id, input: 'hello', store: false });
    const next = await waitFor((e) => terminal(e) && e.response.id !== done.response.id, 'the continuation\'s end');
    assert.equal(next.type, 'response.completed', JSON.stringify(next));
    assert.ok(next.response.output.length > 0, 'the continuation generates');
  } finally {
    ws.close();
  }
});
