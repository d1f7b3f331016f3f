/**
 * CPU time of this process per streams-tier request, by transport: `fetch` (undici + web
 * streams) against undici's `Pool.request` (the default; `node:http` with a keep-alive agent
 * before it measured 339–403 µs per append, 209–295 µs per read on the same runs). CPU (process.cpuUsage), not wall time: the tier runs as its own process (the
 * Bun streams-server), so its work is not counted, and a loaded machine changes little.
 * Run: node --import tsx bench/tier-client.bench.ts [ops]   (needs the `bun` package)
 */
import type { StreamsClient } from "../src/streams/client/types.js";
import { startStreamsBackend } from "../test/helpers/streams.js";

const OPS = Number(process.argv[2] ?? 2_000);
const WARMUP = 300;
const record = { v: 1, id: "gen:1", type: "message.delta", chatId: "c1", messageId: "m1", text: "hello there " };

/** CPU microseconds per call of `op`, over `ops` sequential calls (after a warm-up). */
async function cpuPerOp(ops: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await op(-1 - i);
  const before = process.cpuUsage();
  for (let i = 0; i < ops; i++) await op(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / ops;
}

const tier = await startStreamsBackend("bun-server");
try {
  const clients: Array<[string, StreamsClient]> = [
    ["fetch", tier.client({ fetch: globalThis.fetch })],
    ["undici Pool (now)", tier.client()],
  ];
  const rows: string[] = [];
  for (const [name, client] of clients) {
    const stream = `bench-${name.split(" ")[0]}-${Date.now()}`;
    await client.ensureStream(stream);
    let seq = 0;
    const append = await cpuPerOp(OPS, () => client.append(stream, [record], { key: "chat:c1", producer: { id: "bench", epoch: 0, seq: seq++ } }));
    const { nextOffset } = await client.read(stream, { offset: "now" });
    await client.append(stream, [record, record, record], { key: "chat:c1" });
    const read = await cpuPerOp(OPS, () => client.read(stream, { offset: nextOffset, key: "chat:c1" }));
    rows.push(`${name.padEnd(28)} ${append.toFixed(0).padStart(10)} ${read.toFixed(0).padStart(10)}`);
  }
  console.log(`streams-tier client, CPU µs per request (${OPS} sequential requests each, Bun streams-server in its own process)\n`);
  console.log(`${"transport".padEnd(28)} ${"append".padStart(10)} ${"read".padStart(10)}`);
  for (const row of rows) console.log(row);
} finally {
  await tier.stop();
}
