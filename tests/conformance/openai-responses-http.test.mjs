// The `openai` package's plain HTTP Responses client against the emulator's POST /v1/responses:
// the streaming call (Server-Sent Events) and the non-streaming call each run a tool loop.
// Over HTTP there is no connection cache: a store=true chain continues by previous_response_id,
// a store=false loop resends the whole context each round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { baseURL, model, responsesTools, outputText } from './support.mjs';

const CALLS = 2;
const ROUNDS = 2;
const FINAL_TEXT = `Done: ran ${CALLS * ROUNDS} tool calls over ${ROUNDS} rounds. calls=${CALLS * ROUNDS} outputs=${CALLS * ROUNDS} missing=0 duplicates=0`;

const client = new OpenAI({ apiKey: 'sk-conformance', baseURL, maxRetries: 0 });

/** One streamed response: the event types in order and the final response. */
async function streamed(body) {
  const stream = await client.responses.create({ ...body, stream: true });
  const types = [];
  let final;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.completed') {
      final = event.response;
    }
  }

  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  assert.ok(final, 'the stream ends with response.completed');
  return final;
}

async function nonStreamed(body) {
  const response = await client.responses.create(body);
  assert.equal(response.object, 'response');
  return response;
}

/** Runs the scripted loop; `chained` continues by previous_response_id (store=true), else resends the context (store=false). */
async function toolLoop(send, chained) {
  const context = [{ role: 'user', content: `Compare the cities. tools:${CALLS} rounds:${ROUNDS}` }];
  let response = await send({ model, input: context, tools: responsesTools, store: chained });
  let rounds = 0;
  for (;;) {
    assert.equal(response.status, 'completed');
    const calls = response.output.filter((item) => item.type === 'function_call');
    if (calls.length === 0) {
      return { response, rounds };
    }

    rounds += 1;
    assert.equal(calls.length, CALLS, 'the parallel calls of one round');
    const outputs = calls.map((call) => ({ type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ ok: JSON.parse(call.arguments) }) }));
    if (chained) {
      response = await send({ model, previous_response_id: response.id, input: outputs, tools: responsesTools, store: true });
    } else {
      context.push(...response.output, ...outputs);
      response = await send({ model, input: context, tools: responsesTools, store: false });
    }
  }
}

for (const [name, send] of [['streaming', streamed], ['non-streaming', nonStreamed]]) {
  for (const chained of [true, false]) {
    test(`responses.create (${name}) runs a tool loop over HTTP, ${chained ? 'chained with store=true' : 'resending the context with store=false'}`, async () => {
      const { response, rounds } = await toolLoop(send, chained);
      assert.equal(rounds, ROUNDS);
      assert.equal(outputText(response), FINAL_TEXT);
    });
  }
}

test('over HTTP a store=false response cannot be continued: 400 previous_response_not_found', async () => {
  const first = await streamed({ model, input: 'hello', store: false });
  await assert.rejects(
    client.responses.create({ model, previous_response_id: first.id, input: 'again', store: false, stream: true }),
    (error) => error instanceof OpenAI.BadRequestError && error.code === 'previous_response_not_found',
  );
});
