// Shared by the conformance tests: where the emulator is, the tools the scripted model calls, and
// the digest its final answer must carry (DESIGN.md §5).
import assert from 'node:assert/strict';

export const baseURL = process.env.EMULATOR_BASE_URL;
assert.ok(baseURL, 'EMULATOR_BASE_URL must point at a running emulator, e.g. http://127.0.0.1:8787/v1 (see run.sh)');

export const model = 'gpt-emulated';

export const weatherParameters = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['city', 'unit'],
  additionalProperties: false,
};

export const timeParameters = {
  type: 'object',
  properties: { zone: { type: 'string' } },
  required: ['zone'],
  additionalProperties: false,
};

/** The Responses API function tools, as the `openai` client sends them. */
export const responsesTools = [
  { type: 'function', name: 'get_weather', description: 'Weather in a city.', parameters: weatherParameters, strict: true },
  { type: 'function', name: 'get_time', description: 'Local time in a zone.', parameters: timeParameters, strict: true },
];

/** What the scripted model reports after `rounds` rounds of `calls` parallel calls, every call answered once. */
export function digest(calls, rounds) {
  const total = calls * rounds;
  return `calls=${total} outputs=${total} missing=0 duplicates=0`;
}

/** The text of a response's assistant messages. */
export function outputText(response) {
  return response.output
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content)
    .filter((part) => part.type === 'output_text')
    .map((part) => part.text)
    .join('');
}
