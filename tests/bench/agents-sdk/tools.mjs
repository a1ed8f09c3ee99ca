// The bench's four lookup tools, as src/Orchestrator/Bench/BenchTools.cs defines them: the value is FNV-1a of
// "tool:item" over UTF-8, modulo 100000, and the output is the same JSON text the engine's tools return.
import { tool } from '@openai/agents';
import { z } from 'zod';

export const toolNames = ['get_price', 'get_stock', 'get_rating', 'get_delivery_days'];

const encoder = new TextEncoder();

export function fnv1a(text) {
  let hash = 2166136261;
  for (const byte of encoder.encode(text)) {
    // Math.imul keeps the multiply in 32 bits, as uint arithmetic does in C#.
    hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  }
  return hash;
}

export function lookup(name, item) {
  return JSON.stringify({ item, value: fnv1a(`${name}:${item}`) % 100000 });
}

export function benchTools(toolLatencyMs, sleep) {
  return toolNames.map((name) =>
    tool({
      name,
      description: `Look up the ${name.slice(4).replaceAll('_', ' ')} of a catalogue item.`,
      parameters: z.object({ item: z.string().describe('Catalogue item, e.g. a product name or SKU.') }),
      execute: async ({ item }) => {
        if (toolLatencyMs > 0) await sleep(toolLatencyMs);
        return lookup(name, item);
      },
    }),
  );
}
