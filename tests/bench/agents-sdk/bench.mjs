// The Agents SDK peer of `orchestrator-bench`: the same scenario (C concurrent conversations, R rounds of N
// parallel tool calls) against the same emulator, through @openai/agents' Responses WebSocket model.
// Prints one JSON object on stdout; orchestrator-bench starts this script with --peer agents-sdk.
//
//   node bench.mjs --base-url http://127.0.0.1:PORT/v1 --conversations C --rounds R --tools N [--tool-latency-ms T]
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import OpenAI from 'openai';
import { Agent, run, setTracingDisabled } from '@openai/agents';
import { OpenAIResponsesWSModel } from '@openai/agents-openai';
import { benchTools } from './tools.mjs';

// Node 20 has no global WebSocket that takes headers; the SDK looks for globalThis.WebSocket.
globalThis.WebSocket = WebSocket;
// Tracing would export spans to the network; the bench talks to loopback only.
setTracingDisabled(true);

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    conversations: { type: 'string' },
    rounds: { type: 'string' },
    tools: { type: 'string' },
    'tool-latency-ms': { type: 'string', default: '0' },
    'warm-up': { type: 'string', default: '32' },
  },
});

const baseURL = values['base-url'];
const conversations = Number(values.conversations);
const rounds = Number(values.rounds);
const calls = Number(values.tools);
const toolLatencyMs = Number(values['tool-latency-ms']);
if (!baseURL || !new URL(baseURL).hostname.match(/^(127\.0\.0\.1|localhost|\[::1\])$/)) {
  throw new Error('--base-url must be a loopback URL, e.g. http://127.0.0.1:8787/v1');
}
for (const [name, value] of Object.entries({ conversations, rounds, tools: calls })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

const message = `compare catalogue items tools:${calls} rounds:${rounds}`;
const digest = `calls=${rounds * calls} outputs=${rounds * calls} missing=0 duplicates=0`;
const client = new OpenAI({ apiKey: 'bench-no-key', baseURL });
const tools = benchTools(toolLatencyMs, sleep);

// One agent and one model (one reused socket) per conversation, as an application serving many users would run it.
async function conversation() {
  const model = new OpenAIResponsesWSModel(client, 'gpt-5.1', { reuseConnection: true });
  try {
    const agent = new Agent({ name: 'bench', instructions: 'Use the tools when they help, and answer concisely.', model, tools });
    const result = await run(agent, message, { maxTurns: rounds + 2 });
    const turns = result.rawResponses.length;
    const text = String(result.finalOutput ?? '');
    return text.includes(digest) ? { ok: true, turns } : { ok: false, reason: `wrong digest in "${text}", expected ${digest}` };
  } catch (error) {
    return { ok: false, reason: String(error?.message ?? error) };
  } finally {
    await model.close();
  }
}

async function load(count) {
  return Promise.all(Array.from({ length: count }, () => conversation()));
}

const warmUp = await load(Math.min(Number(values['warm-up']), conversations));
const warmUpFailure = warmUp.find((r) => !r.ok);
if (warmUpFailure) throw new Error(`the warm-up failed: ${warmUpFailure.reason}`);

const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const results = await load(conversations);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);

const completed = results.filter((r) => r.ok);
process.stdout.write(
  JSON.stringify({
    conversations,
    completed: completed.length,
    failed: results.length - completed.length,
    turns: completed.reduce((sum, r) => sum + r.turns, 0),
    seconds,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    // resourceUsage().maxRSS is in kilobytes and covers the whole process life, warm-up included.
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    first_failure: results.find((r) => !r.ok)?.reason ?? null,
  }) + '\n',
);
