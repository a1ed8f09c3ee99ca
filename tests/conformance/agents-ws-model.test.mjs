// @openai/agents with its Responses WebSocket model (OpenAIResponsesWSModel) against the emulator:
// 20 agent runs at once, each a 3-round loop of parallel tool calls executed by the SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import OpenAI from 'openai';
import { Agent, run, tool, setTracingDisabled } from '@openai/agents';
import { OpenAIResponsesWSModel } from '@openai/agents-openai';
import { baseURL, model, weatherParameters, timeParameters, digest } from './support.mjs';

// Node 20 has no global WebSocket, and the SDK needs one that sends headers: the `ws` package's.
globalThis.WebSocket ??= WebSocket;
// Traces would be exported to the real API; these tests stay on loopback.
setTracingDisabled(true);

const CALLS = 3;
const ROUNDS = 3;
const CONVERSATIONS = 20;

const tools = [
  tool({ name: 'get_weather', description: 'Weather in a city.', parameters: weatherParameters, strict: true, execute: async ({ city, unit }) => `${city}: 21 degrees ${unit}` }),
  tool({ name: 'get_time', description: 'Local time in a zone.', parameters: timeParameters, strict: true, execute: async ({ zone }) => `${zone}: 12:00` }),
];

test(`the Agents SDK runs ${CONVERSATIONS} concurrent tool-loop conversations over Responses WebSockets`, async () => {
  const client = new OpenAI({ apiKey: 'sk-conformance', baseURL, maxRetries: 0 });
  const models = [];
  try {
    const results = await Promise.all(Array.from({ length: CONVERSATIONS }, async (_, index) => {
      const wsModel = new OpenAIResponsesWSModel(client, model);
      models.push(wsModel);
      const agent = new Agent({ name: `agent-${index}`, instructions: 'Use the tools.', model: wsModel, tools });
      return run(agent, `conversation ${index}: tools:${CALLS} rounds:${ROUNDS}`, { maxTurns: ROUNDS + 2 });
    }));

    for (const result of results) {
      assert.match(String(result.finalOutput), new RegExp(digest(CALLS, ROUNDS)));
      const toolOutputs = result.newItems.filter((item) => item.type === 'tool_call_output_item');
      assert.equal(toolOutputs.length, CALLS * ROUNDS, 'the SDK ran every call');
    }
  } finally {
    await Promise.all(models.map((wsModel) => wsModel.close()));
  }
});
