import { hex } from './fkvs.js';
import type { FrameClient } from './server-process.js';

/** INFO over the client: each "name: value " line as name → value. */
export async function serverInfo(client: FrameClient): Promise<Map<string, string>> {
  client.send(hex('00 01 07'));
  const [frame] = await client.frames(1);
  const text = hex(frame).subarray(5).toString('latin1');
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2).trimEnd());
  }
  return fields;
}

/** One numeric INFO field ("keys", "connected clients"...); throws when INFO lacks it. */
export async function infoNumber(client: FrameClient, name: string): Promise<number> {
  const value = (await serverInfo(client)).get(name);
  if (value === undefined) throw new Error(`INFO has no field '${name}'`);
  return Number(value);
}

/**
 * Asks INFO every pollMs until the field equals expected; rejects after timeoutMs with the last
 * value seen. Returns how long it took.
 */
export async function awaitInfoNumber(
  client: FrameClient,
  name: string,
  expected: number,
  timeoutMs: number,
  pollMs = 20,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const value = await infoNumber(client, name);
    if (value === expected) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`INFO ${name}: ${value} after ${timeoutMs} ms, expected ${expected}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
